from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.scoreboard.crm_alignment_scoreboard import FUNNEL, FUNNEL_REACHED

# Rates are 0/100 on the rows of their denominator and empty elsewhere, so
# the average of a group (pivot, _read_group) is the group's rate.
RATE_HELP = "Average over the group: the share of %s that %s."


class CrmAlignmentPipelineReport(models.Model):
    """One row per lead (archived and lost included): its cohort, its
    journey through the shared funnel, its revenue and who sourced it. The
    funnel, the marketing-sourced share and the sources that pay all read
    from here."""

    _name = "crm.alignment.pipeline.report"
    _description = "Shared Funnel Analysis"
    _auto = False
    _order = "create_date desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one(comodel_name="crm.lead", string="Lead", readonly=True)
    create_date = fields.Datetime(string="Created On", readonly=True)
    date_closed = fields.Datetime(string="Closed On", readonly=True)
    won_date = fields.Datetime(string="Won On", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    user_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", readonly=True
    )
    marketing_user_id = fields.Many2one(
        comodel_name="res.users", string="Marketing Owner", readonly=True
    )
    source_id = fields.Many2one(comodel_name="utm.source", readonly=True)
    medium_id = fields.Many2one(comodel_name="utm.medium", readonly=True)
    campaign_id = fields.Many2one(comodel_name="utm.campaign", readonly=True)
    sourced_by = fields.Selection(
        selection=[("marketing", "Marketing"), ("sales", "Sales")], readonly=True
    )
    lifecycle_stage = fields.Selection(
        selection=lambda self: self.env["crm.lead"]
        ._fields["lifecycle_stage"]
        .selection,
        readonly=True,
    )
    won_status = fields.Selection(
        selection=[("won", "Won"), ("lost", "Lost"), ("pending", "Pending")],
        readonly=True,
    )
    # the funnel, one flag per step (sums)
    created_count = fields.Integer(string="Created", readonly=True)
    sales_ready_count = fields.Integer(string="Sales-Ready", readonly=True)
    handed_off_count = fields.Integer(string="Handed Off", readonly=True)
    accepted_count = fields.Integer(string="Accepted", readonly=True)
    opportunity_count = fields.Integer(string="Opportunity", readonly=True)
    won_count = fields.Integer(string="Won", readonly=True)
    recycled_count = fields.Integer(string="Leads Recycled", readonly=True)
    lost_count = fields.Integer(string="Lost", readonly=True)
    never_followed_up_count = fields.Integer(
        string="Never Followed Up",
        readonly=True,
        help="Handed off, its follow-up deadline passed and sales never "
        "followed it up.",
    )
    # rates (averages)
    acceptance_rate = fields.Float(
        string="Handed-Off Leads Accepted (%)",
        aggregator="avg",
        readonly=True,
        help=RATE_HELP % ("leads handed off", "sales accepted"),
    )
    recycle_rate = fields.Float(
        string="Handed-Off Leads Recycled (%)",
        aggregator="avg",
        readonly=True,
        help=RATE_HELP % ("leads handed off", "sales sent back to marketing"),
    )
    won_rate = fields.Float(
        string="Handed-Off Leads Won (%)",
        aggregator="avg",
        readonly=True,
        help=RATE_HELP % ("leads handed off", "were won"),
    )
    # working time between steps (averages; the dashboard shows medians)
    hours_to_sales_ready = fields.Float(
        string="Hours to Sales-Ready", aggregator="avg", readonly=True
    )
    hours_to_handoff = fields.Float(
        string="Hours Sales-Ready to Hand-off", aggregator="avg", readonly=True
    )
    hours_to_accept = fields.Float(
        string="Hours Hand-off to Acceptance", aggregator="avg", readonly=True
    )
    hours_to_opportunity = fields.Float(
        string="Hours Acceptance to Opportunity", aggregator="avg", readonly=True
    )
    hours_to_won = fields.Float(
        string="Hours Opportunity to Won", aggregator="avg", readonly=True
    )
    # revenue
    pipeline_revenue = fields.Monetary(
        string="Open Pipeline",
        readonly=True,
        help="Expected revenue of open opportunities.",
    )
    weighted_pipeline_revenue = fields.Monetary(
        string="Weighted Pipeline",
        readonly=True,
        help="Open pipeline weighted by probability.",
    )
    sourced_pipeline_revenue = fields.Monetary(
        string="Marketing-Sourced Pipeline", readonly=True
    )
    sourced_weighted_pipeline_revenue = fields.Monetary(
        string="Marketing-Sourced Weighted Pipeline", readonly=True
    )
    won_revenue = fields.Monetary(readonly=True)
    sourced_won_revenue = fields.Monetary(
        string="Marketing-Sourced Won Revenue", readonly=True
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._lead_rows(SQL("crm_lead")),
            )
        )

    def _lead_rows(self, leads):
        """The report's rows over ``leads``: crm_lead, or a relation of its
        row type (the history's triggers read their transition tables)."""
        return SQL(
            """
                SELECT l.id, l.id AS lead_id, l.create_date, l.date_closed,
                       l.won_date,
                       l.company_id, c.currency_id, l.team_id, l.user_id,
                       l.marketing_user_id, l.source_id, l.medium_id,
                       l.campaign_id, l.sourced_by, l.lifecycle_stage,
                       st.won_status,
                       %(step_counts)s,
                       (COALESCE(l.recycle_count, 0) > 0)::int AS recycled_count,
                       (st.won_status = 'lost')::int AS lost_count,
                       (s.state = 'failed' AND s.reached_date IS NULL)::int
                           AS never_followed_up_count,
                       CASE WHEN r.step >= 2 THEN
                           CASE WHEN r.step >= 3 THEN 100.0 ELSE 0.0 END
                       END AS acceptance_rate,
                       CASE WHEN r.step >= 2 THEN
                           CASE WHEN l.recycle_count > 0 THEN 100.0 ELSE 0.0 END
                       END AS recycle_rate,
                       CASE WHEN r.step >= 2 THEN
                           CASE WHEN r.step >= 5 THEN 100.0 ELSE 0.0 END
                       END AS won_rate,
                       -- a step's time only where both of its dates exist
                       %(step_hours)s,
                       open.revenue AS pipeline_revenue,
                       open.weighted AS weighted_pipeline_revenue,
                       CASE WHEN l.sourced_by = 'marketing' THEN open.revenue
                            ELSE 0 END AS sourced_pipeline_revenue,
                       CASE WHEN l.sourced_by = 'marketing' THEN open.weighted
                            ELSE 0 END AS sourced_weighted_pipeline_revenue,
                       won.revenue AS won_revenue,
                       CASE WHEN l.sourced_by = 'marketing' THEN won.revenue
                            ELSE 0 END AS sourced_won_revenue
                  FROM %(leads)s l
             LEFT JOIN res_company c ON c.id = l.company_id
             LEFT JOIN crm_lead_sla s ON s.id = l.sla_id
                 CROSS JOIN LATERAL (
                       SELECT CASE WHEN l.active AND l.probability = 100 THEN 'won'
                                   WHEN NOT l.active AND l.probability = 0 THEN 'lost'
                                   ELSE 'pending' END AS won_status) st
                 CROSS JOIN LATERAL (
                       -- the furthest step reached: a lead that skipped one
                       -- (a salesperson's own opportunity) passed it
                       SELECT %(furthest_step)s AS step) r
                 CROSS JOIN LATERAL (
                       SELECT CASE WHEN l.active AND l.type = 'opportunity'
                                    AND st.won_status = 'pending'
                                   THEN COALESCE(l.expected_revenue, 0) ELSE 0 END
                                  AS revenue,
                              CASE WHEN l.active AND l.type = 'opportunity'
                                    AND st.won_status = 'pending'
                                   THEN COALESCE(l.prorated_revenue, 0) ELSE 0 END
                                  AS weighted) open
                 CROSS JOIN LATERAL (
                       SELECT CASE WHEN st.won_status = 'won'
                                   THEN COALESCE(l.expected_revenue, 0) ELSE 0 END
                                  AS revenue) won
            """,
            leads=leads,
            **self._funnel_columns(),
        )

    def _funnel_columns(self):
        """The funnel's columns, from its one definition (FUNNEL and
        FUNNEL_REACHED): one 0/1 count per step (a lead counts in every step
        up to the furthest it reached), and the working hours of a step
        where the lead reached both it and the step before."""
        steps = [step for step, *_rest in FUNNEL]
        reached = {step: SQL(FUNNEL_REACHED[step][0]) for step in steps}
        # the hours need both dates: a journey date, or won status for won
        dated = {
            step: SQL("l.%s IS NOT NULL", SQL.identifier(date))
            for step, _column, date, _hours in FUNNEL
        } | {"won": reached["won"]}
        del dated["created"]  # every lead was created
        return {
            "furthest_step": SQL(
                "CASE %s ELSE 0 END",
                SQL(" ").join(
                    SQL("WHEN %s THEN %s", reached[step], index)
                    for index, step in reversed(list(enumerate(steps)))
                    if index
                ),
            ),
            "step_counts": SQL(", ").join(
                SQL("(r.step >= %s)::int AS %s", index, SQL.identifier(column))
                if index
                else SQL("1 AS %s", SQL.identifier(column))
                for index, (_step, column, _date, _hours) in enumerate(FUNNEL)
            ),
            "step_hours": SQL(", ").join(
                SQL(
                    "CASE WHEN %s THEN l.%s END AS %s",
                    SQL(" AND ").join(
                        dated[both]
                        for both in steps[index - 1 : index + 1]
                        if both in dated
                    ),
                    SQL.identifier(hours),
                    SQL.identifier(hours),
                )
                for index, (step, _column, _date, hours) in enumerate(FUNNEL)
                if hours
            ),
        }
