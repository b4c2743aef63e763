from odoo import fields, models, tools
from odoo.tools import SQL


class CrmSlaMarketingScorecard(models.Model):
    """Marketing's side of the agreement: sales-ready leads delivered to each
    team per period (each lead once), against the target of the shared goal
    both managers signed. The target lives in the goal only."""

    _name = "crm.sla.marketing.scorecard"
    _description = "Marketing SLA Scorecard"
    _auto = False
    _order = "period_start desc"

    goal_id = fields.Many2one(
        comodel_name="crm.alignment.goal", string="Shared Goal", readonly=True
    )
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    period = fields.Selection(
        selection=[("month", "Month"), ("quarter", "Quarter")], readonly=True
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
                    SELECT line.id, goal.id AS goal_id, goal.team_id,
                           goal.company_id, goal.period,
                           goal.date_start AS period_start,
                           delivered.count AS delivered_count,
                           round(line.target)::int AS target_count,
                           delivered.count - round(line.target)::int AS gap_count
                      FROM crm_alignment_goal_line line
                      JOIN crm_alignment_goal goal ON goal.id = line.goal_id
                   CROSS JOIN LATERAL (
                           SELECT count(DISTINCT h.lead_id)::int AS count
                             FROM crm_lead_handoff h
                            WHERE h.direction = 'to_sales'
                              AND h.company_id = goal.company_id
                              AND (goal.team_id IS NULL OR h.team_id = goal.team_id)
                              AND h.date >= goal.date_start
                              AND h.date < goal.date_end + 1) delivered
                     WHERE line.kpi = 'sales_ready_delivered'
                       AND goal.state = 'agreed'
                )
                """,
                SQL.identifier(self._table),
            )
        )
