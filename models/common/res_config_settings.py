from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_bant_profile_id = fields.Many2one(
        related="company_id.bant_profile_id",
        readonly=False,
    )
    crm_target_account_idle_days = fields.Integer(
        related="company_id.target_account_idle_days",
        readonly=False,
    )
    crm_marketing_qualifies_leads = fields.Boolean(
        related="company_id.marketing_qualifies_leads",
        readonly=False,
    )
