from odoo import api, models
from odoo.tools import SQL


class CrmMarketingContentShare(models.Model):
    """Content shared with a prospect is an engagement signal."""

    _inherit = "crm.marketing.content.share"

    @api.model_create_multi
    def create(self, vals_list):
        shares = super().create(vals_list)
        if shares.lead_id:
            # derived from the shares just recorded, by the pipeline
            self.env["crm.lead"].sudo()._engagement_rescore(
                SQL("lead.id = ANY(%s)", shares.lead_id.ids)
            )
        return shares
