from datetime import timedelta

from odoo import api, fields, models


class CrmTeam(models.Model):
    """The weekly "This week in marketing" e-mail to each sales team."""

    _inherit = "crm.team"

    marketing_digest = fields.Boolean(
        string="Weekly Marketing E-mail",
        default=True,
        help="Send the team a weekly e-mail with newly published content and "
        "active campaigns.",
    )
    digest_content_ids = fields.Many2many(
        comodel_name="crm.marketing.content",
        compute="_compute_digest",
        string="Published This Week",
    )
    digest_campaign_ids = fields.Many2many(
        comodel_name="utm.campaign",
        compute="_compute_digest",
        string="Active Campaigns",
    )

    @api.depends_context("digest_since")
    def _compute_digest(self):
        since = self.env.context.get("digest_since") or (
            fields.Datetime.now() - timedelta(days=7)
        )
        Content = self.env["crm.marketing.content"].sudo()
        for team in self:
            # the superuser search stays within the team's company (or, for a
            # team without one, its people's companies)
            companies = team.company_id or (team.member_ids | team.user_id).company_id
            company = [("company_id", "in", [*companies.ids, False])]
            contents = Content.search(
                company
                + [
                    ("state", "=", "published"),
                    ("published_date", ">=", since),
                    "|",
                    ("team_ids", "=", False),
                    ("team_ids", "in", team.ids),
                ]
            )
            team.digest_content_ids = contents
            team.digest_campaign_ids = (
                contents.campaign_id
                | Content.search(
                    company
                    + [
                        ("state", "=", "published"),
                        ("campaign_id", "!=", False),
                        "|",
                        ("team_ids", "=", False),
                        ("team_ids", "in", team.ids),
                    ]
                ).campaign_id
            )

    @api.model
    def _cron_send_marketing_digest(self):
        template = self.env.ref("crm_alignment.mail_template_marketing_digest")
        since = fields.Datetime.now() - timedelta(days=7)
        teams = self.search([("marketing_digest", "=", True)]).with_context(
            digest_since=since
        )
        for team in teams:
            recipients = (team.member_ids | team.user_id).partner_id
            if not recipients or not team.digest_content_ids:
                continue
            template.send_mail(
                team.id,
                email_values={"recipient_ids": [fields.Command.set(recipients.ids)]},
            )
        return True
