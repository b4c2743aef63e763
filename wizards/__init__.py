from . import crm_lead_handoff_wizard
