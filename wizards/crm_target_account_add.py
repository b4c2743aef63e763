from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.abm.crm_lead import TIERS


class CrmTargetAccountAdd(models.TransientModel):
    """Add to Target List: the companies selected in Contacts, in one go."""

    _name = "crm.target.account.add"
    _description = "Add Companies to a Target-Account List"

    list_id = fields.Many2one(
        comodel_name="crm.target.account.list",
        string="List",
        required=True,
        domain="[('state', '!=', 'closed')]",
    )
    tier = fields.Selection(selection=TIERS, required=True, default="2")
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Companies",
        required=True,
    )

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_ids" in fields_list
            and context.get("active_model") == "res.partner"
            and context.get("active_ids")
        ):
            defaults["partner_ids"] = [(6, 0, context["active_ids"])]
        return defaults

    def action_add(self):
        self.ensure_one()
        people = self.partner_ids.filtered(lambda partner: not partner.is_company)
        if people:
            raise UserError(
                self.env._(
                    "Only companies go on a target-account list; these are people "
                    "or addresses: %(names)s. Select their companies instead.",
                    names=", ".join(people.mapped("display_name")),
                )
            )
        present = self.list_id.account_ids.partner_id & self.partner_ids
        if present:
            raise UserError(
                self.env._(
                    "Already in %(list)s: %(names)s.",
                    list=self.list_id.name,
                    names=", ".join(present.mapped("display_name")),
                )
            )
        self.env["crm.target.account"].create(
            [
                {
                    "list_id": self.list_id.id,
                    "partner_id": partner.id,
                    "tier": self.tier,
                }
                for partner in self.partner_ids
            ]
        )
        return self.list_id.action_view_accounts()
