from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..common.uninstall import module_being_removed

# What an answer contributes to the lead definitions that use it.
DEFINITION_TERMS = {"points", "is_unknown", "disqualifying", "criterion", "active"}

BANT_CRITERIA = [
    ("budget", "Budget"),
    ("authority", "Authority"),
    ("need", "Need"),
    ("timeframe", "Timeframe"),
]


class CrmBantOption(models.Model):
    """One possible answer to one BANT question, with what it is worth."""

    _name = "crm.bant.option"
    _description = "BANT Answer"
    _order = "criterion, sequence, id"

    name = fields.Char(required=True, translate=True)
    criterion = fields.Selection(selection=BANT_CRITERIA, required=True, index=True)
    sequence = fields.Integer(default=10)
    points = fields.Integer(
        help="How strongly this answer qualifies a lead, from -100 (counts "
        "against it) to 100.",
    )
    is_unknown = fields.Boolean(
        string="Unknown",
        help="The 'we don't know yet' answer: it scores 0 and does not answer a "
        "required criterion.",
    )
    disqualifying = fields.Boolean(
        help="A lead with this answer is never sales-ready, whatever its score.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Leave empty to share the answer between companies.",
    )

    _sql_constraints = [
        (
            "points_range",
            "CHECK (points BETWEEN -100 AND 100)",
            "The points of an answer must be between -100 and 100.",
        ),
    ]

    @api.constrains("is_unknown", "points", "disqualifying")
    def _check_points(self):
        for option in self:
            if not -100 <= option.points <= 100:
                raise ValidationError(
                    self.env._("The points of an answer must be between -100 and 100.")
                )
            if option.is_unknown and (option.points or option.disqualifying):
                raise ValidationError(
                    self.env._(
                        "The unknown answer %(name)s scores 0 points and cannot "
                        "disqualify a lead.",
                        name=option.name,
                    )
                )

    @api.constrains("criterion")
    def _check_criterion_of_used_answer(self):
        # An answer in use cannot move to another question: the leads using
        # it would answer the wrong criterion.
        for criterion, _label in BANT_CRITERIA:
            others = self.filtered(lambda option, c=criterion: option.criterion != c)
            if others and self.env["crm.lead"].with_context(
                active_test=False
            ).search_count([(f"bant_{criterion}_id", "in", others.ids)], limit=1):
                raise ValidationError(
                    self.env._(
                        "An answer used by leads cannot change its criterion; "
                        "archive it and create a new one."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        options = super().create(vals_list)
        options._bant_definition_changed(
            [self.env._("%(answer)s added", answer=o.name) for o in options]
        )
        return options

    def write(self, vals):
        before = (
            {option: option._bant_terms() for option in self}
            if DEFINITION_TERMS & set(vals)
            else {}
        )
        result = super().write(vals)
        changed = [
            f"{option.name}: {self._fields[name].string}: {old} → {option[name]}"
            for option in before
            for name, old in before[option].items()
            if old != option[name]
        ]
        self._bant_definition_changed(changed)
        if {"points", "is_unknown", "disqualifying"} & set(vals):
            self.env["crm.lead"]._bant_rescore(
                SQL(
                    "lead.bant_budget_id = ANY(%(ids)s)"
                    " OR lead.bant_authority_id = ANY(%(ids)s)"
                    " OR lead.bant_need_id = ANY(%(ids)s)"
                    " OR lead.bant_timeframe_id = ANY(%(ids)s)",
                    ids=self.ids,
                )
            )
        return result

    @api.ondelete(at_uninstall=True)
    def _unlink_changes_the_definition(self):
        if module_being_removed(self.env):
            return
        self._bant_definition_changed(
            [self.env._("%(answer)s removed", answer=o.name) for o in self]
        )

    def _bant_terms(self):
        self.ensure_one()
        return {name: self[name] for name in sorted(DEFINITION_TERMS)}

    def _bant_definition_changed(self, lines):
        """Answers are part of every lead definition that may use them: a
        change to what one is worth voids the definitions' signatures."""
        if not lines:
            return
        companies = self.company_id
        domain = [("agreed_by_ids", "!=", False)]
        if companies:
            domain += [
                "|",
                ("company_id", "=", False),
                ("company_id", "in", companies.ids),
            ]
        # signatures are facts the user cannot see all of: the profiles are
        # found by the rule above, not by ids the caller chose
        profiles = self.env["crm.bant.profile"].sudo().search(domain)
        profiles._clear_agreement(lines)
