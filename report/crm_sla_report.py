from odoo import fields, models, tools
from odoo.tools import SQL


class CrmSlaReport(models.Model):
    """SLA compliance per team, salesperson, policy and month, with the
    median and 90th percentile of the working hours to first follow-up."""

    _name = "crm.sla.report"
    _description = "SLA Compliance Analysis"
    _auto = False
    _order = "month desc"

    month = fields.Date(readonly=True)
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    user_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", readonly=True
    )
    policy_id = fields.Many2one(
        comodel_name="crm.sla.policy", string="Policy", readonly=True
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    sla_count = fields.Integer(string="Hand-offs", readonly=True)
    on_time_count = fields.Integer(string="Reached on Time", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    ongoing_count = fields.Integer(string="Ongoing", readonly=True)
    median_hours = fields.Float(
        string="Median Hours to Follow-up", readonly=True, aggregator="avg"
    )
    p90_hours = fields.Float(
        string="90th Percentile Hours", readonly=True, aggregator="max"
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT min(sla.id) AS id,
                           date_trunc('month', sla.start_date)::date AS month,
                           sla.team_id, sla.user_id, sla.policy_id, sla.company_id,
                           count(*) AS sla_count,
                           count(*) FILTER (WHERE sla.state = 'reached')
                               AS on_time_count,
                           count(*) FILTER (WHERE sla.state = 'failed')
                               AS failed_count,
                           count(*) FILTER (WHERE sla.state IN ('ongoing', 'paused'))
                               AS ongoing_count,
                           percentile_cont(0.5)
                               WITHIN GROUP (ORDER BY sla.response_hours)
                               FILTER (WHERE sla.reached_date IS NOT NULL)
                               AS median_hours,
                           percentile_cont(0.9)
                               WITHIN GROUP (ORDER BY sla.response_hours)
                               FILTER (WHERE sla.reached_date IS NOT NULL)
                               AS p90_hours
                      FROM crm_lead_sla sla
                     WHERE sla.state != 'cancelled'
                  GROUP BY 2, sla.team_id, sla.user_id, sla.policy_id, sla.company_id
                )
                """,
                SQL.identifier(self._table),
            )
        )
