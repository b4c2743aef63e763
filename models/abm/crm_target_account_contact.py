from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmTargetAccountContact(models.Model):
    """A contact of the account's company and the seat they hold on its
    buying committee; one contact may hold several roles."""

    _name = "crm.target.account.contact"
    _description = "Buying Committee Member"
    _order = "account_id, role_sequence, id"

    account_id = fields.Many2one(
        comodel_name="crm.target.account",
        string="Account",
        required=True,
        index=True,
        ondelete="cascade",
    )
    account_partner_id = fields.Many2one(
        related="account_id.partner_id", string="Account's Company"
    )
    company_id = fields.Many2one(
        related="account_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Contact",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('commercial_partner_id', '=', account_partner_id), "
        "('id', '!=', account_partner_id)]",
    )
    role_id = fields.Many2one(
        comodel_name="crm.buying.role",
        string="Role",
        required=True,
        ondelete="restrict",
    )
    role_sequence = fields.Integer(related="role_id.sequence", store=True)
    function = fields.Char(related="partner_id.function", string="Job Position")
    email = fields.Char(related="partner_id.email")
    note = fields.Char()

    _sql_constraints = [
        (
            "account_partner_role_uniq",
            "unique (account_id, partner_id, role_id)",
            "This contact holds this role on the account already.",
        ),
    ]

    @api.constrains("partner_id", "account_id")
    def _check_partner_of_account(self):
        for member in self:
            company = member.account_id.partner_id
            if (
                member.partner_id == company
                or member.partner_id.commercial_partner_id != company
            ):
                raise ValidationError(
                    self.env._(
                        "%(contact)s is not a contact of %(company)s: the buying "
                        "committee is made of the company's own people.",
                        contact=member.partner_id.display_name,
                        company=company.name,
                    )
                )
