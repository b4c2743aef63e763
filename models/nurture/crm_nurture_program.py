from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..common.uninstall import module_being_removed

PROGRAM_STATES = [("draft", "Draft"), ("agreed", "Agreed")]
PROGRAM_TRANSITIONS = {"agreed": ("draft",), "draft": ("agreed",)}
# What the two signatures of a program cover, besides its steps.
PROGRAM_TERMS = (
    "name",
    "company_id",
    "team_id",
    "recycle_reason_ids",
    "enrol_on_demotion",
    "enrol_from_new",
    "cold_outcome",
    "exit_engagement_score",
    "description",
)


class CrmNurtureProgram(models.Model):
    """What a nurtured prospect receives, and when: ordered steps (e-mails
    through Email Marketing, activities for marketing or sales) that both
    teams agreed on. Only an agreed program enrols leads and runs; a change
    to what it covers takes it back to draft until both sign again."""

    _name = "crm.nurture.program"
    _description = "Nurture Program"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.alignment.signoff.mixin"]
    _order = "sequence, name, id"
    _guarded_transitions = PROGRAM_TRANSITIONS
    _signoff_term_fields = PROGRAM_TERMS
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
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
        help="Empty: the program serves every team of the company.",
    )
    description = fields.Html(
        string="What We Agreed",
        help="For whom the program is and what the prospect receives, in "
        "words both teams signed.",
    )
    recycle_reason_ids = fields.Many2many(
        comodel_name="crm.recycle.reason",
        string="For Recycle Reasons",
        help="Recycling a lead for one of these reasons proposes this program.",
    )
    enrol_on_demotion = fields.Boolean(
        string="For BANT Demotions",
        help="A sales-ready lead that a disqualifying answer takes back to "
        "nurturing joins this program.",
    )
    enrol_from_new = fields.Boolean(
        string="For New Leads",
        help="Start Nurturing on a new lead proposes this program.",
    )
    cold_outcome = fields.Selection(
        selection=[("keep", "Keep in nurture"), ("archive", "Archive")],
        string="After the Last Step",
        default="keep",
        required=True,
        help="What happens to a lead still cold after the last step.",
    )
    exit_engagement_score = fields.Integer(
        string="Back to Sales From Engagement",
        default=20,
        tracking=True,
        help="A nurtured lead goes back to sales (Sales-Ready) when its BANT "
        "fit makes it sales-ready and its engagement score reaches this. 0: "
        "the fit alone brings it back.",
    )
    step_ids = fields.One2many(
        comodel_name="crm.nurture.step",
        inverse_name="program_id",
        string="Steps",
        copy=True,
    )
    state = fields.Selection(
        selection=PROGRAM_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Draft: being designed; enrols nobody and runs no step. Agreed: a "
        "sales manager and a marketing manager signed what it sends and when.",
    )
    enrolment_ids = fields.One2many(
        comodel_name="crm.nurture.enrolment", inverse_name="program_id"
    )
    active_enrolment_count = fields.Integer(
        string="Leads Enrolled", compute="_compute_active_enrolment_count"
    )

    @api.constrains("exit_engagement_score")
    def _check_exit_engagement_score(self):
        if any(program.exit_engagement_score < 0 for program in self):
            raise ValidationError(
                self.env._("The engagement that brings a lead back cannot be negative.")
            )

    def _compute_active_enrolment_count(self):
        counts = dict(
            self.env["crm.nurture.enrolment"]._read_group(
                [("program_id", "in", self.ids), ("state", "in", ("active", "paused"))],
                ["program_id"],
                ["__count"],
            )
        )
        for program in self:
            program.active_enrolment_count = counts.get(program, 0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        self._alignment_guard_write(vals)
        if self._alignment_guard_granted():
            return super().write(vals)
        self._signoff_check_editor()
        covered = set(vals) & set(PROGRAM_TERMS)
        if covered:
            self._signoff_reopen_if_agreed()
        return self._signoff_write_terms(vals, super().write)

    @api.ondelete(at_uninstall=True)
    def _unlink_without_enrolments(self):
        if module_being_removed(self.env):
            return
        self._signoff_check_editor()
        used = self.filtered("enrolment_ids")
        if used:
            raise UserError(
                self.env._(
                    "%(programs)s enrolled leads: archive it instead, their "
                    "history stays.",
                    programs=", ".join(used.mapped("name")),
                )
            )

    @api.model
    def _signoff_check_editor(self):
        if self.env.su or self.env["crm.lead"]._alignment_is_marketing_side():
            return
        raise AccessError(
            self.env._("Only marketing and the managers design nurture programs.")
        )

    # ------------------------------------------------------------
    # SIGN-OFF
    # ------------------------------------------------------------

    def _signoff_terms(self):
        terms = super()._signoff_terms()
        terms["step_ids"] = [step._step_terms() for step in self.step_ids]
        return terms

    def _signoff_check_complete(self):
        empty = self.filtered(lambda program: not program.step_ids)
        if empty:
            raise UserError(
                self.env._(
                    "Add the steps of %(programs)s before signing it.",
                    programs=", ".join(empty.mapped("name")),
                )
            )
        self.step_ids._step_check_complete()

    def action_reopen(self):
        """Change the program: back to draft, both signatures cleared."""
        self._alignment_transition("draft", self._signoff_clear_vals())
        return True

    # ------------------------------------------------------------
    # ENROLMENT
    # ------------------------------------------------------------

    @api.model
    def _program_for(self, lead, reason=None, demotion=False):
        """The agreed program proposed for a lead: its team's before the
        company-wide ones; for a recycle reason, a demotion, or a new lead."""
        if reason:
            purpose = [("recycle_reason_ids", "in", reason.ids)]
        elif demotion:
            purpose = [("enrol_on_demotion", "=", True)]
        else:
            purpose = [("enrol_from_new", "=", True)]
        programs = self.search(
            [
                ("state", "=", "agreed"),
                ("company_id", "in", [lead.company_id.id or self.env.company.id]),
                ("team_id", "in", [lead.team_id.id, False]),
                *purpose,
            ]
        )
        # the team's own program first
        return programs.sorted(lambda p: (not p.team_id, p.sequence, p.id))[:1]

    def action_view_enrolments(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_nurture_enrolment_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        return action
