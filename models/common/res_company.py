from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    bant_profile_id = fields.Many2one(
        comodel_name="crm.bant.profile",
        string="Default Lead Definition",
        domain="[('company_id', 'in', (id, False))]",
        help="BANT profile of the leads whose sales team has none.",
    )
    marketing_qualifies_leads = fields.Boolean(
        string="Marketing Qualifies Inbound Leads",
        help="Default of the sales teams: inbound leads (website forms, mail "
        "alias, imports by the system) start with marketing (New, then "
        "Nurturing and Sales-Ready) and Odoo's lead assignment only takes "
        "sales-ready ones. Off: they go to sales as in standard Odoo, and "
        "their assignment counts as the hand-off (follow-up SLA).",
    )
    target_account_idle_days = fields.Integer(
        string="Target Accounts Idle After (days)",
        default=30,
        help="A target account with no message or e-mail on its leads for "
        "this many days shows under 'No Recent Activity'.",
    )

    @api.constrains("resource_calendar_id")
    def _check_alignment_calendar_working_time(self):
        """The company's working hours plan the SLA deadlines of teams and
        policies that have none of their own: refuse one without working
        time, as for policy and team calendars."""
        used = self.filtered(
            lambda company: self.env["crm.sla.policy"].search_count(
                [
                    ("company_id", "in", (company.id, False)),
                    ("calendar_id", "=", False),
                ],
                limit=1,
            )
        )
        used.resource_calendar_id._alignment_check_working_time()

    def write(self, vals):
        result = super().write(vals)
        if "bant_profile_id" in vals:
            # Leads without a company follow the default of the company that
            # changes it: no field dependency reaches them, so say it.
            leads = self.env["crm.lead"].search(
                [
                    "|",
                    ("team_id", "=", False),
                    ("team_id.bant_profile_id", "=", False),
                    ("company_id", "in", self.ids + [False]),
                ]
            )
            leads.modified(["company_id"])
            leads._bant_sync_lifecycle()
        return result
