from odoo import fields, models


class CrmLead(models.Model):
    """What the prospect of this lead has seen of marketing's content."""

    _inherit = "crm.lead"

    content_share_ids = fields.One2many(
        comodel_name="crm.marketing.content.share",
        inverse_name="lead_id",
        string="Content Seen",
        readonly=True,
    )

    def action_share_content(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Share with Prospect"),
            "res_model": "crm.lead.content.share",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }
