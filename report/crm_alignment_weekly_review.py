from datetime import timedelta

from odoo import api, fields, models


class ReportCrmAlignmentWeeklyReview(models.AbstractModel):
    """The leaders' weekly meeting on one page per team: goals short of
    target, SLA exceptions, recycles by reason, new content, speed to lead.
    Figures are those the reader may see (record rules apply)."""

    _name = "report.crm_alignment.report_weekly_review"
    _description = "Weekly Alignment Review"

    @api.model
    def _get_report_values(self, docids, data=None):
        teams = self.env["crm.team"].browse(docids)
        teams.check_access("read")
        today = fields.Date.context_today(self)
        since = today - timedelta(days=6)
        return {
            "doc_ids": docids,
            "doc_model": "crm.team",
            "docs": teams,
            "date_from": since,
            "date_to": today,
            "reviews": {team.id: self._review(team, since, today) for team in teams},
        }

    @api.model
    def _review(self, team, since, today):
        company = team.company_id or self.env.company
        scope = {
            "date_from": since,
            "date_to": today,
            "team_ids": team.ids,
            "company_ids": company.ids,
        }
        Scoreboard = self.env["crm.alignment.scoreboard"]
        start, end = Scoreboard._scope_bounds(scope)
        goals = self.env["crm.alignment.goal"].search(
            [
                ("state", "=", "agreed"),
                ("company_id", "=", company.id),
                ("team_id", "in", [team.id, False]),
                ("date_start", "<=", today),
                ("date_end", ">=", today),
            ]
        )
        short = goals.line_ids.filtered(lambda line: not line.is_met)
        exceptions = self.env["crm.lead.sla"].search(
            [
                ("team_id", "=", team.id),
                ("state", "=", "failed"),
                ("deadline", ">=", start),
                ("deadline", "<=", end),
            ],
            order="deadline",
        )
        recycles = self.env["crm.lead.handoff"]._read_group(
            [
                ("team_id", "=", team.id),
                ("direction", "=", "to_marketing"),
                ("date", ">=", start),
                ("date", "<=", end),
            ],
            ["reason_id"],
            ["__count"],
            order="__count desc",
        )
        # the team's weekly marketing e-mail already finds them
        contents = team.with_context(digest_since=start).digest_content_ids
        return {
            "short_lines": short,
            "exceptions": exceptions,
            "recycles": recycles,
            "contents": contents,
            "deliveries": Scoreboard._deliveries(scope),
            "speed": Scoreboard._speed_to_lead(scope),
        }
