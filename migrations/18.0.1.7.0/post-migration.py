"""18.0.1.7.0: engagement scores move out of crm_lead.

The hourly re-score rewrote every engaged lead's row of crm_lead (a wide
row and an entry in each of its indexes); the scores now live in the
narrow table crm_lead_engagement, created by the update (crm.lead's init).
They are copied there in one statement, then the old columns (and their
indexes) are dropped: the ORM keeps the columns of fields that no longer
exist."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'crm_lead'
              AND column_name = 'engagement_definition_id'"""
    )
    if cr.rowcount:
        cr.execute(
            """INSERT INTO crm_lead_engagement (lead_id, definition_id, score, grade)
               SELECT id, engagement_definition_id, COALESCE(engagement_score, 0),
                      COALESCE(engagement_grade, '4')
                 FROM crm_lead
                WHERE engagement_definition_id IS NOT NULL
               ON CONFLICT (lead_id) DO NOTHING"""
        )
    # (an upgrade from before 18.0.1.6.0 made lead_grade only)
    cr.execute(
        """ALTER TABLE crm_lead DROP COLUMN IF EXISTS engagement_score,
                                DROP COLUMN IF EXISTS engagement_grade,
                                DROP COLUMN IF EXISTS engagement_definition_id,
                                DROP COLUMN IF EXISTS lead_grade"""
    )
