"""18.0.1.9.0: target-account links move out of crm_lead.

Matching a list re-links up to every lead at once; on crm_lead each link
rewrote a wide row and an entry in each of its indexes. The links now live
in the narrow table crm_lead_target (created by the update: crm.lead's
init). They are copied there in one statement, then the old columns (and
their indexes) are dropped: the ORM keeps the columns of fields it no
longer stores."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'crm_lead' AND column_name = 'target_partner_id'"""
    )
    if cr.rowcount:
        cr.execute(
            """INSERT INTO crm_lead_target (lead_id, partner_id, account_id, tier)
               SELECT l.id, l.target_partner_id, a.id, l.target_tier
                 FROM crm_lead l
                 JOIN res_partner p ON p.id = l.target_partner_id
            LEFT JOIN crm_target_account a ON a.id = l.target_account_id
                WHERE l.target_partner_id IS NOT NULL
               ON CONFLICT (lead_id) DO NOTHING"""
        )
    cr.execute(
        """ALTER TABLE crm_lead DROP COLUMN IF EXISTS target_partner_id,
                                DROP COLUMN IF EXISTS target_account_id,
                                DROP COLUMN IF EXISTS target_tier"""
    )
