from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmLeadContentShare(models.TransientModel):
    """Share published marketing content with the prospect of a lead."""

    _name = "crm.lead.content.share"
    _description = "Share Content with Prospect"

    lead_id = fields.Many2one(comodel_name="crm.lead", required=True)
    content_ids = fields.Many2many(
        comodel_name="crm.marketing.content",
        string="Content",
        required=True,
        domain="[('state', '=', 'published')]",
    )
    send_email = fields.Boolean(
        string="Send by E-mail",
        compute="_compute_send_email",
        store=True,
        readonly=False,
        help="E-mail the content (its approved files) to the prospect from the "
        "lead.",
    )

    @api.depends("lead_id")
    def _compute_send_email(self):
        for wizard in self:
            wizard.send_email = bool(wizard.lead_id.email_from)

    def action_share(self):
        """Record the shares and e-mail the approved files, as the user: the
        lead must be theirs to write, the content theirs to read, and only
        the content's own approved files are copied (no superuser over ids
        the user sent)."""
        self.ensure_one()
        self.lead_id.check_access("write")
        self.content_ids.check_access("read")
        unpublished = self.content_ids.filtered(lambda c: c.state != "published")
        if unpublished:
            raise UserError(
                self.env._(
                    "Only published content can be shared: %(names)s.",
                    names=", ".join(unpublished.mapped("name")),
                )
            )
        lead = self.lead_id
        self.env["crm.marketing.content.share"]._alignment_guarded_create(
            [
                {
                    "content_id": content.id,
                    "lead_id": lead.id,
                    "version": content.approved_version,
                    "by_email": self.send_email,
                }
                for content in self.content_ids
            ]
        )
        if self.send_email:
            attachments = self.content_ids._own_approved_attachments()
            copies = [
                attachment.copy({"res_model": "crm.lead", "res_id": lead.id}).id
                for attachment in attachments
            ]
            items = Markup("").join(
                Markup("<li>%s%s</li>")
                % (
                    content.name,
                    Markup(" (<a href='%s'>%s</a>)")
                    % (content.approved_url, content.approved_url)
                    if content.approved_url
                    else "",
                )
                for content in self.content_ids
            )
            lead.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (self.env._("Some reading you may find useful:"), items),
                subject=self.env._(
                    "For you: %(names)s",
                    names=", ".join(self.content_ids.mapped("name")),
                ),
                partner_ids=lead.partner_id.ids,
                attachment_ids=copies,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return {"type": "ir.actions.act_window_close"}
