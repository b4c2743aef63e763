from odoo import fields, models


class CrmMarketingContentShare(models.Model):
    """A content shared with the prospect of a lead: what this prospect has
    seen, and what content influenced won deals."""

    _name = "crm.marketing.content.share"
    _inherit = ["crm.alignment.history.mixin"]
    _description = "Content Shared with a Prospect"
    _order = "date desc, id desc"
    _rec_name = "content_id"

    content_id = fields.Many2one(
        comodel_name="crm.marketing.content",
        string="Content",
        required=True,
        index=True,
        ondelete="cascade",
    )
    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        string="Lead",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="lead_id.company_id", store=True
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Shared By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    version = fields.Integer(readonly=True)
    by_email = fields.Boolean(string="Sent by E-mail", readonly=True)
