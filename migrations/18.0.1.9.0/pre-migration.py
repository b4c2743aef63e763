"""18.0.1.9.0: the lead's e-mail domain index holds the leads without a
partner only (the only ones matched to a target account by domain); the
module creates it again as such once the full one is gone (Odoo keeps an
index a field no longer declares)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS crm_lead__email_company_domain_index")
