from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .crm_bant_option import BANT_CRITERIA

# Changing any of these changes what "sales-ready" means: the signed
# agreement no longer holds and every lead of the profile is re-scored.
DEFINITION_FIELDS = {
    "weight_budget",
    "weight_authority",
    "weight_need",
    "weight_timeframe",
    "threshold",
    "require_budget",
    "require_authority",
    "require_need",
    "require_timeframe",
    "validity_days",
}


class CrmBantProfile(models.Model):
    """The lead definition marketing and sales agreed on: how much each BANT
    criterion weighs and from which score a lead is sales-ready."""

    _name = "crm.bant.profile"
    _description = "BANT Profile (Lead Definition)"
    _inherit = ["mail.thread", "crm.alignment.guard.mixin"]
    _order = "sequence, id"
    # signatures come from "Agree" only, and go when the definition changes
    _guarded_fields = ("agreed_by_ids", "agreed_date")

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Leave empty to share the definition between companies.",
    )
    weight_budget = fields.Integer(string="Budget Weight", default=25, tracking=True)
    weight_authority = fields.Integer(
        string="Authority Weight", default=25, tracking=True
    )
    weight_need = fields.Integer(string="Need Weight", default=25, tracking=True)
    weight_timeframe = fields.Integer(
        string="Timeframe Weight", default=25, tracking=True
    )
    threshold = fields.Integer(
        default=60,
        tracking=True,
        help="Score from which a lead is sales-ready (0 to 100).",
    )
    require_budget = fields.Boolean(string="Budget Required", tracking=True)
    require_authority = fields.Boolean(string="Authority Required", tracking=True)
    require_need = fields.Boolean(string="Need Required", default=True, tracking=True)
    require_timeframe = fields.Boolean(string="Timeframe Required", tracking=True)
    validity_days = fields.Integer(
        string="Answers Valid For (days)",
        tracking=True,
        help="After this many days an answer is stale: it counts as unknown "
        "until someone confirms it. 0 keeps answers valid forever.",
    )
    auto_handoff = fields.Boolean(
        string="Automatic Hand-off",
        tracking=True,
        help="Hand leads off to their sales team as soon as they become "
        "sales-ready.",
    )
    note = fields.Html(
        string="Agreement",
        help="The lead definition both teams signed, in their own words.",
    )
    agreed_by_ids = fields.Many2many(
        comodel_name="res.users",
        string="Agreed By",
        readonly=True,
        copy=False,
    )
    agreed_date = fields.Datetime(readonly=True, copy=False, tracking=True)
    team_ids = fields.One2many(
        comodel_name="crm.team",
        inverse_name="bant_profile_id",
        string="Sales Teams",
    )
    lead_count = fields.Integer(compute="_compute_lead_count")

    _sql_constraints = [
        (
            "threshold_range",
            "CHECK (threshold BETWEEN 0 AND 100)",
            "The sales-ready threshold must be between 0 and 100.",
        ),
        (
            "weights_positive",
            "CHECK (weight_budget >= 0 AND weight_authority >= 0"
            " AND weight_need >= 0 AND weight_timeframe >= 0)",
            "BANT weights cannot be negative.",
        ),
        (
            "validity_positive",
            "CHECK (validity_days >= 0)",
            "The validity of answers cannot be negative.",
        ),
    ]

    # ------------------------------------------------------------
    # COMPUTES / CONSTRAINS
    # ------------------------------------------------------------

    def _compute_lead_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group(
                [("bant_profile_id", "in", self.ids)],
                ["bant_profile_id"],
                ["__count"],
            )
        )
        for profile in self:
            profile.lead_count = counts.get(profile, 0)

    @api.constrains("threshold", "validity_days")
    def _check_threshold_and_validity(self):
        for profile in self:
            if not 0 <= profile.threshold <= 100:
                raise ValidationError(
                    self.env._("The sales-ready threshold must be between 0 and 100.")
                )
            if profile.validity_days < 0:
                raise ValidationError(
                    self.env._("The validity of answers cannot be negative.")
                )

    @api.constrains(*(f"weight_{criterion}" for criterion, _label in BANT_CRITERIA))
    def _check_weights(self):
        for profile in self:
            if any(
                profile[f"weight_{criterion}"] < 0
                for criterion, _label in BANT_CRITERIA
            ):
                raise ValidationError(self.env._("BANT weights cannot be negative."))
            if not profile._total_weight():
                raise ValidationError(
                    self.env._(
                        "Give at least one BANT criterion a weight in profile "
                        "%(name)s.",
                        name=profile.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._alignment_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._alignment_guard_write(vals)
        definition_changed = DEFINITION_FIELDS & set(vals)
        before = (
            {profile: {n: profile[n] for n in definition_changed} for profile in self}
            if definition_changed
            else {}
        )
        result = super().write(vals)
        if definition_changed:
            for profile in self:
                profile._clear_agreement(
                    [
                        f"{self._fields[name].string}: {before[profile][name]} → "
                        f"{profile[name]}"
                        for name in sorted(definition_changed)
                        if before[profile][name] != profile[name]
                    ]
                )
        if definition_changed:
            self.env["crm.lead"]._bant_rescore(
                SQL("lead.bant_profile_id = ANY(%s)", self.ids)
            )
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_agree(self):
        """The current user signs the definition for their side."""
        if not self.env["crm.lead"]._alignment_is_manager():
            raise UserError(
                self.env._("Sales and marketing managers sign lead definitions.")
            )
        self.check_access("write")
        self._alignment_guarded_write(
            {
                "agreed_by_ids": [fields.Command.link(self.env.uid)],
                "agreed_date": fields.Datetime.now(),
            }
        )
        for profile in self:
            profile._message_log(
                body=self.env._(
                    "%(user)s agreed to this lead definition.",
                    user=self.env.user.name,
                )
            )
        return True

    def _clear_agreement(self, lines):
        """The definition changed: the signatures covered another one."""
        signed = self.filtered("agreed_by_ids")
        if not lines or not signed:
            return
        signed._alignment_guarded_write(
            {"agreed_by_ids": [fields.Command.clear()], "agreed_date": False}
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._(
                "%(user)s changed the lead definition: its signatures were "
                "cleared, both sides agree again.",
                user=self.env.user.name,
            ),
            Markup().join(Markup("<li>%s</li>") % line for line in lines),
        )
        for profile in signed:
            profile._message_log(body=body)

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_lead_action_bant_analysis"
        )
        action["domain"] = [("bant_profile_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _total_weight(self):
        self.ensure_one()
        return sum(self[f"weight_{criterion}"] for criterion, _label in BANT_CRITERIA)
