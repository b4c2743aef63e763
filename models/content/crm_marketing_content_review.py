from odoo import fields, models


class CrmMarketingContentReview(models.Model):
    """One decision on one version of a content. Never deleted: the review
    history survives resubmissions and new versions."""

    _name = "crm.marketing.content.review"
    _inherit = ["crm.alignment.history.mixin"]
    _description = "Marketing Content Review"
    _order = "date desc, id desc"
    _rec_name = "content_id"

    content_id = fields.Many2one(
        comodel_name="crm.marketing.content",
        string="Content",
        required=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="content_id.company_id", store=True
    )
    reviewer_id = fields.Many2one(
        comodel_name="res.users", string="Reviewer", required=True, readonly=True
    )
    decision = fields.Selection(
        selection=[("approve", "Approved"), ("changes", "Changes Requested")],
        required=True,
        readonly=True,
    )
    comment = fields.Text(readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    version = fields.Integer(required=True, readonly=True)
