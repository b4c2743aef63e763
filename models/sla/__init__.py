from . import resource_calendar
from . import crm_sla_policy
from . import crm_lead_sla
from . import crm_lead
from . import mail_activity
