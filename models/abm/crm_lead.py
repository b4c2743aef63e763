from odoo import api, fields, models, tools
from odoo.tools import SQL, create_index

from ..common.lead_table_apart import (
    cache_computed,
    join_lead_table,
    origin_ids,
    search_lead_table,
)
from ..common.uninstall import module_being_removed
from .company_domain import normalized_email_company_domain

TIERS = [("1", "Tier 1"), ("2", "Tier 2"), ("3", "Tier 3")]
# Fields whose change can move a lead to another target account.
LEAD_MATCH_FIELDS = ("partner_id", "email_from", "company_id")
# (made by crm.target.account's init: its table must exist first)
TARGET_TABLE = """
CREATE TABLE IF NOT EXISTS crm_lead_target (
    lead_id integer PRIMARY KEY REFERENCES crm_lead (id) ON DELETE CASCADE,
    partner_id integer NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
    account_id integer REFERENCES crm_target_account (id) ON DELETE SET NULL,
    tier varchar
);
CREATE INDEX IF NOT EXISTS crm_lead_target_partner_id_index
    ON crm_lead_target (partner_id);
CREATE INDEX IF NOT EXISTS crm_lead_target_account_id_index
    ON crm_lead_target (account_id) WHERE account_id IS NOT NULL"""
# what the matching statement reads of other models (flushed before it
# runs; the leads' own columns are flushed apart)
MATCH_READS = {
    "res.partner": [
        "commercial_partner_id",
        "email_company_domain",
        "website_company_domain",
    ],
    "crm.target.account": ["list_id", "partner_id", "tier"],
    "crm.target.account.list": ["active", "company_id", "date_start", "state"],
    "crm.free.mail.domain": ["active", "name"],
}
# lead field -> its value in crm_lead_target (the tier is the account's)
TARGET_FIELDS = ("target_partner_id", "target_account_id", "target_tier")
# Only leads without a partner match by e-mail domain: the index holds them
# alone, so the leads with a partner (most of a running CRM) pay no index
# entry for their domain on each create or update.
EMAIL_DOMAIN_INDEX = "crm_lead_alignment_email_company_domain_index"


class CrmLead(models.Model):
    """Leads meet target accounts: each lead points at the account of its
    company (commercial partner) or, without a partner, of the company whose
    e-mail or website domain is the lead's e-mail domain.

    The link is kept by one SQL statement (``_target_account_match``) run
    when leads, companies, accounts, lists or the free-mail list change: a
    stored compute would have to depend on every account of every list."""

    _inherit = "crm.lead"
    _guarded_stored_apart = TARGET_FIELDS

    email_company_domain = fields.Char(
        prefetch="crm_alignment",
        compute="_compute_email_company_domain",
        store=True,
        help="Registrable domain of the e-mail (eu.acme.co.uk gives acme.co.uk).",
    )
    # Not columns of crm_lead: matching a list re-links up to every lead at
    # once, and on crm_lead that rewrites a wide row and an entry in each of
    # its fifty indexes per lead. The links live in the narrow table
    # crm_lead_target (one row per lead that belongs to a target company);
    # _field_to_sql joins it, so they are searched, grouped and sorted in SQL
    # like stored fields. A deleted lead or company takes its row with it, a
    # deleted account leaves the lead on its company without an account.
    target_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Target Company",
        compute="_compute_target",
        search="_search_target_partner_id",
        help="Company on a target-account list (in any state) this lead belongs to.",
    )
    target_account_id = fields.Many2one(
        comodel_name="crm.target.account",
        string="Target Account",
        compute="_compute_target",
        search="_search_target_account_id",
        help="The account of the lead's company in an agreed or active list: "
        "the best tier, then the most recent list.",
    )
    target_tier = fields.Selection(
        selection=TIERS,
        compute="_compute_target",
        search="_search_target_tier",
        help="Tier of the target account.",
    )

    def init(self):
        result = super().init()
        create_index(
            self.env.cr,
            EMAIL_DOMAIN_INDEX,
            self._table,
            ["email_company_domain"],
            where="email_company_domain IS NOT NULL AND partner_id IS NULL",
        )
        return result

    # From the address mail's blacklist mixin normalized already: crm
    # recomputes a lead's e-mail fields each time a lead of the same
    # customer changes the customer's address (six times a lead in the
    # bench's import), and normalizing it again each time took 0.25 s of
    # 2,000 leads' create instead of 0.09.
    @api.depends("email_normalized")
    def _compute_email_company_domain(self):
        for lead in self:
            lead.email_company_domain = normalized_email_company_domain(
                lead.email_normalized
            )

    def _compute_target(self):
        rows = {}
        ids = origin_ids(self)
        lead_ids = [lead_id for lead_id in ids if lead_id]
        if lead_ids:
            self.env.cr.execute(
                """SELECT lead_id, partner_id, account_id,
                          CASE WHEN account_id IS NOT NULL THEN tier END
                     FROM crm_lead_target WHERE lead_id = ANY(%s)""",
                [lead_ids],
            )
            rows = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        values = [rows.get(lead_id, (False,) * 3) for lead_id in ids]
        cache_computed(
            self,
            {
                "target_partner_id": [partner for partner, _acc, _tier in values],
                "target_account_id": [account for _p, account, _tier in values],
                "target_tier": [tier for _partner, _account, tier in values],
            },
        )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname not in TARGET_FIELDS:
            return super()._field_to_sql(alias, fname, query, flush)
        target = join_lead_table(self, alias, fname, query, "crm_lead_target")
        if fname == "target_partner_id":
            return SQL.identifier(target, "partner_id")
        if fname == "target_account_id":
            return SQL.identifier(target, "account_id")
        return SQL(
            "CASE WHEN %s IS NOT NULL THEN %s END",
            SQL.identifier(target, "account_id"),
            SQL.identifier(target, "tier"),
        )

    def _search_target_field(self, fname, operator, value):
        comodel = {
            "target_partner_id": "res.partner",
            "target_account_id": "crm.target.account",
        }.get(fname)
        return search_lead_table(self, fname, operator, value, comodel=comodel)

    def _search_target_partner_id(self, operator, value):
        return self._search_target_field("target_partner_id", operator, value)

    def _search_target_account_id(self, operator, value):
        return self._search_target_field("target_account_id", operator, value)

    def _search_target_tier(self, operator, value):
        return self._search_target_field("target_tier", operator, value)

    # CRUD hooks (called by crm.lead's create and write)

    def _target_account_after_create(self):
        if self._target_accounts_exist():
            self._target_account_match()

    def _target_account_after_write(self, vals):
        if any(field in vals for field in LEAD_MATCH_FIELDS):
            if self._target_accounts_exist():
                self._target_account_match()

    @api.model
    @tools.ormcache()
    def _target_accounts_exist(self):
        """Keeps leads' and partners' writes free of matching when ABM is not
        used; cached (crm writes partners one by one when leads are created),
        cleared when the first account comes or the last one goes."""
        self.env.cr.execute("SELECT 1 FROM crm_target_account LIMIT 1")
        return bool(self.env.cr.rowcount)

    def action_open_target_account(self):
        self.ensure_one()
        return self.target_account_id.get_formview_action()

    @api.model
    def _target_account_match(self, partner_ids=(), domains=(), all_leads=False):
        """Re-link leads to their target account in one UPDATE.

        Scope: the leads in ``self``, the leads of the given companies (by
        commercial partner or previous link), the leads without a partner whose
        e-mail domain is one of ``domains``; or every lead with ``all_leads``.
        :returns: ids of the leads whose link changed
        """
        domains = [domain for domain in domains if domain]
        partner_ids = list(partner_ids)
        if not (all_leads or self.ids or partner_ids or domains):
            return []
        if module_being_removed(self.env, ["crm_alignment"]):
            # the module's own records go with it: so do the links (the
            # uninstall hook dropped their table first)
            return []
        self._target_match_flush()
        if all_leads:
            scope = SQL("TRUE")
        else:
            # One index-friendly branch per key: an OR of them would scan
            # every lead on each create.
            branches = []
            if self.ids:
                branches.append(
                    SQL("SELECT id FROM crm_lead WHERE id = ANY(%s)", self.ids)
                )
            if partner_ids:
                branches.append(
                    SQL(
                        "SELECT lead_id FROM crm_lead_target"
                        " WHERE partner_id = ANY(%s)",
                        partner_ids,
                    )
                )
                branches.append(
                    SQL(
                        """SELECT cl.id FROM crm_lead cl
                             JOIN res_partner cp ON cp.id = cl.partner_id
                            WHERE cp.commercial_partner_id = ANY(%s)""",
                        partner_ids,
                    )
                )
            if domains:
                # a lead with a partner matches by its company, never by
                # domain (the candidate query below): those by domain are
                # the ones without a partner, read from their own index
                branches.append(
                    SQL(
                        """SELECT id FROM crm_lead
                            WHERE email_company_domain = ANY(%s)
                              AND partner_id IS NULL""",
                        domains,
                    )
                )
            scope = SQL("l.id IN (%s)", SQL(" UNION ").join(branches))
        self.env.cr.execute(
            SQL(
                """
            WITH scope AS (
                SELECT l.id, l.company_id, l.email_company_domain AS domain,
                       p.commercial_partner_id
                  FROM crm_lead l
             LEFT JOIN res_partner p ON p.id = l.partner_id
                 WHERE %(scope)s
            ), account AS (
                SELECT a.id, a.partner_id, a.tier, tl.company_id, tl.date_start,
                       tl.id AS list_id, tl.state IN ('agreed', 'active') AS live,
                       c.email_company_domain, c.website_company_domain
                  FROM crm_target_account a
                  JOIN crm_target_account_list tl ON tl.id = a.list_id AND tl.active
                  JOIN res_partner c ON c.id = a.partner_id
            ), account_domain AS (
                SELECT DISTINCT account.*, d.domain
                  FROM account
                 CROSS JOIN LATERAL (VALUES (account.email_company_domain),
                                            (account.website_company_domain)) d(domain)
                 WHERE d.domain IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM crm_free_mail_domain f
                                    WHERE f.name = d.domain AND f.active)
            ), candidate AS (
                SELECT s.id AS lead_id, account.id, account.partner_id, account.tier,
                       account.live, account.date_start, account.list_id
                  FROM scope s
                  JOIN account ON account.partner_id = s.commercial_partner_id
                 WHERE s.company_id IS NULL OR s.company_id = account.company_id
                 UNION ALL
                SELECT s.id, ad.id, ad.partner_id, ad.tier, ad.live, ad.date_start,
                       ad.list_id
                  FROM scope s
                  JOIN account_domain ad ON ad.domain = s.domain
                 WHERE s.commercial_partner_id IS NULL
                   AND (s.company_id IS NULL OR s.company_id = ad.company_id)
            ), best AS (
                SELECT DISTINCT ON (lead_id) lead_id, partner_id,
                       CASE WHEN live THEN id END AS account_id,
                       CASE WHEN live THEN tier END AS tier
                  FROM candidate
              ORDER BY lead_id, live DESC, tier, date_start DESC NULLS LAST,
                       list_id DESC
            ), wanted AS (
                SELECT scope.id AS lead_id, best.partner_id, best.account_id,
                       best.tier
                  FROM scope
             LEFT JOIN best ON best.lead_id = scope.id
            ), removed AS (
                DELETE FROM crm_lead_target t
                 USING wanted
                 WHERE t.lead_id = wanted.lead_id AND wanted.partner_id IS NULL
             RETURNING t.lead_id
            ), linked AS (
                INSERT INTO crm_lead_target (lead_id, partner_id, account_id, tier)
                SELECT lead_id, partner_id, account_id, tier
                  FROM wanted
                 WHERE partner_id IS NOT NULL
                    ON CONFLICT (lead_id) DO UPDATE
                   SET partner_id = EXCLUDED.partner_id,
                       account_id = EXCLUDED.account_id,
                       tier = EXCLUDED.tier
                 WHERE (crm_lead_target.partner_id, crm_lead_target.account_id,
                        crm_lead_target.tier)
                       IS DISTINCT FROM (EXCLUDED.partner_id, EXCLUDED.account_id,
                                         EXCLUDED.tier)
             RETURNING lead_id
            )
            SELECT lead_id FROM removed UNION ALL SELECT lead_id FROM linked
            """,
                scope=scope,
            )
        )
        changed = [row[0] for row in self.env.cr.fetchall()]
        # (also what a deleted account or company changed in the table)
        self.env["crm.lead"].invalidate_model(TARGET_FIELDS)
        return changed

    @api.model
    def _target_match_flush(self):
        """Write what the matching statement reads, and only that: a flush
        of everything would also compute what crm left pending on other
        leads. crm gives a partner the e-mail of each new lead of it, which
        leaves the e-mail of all the partner's leads to compute again; the
        commit's flush computes those once, where each batch of an import
        (and each write of a target company's e-mail) computed them again."""
        Lead = self.env["crm.lead"]
        Lead.flush_model(["company_id", "partner_id"])
        # a lead with a partner matches by its company, never by its e-mail
        # domain: only the domains of the leads without one must be current
        pending = self.env.records_to_compute(Lead._fields["email_company_domain"])
        if pending:
            self.env.cr.execute(
                "SELECT id FROM crm_lead WHERE id = ANY(%s) AND partner_id IS NULL",
                [pending.ids],
            )
            Lead.browse(row[0] for row in self.env.cr.fetchall()).flush_recordset(
                ["email_company_domain"]
            )
        for model, fnames in MATCH_READS.items():
            self.env[model].flush_model(fnames)
