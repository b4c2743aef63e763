from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..common.uninstall import module_being_removed
from .crm_engagement_signal import SIGNAL_MODULES, SIGNAL_TYPES

# What a signature covers of a rule.
RULE_TERMS = ("signal_type", "points", "half_life_days", "cap")


class CrmEngagementRule(models.Model):
    """One signal of an engagement definition: how many points it is worth
    when it happens, how fast that fades (half-life in days) and at most how
    much this kind of signal adds up to (0: no cap)."""

    _name = "crm.engagement.rule"
    _description = "Engagement Signal Rule"
    _order = "definition_id, id"

    definition_id = fields.Many2one(
        comodel_name="crm.engagement.definition",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="definition_id.company_id", store=True)
    signal_type = fields.Selection(
        selection=SIGNAL_TYPES, string="Signal", required=True
    )
    points = fields.Integer(
        required=True,
        default=5,
        help="Points when the signal happens (negative for a bounce).",
    )
    half_life_days = fields.Float(
        string="Half-life (days)",
        required=True,
        default=30.0,
        digits=(16, 1),
        help="After this many days a signal counts half, after twice as many "
        "a quarter.",
    )
    cap = fields.Integer(
        help="At most this many points (in absolute value) from this kind of "
        "signal, however often it happens. 0: no cap.",
    )
    module_note = fields.Char(
        string="Read From",
        compute="_compute_module_note",
        help="Signals from website, events and live chat are read where those "
        "apps are installed.",
    )

    _sql_constraints = [
        (
            "one_rule_per_signal",
            "UNIQUE (definition_id, signal_type)",
            "A definition counts each signal once.",
        ),
    ]

    @api.depends("signal_type")
    def _compute_module_note(self):
        from .crm_engagement_signal import _module_installed

        for rule in self:
            module = SIGNAL_MODULES.get(rule.signal_type)
            if not module:
                rule.module_note = self.env._("Email Marketing, Content")
            elif _module_installed(self.env, module):
                rule.module_note = module
            else:
                rule.module_note = self.env._(
                    "%(module)s (not installed)", module=module
                )

    @api.constrains("half_life_days", "cap")
    def _check_half_life(self):
        for rule in self:
            if rule.half_life_days <= 0:
                raise ValidationError(
                    self.env._("A signal's half-life is more than 0 days.")
                )
            if rule.cap < 0:
                raise ValidationError(self.env._("A cap cannot be negative."))

    # ------------------------------------------------------------
    # CRUD: rules change with their definition only, and reopen it
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        definitions = self.env["crm.engagement.definition"].browse(
            {
                vals.get("definition_id")
                for vals in vals_list
                if vals.get("definition_id")
            }
        )
        self._rule_check_editable(definitions)
        rules = super().create(vals_list)
        rules._rule_terms_changed(
            lambda rule: self.env._("added: %(rule)s", rule=rule._rule_label())
        )
        return rules

    def write(self, vals):
        definitions = self.definition_id
        if vals.get("definition_id"):
            definitions |= definitions.browse(vals["definition_id"])
        self._rule_check_editable(definitions)
        before = {rule: rule._rule_terms() for rule in self}
        labels = {rule: rule._rule_label() for rule in self}
        result = super().write(vals)
        if set(vals) & set(RULE_TERMS) or "definition_id" in vals:
            self._rule_terms_changed(
                lambda rule: self.env._(
                    "changed: %(before)s → %(after)s",
                    before=labels[rule],
                    after=rule._rule_label(),
                ),
                changed=lambda rule: before[rule] != rule._rule_terms(),
            )
        return result

    @api.ondelete(at_uninstall=True)
    def _unlink_reopens_definition(self):
        if module_being_removed(self.env):
            return
        self._rule_check_editable(self.definition_id)
        self._rule_terms_changed(
            lambda rule: self.env._("removed: %(rule)s", rule=rule._rule_label())
        )

    @api.model
    def _rule_check_editable(self, definitions):
        Definition = self.env["crm.engagement.definition"]
        if Definition._alignment_guard_granted():
            return
        Definition._signoff_check_editor()
        if not definitions and not self.env.su:
            raise UserError(self.env._("A signal rule belongs to a definition."))

    def _rule_terms_changed(self, describe, changed=None):
        Definition = self.env["crm.engagement.definition"]
        if Definition._alignment_guard_granted():
            return
        changes = {}
        for rule in self:
            if changed is None or changed(rule):
                changes.setdefault(rule.definition_id, []).append(describe(rule))
        agreed = Definition.browse([d.id for d in changes]).filtered(
            lambda d: d.state == "agreed"
        )
        Definition._signoff_lines_changed(changes)
        if agreed:
            agreed._definition_rescore()

    def _rule_terms(self):
        self.ensure_one()
        return [
            self._fields[name].convert_to_read(self[name], self) for name in RULE_TERMS
        ]

    def _rule_label(self):
        self.ensure_one()
        signal = dict(self._fields["signal_type"]._description_selection(self.env)).get(
            self.signal_type, self.signal_type
        )
        return self.env._(
            "%(signal)s %(points)+d, half-life %(days)s d, cap %(cap)s",
            signal=signal,
            points=self.points,
            days=self.half_life_days,
            cap=self.cap or "-",
        )
