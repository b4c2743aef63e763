from . import crm_nurture_program
from . import crm_nurture_step
from . import crm_nurture_enrolment
from . import crm_nurture_touch
from . import crm_lead
from . import mailing_mailing
