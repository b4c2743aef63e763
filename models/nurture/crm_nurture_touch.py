from odoo import fields, models


class CrmNurtureTouch(models.Model):
    """A step of a program as it ran for one lead: done (with the mailing
    trace or the activity it made) or skipped, and why. Written by the step
    job only; the lead's nurture history."""

    _name = "crm.nurture.touch"
    _description = "Nurture Step Done"
    _inherit = ["crm.alignment.history.mixin"]
    _order = "date desc, id desc"
    _rec_name = "step_id"

    enrolment_id = fields.Many2one(
        comodel_name="crm.nurture.enrolment",
        required=True,
        index=True,
        ondelete="cascade",
    )
    lead_id = fields.Many2one(
        comodel_name="crm.lead", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="lead_id.company_id")
    program_id = fields.Many2one(related="enrolment_id.program_id", store=True)
    step_id = fields.Many2one(
        comodel_name="crm.nurture.step", required=True, ondelete="restrict"
    )
    kind = fields.Selection(related="step_id.kind")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    outcome = fields.Selection(
        selection=[("done", "Done"), ("skipped", "Skipped")], required=True
    )
    skip_reason = fields.Char(string="Why Skipped")
    mailing_trace_id = fields.Many2one(
        comodel_name="mailing.trace", string="E-mail Trace", ondelete="set null"
    )
    email_status = fields.Selection(
        related="mailing_trace_id.trace_status", string="E-mail Status"
    )
    activity_id = fields.Many2one(
        comodel_name="mail.activity", string="Activity", ondelete="set null"
    )

    _sql_constraints = [
        (
            "one_touch_per_step",
            "UNIQUE (enrolment_id, step_id)",
            "A step runs once per enrolment.",
        )
    ]
