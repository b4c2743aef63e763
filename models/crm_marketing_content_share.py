from odoo import api, fields, models


class CrmMarketingContentShare(models.Model):
    """A content shared with the prospect of a lead: what this prospect has
    seen, and what content influenced won deals."""

    _inherit = ["crm.alignment.guard.mixin"]
    _name = "crm.marketing.content.share"
    _description = "Content Shared with a Prospect"
    _order = "date desc, id desc"
    _rec_name = "content_id"
    # append-only: what each prospect was shown
    _guarded_fields = "__all__"
    _guarded_create = True

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

    @api.model_create_multi
    def create(self, vals_list):
        self._alignment_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._alignment_guard_write(vals)
        return super().write(vals)
