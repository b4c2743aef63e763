from odoo import api, fields, models


class CrmFreeMailDomain(models.Model):
    """Domains shared by unrelated people (gmail.com...): a lead writing from
    one of them is never matched to a company by its e-mail."""

    _name = "crm.free.mail.domain"
    _description = "Free-Mail Domain"
    _order = "name"

    name = fields.Char(string="Domain", required=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique (name)", "This free-mail domain is listed already."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name"):
                vals["name"] = vals["name"].strip().lower()
        domains = super().create(vals_list)
        self.env["crm.lead"]._target_account_match(domains=domains.mapped("name"))
        return domains

    def write(self, vals):
        if vals.get("name"):
            vals["name"] = vals["name"].strip().lower()
        before = self.mapped("name")
        result = super().write(vals)
        if "name" in vals or "active" in vals:
            self.env["crm.lead"]._target_account_match(
                domains=before + self.mapped("name")
            )
        return result

    def unlink(self):
        names = self.mapped("name")
        result = super().unlink()
        self.env["crm.lead"]._target_account_match(domains=names)
        return result
