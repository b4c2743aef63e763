from . import crm_engagement_signal
from . import crm_engagement_definition
from . import crm_engagement_rule
from . import crm_lead
from . import mailing_trace
from . import crm_marketing_content_share
from . import crm_target_account
