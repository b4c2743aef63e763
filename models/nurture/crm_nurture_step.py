from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..common.uninstall import module_being_removed

STEP_KINDS = [("email", "E-mail"), ("activity", "Activity")]
# a step may depend on what the prospect did with the previous e-mail
STEP_CONDITIONS = [
    ("always", "Always"),
    ("opened", "Previous e-mail opened"),
    ("not_opened", "Previous e-mail not opened"),
    ("clicked", "Previous e-mail clicked"),
    ("replied", "Previous e-mail replied"),
]
ACTIVITY_OWNERS = [("marketing", "Marketing owner"), ("sales", "Salesperson")]
# What a signature covers of a step (its mailing is derived from these).
STEP_TERMS = (
    "sequence",
    "name",
    "kind",
    "delay_days",
    "condition",
    "subject",
    "body_html",
    "content_id",
    "activity_type_id",
    "activity_owner",
    "note",
)


class CrmNurtureStep(models.Model):
    """One touch of a nurture program: after a delay in working days (the
    lead's team calendar), an e-mail sent through Email Marketing (so opens,
    clicks, replies, bounces and unsubscribes are traced as for any mailing)
    or an activity for the marketing owner or the salesperson; optionally
    only when the prospect did (or did not) open, click or reply to the
    previous e-mail."""

    _name = "crm.nurture.step"
    _description = "Nurture Program Step"
    _order = "program_id, sequence, id"

    program_id = fields.Many2one(
        comodel_name="crm.nurture.program",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    kind = fields.Selection(selection=STEP_KINDS, required=True, default="email")
    delay_days = fields.Integer(
        string="Delay (working days)",
        default=2,
        help="Working days after the previous step (or the enrolment), in the "
        "lead's team calendar (else the company's).",
    )
    condition = fields.Selection(
        selection=STEP_CONDITIONS,
        required=True,
        default="always",
        help="Run the step only when the prospect did this with the previous "
        "e-mail of the program; otherwise it is skipped, with the reason.",
    )
    subject = fields.Char()
    body_html = fields.Html(string="E-mail Body", sanitize_style=True)
    content_id = fields.Many2one(
        comodel_name="crm.marketing.content",
        string="Approved Content",
        domain="[('state', '=', 'published')]",
        help="Send the approved version of marketing content instead of a body "
        "written here.",
    )
    mailing_id = fields.Many2one(
        comodel_name="mailing.mailing",
        string="Mailing",
        readonly=True,
        copy=False,
        help="The Email Marketing mailing that sends this step and traces it.",
    )
    activity_type_id = fields.Many2one(
        comodel_name="mail.activity.type",
        string="Activity Type",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    activity_owner = fields.Selection(
        selection=ACTIVITY_OWNERS, string="For", default="marketing"
    )
    note = fields.Text(help="What the owner of the activity should do or say.")

    @api.constrains("delay_days")
    def _check_delay(self):
        if any(step.delay_days < 0 or step.delay_days > 365 for step in self):
            raise ValidationError(
                self.env._("A step's delay is between 0 and 365 working days.")
            )

    @api.constrains("content_id")
    def _check_content_approved(self):
        for step in self.filtered("content_id"):
            if step.content_id.state != "published":
                raise ValidationError(
                    self.env._(
                        "%(content)s is not approved: a program sends approved "
                        "content only.",
                        content=step.content_id.display_name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD: steps change with their program only, and reopen it
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["crm.nurture.program"].browse(
            {vals.get("program_id") for vals in vals_list if vals.get("program_id")}
        )
        self._step_check_editable(programs)
        steps = super().create(vals_list)
        # checked on what was stored: a default_mailing_id in the context
        # is applied after the values above were seen
        if not self.env.su and steps.filtered("mailing_id"):
            raise UserError(self.env._("A step's mailing is made by the program."))
        steps._step_terms_changed(
            lambda step: self.env._("added: %(step)s", step=step.name)
        )
        return steps

    def write(self, vals):
        # the mailing is the program's own bookkeeping, not a term
        if set(vals) <= {"mailing_id"} and self.env.su:
            return super().write(vals)
        programs = self.program_id
        if vals.get("program_id"):
            programs |= programs.browse(vals["program_id"])
        self._step_check_editable(programs)
        if "mailing_id" in vals:
            raise UserError(self.env._("A step's mailing is made by the program."))
        covered = set(vals) & set(STEP_TERMS)
        before = {step: step._step_terms() for step in self}
        result = super().write(vals)
        if covered:
            self._step_terms_changed(
                lambda step: self.env._("changed: %(step)s", step=step.name),
                changed=lambda step: before[step] != step._step_terms(),
            )
        return result

    @api.ondelete(at_uninstall=True)
    def _unlink_reopens_program(self):
        if module_being_removed(self.env):
            return
        self._step_check_editable(self.program_id)
        used = (
            self.env["crm.nurture.touch"]
            .sudo()
            .search_count([("step_id", "in", self.ids)], limit=1)
        )
        if used:
            raise UserError(
                self.env._(
                    "These steps already ran for leads: their history stays. "
                    "Archive the program and make a new one."
                )
            )
        self._step_terms_changed(
            lambda step: self.env._("removed: %(step)s", step=step.name)
        )

    @api.model
    def _step_check_editable(self, programs):
        if self.env["crm.nurture.program"]._alignment_guard_granted():
            return
        self.env["crm.nurture.program"]._signoff_check_editor()
        if not programs and not self.env.su:
            raise UserError(self.env._("A step belongs to a program."))

    def _step_terms_changed(self, describe, changed=None):
        """A step of an agreed or half-signed program changed: the program
        goes back to draft, its signatures cleared, logged."""
        Program = self.env["crm.nurture.program"]
        if Program._alignment_guard_granted():
            return
        changes = {}
        for step in self:
            if changed is None or changed(step):
                changes.setdefault(step.program_id, []).append(describe(step))
        Program._signoff_lines_changed(changes)

    def _step_terms(self):
        self.ensure_one()
        return [
            self._fields[name].convert_to_read(self[name], self) for name in STEP_TERMS
        ]

    def _step_check_complete(self):
        for step in self:
            if (
                step.kind == "email"
                and not step.content_id
                and not (step.subject and step.body_html)
            ):
                raise UserError(
                    self.env._(
                        "The e-mail step %(step)s needs a subject and a body, or "
                        "approved content.",
                        step=step.name,
                    )
                )
            if step.kind == "activity" and not step.activity_type_id:
                raise UserError(
                    self.env._(
                        "The activity step %(step)s needs an activity type.",
                        step=step.name,
                    )
                )

    # ------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------

    def _step_mailing(self):
        """The step's mailing in Email Marketing, made on first use from the
        agreed subject and body (or content)."""
        self.ensure_one()
        if self.mailing_id:
            return self.mailing_id
        body = self.content_id.approved_body if self.content_id else self.body_html
        subject = self.subject or self.content_id.name
        # from the program's company, else whoever designed it, else the
        # server's default sender (users may have no address)
        program = self.program_id
        email_from = (
            program.company_id.email_formatted
            or program.create_uid.email_formatted
            or self.env["ir.mail_server"]._get_default_from_address()
            or program.company_id.catchall_formatted
        )
        if not email_from:
            raise UserError(
                self.env._(
                    "Give the company %(company)s an e-mail address: the nurture "
                    "e-mails are sent from it.",
                    company=program.company_id.name,
                )
            )
        mailing = (
            self.env["mailing.mailing"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "email_from": email_from,
                    "body_html": body,
                    "body_arch": body,
                    "mailing_type": "mail",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": "[('id', '=', 0)]",
                    "crm_nurture_step_id": self.id,
                    "user_id": self.program_id.create_uid.id or self.env.uid,
                    "keep_archives": True,
                }
            )
        )
        self.sudo().write({"mailing_id": mailing.id})
        return mailing
