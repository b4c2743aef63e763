from . import crm_lead_handoff_wizard
from . import crm_lead_recycle
