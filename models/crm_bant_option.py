from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

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

    def write(self, vals):
        result = super().write(vals)
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
