from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import date_utils

from ..common.uninstall import module_being_removed

GOAL_STATES = [("draft", "Draft"), ("agreed", "Agreed")]
GOAL_TRANSITIONS = {"agreed": ("draft",), "draft": ("agreed",)}
PERIODS = [("month", "Month"), ("quarter", "Quarter")]
# What the two signatures of a goal cover, besides its targets.
GOAL_TERMS = (
    "company_id",
    "team_id",
    "period",
    "date_start",
    "marketing_owner_id",
    "sales_owner_id",
    "note",
)


class CrmAlignmentGoal(models.Model):
    """The numbers both teams sign up for, for one team (or all) and one
    period: marketing's targets and sales' side by side, agreed by a sales
    manager and a marketing manager, followed live."""

    _name = "crm.alignment.goal"
    _description = "Shared Goal"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.alignment.signoff.mixin"]
    _order = "date_start desc, team_id, id desc"
    _guarded_transitions = GOAL_TRANSITIONS
    _signoff_term_fields = GOAL_TERMS
    # a team of another company is refused on create and write
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    team_id = fields.Many2one(
        comodel_name="crm.team",
        string="Sales Team",
        check_company=True,
        tracking=True,
        help="Empty: the goal covers every team of the company.",
    )
    period = fields.Selection(
        selection=PERIODS, required=True, default="month", tracking=True
    )
    date_start = fields.Date(
        string="Start",
        required=True,
        default=lambda self: date_utils.start_of(
            fields.Date.context_today(self), "month"
        ),
        tracking=True,
    )
    date_end = fields.Date(
        string="End", compute="_compute_date_end", store=True, index=True
    )
    marketing_owner_id = fields.Many2one(
        comodel_name="res.users",
        string="Marketing Owner",
        domain="[('share', '=', False)]",
        required=True,
        tracking=True,
        default=lambda self: self.env.user,
    )
    sales_owner_id = fields.Many2one(
        comodel_name="res.users",
        string="Sales Owner",
        domain="[('share', '=', False)]",
        required=True,
        tracking=True,
        compute="_compute_sales_owner_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    state = fields.Selection(
        selection=GOAL_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Draft: being negotiated. Agreed: a sales manager and a marketing "
        "manager signed; the targets are locked until reopened.",
    )
    line_ids = fields.One2many(
        comodel_name="crm.alignment.goal.line",
        inverse_name="goal_id",
        string="Targets",
        copy=True,
    )
    short_count = fields.Integer(
        string="Short of Target",
        compute="_compute_short_count",
        help="Targets not met so far in the period.",
    )
    note = fields.Html(string="What We Agreed")

    @api.depends("period", "date_start", "team_id")
    def _compute_name(self):
        for goal in self:
            if not goal.date_start:
                goal.name = False
                continue
            if goal.period == "quarter":
                quarter = (goal.date_start.month - 1) // 3 + 1
                label = f"Q{quarter} {goal.date_start.year}"
            else:
                label = goal.date_start.strftime("%Y-%m")
            goal.name = f"{label} · {goal.team_id.name or self.env._('All teams')}"

    @api.depends("period", "date_start")
    def _compute_date_end(self):
        for goal in self:
            if goal.date_start:
                months = 3 if goal.period == "quarter" else 1
                goal.date_end = goal.date_start + relativedelta(months=months, days=-1)
            else:
                goal.date_end = False

    @api.depends("team_id")
    def _compute_sales_owner_id(self):
        for goal in self:
            if goal.team_id.user_id:
                goal.sales_owner_id = goal.team_id.user_id
            elif not goal.sales_owner_id:
                goal.sales_owner_id = self.env.user

    def _compute_short_count(self):
        for goal in self:
            goal.short_count = len(goal.line_ids.filtered(lambda line: not line.is_met))

    # ------------------------------------------------------------
    # CONSTRAINS
    # ------------------------------------------------------------

    @api.constrains("period", "date_start")
    def _check_period_start(self):
        for goal in self:
            start = date_utils.start_of(goal.date_start, goal.period)
            if goal.date_start != start:
                raise ValidationError(
                    self.env._(
                        "A goal starts on the first day of its period: %(date)s.",
                        date=start,
                    )
                )

    @api.constrains("company_id", "team_id", "period", "date_start")
    def _check_one_goal_per_period(self):
        for goal in self:
            twin = self.search_count(
                [
                    ("id", "!=", goal.id),
                    ("company_id", "=", goal.company_id.id),
                    ("team_id", "=", goal.team_id.id),
                    ("period", "=", goal.period),
                    ("date_start", "=", goal.date_start),
                ]
            )
            if twin:
                raise ValidationError(
                    self.env._(
                        "%(goal)s already has shared goals: one agreement per "
                        "team and period.",
                        goal=goal.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        self._alignment_guard_write(vals)
        if self._alignment_guard_granted():
            return super().write(vals)
        self._signoff_check_editor()
        self._goal_check_draft()
        return self._signoff_write_terms(vals, super().write)

    @api.ondelete(at_uninstall=True)
    def _unlink_only_draft(self):
        if module_being_removed(self.env):
            return
        self._signoff_check_editor()
        self._goal_check_draft()

    def _signoff_check_editor(self):
        if self.env.su or self.env["crm.lead"]._alignment_is_manager():
            return
        raise AccessError(
            self.env._("Only sales and marketing managers set shared goals.")
        )

    def _goal_check_draft(self):
        agreed = self.filtered(lambda goal: goal.state != "draft")
        if agreed:
            raise UserError(
                self.env._(
                    "%(goals)s was signed by both teams: reopen it to change it.",
                    goals=", ".join(agreed.mapped("name")),
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _signoff_terms(self):
        terms = super()._signoff_terms()
        terms["line_ids"] = sorted((line.kpi, line.target) for line in self.line_ids)
        return terms

    def _signoff_check_complete(self):
        empty = self.filtered(lambda goal: not goal.line_ids)
        if empty:
            raise UserError(
                self.env._(
                    "Add targets to %(goals)s before signing it.",
                    goals=", ".join(empty.mapped("name")),
                )
            )

    def action_reopen(self):
        """Renegotiate: back to draft, both signatures cleared."""
        self._alignment_transition("draft", self._signoff_clear_vals())
        return True

    def action_open_dashboard(self):
        self.ensure_one()
        self.check_access("read")
        return self.env["crm.alignment.dashboard"]._action_open(
            team=self.team_id, date_from=self.date_start, date_to=self.date_end
        )

    # ------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------

    def _scope(self):
        self.ensure_one()
        return {
            "date_from": self.date_start,
            "date_to": self.date_end,
            "team_ids": self.team_id.ids if self.team_id else None,
            "company_ids": self.company_id.ids,
        }
