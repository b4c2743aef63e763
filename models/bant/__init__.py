from . import crm_bant_option
from . import crm_bant_profile
from . import crm_lead
