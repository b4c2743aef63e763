from odoo import fields, models


class CrmMarketingContentApprovalRule(models.Model):
    """Who approves the content of a sales team, and whether one approval
    is enough or all are needed."""

    _name = "crm.marketing.content.approval.rule"
    _description = "Content Approval Rule"
    _rec_name = "team_id"

    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", required=True, index=True
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="team_id.company_id", store=True
    )
    approver_ids = fields.Many2many(
        comodel_name="res.users",
        string="Approvers",
        required=True,
        domain="[('share', '=', False)]",
    )
    mode = fields.Selection(
        selection=[("any", "Any approver"), ("all", "All approvers")],
        default="any",
        required=True,
    )

    _sql_constraints = [
        ("team_unique", "UNIQUE (team_id)", "A sales team has one approval rule."),
    ]
