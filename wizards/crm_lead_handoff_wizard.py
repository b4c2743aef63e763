from odoo import api, fields, models


class CrmLeadHandoffWizard(models.TransientModel):
    """Asks who takes the leads when the leads themselves do not say."""

    _name = "crm.lead.handoff.wizard"
    _description = "Hand off Leads to Sales"

    lead_ids = fields.Many2many(comodel_name="crm.lead", string="Leads", required=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        domain="[('share', '=', False)]",
    )
    team_id = fields.Many2one(
        comodel_name="crm.team",
        string="Sales Team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
    )
    note = fields.Text(help="What sales should know to follow up.")

    @api.depends("user_id")
    def _compute_team_id(self):
        for wizard in self:
            if wizard.user_id and wizard.user_id not in wizard.team_id.member_ids:
                wizard.team_id = self.env["crm.team"]._get_default_team_id(
                    user_id=wizard.user_id.id
                )

    def action_handoff(self):
        self.ensure_one()
        self.lead_ids.handoff_to_sales(
            user_id=self.user_id.id, team_id=self.team_id.id, note=self.note
        )
        return {"type": "ir.actions.act_window_close"}
