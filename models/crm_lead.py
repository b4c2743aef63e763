from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

LIFECYCLE_STAGES = [
    ("new", "New"),
    ("nurture", "Nurturing"),
    ("sales_ready", "Sales-Ready"),
    ("handed_off", "Handed Off"),
    ("accepted", "Accepted"),
]
# Stages in which marketing owns the lead: salespeople and Odoo's lead
# assignment keep their hands off until it is handed off.
MARKETING_STAGES = ("new", "nurture")
HANDOFF_SOURCE_STAGES = ("new", "nurture", "sales_ready")
# target stage -> stages it may be reached from through the lifecycle actions
LIFECYCLE_TRANSITIONS = {
    "nurture": ("new", "sales_ready"),
    "sales_ready": MARKETING_STAGES,
    "handed_off": HANDOFF_SOURCE_STAGES,
    "accepted": ("handed_off",),
}
# Sending a lead back to nurturing from sales is the recycle wizard's job.
RECYCLE_SOURCE_STAGES = ("handed_off", "accepted")

# Context keys
LIFECYCLE_WRITE_KEY = "crm_alignment_lifecycle_write"
AUTO_ASSIGN_KEY = "crm_alignment_auto_assign"
# Recycling resets answers without letting BANT send the lead straight back.
SKIP_BANT_SYNC_KEY = "crm_alignment_skip_bant_sync"
# The tracked fields this addon adds. Nothing computes them: they change only
# when written, so a write that does not name them needs no tracking of them
# (mail.thread otherwise reads each of them on every written lead).
ALIGNMENT_TRACKED_FIELDS = frozenset(
    (
        "lifecycle_stage",
        "marketing_user_id",
        "sourced_by",
        "bant_budget_id",
        "bant_authority_id",
        "bant_need_id",
        "bant_timeframe_id",
    )
)
WRITTEN_FIELDS_KEY = "crm_alignment_written_fields"
# The columns this addon adds to crm.lead are fetched together, apart from
# crm's: code that reads only crm's fields (a mass write's tracking, crm's own
# computes) does not load thirty more columns per lead. Views ask for their
# fields by name and are not affected. (prefetch="crm_alignment" on each.)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    lifecycle_stage = fields.Selection(
        prefetch="crm_alignment",
        selection=LIFECYCLE_STAGES,
        required=True,
        default=lambda self: self._default_lifecycle_stage(),
        copy=False,
        index=True,
        tracking=True,
        help="Who works the lead now: marketing (New, Nurturing, Sales-Ready) "
        "or sales (Handed Off, waiting for follow-up, then Accepted).",
    )
    marketing_user_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="res.users",
        string="Marketing Owner",
        default=lambda self: self._default_marketing_user_id(),
        domain="[('share', '=', False)]",
        index="btree_not_null",
        tracking=True,
        check_company=True,
    )
    sourced_by = fields.Selection(
        prefetch="crm_alignment",
        selection=[("marketing", "Marketing"), ("sales", "Sales")],
        default=lambda self: self._default_sourced_by(),
        required=True,
        tracking=True,
        help="Which team brought the lead in. Set at creation; managers may "
        "correct it.",
    )
    handoff_date = fields.Datetime(
        prefetch="crm_alignment",
        string="Handed Off On",
        copy=False,
        readonly=True,
        help="Date of the last hand-off to sales.",
    )
    is_alignment_manager = fields.Boolean(
        compute="_compute_is_alignment_manager",
        help="Technical: the current user may correct alignment data.",
    )
    handoff_ids = fields.One2many(
        comodel_name="crm.lead.handoff",
        inverse_name="lead_id",
        string="Journey",
        readonly=True,
    )

    # ------------------------------------------------------------
    # DEFAULTS
    # ------------------------------------------------------------

    @api.model
    def _alignment_is_marketing_user(self):
        """On the marketing side only: a user who is also a sales manager
        (the administrator is both) works leads as sales does."""
        user = self.env.user
        return user.has_group("crm_alignment.group_marketing_user") and not (
            user.has_group("sales_team.group_sale_manager")
        )

    @api.model
    def _alignment_is_inbound(self):
        """Leads that no salesperson typed in: website forms (sudo or public
        user), the mail gateway and imports."""
        return bool(
            self.env.su
            or self.env.user._is_public()
            or self.env.context.get("import_file")
            or self.env.context.get("crm_alignment_inbound")
        )

    @api.model
    def _default_sourced_by(self):
        if self._alignment_is_inbound() or self._alignment_is_marketing_user():
            return "marketing"
        return "sales"

    @api.model
    def _default_lifecycle_stage(self):
        return "new" if self._default_sourced_by() == "marketing" else "accepted"

    @api.model
    def _default_marketing_user_id(self):
        if not self.env.su and self._alignment_is_marketing_user():
            return self.env.user
        return self.env["res.users"]

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        # crm defaults the salesperson to the creator; a marketer is not one.
        if (
            defaults.get("user_id")
            and "default_user_id" not in self.env.context
            and not self.env.su
            and self._alignment_is_marketing_user()
        ):
            defaults["user_id"] = False
        return defaults

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_is_alignment_manager(self):
        self.is_alignment_manager = self._alignment_is_manager()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _search(self, domain, *args, **kwargs):
        # crm.team._allocate_leads builds its lead domain inline; this is the
        # one place where marketing-owned leads can be kept out of it.
        if self.env.context.get(AUTO_ASSIGN_KEY):
            domain = expression.AND(
                [domain, [("lifecycle_stage", "not in", MARKETING_STAGES)]]
            )
        return super()._search(domain, *args, **kwargs)

    def write(self, vals):
        if "lifecycle_stage" in vals and not self.env.context.get(LIFECYCLE_WRITE_KEY):
            changed = self.filtered(
                lambda lead: lead.lifecycle_stage != vals["lifecycle_stage"]
            )
            if changed:
                raise UserError(
                    self.env._(
                        "The lifecycle stage of %(leads)s changes only through its "
                        "actions (Start Nurturing, Mark Sales-Ready, Hand off to "
                        "Sales, Accept, Recycle to Nurture).",
                        leads=", ".join(changed.mapped("display_name")),
                    )
                )
        if (
            "sourced_by" in vals
            and not self.env.su
            and not self._alignment_is_manager()
        ):
            raise AccessError(
                self.env._(
                    "Only sales and marketing managers may change who sourced a lead."
                )
            )
        return super(
            CrmLead, self.with_context(**{WRITTEN_FIELDS_KEY: frozenset(vals)})
        ).write(vals)

    def _track_prepare(self, fields_iter):
        written = self.env.context.get(WRITTEN_FIELDS_KEY)
        if written is not None:
            fields_iter = [
                fname
                for fname in fields_iter
                if fname not in ALIGNMENT_TRACKED_FIELDS or fname in written
            ]
        return super()._track_prepare(fields_iter)

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        # Leads from the mail gateway are inbound marketing leads.
        return super(
            CrmLead, self.with_context(crm_alignment_inbound=True)
        ).message_new(msg_dict, custom_values=custom_values)

    def _merge_dependences(self, opportunities):
        # The surviving lead inherits the journey of the merged ones.
        result = super()._merge_dependences(opportunities)
        self.env["crm.lead.handoff"].sudo().search(
            [("lead_id", "in", opportunities.ids)]
        ).write({"lead_id": self.id})
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_start_nurture(self):
        """Marketing starts (or resumes) nurturing the lead."""
        self._alignment_set_stage("nurture")
        return True

    def action_mark_sales_ready(self):
        """The lead meets the lead definition both teams agreed on."""
        self._alignment_set_stage("sales_ready")
        return True

    def action_handoff_to_sales(self):
        """Button: hand off at once when the lead names who takes it,
        otherwise ask for a salesperson or a team."""
        self._alignment_check_transition("handed_off")
        if all(lead.user_id or lead.team_id for lead in self):
            return self.handoff_to_sales()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hand off to Sales"),
            "res_model": "crm.lead.handoff.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }

    def handoff_to_sales(self, user_id=False, team_id=False, note=False):
        """Hand the leads over to sales, all or nothing.

        :param user_id: salesperson (id or record); else each lead's own
        :param team_id: sales team (id or record); else each lead's own
        :param note: what sales should know, kept on the hand-off log
        """
        user = self.env["res.users"].browse(_as_id(user_id))
        team = self.env["crm.team"].browse(_as_id(team_id))
        self._alignment_check_transition("handed_off")
        nobody = self.filtered(
            lambda lead: not (user or team or lead.user_id or lead.team_id)
        )
        if nobody:
            raise UserError(
                self.env._(
                    "Choose a salesperson or a sales team to hand off %(leads)s to.",
                    leads=", ".join(nobody.mapped("display_name")),
                )
            )
        vals = {}
        if user:
            vals["user_id"] = user.id
        if team:
            vals["team_id"] = team.id
        if vals:
            self.write(vals)
        self._alignment_log_handoff(note=note)
        return True

    def action_accept(self):
        """Sales accepts the hand-off: the follow-up happened."""
        self._alignment_check_transition("accepted")
        self._alignment_check_can_accept()
        unassigned = self.filtered(lambda lead: not lead.user_id)
        if unassigned:
            unassigned.write({"user_id": self.env.uid})
        self._alignment_accept()
        return True

    # ------------------------------------------------------------
    # CRM OVERRIDES
    # ------------------------------------------------------------

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        # A salesperson converting a marketing lead takes it: hand-off plus
        # accept. Odoo's assignment cron converts too, which is a hand-off only.
        to_hand_off = self.filtered(
            lambda lead: lead.lifecycle_stage in HANDOFF_SOURCE_STAGES
        )
        result = super().convert_opportunity(
            partner, user_ids=user_ids, team_id=team_id
        )
        automatic = self.env.context.get(AUTO_ASSIGN_KEY) or self.env.su
        taken_by_salesperson = not automatic and not self._alignment_is_marketing_user()
        if taken_by_salesperson:
            unassigned = to_hand_off.filtered(lambda lead: not lead.user_id)
            if unassigned:
                unassigned.write({"user_id": self.env.uid})
        if to_hand_off:
            to_hand_off._alignment_log_handoff(
                note=self.env._("Converted to an opportunity.")
            )
        if taken_by_salesperson:
            waiting = self.filtered(lambda lead: lead.lifecycle_stage == "handed_off")
            waiting._alignment_accept(note=self.env._("Accepted by conversion."))
        return result

    def _handle_salesmen_assignment(self, user_ids=False, team_id=False):
        # Odoo's lead assignment handing a sales-ready lead to a team is a
        # hand-off; it never takes marketing-owned leads (see crm.team).
        to_hand_off = self.env["crm.lead"]
        if self.env.context.get(AUTO_ASSIGN_KEY):
            to_hand_off = self.filtered(
                lambda lead: lead.lifecycle_stage == "sales_ready"
            )
        result = super()._handle_salesmen_assignment(user_ids=user_ids, team_id=team_id)
        if to_hand_off:
            to_hand_off._alignment_log_handoff(
                note=self.env._("Assigned by the lead assignment.")
            )
        return result

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _alignment_is_manager(self):
        user = self.env.user
        return user.has_group("sales_team.group_sale_manager") or user.has_group(
            "crm_alignment.group_marketing_manager"
        )

    def _alignment_check_transition(self, target, recycle=False):
        allowed = LIFECYCLE_TRANSITIONS[target]
        if recycle and target == "nurture":
            allowed = allowed + RECYCLE_SOURCE_STAGES
        refused = self.filtered(lambda lead: lead.lifecycle_stage not in allowed)
        if refused:
            stage_names = dict(
                self._fields["lifecycle_stage"]._description_selection(self.env)
            )
            raise UserError(
                self.env._(
                    "%(leads)s cannot move to %(target)s: only leads in %(allowed)s "
                    "can.",
                    leads=", ".join(
                        f"{lead.display_name} ({stage_names[lead.lifecycle_stage]})"
                        for lead in refused
                    ),
                    target=stage_names[target],
                    allowed=", ".join(stage_names[stage] for stage in allowed),
                )
            )

    def _alignment_set_stage(self, target, extra_vals=None):
        self._alignment_check_transition(target)
        self._alignment_write_stage(target, extra_vals)

    def _alignment_write_stage(self, target, extra_vals=None):
        vals = dict(extra_vals or {}, lifecycle_stage=target)
        self.with_context(**{LIFECYCLE_WRITE_KEY: True}).write(vals)

    def _alignment_check_can_accept(self):
        user = self.env.user
        if self.env.su or user.has_group("sales_team.group_sale_manager"):
            return
        if self._alignment_is_marketing_user():
            raise UserError(
                self.env._(
                    "Marketing users cannot accept hand-offs: the salesperson or a "
                    "member of the sales team accepts them."
                )
            )
        refused = self.filtered(
            lambda lead: lead.user_id != user
            and not (
                not lead.user_id
                and user in (lead.team_id.member_ids | lead.team_id.user_id)
            )
        )
        if refused:
            raise UserError(
                self.env._(
                    "Only the assigned salesperson, a member of the lead's sales team "
                    "when it has no salesperson, or a sales manager can accept "
                    "%(leads)s.",
                    leads=", ".join(refused.mapped("display_name")),
                )
            )

    def _alignment_log_handoff(self, note=False):
        """Record the hand-off of these leads to whoever now owns them on the
        sales side: log, lifecycle stage, follow-up activity, chatter note."""
        now = fields.Datetime.now()
        handoffs = (
            self.env["crm.lead.handoff"]
            .sudo()
            .create(
                [
                    {
                        "lead_id": lead.id,
                        "direction": "to_sales",
                        "date": now,
                        "user_id": self.env.uid,
                        "from_user_id": lead.marketing_user_id.id,
                        "to_user_id": (lead.user_id or lead.team_id.user_id).id,
                        "team_id": lead.team_id.id,
                        "note": note or False,
                        "bant_score": lead.bant_score,
                    }
                    for lead in self
                ]
            )
        )
        self._alignment_write_stage("handed_off", {"handoff_date": now})
        self._alignment_schedule_followup(note)
        self._message_log_batch(
            bodies={lead.id: lead._alignment_handoff_message(note) for lead in self}
        )
        return handoffs

    def _alignment_handoff_message(self, note):
        owner = self.user_id or self.team_id.user_id
        body = self.env._(
            "Handed off to sales: %(owner)s (%(team)s).",
            owner=owner.name or self.env._("no salesperson yet"),
            team=self.team_id.name or self.env._("no team"),
        )
        if note:
            return Markup("<p>%s</p><p>%s</p>") % (body, note)
        return Markup("<p>%s</p>") % body

    def _alignment_schedule_followup(self, note):
        self._alignment_plan_activities(
            "crm_alignment.mail_activity_type_handoff_followup",
            {lead.id: lead.user_id or lead.team_id.user_id for lead in self},
            note=note,
        )

    def _alignment_plan_activities(
        self, activity_xmlid, users_by_lead, date_deadline=None, summary=None, note=None
    ):
        """One automated activity per lead and user, in one create.

        :param users_by_lead: {lead id: res.users}, several users allowed
        :param summary: a text, or a function of the lead; default the type's
        :returns: the activities
        """
        activity_type = self.env.ref(activity_xmlid, raise_if_not_found=False)
        if not activity_type:
            return self.env["mail.activity"]
        model_id = self.env["ir.model"]._get_id(self._name)
        deadline = date_deadline or fields.Date.context_today(self)
        vals_list = [
            {
                "activity_type_id": activity_type.id,
                "res_model_id": model_id,
                "res_id": lead.id,
                "user_id": user.id,
                "date_deadline": deadline,
                "summary": (summary(lead) if callable(summary) else summary)
                or activity_type.summary,
                "note": note or activity_type.default_note,
                "automated": True,
            }
            for lead in self
            for user in users_by_lead.get(lead.id, ())
        ]
        # Whoever is concerned is told by crm (assignment) or by the activity
        # list itself: no assignment e-mail per activity.
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(vals_list)
        )

    def _alignment_accept(self, note=False):
        now = fields.Datetime.now()
        self._alignment_write_stage("accepted")
        self.env["crm.lead.handoff"].sudo().search(
            [
                ("lead_id", "in", self.ids),
                ("direction", "=", "to_sales"),
                ("accepted_date", "=", False),
            ]
        ).write({"accepted_date": now, "accepted_user_id": self.env.uid})
        # The acceptance is the follow-up: its activity goes, and the chatter
        # note below records it for the whole batch at once (marking each
        # activity done would post one message per lead).
        self.env["mail.activity"].sudo().search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                (
                    "activity_type_id",
                    "=",
                    self.env["ir.model.data"]._xmlid_to_res_id(
                        "crm_alignment.mail_activity_type_handoff_followup",
                        raise_if_not_found=False,
                    ),
                ),
            ]
        ).unlink()
        self._message_log_batch(
            bodies={
                lead.id: Markup("<p>%s</p>%s")
                % (
                    self.env._(
                        "Hand-off accepted by %(user)s.", user=self.env.user.name
                    ),
                    Markup("<p>%s</p>") % note if note else "",
                )
                for lead in self
            }
        )


def _as_id(value):
    """RPC clients pass ids, Python callers may pass records."""
    if isinstance(value, models.BaseModel):
        return value.id
    return value or False
