from . import crm_buying_role
from . import crm_free_mail_domain
from . import crm_target_account_list
from . import crm_target_account
from . import crm_target_account_contact
from . import crm_lead
from . import res_partner
