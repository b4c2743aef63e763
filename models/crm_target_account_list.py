from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

LIST_STATES = [
    ("proposed", "Proposed"),
    ("agreed", "Agreed"),
    ("active", "Active"),
    ("closed", "Closed"),
]
LIVE_STATES = ("agreed", "active")
LIST_TRANSITIONS = {
    "agreed": ("proposed",),
    "active": ("agreed",),
    "closed": LIVE_STATES,
    "proposed": ("agreed", "active", "closed"),
}
SIGN_OFF_FIELDS = (
    "state",
    "sales_agreed_user_id",
    "sales_agreed_date",
    "marketing_agreed_user_id",
    "marketing_agreed_date",
)
SIGN_OFF_GROUPS = {
    "sales": "sales_team.group_sale_manager",
    "marketing": "crm_alignment.group_marketing_manager",
}


class CrmTargetAccountList(models.Model):
    """Companies both teams agree to pursue together for a period: marketing
    proposes, a sales manager and a marketing manager sign off."""

    _name = "crm.target.account.list"
    _description = "Target Account List"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.alignment.guard.mixin"]
    _order = "date_start desc, id desc"
    # sign-offs and states change only through the list's actions
    _guarded_fields = SIGN_OFF_FIELDS
    _guarded_state_field = "state"
    _guarded_transitions = LIST_TRANSITIONS

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
    sales_agreed_user_id = fields.Many2one(
        comodel_name="res.users", string="Sales Sign-off", readonly=True, copy=False
    )
    sales_agreed_date = fields.Datetime(
        string="Sales Signed On", readonly=True, copy=False
    )
    marketing_agreed_user_id = fields.Many2one(
        comodel_name="res.users", string="Marketing Sign-off", readonly=True, copy=False
    )
    marketing_agreed_date = fields.Datetime(
        string="Marketing Signed On", readonly=True, copy=False
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

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state") == "proposed":
                del vals["state"]
        self._alignment_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._alignment_guard_write(vals)
        rematch = {"active", "company_id", "date_start"} & set(vals)
        result = super().write(vals)
        if rematch:
            self._target_account_rematch()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_proposed(self):
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

    def _write_state(self, vals):
        self._alignment_guarded_write(vals)
        if "state" in vals:
            self._target_account_rematch()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_agree_sales(self):
        return self._agree("sales")

    def action_agree_marketing(self):
        return self._agree("marketing")

    def _agree(self, side, user=None):
        """Sign off for one side; the second sign-off agrees the list. One
        person never signs both sides of the same list."""
        user = self.env["res.users"].browse(user) if isinstance(user, int) else user
        user = user or self.env.user
        if not user.has_group(SIGN_OFF_GROUPS[side]):
            raise AccessError(
                self.env._(
                    "Only a sales manager signs off for sales, and only a "
                    "marketing manager for marketing."
                )
            )
        self._alignment_lock()
        self._alignment_check_state("agreed")
        signed = self.filtered(lambda tl: tl[f"{side}_agreed_user_id"])
        if signed:
            raise UserError(
                self.env._(
                    "%(lists)s was already signed off for this side by %(user)s.",
                    lists=", ".join(signed.mapped("name")),
                    user=", ".join(signed.mapped(f"{side}_agreed_user_id.name")),
                )
            )
        other = "marketing" if side == "sales" else "sales"
        signed_other = self.filtered(lambda tl: tl[f"{other}_agreed_user_id"] == user)
        if signed_other:
            raise UserError(
                self.env._(
                    "%(user)s already signed %(lists)s for the other side: the "
                    "two sign-offs come from two people.",
                    user=user.name,
                    lists=", ".join(signed_other.mapped("name")),
                )
            )
        self.check_access("write")
        now = fields.Datetime.now()
        for target_list in self:
            if not target_list.account_ids:
                raise UserError(
                    self.env._(
                        "Add companies to %(name)s before signing it off.",
                        name=target_list.name,
                    )
                )
            vals = {f"{side}_agreed_user_id": user.id, f"{side}_agreed_date": now}
            if target_list[f"{other}_agreed_user_id"]:
                vals["state"] = "agreed"
            target_list._write_state(vals)
            target_list._message_log(
                body=self.env._(
                    "Signed off for %(side)s by %(user)s.",
                    side=self.env._("Sales")
                    if side == "sales"
                    else self.env._("Marketing"),
                    user=user.name,
                ),
            )
        return True

    def _alignment_check_role(self, target):
        if not self.env.su and not self.env["crm.lead"]._alignment_is_manager():
            raise AccessError(
                self.env._(
                    "Only sales and marketing managers activate, close or "
                    "reopen target-account lists."
                )
            )

    def _transition(self, target, vals=None):
        self._alignment_transition(target, vals)
        self._target_account_rematch()

    def action_activate(self):
        self._transition("active")
        return True

    def action_close(self):
        self._transition("closed", {"date_end": fields.Date.context_today(self)})
        return True

    def action_reset_to_proposed(self):
        """Renegotiate: back to proposed, both sign-offs cleared."""
        self._transition(
            "proposed",
            {
                "sales_agreed_user_id": False,
                "sales_agreed_date": False,
                "marketing_agreed_user_id": False,
                "marketing_agreed_date": False,
            },
        )
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
