from . import crm_recycle_reason
from . import crm_lead
