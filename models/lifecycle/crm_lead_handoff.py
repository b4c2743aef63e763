from odoo import api, fields, models


class CrmLeadHandoff(models.Model):
    """One hand-off of a lead between marketing and sales, in either direction.

    The journey of a lead is the list of its hand-offs. Records are written by
    the lifecycle API only and live as long as their lead (merges move them).
    """

    _name = "crm.lead.handoff"
    _inherit = ["crm.alignment.history.mixin"]
    _description = "Lead Hand-off"
    _order = "date desc, id desc"
    _rec_name = "lead_id"
    # append-only: managers may correct the note, nothing else
    _guarded_manager_fields = ("note",)

    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        string="Lead",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="lead_id.company_id",
        store=True,
        index=True,
    )
    direction = fields.Selection(
        selection=[("to_sales", "To Sales"), ("to_marketing", "To Marketing")],
        required=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Handed off by",
        required=True,
        default=lambda self: self.env.user,
    )
    from_user_id = fields.Many2one(
        comodel_name="res.users",
        string="From",
        help="Owner of the lead before the hand-off.",
    )
    to_user_id = fields.Many2one(
        comodel_name="res.users",
        string="To",
        help="Owner of the lead after the hand-off.",
    )
    team_id = fields.Many2one(comodel_name="crm.team", string="Sales Team")
    note = fields.Text()
    reason_id = fields.Many2one(
        comodel_name="crm.recycle.reason",
        string="Recycle Reason",
        index="btree_not_null",
        help="Why sales sent the lead back to marketing.",
    )
    bant_score = fields.Integer(
        string="BANT Score Then",
        aggregator="avg",
        help="The lead's score at the hand-off.",
    )
    bant_snapshot = fields.Text(
        string="BANT Answers Then", help="The lead's BANT answers at the hand-off."
    )
    source_id = fields.Many2one(
        comodel_name="utm.source", related="lead_id.source_id", store=True
    )
    campaign_id = fields.Many2one(
        comodel_name="utm.campaign", related="lead_id.campaign_id", store=True
    )
    lead_sourced_by = fields.Selection(
        related="lead_id.sourced_by", string="Sourced By", store=True
    )
    accepted_date = fields.Datetime(
        readonly=True, help="When sales accepted this hand-off."
    )
    accepted_user_id = fields.Many2one(
        comodel_name="res.users", string="Accepted by", readonly=True
    )
    response_hours = fields.Float(
        compute="_compute_response_hours",
        store=True,
        aggregator="avg",
        help="Calendar hours between the hand-off and its acceptance.",
    )

    @api.depends("date", "accepted_date")
    def _compute_response_hours(self):
        for handoff in self:
            if handoff.date and handoff.accepted_date:
                delta = handoff.accepted_date - handoff.date
                handoff.response_hours = delta.total_seconds() / 3600
            else:
                handoff.response_hours = 0.0
