from . import crm_marketing_content
from . import crm_marketing_content_approval_rule
from . import crm_marketing_content_review
from . import crm_marketing_content_share
from . import crm_lead
from . import crm_team
