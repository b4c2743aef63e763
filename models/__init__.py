# The addon's models, one folder per concern. The order matters where a
# concern extends another's methods through super(); it is written here:
#
# crm.lead has ONE door (lifecycle/crm_lead.py: create/write), which applies
# the guards and calls each concern's hooks by name (_bant_prepare_*,
# _target_account_after_*, _sla_before/after_write, _funnel_after_*,
# _nurture_before/after_write), so no hook depends on this order. Three
# public lifecycle methods are extended with super() instead, in the order
# below (and nurture's recycle_to_nurture last). A concern never imports
# another concern's model file: importing it registers its class early and
# changes that order; it calls the other's methods on the record instead.
#   - bant/crm_lead.py       action_mark_sales_ready (the definition decides)
#   - sla/crm_lead.py        _alignment_log_handoff, _alignment_accept,
#                            recycle_to_nurture, action_set_lost, message_post
#                            (the follow-up clock starts, stops, is reached)

# mixins every concern uses: guarded facts, append-only history, sign-off
from . import common

# the lead's lifecycle and THE door of crm.lead; hand-offs; crm.team filters
from . import lifecycle

# BANT qualification (after the door: extends action_mark_sales_ready)
from . import bant

# recycle to nurture (after the door: its wizard's action lives on crm.lead)
from . import recycle

# follow-up SLAs (after lifecycle and recycle: extends their actions)
from . import sla

# marketing content co-created with sales, and its weekly e-mail
from . import content

# account-based marketing: target-account lists, accounts, buying committees
from . import abm

# the shared scoreboard: journey dates, goals, dashboard, review, digest
from . import scoreboard

# nurture programs both teams sign: enrolments, the step job (after recycle,
# bant and lifecycle: extends recycle_to_nurture and action_start_nurture)
from . import nurture

# engagement with decay next to BANT fit, the grade matrix, and the exit of
# warmed-up nurtured leads back to sales (after nurture: extends its hooks)
from . import engagement
