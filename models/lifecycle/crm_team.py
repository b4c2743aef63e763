from odoo import api, fields, models
from odoo.exceptions import UserError

from ..common.uninstall import module_being_removed
from .crm_lead import AUTO_ASSIGNING, MARKETING_STAGES, flag


class CrmTeam(models.Model):
    _inherit = "crm.team"

    bant_profile_id = fields.Many2one(
        comodel_name="crm.bant.profile",
        string="Lead Definition",
        check_company=True,
        tracking=True,
        help="The BANT profile that decides when this team's leads are "
        "sales-ready. Empty: the company's default profile.",
    )

    marketing_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Marketing Owner",
        domain="[('share', '=', False)]",
        check_company=True,
        help="Who nurtures the leads this team sends back to marketing, when "
        "they have no marketing owner.",
    )

    marketing_qualification = fields.Selection(
        selection=[
            ("company", "Company Default"),
            ("on", "Marketing Qualifies First"),
            ("off", "Straight to Sales"),
        ],
        string="Inbound Leads",
        default="company",  # empty (a team made without this addon): same
        tracking=True,
        help="Marketing Qualifies First: inbound leads start with marketing and "
        "the lead assignment only takes sales-ready ones. Straight to Sales: "
        "as in standard Odoo; the assignment counts as the hand-off.",
    )
    resource_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Working Hours",
        help="The team's working time for follow-up SLAs. Empty: the company's.",
    )

    @api.constrains("resource_calendar_id")
    def _check_resource_calendar_working_time(self):
        self.resource_calendar_id._alignment_check_working_time()

    def write(self, vals):
        result = super().write(vals)
        if "bant_profile_id" in vals:
            # The ORM re-scores the team's leads under the new definition;
            # their lifecycle follows.
            self.env["crm.lead"].search(
                [("team_id", "in", self.ids)]
            )._bant_sync_lifecycle()
        return result

    def _alignment_marketing_qualifies(self, company=None):
        """The team's choice, else its company's default (for an empty team
        recordset: the given company's, else the current one's)."""
        if self.marketing_qualification in ("on", "off"):
            return self.marketing_qualification == "on"
        company = self.company_id or company or self.env.company
        return company.marketing_qualifies_leads

    def _get_lead_to_assign_domain(self):
        # Leads marketing still owns are not salespeople's to take.
        return super()._get_lead_to_assign_domain() + [
            ("lifecycle_stage", "not in", MARKETING_STAGES)
        ]

    def _allocate_leads(self, creation_delta_days=7):
        with flag(AUTO_ASSIGNING):
            result = super()._allocate_leads(creation_delta_days=creation_delta_days)
        # Teams where leads go straight to sales: the assignment is the
        # hand-off, logged by a job (one trigger, not a cost per lead here).
        if any(not team._alignment_marketing_qualifies() for team in self):
            cron = self.env.ref(
                "crm_alignment.ir_cron_assignment_handoff", raise_if_not_found=False
            )
            if cron:
                cron._trigger()
        return result

    def _assign_and_convert_leads(self, force_quota=False):
        with flag(AUTO_ASSIGNING):
            return super()._assign_and_convert_leads(force_quota=force_quota)

    @api.ondelete(at_uninstall=True)
    def _unlink_except_signed_agreements(self):
        # A goal or target-account list both managers signed for a team
        # would otherwise become a signed all-teams agreement.
        if module_being_removed(self.env):
            return
        for model in ("crm.alignment.goal", "crm.target.account.list"):
            Agreement = self.env[model]
            signed = (
                Agreement.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("team_id", "in", self.ids),
                        "|",
                        "|",
                        ("state", "!=", Agreement._signoff_draft_state),
                        ("sales_agreed_user_id", "!=", False),
                        ("marketing_agreed_user_id", "!=", False),
                    ]
                )
            )
            if signed:
                raise UserError(
                    self.env._(
                        "%(teams)s has signed agreements (%(agreements)s): archive "
                        "the team instead, or reopen the agreements first.",
                        teams=", ".join(signed.team_id.mapped("name")),
                        agreements=", ".join(signed.mapped("display_name")),
                    )
                )
