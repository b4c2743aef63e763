from odoo import fields, models
from odoo.tools import SQL

from ..models.abm.crm_lead import TIERS
from ..models.abm.crm_target_account import ACCOUNT_STATUSES


class CrmTargetAccountEngagement(models.Model):
    """Engagement of each target account, from the leads of its company
    (``crm.lead.target_partner_id``, kept in ``crm_lead_target``): one row
    per account, same id.

    A view rather than stored fields: it moves with every lead, message and
    hand-off without a write on the account, and any number of accounts is
    read in one query. Also the pivot of pipeline and won revenue by tier."""

    _name = "crm.target.account.engagement"
    _description = "Target Account Engagement"
    _auto = False
    _rec_name = "partner_id"
    _order = "tier, id"

    account_id = fields.Many2one(
        comodel_name="crm.target.account", string="Target Account", readonly=True
    )
    list_id = fields.Many2one(
        comodel_name="crm.target.account.list", string="List", readonly=True
    )
    list_state = fields.Selection(
        selection=[
            ("proposed", "Proposed"),
            ("agreed", "Agreed"),
            ("active", "Active"),
            ("closed", "Closed"),
        ],
        readonly=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Account", readonly=True
    )
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    sales_owner_id = fields.Many2one(
        comodel_name="res.users", string="Sales Owner", readonly=True
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    tier = fields.Selection(selection=TIERS, readonly=True)
    lead_count = fields.Integer(string="Leads", readonly=True)
    opportunity_count = fields.Integer(string="Opportunities", readonly=True)
    open_pipeline = fields.Monetary(readonly=True)
    won_revenue = fields.Monetary(readonly=True)
    handoff_count = fields.Integer(string="Hand-offs", readonly=True)
    last_touch_date = fields.Datetime(string="Last Activity", readonly=True)
    engagement_score = fields.Integer(readonly=True, aggregator="avg")
    derived_status = fields.Selection(selection=ACCOUNT_STATUSES, readonly=True)
    status = fields.Selection(selection=ACCOUNT_STATUSES, readonly=True)
    is_idle = fields.Boolean(string="No Recent Activity", readonly=True)

    _depends = {
        "crm.target.account": [
            "list_id",
            "partner_id",
            "tier",
            "sales_owner_id",
            "company_id",
            "status_override",
        ],
        "crm.target.account.list": ["state", "team_id"],
        "crm.lead": [
            "target_partner_id",
            "company_id",
            "active",
            "type",
            "stage_id",
            "expected_revenue",
        ],
        "crm.lead.handoff": ["lead_id", "direction"],
        "mail.message": ["model", "res_id", "message_type", "date", "subtype_id"],
    }

    def _fetch_query(self, query, fields):
        # Reads, unlike searches, do not flush what the view depends on.
        for model_name, field_names in self._depends.items():
            self.env[model_name].flush_model(field_names)
        return super()._fetch_query(query, fields)

    @property
    def _table_query(self):
        return SQL(
            """
        SELECT a.id, a.id AS account_id, a.list_id, tl.state AS list_state,
               a.partner_id, tl.team_id, a.sales_owner_id, a.company_id,
               rc.currency_id, a.tier,
               COALESCE(lead.lead_count, 0) AS lead_count,
               COALESCE(lead.opportunity_count, 0) AS opportunity_count,
               COALESCE(lead.open_pipeline, 0) AS open_pipeline,
               COALESCE(lead.won_revenue, 0) AS won_revenue,
               COALESCE(handoff.handoff_count, 0) AS handoff_count,
               touch.last_touch_date,
               LEAST(30, 10 * COALESCE(lead.open_count, 0))
                 + LEAST(20, 10 * COALESCE(handoff.handoff_count, 0))
                 + CASE WHEN lead.open_pipeline > 0 THEN 20 ELSE 0 END
                 + CASE WHEN touch.last_touch_date >= now() - interval '14 days' THEN 30
                        WHEN touch.last_touch_date >= now() - interval '30 days' THEN 20
                        WHEN touch.last_touch_date >= now() - interval '90 days' THEN 10
                        ELSE 0 END AS engagement_score,
               derived.status AS derived_status,
               COALESCE(a.status_override, derived.status) AS status,
               COALESCE(touch.last_touch_date, a.create_date)
                 < now() - make_interval(
                       days => COALESCE(rc.target_account_idle_days, 30))
                 AS is_idle
          FROM crm_target_account a
          JOIN crm_target_account_list tl ON tl.id = a.list_id
          JOIN res_company rc ON rc.id = a.company_id
     LEFT JOIN LATERAL (
            SELECT count(*) FILTER (WHERE l.active AND l.type = 'lead') AS lead_count,
                   count(*) FILTER (WHERE l.active AND l.type = 'opportunity')
                     AS opportunity_count,
                   count(*) FILTER (WHERE l.active AND NOT COALESCE(s.is_won, FALSE))
                     AS open_count,
                   count(*) FILTER (WHERE l.active AND l.type = 'opportunity'
                                    AND NOT COALESCE(s.is_won, FALSE))
                     AS open_opportunity_count,
                   count(*) FILTER (WHERE l.active AND s.is_won) AS won_count,
                   sum(l.expected_revenue) FILTER (
                       WHERE l.active AND l.type = 'opportunity'
                         AND NOT COALESCE(s.is_won, FALSE)) AS open_pipeline,
                   sum(l.expected_revenue) FILTER (WHERE l.active AND s.is_won)
                     AS won_revenue
              FROM crm_lead_target t
              JOIN crm_lead l ON l.id = t.lead_id
         LEFT JOIN crm_stage s ON s.id = l.stage_id
             WHERE t.partner_id = a.partner_id AND %(visible_leads)s
               AND (l.company_id IS NULL OR l.company_id = a.company_id)
          ) lead ON TRUE
     LEFT JOIN LATERAL (
            SELECT count(*) AS handoff_count
              FROM crm_lead_target t
              JOIN crm_lead l ON l.id = t.lead_id
              JOIN crm_lead_handoff h ON h.lead_id = l.id
             WHERE t.partner_id = a.partner_id AND %(visible_leads)s
               AND h.direction = 'to_sales'
               AND (l.company_id IS NULL OR l.company_id = a.company_id)
          ) handoff ON TRUE
     LEFT JOIN LATERAL (
            SELECT max(m.date) AS last_touch_date
              FROM mail_message m
             WHERE m.message_type IN ('comment', 'email', 'email_outgoing')
               AND ((m.model = 'crm.lead' AND m.res_id IN (
                        SELECT l.id FROM crm_lead_target t
                          JOIN crm_lead l ON l.id = t.lead_id
                         WHERE t.partner_id = a.partner_id AND %(visible_leads)s
                           AND (l.company_id IS NULL OR l.company_id = a.company_id)))
                    OR (m.model = 'crm.target.account' AND m.res_id = a.id
                        AND m.subtype_id = %(discussion)s))
          ) touch ON TRUE
     CROSS JOIN LATERAL (
            SELECT CASE
                WHEN lead.won_count > 0 THEN 'customer'
                WHEN lead.open_opportunity_count > 0 THEN 'opportunity'
                WHEN lead.lead_count + lead.opportunity_count > 0
                  OR handoff.handoff_count > 0 THEN 'engaged'
                ELSE 'identified' END AS status
          ) derived
            """,
            discussion=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment"),
            visible_leads=self._visible_leads_condition(),
        )

    def _visible_leads_condition(self):
        """The figures add up the leads the reader may read: everything for
        users who see all leads, else what crm's record rules leave them."""
        user = self.env.user
        if self.env.su or user.has_group("sales_team.group_sale_salesman_all_leads"):
            return SQL("TRUE")
        query = self.env["crm.lead"].with_context(active_test=False)._search([])
        return SQL("l.id IN %s", query.subselect())
