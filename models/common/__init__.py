from . import crm_alignment_guard_mixin
from . import crm_alignment_history_mixin
from . import crm_alignment_signoff_mixin
from . import res_company
from . import res_config_settings
