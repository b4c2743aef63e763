from . import crm_lead_content_share
from . import crm_lead_handoff_wizard
from . import crm_lead_recycle
from . import crm_marketing_content_decision
from . import crm_target_account_add
