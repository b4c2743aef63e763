from odoo import api, fields, models

from .crm_lead import _as_id
from .crm_lead_sla import SLA_STATES


class CrmLead(models.Model):
    """Follow-up SLA of a lead: started by each hand-off to sales, reached
    by the salesperson's first follow-up, paused while the prospect is
    awaited, cancelled by a recycle or a loss."""

    _inherit = "crm.lead"

    sla_ids = fields.One2many(
        comodel_name="crm.lead.sla",
        inverse_name="lead_id",
        string="Follow-up SLAs",
        readonly=True,
    )
    # Plain fields written by the SLA events, for filters, sorting, badges.
    sla_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.lead.sla",
        string="Current SLA",
        readonly=True,
        copy=False,
    )
    sla_state = fields.Selection(
        prefetch="crm_alignment",
        selection=SLA_STATES,
        string="SLA Status",
        readonly=True,
        copy=False,
        index=True,
    )
    sla_deadline = fields.Datetime(
        prefetch="crm_alignment",
        string="Follow-up Deadline",
        readonly=True,
        copy=False,
        index=True,
    )
    sla_at_risk = fields.Boolean(
        string="SLA at Risk", readonly=True, copy=False, prefetch="crm_alignment"
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def write(self, vals):
        paused_before = {}
        if "stage_id" in vals:
            paused_before = {
                lead.id: lead._alignment_stage_pauses_sla() for lead in self
            }
        result = super().write(vals)
        if "stage_id" in vals:
            self._alignment_register_followup()
            for lead in self:
                pauses = lead._alignment_stage_pauses_sla()
                if pauses and not paused_before.get(lead.id):
                    lead.sla_ids.sudo()._pause()
                elif paused_before.get(lead.id) and not pauses:
                    lead.sla_ids.sudo()._resume()
        return result

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        # A note, a logged call or an e-mail from the lead is a follow-up.
        if kwargs.get("message_type", "notification") == "comment":
            self._alignment_register_followup()
        return message

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        self.env["crm.lead.sla"].sudo().search(
            [("lead_id", "in", opportunities.ids)]
        ).write({"lead_id": self.id})
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_sla_wait_on_prospect(self):
        """Stop the clock: the salesperson waits on the prospect."""
        self.sla_ids.sudo()._pause()
        return True

    def action_sla_resume(self):
        self.sla_ids.sudo()._resume()
        return True

    def action_set_lost(self, **additional_values):
        result = super().action_set_lost(**additional_values)
        self.sla_ids.sudo()._cancel(self.env._("The lead was lost."))
        return result

    # ------------------------------------------------------------
    # LIFECYCLE HOOKS
    # ------------------------------------------------------------

    def _alignment_log_handoff(self, note=False):
        handoffs = super()._alignment_log_handoff(note=note)
        self.env["crm.lead.sla"]._start_for_leads(self, handoffs)
        return handoffs

    def _alignment_accept(self, note=False):
        result = super()._alignment_accept(note=note)
        self.sla_ids.sudo()._reach()
        return result

    def recycle_to_nurture(
        self,
        reason_id,
        note=False,
        nurture_user_id=False,
        campaign_id=False,
        revisit_date=False,
    ):
        result = super().recycle_to_nurture(
            reason_id,
            note=note,
            nurture_user_id=nurture_user_id,
            campaign_id=campaign_id,
            revisit_date=revisit_date,
        )
        reason = self.env["crm.recycle.reason"].browse(_as_id(reason_id))
        self.sla_ids.sudo()._cancel(
            self.env._("Recycled to nurture: %(reason)s", reason=reason.name)
        )
        return result

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _alignment_counts_as_followup(self, user):
        """Only the salesperson's (or, unassigned, the team's) own actions
        follow a lead up; not the marketer's, not a bot's."""
        self.ensure_one()
        if self.env.su or user._is_public() or user._is_superuser():
            return False
        if self.user_id:
            return user == self.user_id
        return user in (self.team_id.member_ids | self.team_id.user_id)

    def _alignment_register_followup(self):
        user = self.env.user
        leads = self.filtered(
            lambda lead: lead.sla_ids.filtered(
                lambda sla: not sla.reached_date and sla.state != "cancelled"
            )
            or lead.lifecycle_stage == "handed_off"
        )
        leads = leads.filtered(lambda lead: lead._alignment_counts_as_followup(user))
        if not leads:
            return
        waiting = leads.filtered(lambda lead: lead.lifecycle_stage == "handed_off")
        unassigned = waiting.filtered(lambda lead: not lead.user_id)
        if unassigned:
            unassigned.write({"user_id": user.id})
        if waiting:
            waiting._alignment_accept(note=self.env._("Followed up."))
        (leads - waiting).sla_ids.sudo()._reach()

    def _alignment_stage_pauses_sla(self):
        self.ensure_one()
        return bool(
            self.stage_id
            and self.sla_id
            and self.stage_id in self.sla_id.policy_id.paused_stage_ids
        )
