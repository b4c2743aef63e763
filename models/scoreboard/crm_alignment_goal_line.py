from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..common.uninstall import module_being_removed
from .crm_alignment_scoreboard import GOAL_KPIS, QUANTITY_KPIS


class CrmAlignmentGoalLine(models.Model):
    """One target of a shared goal and its live actual. Quantity targets
    carry the quality of what was delivered (acceptance, recycle and won
    rates), so a count cannot be met with poor leads unnoticed."""

    _name = "crm.alignment.goal.line"
    _description = "Shared Goal Target"
    _order = "goal_id, side desc, sequence, id"

    goal_id = fields.Many2one(
        comodel_name="crm.alignment.goal",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="goal_id.company_id", store=True)
    goal_state = fields.Selection(related="goal_id.state", string="Agreement")
    sequence = fields.Integer(default=10)
    kpi = fields.Selection(
        selection=[(key, label) for key, (label, *_rest) in GOAL_KPIS.items()],
        string="Measure",
        required=True,
    )
    side = fields.Selection(
        selection=[("marketing", "Marketing"), ("sales", "Sales")],
        compute="_compute_side",
        store=True,
    )
    unit = fields.Selection(
        selection=[
            ("count", "Leads"),
            ("amount", "Revenue"),
            ("percent", "%"),
            ("hours", "Working hours"),
        ],
        compute="_compute_side",
        store=True,
    )
    target = fields.Float(required=True, digits=(16, 2))
    actual = fields.Float(compute="_compute_actual", digits=(16, 2))
    progress = fields.Float(
        string="Progress (%)",
        compute="_compute_actual",
        aggregator="avg",
        help="Actual against target; for a time to beat, target against actual "
        "(over 100 %: better than agreed, shown in green).",
    )
    is_met = fields.Boolean(string="Met", compute="_compute_actual")
    quality_acceptance_rate = fields.Float(
        string="Delivered Leads Accepted (%)",
        compute="_compute_actual",
        aggregator="avg",
        help="Of the leads delivered in the period, the share sales accepted.",
    )
    quality_recycle_rate = fields.Float(
        string="Delivered Leads Recycled (%)",
        compute="_compute_actual",
        aggregator="avg",
        help="Of the leads delivered in the period, the share sales sent back.",
    )
    quality_won_rate = fields.Float(
        string="Delivered Leads Won (%)",
        compute="_compute_actual",
        aggregator="avg",
        help="Of the leads delivered in the period, the share won so far.",
    )
    has_quality = fields.Boolean(compute="_compute_side", store=True)

    _sql_constraints = [
        (
            "kpi_once_per_goal",
            "UNIQUE(goal_id, kpi)",
            "A measure appears once in a goal.",
        )
    ]

    @api.depends("kpi")
    def _compute_side(self):
        for line in self:
            _label, side, unit, _higher = GOAL_KPIS.get(
                line.kpi, (False, False, False, True)
            )
            line.side = side
            line.unit = unit
            line.has_quality = line.kpi in QUANTITY_KPIS

    @api.depends("kpi", "target", "goal_id.date_start", "goal_id.team_id")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_actual(self):
        """Each goal's figures once (a handful of set-based queries), as the
        current user: what the record rules hide is not counted."""
        Scoreboard = self.env["crm.alignment.scoreboard"]
        actuals = {}
        for goal in self.goal_id:
            if goal.date_start and goal.date_end and goal.company_id:
                actuals[goal] = Scoreboard._goal_actuals(goal._scope())
        for line in self:
            figures = actuals.get(line.goal_id)
            if not figures or not line.kpi:
                line.update(
                    {
                        "actual": 0.0,
                        "progress": 0.0,
                        "is_met": False,
                        "quality_acceptance_rate": 0.0,
                        "quality_recycle_rate": 0.0,
                        "quality_won_rate": 0.0,
                    }
                )
                continue
            actual = figures[line.kpi]
            higher = GOAL_KPIS[line.kpi][3]
            if higher:
                progress = 100.0 * actual / line.target if line.target else 100.0
                met = actual >= line.target
            else:
                progress = 100.0 * line.target / actual if actual else 100.0
                met = actual <= line.target
            quality = figures["_quality"] if line.kpi in QUANTITY_KPIS else {}
            line.update(
                {
                    "actual": actual,
                    "progress": round(progress, 1),
                    "is_met": met,
                    "quality_acceptance_rate": quality.get("acceptance_rate", 0.0),
                    "quality_recycle_rate": quality.get("recycle_rate", 0.0),
                    "quality_won_rate": quality.get("won_rate", 0.0),
                }
            )

    @api.constrains("target", "kpi")
    def _check_target(self):
        for line in self:
            if line.target < 0:
                raise ValidationError(self.env._("A target cannot be negative."))
            if GOAL_KPIS[line.kpi][2] == "percent" and line.target > 100:
                raise ValidationError(self.env._("A percentage target is at most 100."))

    # Targets change with their goal only: a manager, while it is a draft.
    @api.model_create_multi
    def create(self, vals_list):
        goals = self.env["crm.alignment.goal"].browse(
            {vals.get("goal_id") for vals in vals_list if vals.get("goal_id")}
        )
        self._line_check_editable(goals)
        lines = super().create(vals_list)
        lines._line_terms_changed(lambda line: line._line_label())
        return lines

    def write(self, vals):
        goals = self.goal_id
        if vals.get("goal_id"):
            goals |= goals.browse(vals["goal_id"])
        self._line_check_editable(goals)
        before = {line: line._line_label() for line in self}
        result = super().write(vals)
        self._line_terms_changed(
            lambda line: f"{before[line]} → {line._line_label()}",
            changed=lambda line: before[line] != line._line_label(),
        )
        return result

    @api.ondelete(at_uninstall=True)
    def _unlink_only_draft(self):
        if module_being_removed(self.env):
            return
        self._line_check_editable(self.goal_id)
        self._line_terms_changed(
            lambda line: self.env._("removed: %(line)s", line=line._line_label())
        )

    def _line_label(self):
        self.ensure_one()
        label = dict(self._fields["kpi"]._description_selection(self.env)).get(
            self.kpi, ""
        )
        return f"{label}: {self.target:g}"

    def _line_terms_changed(self, describe, changed=None):
        """A target of a half-signed goal changed: its signatures go."""
        Goal = self.env["crm.alignment.goal"]
        if Goal._alignment_guard_granted():
            return
        changes = {}
        for line in self:
            if changed is None or changed(line):
                changes.setdefault(line.goal_id, []).append(describe(line))
        Goal._signoff_terms_changed(changes)

    @api.model
    def _line_check_editable(self, goals):
        # the goal's own code (sign-off, data loading) writes its targets
        if self.env["crm.alignment.goal"]._alignment_guard_granted():
            return
        if self.env.su and not goals.filtered(lambda g: g.state != "draft"):
            return
        goals._signoff_check_editor()
        goals._goal_check_draft()
        if not goals and not self.env.su:
            raise UserError(self.env._("A target belongs to a goal."))
