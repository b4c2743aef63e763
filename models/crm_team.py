from odoo import models

from .crm_lead import AUTO_ASSIGN_KEY, MARKETING_STAGES


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _get_lead_to_assign_domain(self):
        # Leads marketing still owns are not salespeople's to take.
        return super()._get_lead_to_assign_domain() + [
            ("lifecycle_stage", "not in", MARKETING_STAGES)
        ]

    def _allocate_leads(self, creation_delta_days=7):
        return super(
            CrmTeam, self.with_context(**{AUTO_ASSIGN_KEY: True})
        )._allocate_leads(creation_delta_days=creation_delta_days)

    def _assign_and_convert_leads(self, force_quota=False):
        return super(
            CrmTeam, self.with_context(**{AUTO_ASSIGN_KEY: True})
        )._assign_and_convert_leads(force_quota=force_quota)
