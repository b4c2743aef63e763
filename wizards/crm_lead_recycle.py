from datetime import timedelta

from odoo import api, fields, models


class CrmLeadRecycle(models.TransientModel):
    """Recycle to Nurture: why the leads go back to marketing, who nurtures
    them, and when marketing looks again."""

    _name = "crm.lead.recycle"
    _description = "Recycle Leads to Nurture"

    lead_ids = fields.Many2many(comodel_name="crm.lead", string="Leads", required=True)
    reason_id = fields.Many2one(
        comodel_name="crm.recycle.reason",
        string="Reason",
        required=True,
    )
    note_required = fields.Boolean(related="reason_id.note_required")
    note = fields.Text(help="What you learned: marketing nurtures with it.")
    nurture_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Nurtured By",
        domain="[('share', '=', False)]",
        compute="_compute_nurture_user_id",
        store=True,
        readonly=False,
        help="The marketing owner from now on. Empty: each lead's own marketing "
        "owner, else its team's.",
    )
    campaign_id = fields.Many2one(
        comodel_name="utm.campaign",
        string="Nurture Campaign",
    )
    program_id = fields.Many2one(
        comodel_name="crm.nurture.program",
        string="Nurture Program",
        compute="_compute_program_id",
        store=True,
        readonly=False,
        domain="[('state', '=', 'agreed')]",
        help="What the prospects receive from now on: the program both teams "
        "agreed for this reason (their team's first). Empty: each lead joins "
        "the program agreed for the reason in its own team, if any.",
    )
    revisit_date = fields.Date(
        compute="_compute_revisit_date",
        store=True,
        readonly=False,
        help="When marketing looks at the leads again.",
    )

    @api.depends("lead_ids")
    def _compute_nurture_user_id(self):
        for wizard in self:
            owners = wizard.lead_ids.marketing_user_id or (
                wizard.lead_ids.team_id.marketing_user_id
            )
            wizard.nurture_user_id = owners if len(owners) == 1 else False

    @api.depends("reason_id", "lead_ids")
    def _compute_program_id(self):
        Program = self.env["crm.nurture.program"]
        for wizard in self:
            leads = wizard.lead_ids
            one_team = len(leads.team_id) <= 1 and len(leads.company_id) <= 1
            wizard.program_id = (
                Program._program_for(leads[:1], reason=wizard.reason_id)
                if leads and one_team and wizard.reason_id
                else False
            )

    @api.depends("reason_id")
    def _compute_revisit_date(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            wizard.revisit_date = today + timedelta(
                days=wizard.reason_id.revisit_days or 0
            )

    def action_recycle(self):
        self.ensure_one()
        # lost (archived) leads are named and refused, as by the API, not
        # silently left out of the selection
        leads = self.with_context(active_test=False).lead_ids
        leads.with_context(active_test=True).recycle_to_nurture(
            self.reason_id.id,
            note=self.note,
            nurture_user_id=self.nurture_user_id.id,
            campaign_id=self.campaign_id.id,
            revisit_date=self.revisit_date,
            program_id=self.program_id.id,
        )
        return {"type": "ir.actions.act_window_close"}
