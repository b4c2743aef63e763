from odoo import api, fields, models


class CrmTargetAccount(models.Model):
    """The prospect engagement of a target account: its leads' engagement
    scores added up, the buying-committee roles whose contacts engaged, and
    whether that makes it marketing-qualified under its list's rule (both
    teams signed the list). Computed as the reader: leads the reader may not
    see do not count."""

    _inherit = "crm.target.account"

    lead_engagement = fields.Integer(
        string="Prospect Engagement",
        compute="_compute_lead_engagement",
        help="The engagement scores of the account's leads, added up (the "
        "leads you may see).",
    )
    engaged_role_ids = fields.Many2many(
        comodel_name="crm.buying.role",
        string="Roles Engaged",
        compute="_compute_lead_engagement",
        help="Buying-committee roles whose contact is the contact of an engaged "
        "lead of the account.",
    )
    is_marketing_qualified = fields.Boolean(
        string="Marketing-Qualified Account",
        compute="_compute_lead_engagement",
        help="Prospect engagement and roles engaged both reach the list's rule.",
    )

    @api.depends("contact_ids.role_id", "list_id.mqa_engagement_from")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_lead_engagement(self):
        accounts = self.filtered("id")
        Lead = self.env["crm.lead"]
        totals = dict(
            Lead._read_group(
                [("target_account_id", "in", accounts.ids)],
                ["target_account_id"],
                ["engagement_score:sum"],
            )
        )
        engaged = Lead._read_group(
            [
                ("target_account_id", "in", accounts.ids),
                ("engagement_score", ">", 0),
                ("partner_id", "!=", False),
            ],
            ["target_account_id"],
            ["partner_id:array_agg"],
        )
        engaged_partners = {account: set(ids) for account, ids in engaged}
        for account in self:
            partners = engaged_partners.get(account, set())
            roles = account.contact_ids.filtered(
                lambda contact, partners=partners: contact.partner_id.id in partners
            ).role_id
            account.lead_engagement = totals.get(account, 0) or 0
            account.engaged_role_ids = roles
            rule = account.list_id
            account.is_marketing_qualified = bool(
                rule.mqa_engagement_from
                and account.lead_engagement >= rule.mqa_engagement_from
                and len(roles) >= rule.mqa_roles_from
            )
