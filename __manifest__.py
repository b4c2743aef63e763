{
    "name": "Sales & Marketing Alignment",
    "summary": "One shared pipeline for marketing and sales: lead lifecycle, "
    "explicit hand-offs and their journey log",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-alignment/crm_alignment",
    "author": "crm_alignment contributors",
    "maintainers": ["crm-alignment"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["crm", "mail", "utm"],
    "data": [
        "security/crm_alignment_security.xml",
        "security/ir.model.access.csv",
        "data/mail_activity_type_data.xml",
        "wizards/crm_lead_handoff_wizard_views.xml",
        "views/crm_lead_handoff_views.xml",
        "views/crm_lead_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/crm_team_demo.xml",
        "demo/crm_lead_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_alignment/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
