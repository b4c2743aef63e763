from . import crm_lead_handoff
from . import crm_lead
from . import crm_team
