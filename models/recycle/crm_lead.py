from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..bant.crm_bant_option import BANT_CRITERIA
from ..lifecycle.crm_lead import (
    RECYCLE_SOURCE_STAGES,
    SKIP_BANT_SYNC,
    _browse_given,
    flag,
)

FOLLOWUP_ACTIVITY = "crm_alignment.mail_activity_type_handoff_followup"
REVISIT_ACTIVITY = "crm_alignment.mail_activity_type_revisit"


class CrmLead(models.Model):
    """Recycle to nurture: sales sends the same lead back to marketing, with
    a reason, and nothing of its past is lost."""

    _inherit = "crm.lead"

    recycle_count = fields.Integer(
        prefetch="crm_alignment",
        string="Times Recycled",
        copy=False,
        readonly=True,
        default=0,
        help="How many times sales sent this lead back to marketing.",
    )
    recycle_reason_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.recycle.reason",
        string="Last Recycle Reason",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    previous_user_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="res.users",
        string="Previous Salesperson",
        copy=False,
        readonly=True,
        help="The salesperson who had the lead before it was last recycled.",
    )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_recycle_to_nurture(self):
        """Button: ask why, then send the leads back to marketing."""
        self._alignment_check_can_recycle()
        self._alignment_check_recyclable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recycle to Nurture"),
            "res_model": "crm.lead.recycle",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }

    def recycle_to_nurture(
        self,
        reason_id,
        note=False,
        nurture_user_id=False,
        campaign_id=False,
        revisit_date=False,
    ):
        """Send the leads back to marketing nurturing, all or nothing.

        :param reason_id: crm.recycle.reason (id or record), required
        :param note: what marketing should know; required by some reasons
        :param nurture_user_id: marketing owner from now on; default the
            lead's marketing owner, else its team's
        :param campaign_id: utm.campaign to nurture the leads with
        :param revisit_date: when marketing looks again; default from reason
        """
        reason = _browse_given(
            self.env["crm.recycle.reason"], reason_id, self.env._("recycle reason")
        )
        if not reason:
            raise UserError(self.env._("Choose why the leads go back to marketing."))
        if reason.note_required and not (note or "").strip():
            raise UserError(
                self.env._(
                    "The reason %(reason)s needs a note: tell marketing what you "
                    "learned.",
                    reason=reason.name,
                )
            )
        if note and not isinstance(note, str):
            raise UserError(self.env._("The note must be a text."))
        nurture_user = _browse_given(
            self.env["res.users"], nurture_user_id, self.env._("marketing owner")
        )
        if nurture_user and (nurture_user.share or not nurture_user.active):
            raise UserError(
                self.env._(
                    "%(user)s is not an internal user: choose who nurtures the leads.",
                    user=nurture_user.name,
                )
            )
        campaign = _browse_given(
            self.env["utm.campaign"], campaign_id, self.env._("campaign")
        )
        try:
            revisit_date = fields.Date.to_date(revisit_date) or (
                fields.Date.context_today(self) + timedelta(days=reason.revisit_days)
            )
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._("%(value)r is not a date.", value=revisit_date)
            ) from error
        self._alignment_check_can_recycle()
        self.check_access("write")
        self._alignment_lock()
        self._alignment_check_recyclable()
        owners = {
            lead.id: nurture_user
            or lead.marketing_user_id
            or lead.team_id.marketing_user_id
            or self.env.user
            for lead in self
        }
        self._alignment_log_recycle(reason, note, owners)
        moved_activities = self._alignment_hand_over_activities(owners)
        self._alignment_send_back(reason, campaign, owners)
        self._alignment_schedule_revisit(reason, note, owners, revisit_date)
        self._alignment_log_with_tracking(
            {
                lead.id: lead._alignment_recycle_message(
                    reason, note, owners[lead.id], revisit_date, moved_activities
                )
                for lead in self
            }
        )
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _alignment_check_can_recycle(self):
        user = self.env.user
        if self.env.su or user.has_group("sales_team.group_sale_manager"):
            return
        if not self._alignment_is_sales_user(user):
            raise UserError(
                self.env._(
                    "Marketing users cannot recycle leads: they receive them. Ask "
                    "the salesperson or a sales manager."
                )
            )
        refused = self.filtered(lambda lead: lead.user_id != user)
        if refused:
            raise UserError(
                self.env._(
                    "Only their salesperson or a sales manager can recycle %(leads)s.",
                    leads=", ".join(refused.mapped("display_name")),
                )
            )

    def _alignment_check_recyclable(self):
        problems = []
        for lead in self:
            if not lead.active:
                problems.append(
                    self.env._("%(lead)s is lost or archived", lead=lead.display_name)
                )
            elif lead.stage_id.is_won:
                problems.append(self.env._("%(lead)s is won", lead=lead.display_name))
            elif lead.lifecycle_stage == "nurture":
                problems.append(
                    self.env._("%(lead)s is already nurturing", lead=lead.display_name)
                )
            elif lead.lifecycle_stage not in RECYCLE_SOURCE_STAGES:
                problems.append(
                    self.env._(
                        "%(lead)s is still marketing's (not handed off yet)",
                        lead=lead.display_name,
                    )
                )
        if problems:
            raise UserError(
                self.env._(
                    "Only leads handed off to sales can be recycled; nothing was "
                    "changed: %(problems)s.",
                    problems="; ".join(problems),
                )
            )

    def _alignment_bant_snapshot(self):
        self.ensure_one()
        answers = "; ".join(
            f"{label}: {self[f'bant_{criterion}_id'].name or '-'}"
            for criterion, label in BANT_CRITERIA
        )
        return self.env._(
            "%(answers)s. Score %(score)s (%(ready)s).",
            answers=answers,
            score=self.bant_score,
            ready=self.env._("sales-ready")
            if self.bant_sales_ready
            else self.env._("not sales-ready"),
        )

    def _alignment_log_recycle(self, reason, note, owners):
        now = fields.Datetime.now()
        self.env["crm.lead.handoff"].sudo()._alignment_guarded_create(
            [
                {
                    "lead_id": lead.id,
                    "direction": "to_marketing",
                    "date": now,
                    "user_id": self.env.uid,
                    "from_user_id": lead.user_id.id,
                    "to_user_id": owners[lead.id].id,
                    "team_id": lead.team_id.id,
                    "reason_id": reason.id,
                    "note": note or False,
                    "bant_score": lead.bant_score,
                    "bant_snapshot": lead._alignment_bant_snapshot(),
                }
                for lead in self
            ]
        )

    def _alignment_hand_over_activities(self, owners):
        """The open follow-up of a hand-off ends with the recycle (the
        chatter note says so); the salesperson's other open activities go to
        the marketing owner instead of being deleted.

        :returns: {lead id: number of activities handed over}
        """
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )
        followup_type = self.env.ref(FOLLOWUP_ACTIVITY, raise_if_not_found=False)
        activities.filtered(
            lambda activity: activity.activity_type_id == followup_type
        ).unlink()
        salespeople = {lead.id: lead.user_id for lead in self}
        to_move = defaultdict(lambda: self.env["mail.activity"])
        moved = defaultdict(int)
        for activity in activities.exists():
            if (
                salespeople[activity.res_id]
                and activity.user_id == salespeople[activity.res_id]
            ):
                to_move[owners[activity.res_id]] |= activity
                moved[activity.res_id] += 1
        for owner, owner_activities in to_move.items():
            owner_activities.with_context(mail_activity_quick_update=True).write(
                {"user_id": owner.id}
            )
        return moved

    def _alignment_send_back(self, reason, campaign, owners):
        """The same record goes back to marketing."""
        use_leads = self.env.user.has_group("crm.group_use_lead")
        reset = dict.fromkeys(reason._bant_fields_to_reset(), False)
        groups = defaultdict(lambda: self.env["crm.lead"])
        for lead in self:
            key = (lead.user_id, owners[lead.id], lead.automated_probability)
            groups[key] |= lead
        for (salesperson, owner, probability), leads in groups.items():
            vals = dict(
                reset,
                user_id=False,
                previous_user_id=salesperson.id,
                marketing_user_id=owner.id,
                recycle_reason_id=reason.id,
                probability=probability,
            )
            if use_leads:
                vals["type"] = "lead"
            if campaign:
                vals["campaign_id"] = campaign.id
            with flag(SKIP_BANT_SYNC):
                leads._alignment_guarded_write(dict(vals, lifecycle_stage="nurture"))
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET recycle_count = COALESCE(recycle_count, 0) + 1"
                " WHERE id = ANY(%s)",
                self.ids,
            )
        )
        self.invalidate_recordset(["recycle_count"])

    def _alignment_schedule_revisit(self, reason, note, owners, revisit_date):
        self._alignment_plan_activities(
            REVISIT_ACTIVITY,
            owners,
            date_deadline=revisit_date,
            summary=self.env._("Revisit: %(reason)s", reason=reason.name),
            note=note,
        )

    def _alignment_recycle_message(self, reason, note, owner, revisit_date, moved):
        body = self.env._(
            "Recycled to nurture by %(user)s: %(reason)s. %(owner)s nurtures it "
            "and revisits it on %(date)s.",
            user=self.env.user.name,
            reason=reason.name,
            owner=owner.name,
            date=fields.Date.to_string(revisit_date),
        )
        parts = [Markup("<p>%s</p>") % body]
        if note:
            parts.append(Markup("<p>%s</p>") % note)
        if moved.get(self.id):
            parts.append(
                Markup("<p>%s</p>")
                % self.env._(
                    "%(count)s open activities were handed over to %(owner)s.",
                    count=moved[self.id],
                    owner=owner.name,
                )
            )
        return Markup("").join(parts)
