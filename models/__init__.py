from . import (
    crm_bant_option,
    crm_bant_profile,
    crm_lead,
    crm_lead_bant,
    crm_lead_handoff,
    crm_team,
    res_company,
    res_config_settings,
)
