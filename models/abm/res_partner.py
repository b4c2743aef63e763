from odoo import api, fields, models

from .company_domain import email_company_domain, website_company_domain

# Fields whose change can move leads to another target account.
PARTNER_MATCH_FIELDS = ("email", "website", "parent_id", "is_company")


class ResPartner(models.Model):
    _inherit = "res.partner"

    email_company_domain = fields.Char(
        compute="_compute_company_domains",
        store=True,
        help="Registrable domain of the e-mail: leads from it belong to this "
        "company when it is a target account.",
    )
    website_company_domain = fields.Char(
        compute="_compute_company_domains",
        store=True,
        help="Registrable domain of the website.",
    )
    target_account_ids = fields.One2many(
        comodel_name="crm.target.account",
        inverse_name="partner_id",
        string="Target Accounts",
    )
    target_account_count = fields.Integer(compute="_compute_target_account_count")

    @api.depends("email", "website")
    def _compute_company_domains(self):
        for partner in self:
            partner.email_company_domain = email_company_domain(partner.email)
            partner.website_company_domain = website_company_domain(partner.website)

    def _compute_target_account_count(self):
        counts = dict(
            self.env["crm.target.account"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.target_account_count = counts.get(partner, 0)

    def write(self, vals):
        rematch = (
            any(field in vals for field in PARTNER_MATCH_FIELDS)
            and self.env["crm.lead"]._target_accounts_exist()
        )
        if rematch:
            before = self._target_match_keys()
        result = super().write(vals)
        if rematch:
            partner_ids, domains = before
            after_ids, after_domains = self._target_match_keys()
            self.env["crm.lead"]._target_account_match(
                partner_ids=partner_ids | after_ids, domains=domains | after_domains
            )
        return result

    def _target_match_keys(self):
        """(partner ids, domains) whose leads may change account with self."""
        companies = self | self.commercial_partner_id
        return set(companies.ids), set(
            companies.mapped("email_company_domain")
            + companies.mapped("website_company_domain")
        )

    def action_view_target_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_target_account_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
