from odoo import models
from odoo.tools import SQL


class MailingTrace(models.Model):
    """An open, click, reply or bounce of a mailing sent to leads is an
    engagement signal: the leads it concerns are re-scored at once."""

    _inherit = "mailing.trace"

    def init(self):
        # the re-score of a few leads reads their traces by lead
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON mailing_trace (res_id)"
                " WHERE model = 'crm.lead'",
                SQL.identifier("crm_alignment_mailing_trace_lead_index"),
            )
        )

    def set_opened(self, domain=None):
        traces = super().set_opened(domain=domain)
        traces._engagement_signal_arrived()
        return traces

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
        traces._engagement_signal_arrived()
        return traces

    def set_replied(self, domain=None):
        traces = super().set_replied(domain=domain)
        traces._engagement_signal_arrived()
        return traces

    def set_bounced(self, domain=None, bounce_message=False):
        traces = super().set_bounced(domain=domain, bounce_message=bounce_message)
        traces._engagement_signal_arrived()
        return traces

    def _engagement_signal_arrived(self):
        # the score is derived from the traces alone: re-scoring reads
        # stored facts, whoever triggered it, so it runs as the system
        lead_ids = sorted(
            {t.res_id for t in self if t.model == "crm.lead" and t.res_id}
        )
        if lead_ids:
            self.env["crm.lead"].sudo()._engagement_rescore(
                SQL("lead.id = ANY(%s)", lead_ids)
            )
