from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        # Marking a lead's activity done is a follow-up of that lead.
        lead_ids = [
            activity.res_id for activity in self if activity.res_model == "crm.lead"
        ]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if lead_ids:
            self.env["crm.lead"].browse(
                lead_ids
            ).exists()._alignment_register_followup()
        return result
