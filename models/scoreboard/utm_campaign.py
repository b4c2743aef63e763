from odoo import api, fields, models

# What the campaign cost: the scoreboard's cost and return figures read it.
BUDGET_FIELDS = ("alignment_budget", "alignment_currency_id")


class UtmCampaign(models.Model):
    _inherit = ["utm.campaign", "crm.alignment.guard.mixin"]
    _name = "utm.campaign"

    # marketing managers set the budget; everyone else reads it
    _guarded_fields = BUDGET_FIELDS
    _guarded_manager_fields = BUDGET_FIELDS

    alignment_budget = fields.Monetary(
        string="Budget",
        currency_field="alignment_currency_id",
        help="Optional: what the campaign costs. With it the shared scoreboard "
        "shows the cost per sales-ready lead and the return on spend. Set by "
        "marketing managers.",
    )
    alignment_currency_id = fields.Many2one(
        comodel_name="res.currency",
        string="Budget Currency",
        default=lambda self: self.env.company.currency_id,
    )

    @api.model
    def _alignment_guard_manager_ok(self):
        return self.env.su or self.env.user.has_group(
            "crm_alignment.group_marketing_manager"
        )

    @api.model_create_multi
    def create(self, vals_list):
        # a form sends the rule's values (no budget, the company's currency):
        # those are not a forged budget
        rule = {
            "alignment_budget": 0,
            "alignment_currency_id": self.env.company.currency_id.id,
        }
        self._alignment_guard_create(
            [
                {
                    name: value
                    for name, value in vals.items()
                    if name not in rule or (value or 0) != rule[name]
                }
                for vals in vals_list
            ]
        )
        return super().create(vals_list)

    def write(self, vals):
        self._alignment_guard_write(vals)
        return super().write(vals)
