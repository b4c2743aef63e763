from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..common.uninstall import module_being_removed

DEFINITION_STATES = [("draft", "Draft"), ("agreed", "Agreed")]
DEFINITION_TRANSITIONS = {"agreed": ("draft",), "draft": ("agreed",)}
# What the two signatures of an engagement definition cover, besides its rules.
DEFINITION_TERMS = (
    "name",
    "company_id",
    "team_id",
    "grade_1_from",
    "grade_2_from",
    "grade_3_from",
    "description",
)


class CrmEngagementDefinition(models.Model):
    """What counts as engagement, agreed by both teams like the lead
    definition: for each signal (e-mail opened, clicked, replied, bounced,
    content shared, website visits and forms, events, live chat) its points,
    its half-life in days and a cap. The engagement score of a lead is the
    sum over signal types of min(cap, sum of points x 0.5^(age / half-life)),
    never below 0; only an agreed definition scores, the team's before the
    company-wide one."""

    _name = "crm.engagement.definition"
    _description = "Engagement Definition"
    _inherit = ["mail.thread", "crm.alignment.signoff.mixin"]
    _order = "sequence, id"
    _guarded_transitions = DEFINITION_TRANSITIONS
    _signoff_term_fields = DEFINITION_TERMS
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
        index="btree_not_null",
        tracking=True,
        help="Empty: the definition scores the leads of every team of the "
        "company that has none of its own.",
    )
    description = fields.Html(
        string="What We Agreed",
        help="Why these signals and weights, in words both teams signed.",
    )
    rule_ids = fields.One2many(
        comodel_name="crm.engagement.rule",
        inverse_name="definition_id",
        string="Signals",
        copy=True,
    )
    grade_1_from = fields.Integer(
        string="Engagement 1 From",
        default=50,
        tracking=True,
        help="Score from which a lead is in the top engagement grade (1).",
    )
    grade_2_from = fields.Integer(string="Engagement 2 From", default=25, tracking=True)
    grade_3_from = fields.Integer(string="Engagement 3 From", default=10, tracking=True)
    state = fields.Selection(
        selection=DEFINITION_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Draft: being discussed; scores nobody. Agreed: a sales manager "
        "and a marketing manager signed it; it scores the leads.",
    )
    lead_count = fields.Integer(string="Leads Scored", compute="_compute_lead_count")

    def init(self):
        # one definition per team, one company-wide per company: a lead has
        # exactly one, whatever path creates another
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s"
                " (company_id, COALESCE(team_id, 0)) WHERE active",
                SQL.identifier("crm_engagement_definition_one_per_team"),
                SQL.identifier(self._table),
            )
        )

    def _compute_lead_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group(
                [("engagement_definition_id", "in", self.ids)],
                ["engagement_definition_id"],
                ["__count"],
            )
        )
        for definition in self:
            definition.lead_count = counts.get(definition, 0)

    @api.constrains("grade_1_from", "grade_2_from", "grade_3_from")
    def _check_grades(self):
        for definition in self:
            if not (
                definition.grade_1_from
                > definition.grade_2_from
                > definition.grade_3_from
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "The engagement grades go down: 1 from more points than 2, "
                        "2 than 3, and 3 from at least one point."
                    )
                )

    def _definition_check_one_per_team(self, vals_list):
        """Before the row exists (the unique index is the backstop of a
        race): one active definition per team and company."""
        for vals, definition in vals_list:
            if not vals.get("active", definition.active if definition else True):
                continue
            company = vals.get(
                "company_id",
                definition.company_id.id if definition else self.env.company.id,
            )
            team = vals.get("team_id", definition.team_id.id if definition else False)
            taken = self.with_context(active_test=True).search(
                [
                    ("id", "!=", definition.id if definition else False),
                    ("company_id", "=", company),
                    ("team_id", "=", team or False),
                ],
                limit=1,
            )
            if taken:
                raise ValidationError(
                    self.env._(
                        "%(team)s already has an engagement definition (%(name)s): "
                        "change it instead, or archive it first.",
                        team=taken.team_id.name
                        or self.env._("The company (all teams)"),
                        name=taken.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def _signoff_check_new(self, vals_list):
        self._definition_check_one_per_team([(vals, None) for vals in vals_list])

    def write(self, vals):
        self._alignment_guard_write(vals)
        if self._alignment_guard_granted():
            return super().write(vals)
        self._signoff_check_editor()
        if {"team_id", "company_id", "active"} & set(vals):
            self._definition_check_one_per_team([(vals, d) for d in self])
        was_agreed = self.filtered(lambda d: d.state == "agreed")
        if set(vals) & set(DEFINITION_TERMS) or "active" in vals:
            self._signoff_reopen_if_agreed()
        result = self._signoff_write_terms(vals, super().write)
        if was_agreed:
            # what scored these leads is no longer agreed
            was_agreed._definition_rescore()
        return result

    def unlink(self):
        definition_ids = self.ids
        result = super().unlink()
        # (a draft scores nobody: this is for the rows a race may leave)
        self.env.cr.execute(
            "DELETE FROM crm_lead_engagement WHERE definition_id = ANY(%s)",
            [definition_ids],
        )
        return result

    @api.ondelete(at_uninstall=True)
    def _unlink_only_draft(self):
        if module_being_removed(self.env):
            return
        self._signoff_check_editor()
        agreed = self.filtered(lambda d: d.state == "agreed")
        if agreed:
            raise UserError(
                self.env._(
                    "%(definitions)s scores leads: reopen or archive it instead.",
                    definitions=", ".join(agreed.mapped("name")),
                )
            )

    @api.model
    def _signoff_check_editor(self):
        if self.env.su or self.env["crm.lead"]._alignment_is_marketing_side():
            return
        raise AccessError(
            self.env._("Only marketing and the managers define engagement.")
        )

    # ------------------------------------------------------------
    # SIGN-OFF
    # ------------------------------------------------------------

    def _signoff_terms(self):
        terms = super()._signoff_terms()
        terms["rule_ids"] = [rule._rule_terms() for rule in self.rule_ids]
        return terms

    def _signoff_check_complete(self):
        empty = self.filtered(lambda definition: not definition.rule_ids)
        if empty:
            raise UserError(
                self.env._(
                    "Give %(definitions)s the signals it counts before signing it.",
                    definitions=", ".join(empty.mapped("name")),
                )
            )

    def _signoff_write(self, vals):
        result = super()._signoff_write(vals)
        if vals.get("state") == "agreed":
            self._definition_rescore()
        return result

    def action_reopen(self):
        """Change the definition: back to draft, both signatures cleared; it
        scores nobody until both sign again."""
        self._alignment_transition("draft", self._signoff_clear_vals())
        self._definition_rescore()
        return True

    def _definition_rescore(self):
        """Re-score the leads this definition may score (its team's, or its
        company's): one statement."""
        companies = self.company_id.ids
        self.env["crm.lead"]._engagement_rescore(
            SQL(
                "(lead.company_id = ANY(%s) OR lead.company_id IS NULL)",
                companies,
            )
        )

    def action_view_leads(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_lead_action_engagement"
        )
        action["domain"] = [("engagement_definition_id", "=", self.id)]
        return action
