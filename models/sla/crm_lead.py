from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lifecycle.crm_lead import MERGING, _as_id
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
        # only handed-off leads have one: the others stay out of the index
        index="btree_not_null",
    )
    sla_deadline = fields.Datetime(
        prefetch="crm_alignment",
        string="Follow-up Deadline",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    sla_at_risk = fields.Boolean(
        string="SLA at Risk", readonly=True, copy=False, prefetch="crm_alignment"
    )

    # ------------------------------------------------------------
    # CRUD HOOKS (called by crm.lead's write)
    # ------------------------------------------------------------

    def _sla_before_write(self, vals):
        """{lead id: its stage pauses the clock}, when the stage changes."""
        if "stage_id" not in vals:
            return {}
        return {lead.id: lead._alignment_stage_pauses_sla() for lead in self}

    def _sla_after_write(self, vals, paused_before):
        """A stage change by sales is a follow-up, and moving into (or out
        of) a paused stage stops (or restarts) the clock. A lost lead
        restored before anyone followed it up owes its follow-up again."""
        if vals.get("active"):
            self._alignment_sla_restart_restored()
        if "stage_id" not in vals:
            return
        self._alignment_register_followup()
        for lead in self.filtered(lambda lead: lead._alignment_may_pause_sla()):
            pauses = lead._alignment_stage_pauses_sla()
            if pauses and not paused_before.get(lead.id):
                lead._alignment_sla_pause(
                    self.env._(
                        "the opportunity moved to %(stage)s", stage=lead.stage_id.name
                    )
                )
            elif paused_before.get(lead.id) and not pauses:
                lead._alignment_sla_resume()

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        # A note, a logged call or an e-mail from the lead is a follow-up.
        if kwargs.get("message_type", "notification") == "comment":
            self._alignment_register_followup()
        return message

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_sla_wait_on_prospect(self, reason=False):
        """Stop the clock: the salesperson waits on the prospect.

        :param reason: why, kept in the chatter with who paused it
        """
        self._alignment_check_may_pause_sla()
        self._alignment_sla_pause(
            reason
            if isinstance(reason, str) and reason.strip()
            else self.env._("waiting on the prospect")
        )
        return True

    def action_sla_resume(self):
        self._alignment_check_may_pause_sla()
        self._alignment_sla_resume()
        return True

    def action_set_lost(self, **additional_values):
        result = super().action_set_lost(**additional_values)
        self.sla_ids.sudo()._cancel(self.env._("The lead was lost."))
        return result

    # ------------------------------------------------------------
    # LIFECYCLE HOOKS
    # ------------------------------------------------------------

    def _alignment_log_handoff(self, note=False, dates=None):
        handoffs = super()._alignment_log_handoff(note=note, dates=dates)
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
        """A note, call, e-mail, stage move or activity done follows a lead
        up when its author may accept the hand-off (the same rule as
        Accept); never a marketing user, nor a bot."""
        self.ensure_one()
        if self.env.su or user._is_public() or user._is_superuser():
            return False
        return self._alignment_may_accept(user)

    def _alignment_may_pause_sla(self, user=None):
        """The lead's salesperson, its team leader or a sales manager."""
        self.ensure_one()
        user = user or self.env.user
        return bool(
            self.env.su
            or user.has_group("sales_team.group_sale_manager")
            or (self.user_id and user == self.user_id)
            or (self.team_id.user_id and user == self.team_id.user_id)
        )

    def _alignment_check_may_pause_sla(self):
        refused = self.filtered(lambda lead: not lead._alignment_may_pause_sla())
        if refused:
            raise UserError(
                self.env._(
                    "Only the salesperson, the team leader or a sales manager stops "
                    "or restarts the follow-up clock of %(leads)s.",
                    leads=", ".join(refused.mapped("display_name")),
                )
            )
        self.check_access("write")

    def _alignment_sla_pause(self, why):
        paused = self.sla_ids.sudo()._pause()
        paused.lead_id._message_log_batch(
            bodies={
                lead.id: Markup("<p>%s</p>")
                % self.env._(
                    "Follow-up clock stopped by %(user)s: %(why)s.",
                    user=self.env.user.name,
                    why=why,
                )
                for lead in paused.lead_id
            }
        )

    def _alignment_sla_resume(self):
        resumed = self.sla_ids.sudo()._resume()
        resumed.lead_id._message_log_batch(
            bodies={
                lead.id: Markup("<p>%s</p>")
                % self.env._(
                    "Follow-up clock restarted by %(user)s.", user=self.env.user.name
                )
                for lead in resumed.lead_id
            }
        )

    def _alignment_sla_restart_restored(self):
        """Restored leads still waiting for sales: a new SLA on the same
        hand-off, on the same deadline (losing a lead does not stop its
        clock; a deadline passed meanwhile is a breach)."""
        restored = self.filtered(
            lambda lead: lead.active
            and lead.lifecycle_stage == "handed_off"
            and lead.sla_id.state == "cancelled"
            and lead.sla_id.handoff_id
        )
        if not restored:
            return
        self.env["crm.lead.sla"]._start_for_leads(restored, restored.sla_id.handoff_id)
        restored._message_log_batch(
            bodies={
                lead.id: Markup("<p>%s</p>")
                % self.env._(
                    "Restored by %(user)s: the follow-up clock of the hand-off "
                    "runs again, from the hand-off.",
                    user=self.env.user.name,
                )
                for lead in restored
            }
        )

    def _alignment_register_followup(self):
        if MERGING.get():
            return
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
