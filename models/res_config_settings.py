from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_bant_profile_id = fields.Many2one(
        related="company_id.bant_profile_id",
        readonly=False,
    )
