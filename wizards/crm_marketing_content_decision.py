from odoo import fields, models


class CrmMarketingContentDecision(models.TransientModel):
    """An approver's decision on content in review, with a comment."""

    _name = "crm.marketing.content.decision"
    _description = "Content Review Decision"

    content_id = fields.Many2one(comodel_name="crm.marketing.content", required=True)
    decision = fields.Selection(
        selection=[("approve", "Approve"), ("changes", "Request Changes")],
        required=True,
        default="approve",
    )
    comment = fields.Text()

    def action_confirm(self):
        self.ensure_one()
        if self.decision == "approve":
            self.content_id.action_approve(comment=self.comment)
        else:
            self.content_id.action_request_changes(comment=self.comment)
        return {"type": "ir.actions.act_window_close"}
