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
            domains |= after_domains
            # a new e-mail or website of a company on no list moves no lead:
            # its leads follow their commercial partner, which did not change
            if domains or any(field in vals for field in ("parent_id", "is_company")):
                self.env["crm.lead"]._target_account_match(
                    partner_ids=partner_ids | after_ids, domains=domains
                )
        return result

    def _target_match_keys(self):
        """(partner ids, domains) whose leads may change account with self.

        Leads match by domain the companies that are target accounts only:
        the domains of other companies move no lead. crm writes a lead's
        company once per lead it creates, and a shared domain (a group's
        example.com) would otherwise re-match all its leads each time."""
        companies = self | self.commercial_partner_id
        self.env["crm.target.account"].flush_model(["partner_id"])
        self.env.cr.execute(
            "SELECT DISTINCT partner_id FROM crm_target_account"
            " WHERE partner_id = ANY(%s)",
            [companies.ids],
        )
        accounts = companies.browse([row[0] for row in self.env.cr.fetchall()])
        return set(companies.ids), set(
            filter(
                None,
                accounts.mapped("email_company_domain")
                + accounts.mapped("website_company_domain"),
            )
        )

    def action_view_target_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_target_account_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
