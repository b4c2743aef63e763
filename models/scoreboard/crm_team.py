import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class CrmTeam(models.Model):
    """The weekly alignment review, sent to the team's two leaders."""

    _inherit = "crm.team"

    alignment_review = fields.Boolean(
        string="Weekly Alignment Review",
        default=True,
        help="Send the team leader and the team's marketing owner the weekly "
        "review (goals short of target, SLA exceptions, recycles, new content) "
        "as a PDF.",
    )

    def _alignment_review_recipients(self):
        self.ensure_one()
        return (self.user_id | self.marketing_user_id).filtered("active")

    @api.model
    def _cron_send_alignment_review(self):
        """One review per team with a leader on either side, posted on the
        team to them (each gets it as their notification settings say: an
        e-mail, or the Odoo inbox for users without an e-mail address)."""
        teams = self.search([("alignment_review", "=", True)])
        report = self.env.ref("crm_alignment.action_report_weekly_review")
        sent = 0
        for team in teams:
            recipients = team._alignment_review_recipients()
            if not recipients:
                continue
            try:
                content, kind = report._render_qweb_pdf(report.report_name, team.ids)
            except UserError:
                # no PDF engine on this server: the same review as HTML
                content, kind = report._render_qweb_html(report.report_name, team.ids)
            extension = "pdf" if kind == "pdf" else "html"
            name = f"{team.name} - {fields.Date.context_today(self)}.{extension}"
            team.message_post(
                body=self.env._(
                    "The weekly alignment review of %(team)s.", team=team.name
                ),
                subject=self.env._("Weekly alignment review: %(team)s", team=team.name),
                partner_ids=recipients.partner_id.ids,
                attachments=[(name, content)],
                subtype_xmlid="mail.mt_note",
            )
            sent += 1
        _logger.info("crm_alignment: weekly review sent to %s teams", sent)
        return sent
