from . import crm_bant_calibration_report
