from odoo import fields, models, tools
from odoo.tools import SQL


class CrmSlaMarketingScorecard(models.Model):
    """Marketing's side of the SLA: sales-ready leads handed off to each team
    per period, against the policy's target."""

    _name = "crm.sla.marketing.scorecard"
    _description = "Marketing SLA Scorecard"
    _auto = False
    _order = "period_start desc"

    policy_id = fields.Many2one(
        comodel_name="crm.sla.policy", string="Policy", readonly=True
    )
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    period = fields.Selection(
        selection=[("week", "Week"), ("month", "Month"), ("quarter", "Quarter")],
        readonly=True,
    )
    period_start = fields.Date(readonly=True)
    delivered_count = fields.Integer(string="Delivered", readonly=True)
    target_count = fields.Integer(string="Target", readonly=True)
    gap_count = fields.Integer(
        string="Gap", readonly=True, help="Delivered minus target."
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    WITH policy_team AS (
                        SELECT p.id AS policy_id, t.id AS team_id, p.company_id,
                               p.marketing_period AS period,
                               p.marketing_target_count AS target,
                               CASE p.marketing_period
                                   WHEN 'week' THEN interval '1 week'
                                   WHEN 'quarter' THEN interval '3 months'
                                   ELSE interval '1 month' END AS step,
                               date_trunc(p.marketing_period, LEAST(p.create_date,
                                   (SELECT min(h.date) FROM crm_lead_handoff h
                                     WHERE h.direction = 'to_sales'))) AS first_start
                          FROM crm_sla_policy p
                          JOIN crm_team t ON t.active AND (
                               NOT EXISTS (SELECT 1 FROM crm_sla_policy_crm_team_rel r
                                            WHERE r.crm_sla_policy_id = p.id)
                               OR EXISTS (SELECT 1 FROM crm_sla_policy_crm_team_rel r
                                           WHERE r.crm_sla_policy_id = p.id
                                             AND r.crm_team_id = t.id))
                         WHERE p.active AND p.marketing_target_count > 0
                    ), periods AS (
                        SELECT pt.*, gs AS period_start
                          FROM policy_team pt,
                               generate_series(pt.first_start,
                                   date_trunc(pt.period, now() AT TIME ZONE 'UTC'),
                                   pt.step) gs
                    )
                    SELECT row_number() OVER (ORDER BY policy_id, team_id, period_start)
                               AS id,
                           policy_id, team_id, company_id, period,
                           period_start::date AS period_start,
                           delivered.count AS delivered_count,
                           target AS target_count,
                           delivered.count - target AS gap_count
                      FROM periods,
                   LATERAL (SELECT count(*)::int AS count FROM crm_lead_handoff h
                             WHERE h.direction = 'to_sales'
                               AND h.team_id = periods.team_id
                               AND h.date >= periods.period_start
                               AND h.date < periods.period_start + periods.step)
                           AS delivered
                )
                """,
                SQL.identifier(self._table),
            )
        )
