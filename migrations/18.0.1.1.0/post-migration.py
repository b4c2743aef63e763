"""18.0.1.1.0: marketing qualification of inbound leads became a choice per
team (company default off). Databases that ran 18.0.1.0.0 had it on for
every team: keep their behaviour; an administrator may turn it off."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE res_company SET marketing_qualifies_leads = TRUE")
