from odoo import fields, models


class CrmRecycleReason(models.Model):
    """Why sales sends a lead back to marketing, and what that implies."""

    _name = "crm.recycle.reason"
    _description = "Recycle Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        help="Leave empty to share the reason between companies.",
    )
    note_required = fields.Boolean(
        help="Salespeople must explain themselves when they use this reason.",
    )
    revisit_days = fields.Integer(
        string="Revisit After (days)",
        default=30,
        help="When marketing looks at the lead again, by default.",
    )
    reset_budget = fields.Boolean(help="Forget the lead's Budget answer.")
    reset_authority = fields.Boolean(help="Forget the lead's Authority answer.")
    reset_need = fields.Boolean(help="Forget the lead's Need answer.")
    reset_timeframe = fields.Boolean(help="Forget the lead's Timeframe answer.")

    _sql_constraints = [
        (
            "revisit_days_positive",
            "CHECK (revisit_days >= 0)",
            "The revisit delay cannot be negative.",
        ),
    ]

    def _bant_fields_to_reset(self):
        self.ensure_one()
        return [
            f"bant_{criterion}_id"
            for criterion in ("budget", "authority", "need", "timeframe")
            if self[f"reset_{criterion}"]
        ]
