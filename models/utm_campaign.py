from odoo import fields, models


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    alignment_budget = fields.Monetary(
        string="Budget",
        currency_field="alignment_currency_id",
        help="Optional: what the campaign costs. With it the shared scoreboard "
        "shows the cost per sales-ready lead and the return on spend.",
    )
    alignment_currency_id = fields.Many2one(
        comodel_name="res.currency",
        string="Budget Currency",
        default=lambda self: self.env.company.currency_id,
    )
