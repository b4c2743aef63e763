import contextlib
import contextvars
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, make_index_name
from odoo.tools.sql import drop_index

from ..common.sql_fingerprint import create_fingerprinted_index

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

# The fields that record what happened to a lead: written by the lifecycle,
# BANT, SLA, recycle and target-account code only (see the guard mixin).
# Managers may set who sourced a lead and its marketing owner (corrections,
# imports); the stage only moves through the actions.
LEAD_GUARDED_FIELDS = (
    "lifecycle_stage",
    "sourced_by",
    "handoff_date",
    "recycle_count",
    "recycle_reason_id",
    "previous_user_id",
    "sla_id",
    "sla_state",
    "sla_deadline",
    "sla_at_risk",
    "bant_profile_id",
    "bant_score",
    "bant_sales_ready",
    "bant_score_band",
    "fit_grade",
    "engagement_score",
    "engagement_grade",
    "engagement_definition_id",
    "lead_grade",
    "target_partner_id",
    "target_account_id",
    "target_tier",
    "email_company_domain",
    "sales_ready_date",
    "first_handoff_date",
    "accepted_date",
    "hours_to_sales_ready",
    "hours_to_handoff",
    "hours_to_accept",
    "hours_to_opportunity",
    "hours_to_won",
    "sales_assigned_date",
    "won_date",
    *(
        f"bant_{criterion}_{suffix}"
        for criterion in ("budget", "authority", "need", "timeframe")
        for suffix in ("date", "stale")
    ),
)
# The lead's first dates on its journey (a merge keeps the earliest).
JOURNEY_DATES = ("sales_ready_date", "first_handoff_date", "accepted_date")
# Set on create by the rules; a manager's import may give them.
LEAD_CREATE_RULE_FIELDS = ("lifecycle_stage", "sourced_by", "marketing_user_id")
# A lead is handed off by the hand-off only (journey row, SLA, activity).
IMPORTABLE_STAGES = ("new", "nurture", "sales_ready", "accepted")
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

# Python-only flags of the running request (never from an RPC client):
# Odoo's lead assignment is running; the recycle resets BANT answers
# without letting BANT move the lead; leads are being merged.
AUTO_ASSIGNING = contextvars.ContextVar("crm_alignment_auto_assign", default=False)
SKIP_BANT_SYNC = contextvars.ContextVar("crm_alignment_skip_bant_sync", default=False)
MERGING = contextvars.ContextVar("crm_alignment_merging", default=False)

# crm's order of the pipeline (priority desc, id desc) as one index: crm
# indexes the priority alone, so a kanban or list page sorts every lead of
# the top priority it reads to keep 80 of them, and this addon's columns make
# each of those rows wider to sort. In this order PostgreSQL stops at the
# page. The columns every page filters by (crm's lead/opportunity type,
# archived, the company rule, the salesman's own-leads rule) come with each
# entry: the page's count (the pager's total) reads the index alone instead
# of every row of the table, this addon's wider rows included.
# (Dropped by the uninstall hook.)
PIPELINE_ORDER_INDEX = "crm_lead_alignment_pipeline_order_index"
PIPELINE_FILTER_COLUMNS = ("type", "active", "company_id", "user_id")
# It leads with the priority, so it serves every lookup crm's own index of
# the priority alone served: that one goes while this addon is installed (a
# second entry on each write of a lead, read by nothing), and the uninstall
# hook makes it again as Odoo makes it.
CRM_PRIORITY_INDEX = make_index_name("crm_lead", "priority")

# The lifecycle stages whose leads someone is waiting on (marketing's, and
# the hand-offs sales has not accepted yet): the ones the queues, filters
# and jobs look leads up by. Accepted is where leads stay for the rest of
# their life, most leads of a working CRM: an index of every stage gave each
# write of those an entry no lookup reads. (Dropped by the uninstall hook.)
LIFECYCLE_QUEUE_INDEX = "crm_lead_alignment_lifecycle_queue_index"
QUEUE_STAGES = tuple(stage for stage, _label in LIFECYCLE_STAGES if stage != "accepted")


@contextlib.contextmanager
def flag(var):
    token = var.set(True)
    try:
        yield
    finally:
        var.reset(token)


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.alignment.guard.mixin"]

    _guarded_fields = LEAD_GUARDED_FIELDS
    _guarded_manager_fields = ("sourced_by",)
    _guarded_state_field = "lifecycle_stage"
    _guarded_transitions = LIFECYCLE_TRANSITIONS

    lifecycle_stage = fields.Selection(
        prefetch="crm_alignment",
        selection=LIFECYCLE_STAGES,
        # no NOT NULL on a column added to crm's table: code that inserts
        # leads without this addon loaded (Odoo's own at_install tests,
        # other modules' SQL) must keep working; the ORM always sets it
        default=lambda self: self._default_lifecycle_stage(),
        copy=False,
        # indexed for the queue stages only (LIFECYCLE_QUEUE_INDEX)
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
        copy=False,
    )
    sourced_by = fields.Selection(
        prefetch="crm_alignment",
        selection=[("marketing", "Marketing"), ("sales", "Sales")],
        default=lambda self: self._default_sourced_by(),
        tracking=True,
        copy=False,
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
    # its index is the pipeline order index (CRM_PRIORITY_INDEX)
    priority = fields.Selection(index=False)
    handoff_ids = fields.One2many(
        comodel_name="crm.lead.handoff",
        inverse_name="lead_id",
        string="Journey",
        readonly=True,
    )

    def init(self):
        result = super().init()
        create_fingerprinted_index(
            self.env.cr,
            PIPELINE_ORDER_INDEX,
            SQL(
                "CREATE INDEX %s ON %s (priority DESC, id DESC) INCLUDE (%s)",
                SQL.identifier(PIPELINE_ORDER_INDEX),
                SQL.identifier(self._table),
                SQL(", ").join(map(SQL.identifier, PIPELINE_FILTER_COLUMNS)),
            ),
        )
        drop_index(self.env.cr, CRM_PRIORITY_INDEX, self._table)
        create_fingerprinted_index(
            self.env.cr,
            LIFECYCLE_QUEUE_INDEX,
            SQL(
                "CREATE INDEX %s ON %s (lifecycle_stage) WHERE lifecycle_stage IN %s",
                SQL.identifier(LIFECYCLE_QUEUE_INDEX),
                SQL.identifier(self._table),
                QUEUE_STAGES,
            ),
        )
        return result

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
    def _alignment_is_marketing_side(self):
        """May work marketing's leads: marketing users, managers, the system."""
        return (
            self.env.su
            or self.env.user.has_group("crm_alignment.group_marketing_user")
            or self._alignment_is_manager()
        )

    @api.model
    def _alignment_is_sales_user(self, user):
        """An internal user who works leads for sales (not marketing only)."""
        return (
            not user.share
            and user.active
            and user.has_group("sales_team.group_sale_salesman")
            and not (
                user.has_group("crm_alignment.group_marketing_user")
                and not user.has_group("sales_team.group_sale_manager")
            )
        )

    @api.model
    def _alignment_is_inbound(self):
        """Leads that no salesperson typed in: website forms (sudo or public
        user), the mail gateway (which creates them as the superuser; its
        public message_new called over RPC runs as the caller and is not
        inbound), and a manager's import (a list of contacts
        is marketing's). The import's context key only counts for managers,
        who may set these values anyway: it grants nothing."""
        return bool(
            self.env.su
            or self.env.user._is_public()
            or (self.env.context.get("import_file") and self._alignment_is_manager())
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
    def _alignment_rule_stage(self, vals):
        """The stage a new lead starts in. Inbound leads start with marketing
        (New) where marketing qualifies them first, else they are ready for
        sales' assignment as in standard Odoo (Sales-Ready)."""
        stage = self._default_lifecycle_stage()
        if stage == "new" and self._alignment_is_inbound():
            team = self.env["crm.team"].browse(
                _as_id(vals.get("team_id") or self.env.context.get("default_team_id"))
            )
            company = self.env["res.company"].browse(_as_id(vals.get("company_id")))
            if not team._alignment_marketing_qualifies(company):
                return "sales_ready"
        return stage

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
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        # crm.team._allocate_leads builds its lead domain inline; its search()
        # is the one place where marketing-owned leads can be kept out of it.
        # (Not _search: the ORM's own reads go through it, and a filtered
        # read would look like a record the user may not see.)
        if AUTO_ASSIGNING.get():
            domain = expression.AND(
                [domain, [("lifecycle_stage", "not in", MARKETING_STAGES)]]
            )
        return super().search_fetch(
            domain, field_names, offset=offset, limit=limit, order=order
        )

    # The one door of crm.lead: the guards first, then each concern's hooks
    # (BANT answers, target accounts, follow-up SLA) in a fixed order.

    @api.model_create_multi
    def create(self, vals_list):
        self._alignment_guard_create_leads(vals_list)
        # the caller's dicts stay as they were: the rules add to copies
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            if "lifecycle_stage" not in vals:
                vals["lifecycle_stage"] = self._alignment_rule_stage(vals)
            self._alignment_guard_salesperson(
                vals, vals["lifecycle_stage"] in HANDOFF_SOURCE_STAGES
            )
        self._bant_prepare_create(vals_list)
        self._funnel_prepare_create(vals_list)
        leads = super().create(vals_list)
        leads._target_account_after_create()
        leads._bant_after_create(vals_list)
        leads._funnel_after_create()
        return leads

    def write(self, vals):
        self._alignment_guard_write(vals)
        self._alignment_guard_marketing_owner(vals)
        if vals.get("user_id"):
            self._alignment_guard_salesperson(
                vals,
                any(lead.lifecycle_stage in HANDOFF_SOURCE_STAGES for lead in self),
            )
        vals = self._bant_prepare_write(vals)
        if self._alignment_guard_granted():
            vals = self._funnel_prepare_write(vals)
        sla_paused_before = self._sla_before_write(vals)
        nurtured_before = self._nurture_before_write(vals)
        result = super(
            CrmLead, self.with_context(**{WRITTEN_FIELDS_KEY: frozenset(vals)})
        ).write(vals)
        self._target_account_after_write(vals)
        self._bant_after_write(vals)
        self._sla_after_write(vals, sla_paused_before)
        self._funnel_after_write(vals)
        self._nurture_after_write(nurtured_before)
        return result

    @api.model
    def _alignment_guard_create_leads(self, vals_list):
        """Lifecycle stage, sourced by and marketing owner come from the
        rules; a manager's import may set them (never Handed Off, which only
        the hand-off makes). Every other recorded fact is refused."""
        if self._alignment_guard_granted():
            return
        manager = self._alignment_guard_manager_ok()
        rule_values = None
        for vals in vals_list:
            self._alignment_guard_vals(
                {
                    name: v
                    for name, v in vals.items()
                    if name not in LEAD_CREATE_RULE_FIELDS
                },
                "create",
            )
            given = [name for name in LEAD_CREATE_RULE_FIELDS if name in vals]
            if not given:
                continue
            if manager:
                if vals.get("lifecycle_stage", "new") not in IMPORTABLE_STAGES:
                    raise UserError(
                        self.env._(
                            "A lead is created as New, Nurturing, Sales-Ready or "
                            "Accepted; it is handed off by Hand off to Sales."
                        )
                    )
                continue
            if rule_values is None:
                rule_values = {
                    "sourced_by": self._default_sourced_by(),
                    "marketing_user_id": self._default_marketing_user_id().id,
                }
            rule_values["lifecycle_stage"] = self._alignment_rule_stage(vals)
            forged = [
                name
                for name in given
                if (_as_id(vals[name]) or False) != (rule_values[name] or False)
            ]
            if forged:
                raise UserError(
                    self.env._(
                        "%(fields)s of a new lead are set by the rules (who you are, "
                        "where the lead comes from); only managers may import "
                        "other values.",
                        fields=", ".join(
                            self._fields[name]._description_string(self.env)
                            for name in forged
                        ),
                    )
                )

    def _alignment_guard_marketing_owner(self, vals):
        """Marketing (and managers) choose who nurtures a lead; salespeople
        do not move it to another marketer."""
        if (
            "marketing_user_id" in vals
            and not self._alignment_guard_granted()
            and not self._alignment_is_marketing_side()
        ):
            raise UserError(
                self.env._(
                    "Only marketing and managers change a lead's marketing owner."
                )
            )

    @api.model
    def _alignment_guard_default_names(self):
        # the rules set who sourced a lead, its owner and stage: never a
        # context's default (a manager names them as values, an import)
        return super()._alignment_guard_default_names() | set(LEAD_CREATE_RULE_FIELDS)

    @api.model
    def _alignment_guard_salesperson(self, vals, marketing_owned):
        """A marketing-owned lead gets a salesperson through a hand-off: never
        a marketing user (who would follow up their own hand-off)."""
        if (
            not vals.get("user_id")
            or not marketing_owned
            or self._alignment_guard_granted()
        ):
            return
        user = self.env["res.users"].browse(_as_id(vals["user_id"])).exists()
        if (
            user
            and not self.env.su
            and user.has_group("crm_alignment.group_marketing_user")
            and not user.has_group("sales_team.group_sale_manager")
        ):
            self.browse()._alignment_check_receivers(user)

    def _track_prepare(self, fields_iter):
        written = self.env.context.get(WRITTEN_FIELDS_KEY)
        if written is not None:
            fields_iter = [
                fname
                for fname in fields_iter
                if fname not in ALIGNMENT_TRACKED_FIELDS or fname in written
            ]
        return super()._track_prepare(fields_iter)

    def _message_track(self, fields_iter, initial_values_dict):
        # mail sorts every tracked field of the model for each record it
        # compares, and compares only those whose initial value was kept:
        # name those alone (the ones written, see _track_prepare), so that
        # the fields this addon tracks cost nothing to a write of others
        kept = _kept_tracked_fields(initial_values_dict.values())
        return super()._message_track(
            [fname for fname in fields_iter if fname in kept], initial_values_dict
        )

    def _merge_opportunity(self, user_id=False, team_id=False, auto_unlink=True, **kw):
        # crm deletes the merged leads as the superuser: merging is a write on
        # every one of them, and sales' leads are merged by sales
        self.check_access("write")
        held_by_sales = self.filtered(
            lambda lead: lead.lifecycle_stage in RECYCLE_SOURCE_STAGES
        )
        if held_by_sales and not (
            self.env.su
            or self._alignment_is_manager()
            or self._alignment_is_sales_user(self.env.user)
        ):
            raise UserError(
                self.env._(
                    "%(leads)s is with sales: only sales or a manager merges it.",
                    leads=", ".join(held_by_sales.mapped("display_name")),
                )
            )
        journey = {
            fname: min(filter(None, self.mapped(fname)), default=False)
            for fname in JOURNEY_DATES
        }
        # crm writes the merged values (stage included) onto the head: that
        # is no follow-up by whoever merges
        with flag(MERGING):
            head = super()._merge_opportunity(
                user_id=user_id, team_id=team_id, auto_unlink=auto_unlink, **kw
            )
        head._alignment_after_merge(journey)
        return head

    def _alignment_after_merge(self, journey):
        """The surviving lead carries the merged journeys: its first dates are
        the earliest of all, and its stage is where its last hand-off left
        it (with sales, accepted or not; or back with marketing)."""
        self.ensure_one()
        earlier = {
            fname: date
            for fname, date in journey.items()
            if date and (not self[fname] or date < self[fname])
        }
        self.invalidate_recordset(["handoff_ids"])
        last = self.handoff_ids.sorted(lambda h: (h.date, h.id))[-1:]
        if last.direction == "to_sales":
            stage = "accepted" if last.accepted_date else "handed_off"
        elif last:
            stage = "nurture"
        else:
            stage = self.lifecycle_stage
        if stage != self.lifecycle_stage:
            earlier["lifecycle_stage"] = stage
        if earlier:
            self._alignment_guarded_write(earlier)
            self._funnel_update_hours()

    def _merge_dependences(self, opportunities):
        # The surviving lead inherits every history of the merged ones:
        # journey, SLAs, content shares (crm checked the merge's access).
        result = super()._merge_dependences(opportunities)
        for model in (
            "crm.lead.handoff",
            "crm.lead.sla",
            "crm.marketing.content.share",
        ):
            history = (
                self.env[model].sudo().search([("lead_id", "in", opportunities.ids)])
            )
            history._alignment_guarded_write({"lead_id": self.id})
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_start_nurture(self):
        """Marketing starts (or resumes) nurturing the lead."""
        self._alignment_transition("nurture")
        return True

    def action_mark_sales_ready(self):
        """The lead meets the lead definition both teams agreed on."""
        self._alignment_transition("sales_ready")
        return True

    def action_handoff_to_sales(self):
        """Button: hand off at once when the lead names who takes it,
        otherwise ask for a salesperson or a team."""
        self._alignment_check_role("handed_off")
        self._alignment_check_state("handed_off")
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
        user = _browse_given(self.env["res.users"], user_id, self.env._("salesperson"))
        team = _browse_given(self.env["crm.team"], team_id, self.env._("sales team"))
        self._alignment_check_role("handed_off")
        self._alignment_lock()
        self._alignment_check_state("handed_off")
        self.check_access("write")
        if team:
            team.check_access("read")
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
        self._alignment_check_receivers(user)
        # only the leads it changes: writing a lead's own team again would
        # still make crm recompute its stage, probability and revenues, and
        # its own salesperson again, restart its assignment date
        moving = self.filtered(lambda lead: lead._alignment_handoff_moves(user, team))
        if moving:
            # the follow-up activity tells the salesperson; crm's "you have
            # been assigned" mail would fail for a marketer without e-mail
            moving.with_context(mail_auto_subscribe_no_notify=True).write(vals)
        self._alignment_log_handoff(note=note)
        return True

    def _alignment_handoff_moves(self, user, team):
        """Whether handing this lead to ``user`` / ``team`` changes its
        salesperson or team, crm's team-follows-salesperson rule included."""
        self.ensure_one()
        if user and self.user_id != user:
            return True
        if team:
            return self.team_id != team
        # crm puts the lead in a team of its salesperson when written
        return bool(user) and user not in (
            self.team_id.member_ids | self.team_id.user_id
        )

    def action_accept(self):
        """Sales accepts the hand-off: the follow-up happened."""
        self._alignment_check_role("accepted")
        self._alignment_lock()
        self._alignment_check_state("accepted")
        self.check_access("write")
        unassigned = self.filtered(lambda lead: not lead.user_id)
        if unassigned:
            unassigned.write({"user_id": self.env.uid})
        self._alignment_accept()
        return True

    # ------------------------------------------------------------
    # CRM OVERRIDES
    # ------------------------------------------------------------

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        # Where marketing qualifies first, a salesperson converting a marketing
        # lead takes it: hand-off plus accept; Odoo's assignment converts too,
        # which is a hand-off only. Where leads go straight to sales, the
        # conversion is crm's own and the job logs the assignment.
        target_team = self.env["crm.team"].browse(_as_id(team_id))
        to_hand_off = self.filtered(
            lambda lead: lead.lifecycle_stage in HANDOFF_SOURCE_STAGES
            and (target_team or lead.team_id)._alignment_marketing_qualifies(
                lead.company_id
            )
        )
        automatic = AUTO_ASSIGNING.get() or self.env.su
        taken_by_salesperson = not automatic and self._alignment_is_sales_user(
            self.env.user
        )
        if to_hand_off and not automatic:
            # a conversion of marketing's lead is a hand-off: its rules apply
            # (who hands off, who receives), whoever calls it
            if not taken_by_salesperson:
                to_hand_off._alignment_check_role("handed_off")
            receivers = self.env["res.users"].browse(
                [_as_id(uid) for uid in (user_ids or ()) if _as_id(uid)]
            )
            for lead in to_hand_off:
                lead._alignment_check_receivers(receivers.exists())
        result = super().convert_opportunity(
            partner, user_ids=user_ids, team_id=team_id
        )
        if not to_hand_off:
            return result
        if taken_by_salesperson:
            unassigned = to_hand_off.filtered(lambda lead: not lead.user_id)
            if unassigned:
                unassigned.write({"user_id": self.env.uid})
        to_hand_off._alignment_log_handoff(
            note=self.env._("Converted to an opportunity.")
        )
        if taken_by_salesperson:
            to_hand_off._alignment_accept(note=self.env._("Accepted by conversion."))
        return result

    def _handle_salesmen_assignment(self, user_ids=False, team_id=False):
        # Odoo's lead assignment handing a sales-ready lead to a team is a
        # hand-off; it never takes marketing-owned leads (see crm.team).
        to_hand_off = self.env["crm.lead"]
        if AUTO_ASSIGNING.get():
            # where marketing qualifies first; elsewhere the assignment is
            # logged as the hand-off by a job (_cron_assignment_handoff)
            team = self.env["crm.team"].browse(_as_id(team_id))
            if team._alignment_marketing_qualifies():
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
    # SCHEDULED JOBS
    # ------------------------------------------------------------

    @api.model
    def _cron_assignment_handoff(self, batch=1000):
        """Where leads go straight to sales, a sales-ready lead that got a
        salesperson (Odoo's assignment, a website form's team, a manager)
        was handed off then: log that hand-off, dated when it was assigned,
        so that its follow-up SLA runs from there. One batch per call."""
        domain = [
            ("lifecycle_stage", "=", "sales_ready"),
            ("user_id", "!=", False),
            "|",
            ("team_id.marketing_qualification", "=", "off"),
            "&",
            "|",
            ("team_id", "=", False),
            ("team_id.marketing_qualification", "=", "company"),
            ("company_id.marketing_qualifies_leads", "=", False),
        ]
        leads = self._alignment_claim(domain, batch).filtered(
            lambda lead: not lead.team_id._alignment_marketing_qualifies(
                lead.company_id
            )
        )
        leads._alignment_log_handoff(
            note=self.env._("Assigned by the lead assignment."),
            # the addon's own stamp (crm's date_open is anyone's to edit)
            dates={
                lead.id: lead.sales_assigned_date or lead.create_date for lead in leads
            },
        )
        remaining = self.search_count(domain) if leads else 0
        self.env["ir.cron"]._notify_progress(done=len(leads), remaining=remaining)
        return remaining

    @api.model
    def _alignment_claim(self, domain, limit):
        """The first ``limit`` leads of ``domain`` that no other transaction
        holds, locked until this one ends: two servers (or a server and a
        shell) running the same job at once take different batches instead
        of waiting for each other and doing the same one twice. A lead the
        other committed meanwhile is a serialization failure here, and the
        run is retried."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM crm_lead WHERE id IN %s"
                " ORDER BY id LIMIT %s FOR NO KEY UPDATE SKIP LOCKED",
                self._search(domain).subselect(),
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _alignment_is_manager(self):
        user = self.env.user
        return user.has_group("sales_team.group_sale_manager") or user.has_group(
            "crm_alignment.group_marketing_manager"
        )

    def _alignment_check_role(self, target):
        if target == "accepted":
            return self._alignment_check_can_accept()
        if not self._alignment_is_marketing_side():
            raise UserError(
                self.env._(
                    "Only marketing and managers nurture leads, mark them "
                    "sales-ready and hand them off; salespeople accept them or "
                    "recycle them."
                )
            )

    def _alignment_check_receivers(self, user):
        """Whoever takes a hand-off is an internal user of the sales side."""
        receivers = user or self.user_id
        refused = receivers.filtered(
            lambda receiver: not receiver._is_superuser()
            and not self._alignment_is_sales_user(receiver)
        )
        if refused:
            raise UserError(
                self.env._(
                    "Leads are handed off to salespeople: %(users)s cannot take "
                    "them (not an internal user of the sales side).",
                    users=", ".join(refused.mapped("name")),
                )
            )

    def _alignment_track_stage_moves(self, moves):
        """Log lifecycle moves made in SQL exactly as the ORM's tracking would
        (a note with the old and new stage), in two batched inserts.

        :param moves: {lead id: (old stage, new stage)}
        """
        if not self:
            return
        col_info = self.fields_get(["lifecycle_stage"], ["type", "selection"])[
            "lifecycle_stage"
        ]
        Tracking = self.env["mail.tracking.value"].sudo()
        messages = self._message_log_batch(bodies={})
        Tracking.create(
            [
                dict(
                    Tracking._create_tracking_values(
                        *moves[message.res_id], "lifecycle_stage", col_info, self
                    ),
                    mail_message_id=message.id,
                )
                for message in messages
            ]
        )

    def _alignment_may_accept(self, user):
        """The one rule of who takes a hand-off of this lead (accepting it,
        or any follow-up that counts as accepting it): a sales manager, its
        salesperson, or a member of its team while it has no salesperson."""
        self.ensure_one()
        if not self._alignment_is_sales_user(user):
            return False
        if user.has_group("sales_team.group_sale_manager"):
            return True
        if self.user_id:
            return user == self.user_id
        return user in (self.team_id.member_ids | self.team_id.user_id)

    def _alignment_check_can_accept(self):
        user = self.env.user
        if self.env.su or user.has_group("sales_team.group_sale_manager"):
            return
        if not self._alignment_is_sales_user(user):
            raise UserError(
                self.env._(
                    "Marketing users cannot accept hand-offs: the salesperson or a "
                    "member of the sales team accepts them."
                )
            )
        refused = self.filtered(lambda lead: not lead._alignment_may_accept(user))
        if refused:
            raise UserError(
                self.env._(
                    "Only the assigned salesperson, a member of the lead's sales team "
                    "when it has no salesperson, or a sales manager can accept "
                    "%(leads)s.",
                    leads=", ".join(refused.mapped("display_name")),
                )
            )

    def _alignment_log_handoff(self, note=False, dates=None):
        """Record the hand-off of these leads to whoever now owns them on the
        sales side: log, lifecycle stage, follow-up activity, chatter note.

        :param dates: {lead id: datetime} when the hand-off really happened
            (an assignment logged afterwards); default now
        """
        now = fields.Datetime.now()
        dates = dates or {}
        handoffs = (
            self.env["crm.lead.handoff"]
            .sudo()
            ._alignment_guarded_create(
                [
                    {
                        "lead_id": lead.id,
                        "direction": "to_sales",
                        "date": dates.get(lead.id) or now,
                        "user_id": self.env.uid,
                        "from_user_id": lead.marketing_user_id.id,
                        "to_user_id": (lead.user_id or lead.team_id.user_id).id,
                        "team_id": lead.team_id.id,
                        "note": note or False,
                        "bant_score": lead.bant_score,
                        # what the computed fields would find (the lead's
                        # values, not yet accepted): in the INSERT rather
                        # than in an UPDATE of every new row after it
                        **lead._alignment_related_values(),
                        "response_hours": 0.0,
                    }
                    for lead in self
                ]
            )
        )
        by_date = defaultdict(lambda: self.browse())
        for lead in self:
            by_date[dates.get(lead.id) or now] |= lead
        for date, leads in by_date.items():
            leads._alignment_guarded_write(
                {"lifecycle_stage": "handed_off", "handoff_date": date}
            )
        self._alignment_schedule_followup(note)
        self._alignment_log_with_tracking(
            {lead.id: lead._alignment_handoff_message(note) for lead in self}
        )
        return handoffs

    def _alignment_log_with_tracking(self, bodies):
        """Log a note on each lead, in one batch, carrying the tracked
        changes the lead went through in this transaction so far (owner,
        team, lifecycle stage...). Odoo's tracking would log those at commit
        as a second message per lead, each created on its own: 2 queries a
        lead. Changes Odoo notifies followers of (a stage, won, lost) are left
        to it. The note is logged whatever the context says about tracking.

        :param bodies: {lead id: body}
        """
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        tracking = {}
        if any(pending.get(lead_id) for lead_id in self.ids):
            # as Odoo's tracking does it at commit (it reads the fields'
            # definitions); the callers checked the leads' access before
            leads = self.sudo()
            kept = _kept_tracked_fields(map(pending.get, self.ids))
            tracked_fields = leads.fields_get(
                [fname for fname in leads._track_get_fields() if fname in kept],
                attributes=("string", "type", "selection", "currency_field"),
            )
            for lead in leads:
                initial = pending.get(lead.id)
                if not initial:
                    continue
                changes, values = lead._mail_track(tracked_fields, initial)
                if not changes or lead._track_subtype(
                    {fname: initial[fname] for fname in changes}
                ):
                    continue
                tracking[lead.id] = (changes, values)
                # logged here: Odoo's tracking at commit skips a lead whose
                # initial values are empty (a later write records new ones)
                pending[lead.id] = {}
        messages = self._message_log_batch(bodies=bodies)
        self.env["mail.tracking.value"].sudo().create(
            [
                dict(values, mail_message_id=message.id)
                for message in messages
                for _zero, _none, values in tracking.get(message.res_id, ((), ()))[1]
            ]
        )
        for lead in self.sudo().filtered(lambda lead: lead.id in tracking):
            lead._message_track_post_template(tracking[lead.id][0])

    def _alignment_related_values(self):
        """The values a journey row or an SLA relates from its lead."""
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "source_id": self.source_id.id,
            "campaign_id": self.campaign_id.id,
            "lead_sourced_by": self.sourced_by,
        }

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
                # what mail would compute one activity at a time (the
                # document's name, read per lead) after the INSERT
                "res_name": lead.display_name,
                "date_done": False,
                "user_tz": user.tz,
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
        self._alignment_guarded_write({"lifecycle_stage": "accepted"})
        # the acceptance answers each lead's last hand-off to sales only (an
        # earlier one that sales sent back unanswered stays unanswered)
        latest = {}
        for handoff in (
            self.env["crm.lead.handoff"]
            .sudo()
            .search(
                [("lead_id", "in", self.ids), ("direction", "=", "to_sales")],
                order="date desc, id desc",
            )
        ):
            latest.setdefault(handoff.lead_id.id, handoff)
        answered = (
            self.env["crm.lead.handoff"]
            .sudo()
            .browse(
                handoff.id for handoff in latest.values() if not handoff.accepted_date
            )
        )
        answered._alignment_guarded_write(
            {"accepted_date": now, "accepted_user_id": self.env.uid}
        )
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


def _kept_tracked_fields(initial_values):
    """The fields whose initial value tracking kept for any of the records
    (their initial values, None or {} for a record not tracked): the only
    ones mail's comparison can find changed."""
    return set().union(*filter(None, initial_values))


def _as_id(value):
    """RPC clients pass ids, Python callers may pass records."""
    if isinstance(value, models.BaseModel):
        return value.id
    return value or False


def _browse_given(model, value, label):
    """The record an RPC caller named, or a clear error for a wrong type or
    an unknown id (instead of a traceback)."""
    value = _as_id(value)
    if not value:
        return model
    if not isinstance(value, int) or isinstance(value, bool):
        raise UserError(
            model.env._("%(value)r is not a valid %(what)s.", value=value, what=label)
        )
    record = model.browse(value).exists()
    if not record:
        raise UserError(
            model.env._("There is no %(what)s with id %(id)s.", what=label, id=value)
        )
    return record
