from odoo import fields, models
from odoo.exceptions import AccessError


class DigestDigest(models.Model):
    """The shared scoreboard's headline figures in Odoo's periodic digest."""

    _inherit = "digest.digest"

    kpi_alignment_handoffs = fields.Boolean(string="Hand-offs to Sales")
    kpi_alignment_handoffs_value = fields.Integer(
        compute="_compute_kpi_alignment_handoffs_value"
    )
    kpi_alignment_within_sla = fields.Boolean(string="% Followed Up Within SLA")
    kpi_alignment_within_sla_value = fields.Float(
        compute="_compute_kpi_alignment_within_sla_value"
    )
    kpi_alignment_sales_ready_goal = fields.Boolean(
        string="Sales-Ready Delivered (% of Goal)"
    )
    kpi_alignment_sales_ready_goal_value = fields.Float(
        compute="_compute_kpi_alignment_sales_ready_goal_value"
    )
    kpi_alignment_sourced_pipeline = fields.Boolean(string="Marketing-Sourced Pipeline")
    kpi_alignment_sourced_pipeline_value = fields.Monetary(
        compute="_compute_kpi_alignment_sourced_pipeline_value"
    )

    def _alignment_check_reader(self):
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(
                self.env._("Do not have access, skip this data for user's digest email")
            )

    def _alignment_scope(self):
        self.env.flush_all()  # the reports are views over crm's tables
        start, end, companies = self._get_kpi_compute_parameters()
        start, end = (
            fields.Datetime.to_datetime(start),
            fields.Datetime.to_datetime(end),
        )
        return start, end, companies

    def _compute_kpi_alignment_handoffs_value(self):
        self._alignment_check_reader()
        start, end, companies = self._alignment_scope()
        self.kpi_alignment_handoffs_value = self.env["crm.lead.handoff"].search_count(
            [
                ("direction", "=", "to_sales"),
                ("date", ">=", start),
                ("date", "<", end),
                ("company_id", "in", companies.ids),
            ]
        )

    def _compute_kpi_alignment_within_sla_value(self):
        self._alignment_check_reader()
        start, end, companies = self._alignment_scope()
        rows = self.env["crm.alignment.speed.report"]._read_group(
            [
                ("start_date", ">=", start),
                ("start_date", "<", end),
                ("company_id", "in", companies.ids),
            ],
            [],
            ["within_sla_rate:avg"],
        )
        self.kpi_alignment_within_sla_value = round(rows[0][0] or 0.0, 1)

    def _compute_kpi_alignment_sales_ready_goal_value(self):
        """Progress of the agreed sales-ready delivery goals running at the
        end of the digest's period (actual / target, all teams together)."""
        self._alignment_check_reader()
        _start, end, companies = self._alignment_scope()
        day = fields.Date.to_date(end) if end else fields.Date.context_today(self)
        lines = self.env["crm.alignment.goal.line"].search(
            [
                ("kpi", "=", "sales_ready_delivered"),
                ("goal_id.state", "=", "agreed"),
                ("goal_id.company_id", "in", companies.ids),
                ("goal_id.date_start", "<=", day),
                ("goal_id.date_end", ">=", day),
            ]
        )
        target = sum(lines.mapped("target"))
        actual = sum(lines.mapped("actual"))
        self.kpi_alignment_sales_ready_goal_value = (
            round(100.0 * actual / target, 1) if target else 0.0
        )

    def _compute_kpi_alignment_sourced_pipeline_value(self):
        """Open pipeline marketing brought in during the period (the
        dashboard's cohort rule)."""
        self._alignment_check_reader()
        start, end, companies = self._alignment_scope()
        rows = self.env["crm.alignment.pipeline.report"]._read_group(
            [
                ("create_date", ">=", start),
                ("create_date", "<", end),
                ("company_id", "in", companies.ids),
            ],
            [],
            ["sourced_pipeline_revenue:sum"],
        )
        self.kpi_alignment_sourced_pipeline_value = rows[0][0] or 0.0

    def _compute_kpis_actions(self, company, user):
        result = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        action = f"crm_alignment.crm_alignment_dashboard_action&menu_id={menu}"
        for kpi in (
            "kpi_alignment_handoffs",
            "kpi_alignment_within_sla",
            "kpi_alignment_sales_ready_goal",
            "kpi_alignment_sourced_pipeline",
        ):
            result[kpi] = action
        return result
