from . import crm_lead, crm_lead_handoff, crm_team
