from . import crm_bant_calibration_report
from . import crm_sla_report
from . import crm_target_account_engagement
from . import crm_alignment_pipeline_report
from . import crm_alignment_speed_report
from . import crm_alignment_weekly_review
from . import crm_alignment_pipeline_history
