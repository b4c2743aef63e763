from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..common.uninstall import module_being_removed

LIST_STATES = [
    ("proposed", "Proposed"),
    ("agreed", "Agreed"),
    ("active", "Active"),
    ("closed", "Closed"),
]
LIVE_STATES = ("agreed", "active")
# What the two sign-offs of a list cover, besides its companies and tiers.
LIST_TERMS = (
    "name",
    "company_id",
    "team_id",
    "date_start",
    "date_end",
    "marketing_owner_id",
    "sales_owner_id",
    "mqa_engagement_from",
    "mqa_roles_from",
)
LIST_TRANSITIONS = {
    "agreed": ("proposed",),
    "active": ("agreed",),
    "closed": LIVE_STATES,
    "proposed": ("agreed", "active", "closed"),
}


class CrmTargetAccountList(models.Model):
    """Companies both teams agree to pursue together for a period: marketing
    proposes, a sales manager and a marketing manager sign off."""

    _name = "crm.target.account.list"
    _description = "Target Account List"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.alignment.signoff.mixin"]
    _order = "date_start desc, id desc"
    # sign-offs and states change only through the list's actions
    _guarded_transitions = LIST_TRANSITIONS
    _signoff_draft_state = "proposed"
    _signoff_term_fields = LIST_TERMS
    # a team of another company is refused on create and write
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    team_id = fields.Many2one(
        comodel_name="crm.team",
        string="Sales Team",
        check_company=True,
        tracking=True,
    )
    marketing_owner_id = fields.Many2one(
        comodel_name="res.users",
        string="Marketing Owner",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    sales_owner_id = fields.Many2one(
        comodel_name="res.users",
        string="Sales Owner",
        compute="_compute_sales_owner_id",
        store=True,
        readonly=False,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    date_start = fields.Date(
        string="Start", default=fields.Date.context_today, tracking=True
    )
    date_end = fields.Date(string="End", tracking=True)
    # the marketing-qualified account rule, signed with the list
    mqa_engagement_from = fields.Integer(
        string="Qualified From Engagement",
        default=40,
        tracking=True,
        help="An account of the list is marketing-qualified when its leads' "
        "engagement scores add up to this (0: no rule) and enough "
        "buying-committee roles engaged.",
    )
    mqa_roles_from = fields.Integer(
        string="Roles Engaged At Least",
        default=2,
        tracking=True,
        help="Buying-committee roles whose contact engaged, for an account to "
        "be marketing-qualified.",
    )
    state = fields.Selection(
        selection=LIST_STATES,
        default="proposed",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Proposed: marketing's draft. Agreed: a sales manager and a "
        "marketing manager signed off; its leads are target-account leads. "
        "Active: being worked. Closed: over; its leads are no longer flagged.",
    )
    description = fields.Html(string="Why These Accounts")
    account_ids = fields.One2many(
        comodel_name="crm.target.account",
        inverse_name="list_id",
        string="Accounts",
        copy=True,
    )
    account_count = fields.Integer(compute="_compute_account_count")

    @api.depends("team_id")
    def _compute_sales_owner_id(self):
        for target_list in self:
            if target_list.team_id.user_id:
                target_list.sales_owner_id = target_list.team_id.user_id

    def _compute_account_count(self):
        counts = dict(
            self.env["crm.target.account"]._read_group(
                [("list_id", "in", self.ids)], ["list_id"], ["__count"]
            )
        )
        for target_list in self:
            target_list.account_count = counts.get(target_list, 0)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for target_list in self:
            if (
                target_list.date_start
                and target_list.date_end
                and target_list.date_end < target_list.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "The list %(name)s ends before it starts.",
                        name=target_list.name,
                    )
                )

    @api.constrains("mqa_engagement_from", "mqa_roles_from")
    def _check_mqa_rule(self):
        if any(
            target_list.mqa_engagement_from < 0 or target_list.mqa_roles_from < 0
            for target_list in self
        ):
            raise ValidationError(
                self.env._("The marketing-qualified account rule cannot be negative.")
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def _signoff_check_editor(self):
        # who drafts a list is the access rules' call (marketing creates
        # and edits, sales managers edit); its transitions are managers'
        # (_alignment_check_role)
        return

    def write(self, vals):
        self._alignment_guard_write(vals)
        # the state too: only an active list's accounts match leads
        rematch = {"active", "company_id", "date_start", "state"} & set(vals)
        result = self._signoff_write_terms(vals, super().write)
        if rematch:
            self._target_account_rematch()
        return result

    @api.ondelete(at_uninstall=True)
    def _unlink_only_proposed(self):
        if module_being_removed(self.env):
            return
        agreed = self.filtered(lambda tl: tl.state != "proposed")
        if agreed:
            raise UserError(
                self.env._(
                    "%(lists)s was agreed by both teams: close or archive it "
                    "instead of deleting it.",
                    lists=", ".join(agreed.mapped("name")),
                )
            )

    def unlink(self):
        accounts = self.account_ids
        partner_ids, domains = accounts._target_match_keys()
        # Cascaded deletions skip the accounts' unlink(): say it here.
        result = super().unlink()
        self.env.registry.clear_cache()
        self.env["crm.lead"]._target_account_match(
            partner_ids=partner_ids, domains=domains
        )
        return result

    def _target_account_rematch(self):
        partner_ids, domains = self.account_ids._target_match_keys()
        self.env["crm.lead"]._target_account_match(
            partner_ids=partner_ids, domains=domains
        )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _signoff_terms(self):
        terms = super()._signoff_terms()
        terms["accounts"] = sorted(
            (account.partner_id.id, account.tier) for account in self.account_ids
        )
        return terms

    def _signoff_check_complete(self):
        empty = self.filtered(lambda tl: not tl.account_ids)
        if empty:
            raise UserError(
                self.env._(
                    "Add companies to %(name)s before signing it off.",
                    name=", ".join(empty.mapped("name")),
                )
            )

    def _alignment_check_role(self, target):
        if not self.env.su and not self.env["crm.lead"]._alignment_is_manager():
            raise AccessError(
                self.env._(
                    "Only sales and marketing managers activate, close or "
                    "reopen target-account lists."
                )
            )

    def action_activate(self):
        self._alignment_transition("active")
        return True

    def action_close(self):
        self._alignment_transition(
            "closed", {"date_end": fields.Date.context_today(self)}
        )
        return True

    def action_reset_to_proposed(self):
        """Renegotiate: back to proposed, both sign-offs cleared."""
        self._alignment_transition("proposed", self._signoff_clear_vals())
        return True

    def action_view_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_target_account_action"
        )
        action["domain"] = [("list_id", "=", self.id)]
        action["context"] = {
            "default_list_id": self.id,
            "search_default_list_id": False,
        }
        return action

    # ------------------------------------------------------------
    # MEMBERSHIP LOG
    # ------------------------------------------------------------

    def _log_membership(self, lines_by_list):
        """One chatter note per agreed or active list for a batch of changes
        (an import of 200 companies is one note, not 200).

        :param lines_by_list: {list: [text, ...]}
        """
        # a list one manager signed: the signature covered other companies
        self._signoff_terms_changed(lines_by_list)
        for target_list, lines in lines_by_list.items():
            if target_list.state not in LIVE_STATES or not lines:
                continue
            target_list._message_log(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._("Membership changed after the agreement:"),
                    Markup().join(Markup("<li>%s</li>") % line for line in lines),
                ),
            )
