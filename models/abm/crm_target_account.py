from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .crm_lead import TARGET_TABLE, TIERS

ENGAGEMENT_FIELDS = [
    "engagement_id",
    "lead_count",
    "opportunity_count",
    "open_pipeline",
    "won_revenue",
    "handoff_count",
    "last_touch_date",
    "engagement_score",
    "derived_status",
    "status",
    "is_idle",
]
# What a salesperson may change on an account: its buying committee and notes.
SALESPERSON_FIELDS = {"contact_ids", "notes"}
ACCOUNT_STATUSES = [
    ("identified", "Identified"),
    ("engaged", "Engaged"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("disqualified", "Disqualified"),
]


class CrmTargetAccount(models.Model):
    """One company on one target-account list, with its tier, owners, buying
    committee and the engagement of its leads."""

    _name = "crm.target.account"
    _description = "Target Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "tier, id"
    _rec_names_search = ["partner_id.name", "list_id.name"]
    # Salespeople read accounts; they still log notes and plan activities.
    _mail_post_access = "read"

    list_id = fields.Many2one(
        comodel_name="crm.target.account.list",
        string="List",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
    )
    list_state = fields.Selection(related="list_id.state", string="List State")
    company_id = fields.Many2one(
        related="list_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Account",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('is_company', '=', True)]",
    )
    tier = fields.Selection(
        selection=TIERS, required=True, default="2", index=True, tracking=True
    )
    sales_owner_id = fields.Many2one(
        comodel_name="res.users",
        string="Sales Owner",
        compute="_compute_owners",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    marketing_owner_id = fields.Many2one(
        comodel_name="res.users",
        string="Marketing Owner",
        compute="_compute_owners",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    status_override = fields.Selection(
        selection=ACCOUNT_STATUSES,
        string="Status Set By Hand",
        tracking=True,
        help="Overrides the status derived from the account's leads.",
    )
    status_reason = fields.Char(
        string="Why",
        tracking=True,
        help="Required when the status is set by hand.",
    )
    notes = fields.Html()
    contact_ids = fields.One2many(
        comodel_name="crm.target.account.contact",
        inverse_name="account_id",
        string="Buying Committee",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    color = fields.Integer()
    can_manage = fields.Boolean(
        compute="_compute_can_manage",
        help="Technical: the current user may change tier, owners and status.",
    )

    # Coverage of the buying committee
    role_wanted_count = fields.Integer(
        string="Roles Wanted", compute="_compute_coverage"
    )
    role_filled_count = fields.Integer(
        string="Roles Filled", compute="_compute_coverage"
    )
    missing_role_ids = fields.Many2many(
        comodel_name="crm.buying.role",
        string="Missing Roles",
        compute="_compute_coverage",
    )
    coverage_display = fields.Char(string="Coverage", compute="_compute_coverage")
    coverage_percent = fields.Integer(compute="_compute_coverage")
    missing_key_role = fields.Boolean(
        string="Coverage Gap",
        compute="_compute_coverage",
        search="_search_missing_key_role",
        help="No contact holds one of the key roles (decision maker, champion).",
    )

    # Engagement roll-up: a SQL view, one query for any number of accounts
    # (and searchable through it).
    engagement_id = fields.Many2one(
        comodel_name="crm.target.account.engagement",
        compute="_compute_engagement_id",
        search="_search_engagement_id",
    )
    lead_count = fields.Integer(related="engagement_id.lead_count", string="Leads")
    opportunity_count = fields.Integer(
        related="engagement_id.opportunity_count", string="Opportunities"
    )
    open_pipeline = fields.Monetary(related="engagement_id.open_pipeline")
    won_revenue = fields.Monetary(related="engagement_id.won_revenue")
    handoff_count = fields.Integer(
        related="engagement_id.handoff_count", string="Hand-offs"
    )
    last_touch_date = fields.Datetime(
        related="engagement_id.last_touch_date", string="Last Activity"
    )
    engagement_score = fields.Integer(related="engagement_id.engagement_score")
    derived_status = fields.Selection(related="engagement_id.derived_status")
    status = fields.Selection(related="engagement_id.status")
    is_idle = fields.Boolean(
        related="engagement_id.is_idle", string="No Recent Activity"
    )

    _sql_constraints = [
        (
            "list_partner_uniq",
            "unique (list_id, partner_id)",
            "A company is only once in a target-account list.",
        ),
    ]

    def init(self):
        result = super().init()
        # the leads' links to their target company and account (crm.lead's
        # target fields read it): after this table, which it references
        self.env.cr.execute(TARGET_TABLE)
        return result

    @api.depends("list_id")
    def _compute_owners(self):
        for account in self:
            account.sales_owner_id = (
                account.sales_owner_id or account.list_id.sales_owner_id
            )
            account.marketing_owner_id = (
                account.marketing_owner_id or account.list_id.marketing_owner_id
            )

    @api.depends_context("uid")
    def _compute_can_manage(self):
        self.can_manage = self._can_manage()

    @api.model
    def _can_manage(self):
        user = self.env.user
        return (
            self.env.su
            or user.has_group("crm_alignment.group_marketing_user")
            or user.has_group("sales_team.group_sale_manager")
        )

    @api.depends("partner_id", "list_id")
    def _compute_display_name(self):
        for account in self:
            account.display_name = (
                f"{account.partner_id.name} ({account.list_id.name})"
                if self.env.context.get("target_account_show_list")
                else account.partner_id.name or ""
            )

    @api.depends("contact_ids.role_id")
    def _compute_coverage(self):
        roles = self.env["crm.buying.role"].search([])
        wanted = roles.filtered("is_wanted")
        key = roles.filtered("is_key")
        for account in self:
            filled = account.contact_ids.role_id
            missing = wanted - filled
            account.role_wanted_count = len(wanted)
            account.role_filled_count = len(wanted & filled)
            account.missing_role_ids = missing
            account.coverage_display = f"{len(wanted & filled)} / {len(wanted)}"
            account.coverage_percent = (
                round(100 * len(wanted & filled) / len(wanted)) if wanted else 100
            )
            account.missing_key_role = bool(key - filled)

    def _search_missing_key_role(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on Coverage Gap."))
        gaps = SQL(
            """(SELECT a.id FROM crm_target_account a
                WHERE EXISTS (
                    SELECT 1 FROM crm_buying_role r
                     WHERE r.is_key AND r.active AND NOT EXISTS (
                        SELECT 1 FROM crm_target_account_contact c
                         WHERE c.account_id = a.id AND c.role_id = r.id)))"""
        )
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", gaps)]

    def _compute_engagement_id(self):
        for account in self:
            account.engagement_id = account._origin.id

    def _search_engagement_id(self, operator, value):
        # The view's ids are the accounts' ids.
        if operator not in ("in", "not in", "=", "!="):
            raise UserError(self.env._("Unsupported search on the engagement."))
        return [("id", operator, value)]

    @api.constrains("partner_id")
    def _check_partner_is_company(self):
        contacts = self.filtered(lambda account: not account.partner_id.is_company)
        if contacts:
            raise ValidationError(
                self.env._(
                    "Target accounts are companies; %(names)s is a person or an "
                    "address. Add their company instead.",
                    names=", ".join(contacts.partner_id.mapped("display_name")),
                )
            )

    @api.constrains("status_override", "status_reason")
    def _check_status_reason(self):
        for account in self:
            if account.status_override and not (account.status_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Say why the status of %(name)s is set by hand.",
                        name=account.partner_id.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._check_duplicates(vals_list)
        first = not self.env["crm.lead"]._target_accounts_exist()
        accounts = super().create(vals_list)
        if first:
            self.env.registry.clear_cache()
        self._check_list_open(accounts.list_id)
        lines = defaultdict(list)
        for account in accounts:
            lines[account.list_id].append(
                self.env._(
                    "%(company)s added (tier %(tier)s)",
                    company=account.partner_id.name,
                    tier=account.tier,
                )
            )
        self.env["crm.target.account.list"]._log_membership(lines)
        accounts._target_account_rematch()
        return accounts

    def write(self, vals):
        if set(vals) - SALESPERSON_FIELDS and not self._can_manage():
            raise AccessError(
                self.env._(
                    "Salespeople fill an account's buying committee and notes; "
                    "its tier, owners and status are set by marketing and sales "
                    "managers."
                )
            )
        if {"partner_id", "list_id"} & set(vals):
            moved = self.filtered(
                lambda account: (
                    "partner_id" in vals and account.partner_id.id != vals["partner_id"]
                )
                or ("list_id" in vals and account.list_id.id != vals["list_id"])
            )
            if moved:
                raise UserError(
                    self.env._(
                        "An account stays with its company and list: remove "
                        "%(names)s and add the company where it belongs.",
                        names=", ".join(moved.partner_id.mapped("name")),
                    )
                )
        if "tier" in vals or "status_override" in vals:
            self._check_list_open(self.list_id)
        old_tiers = {account: account.tier for account in self}
        result = super().write(vals)
        # The roll-up is a view over this table: what it read is stale now.
        self.env["crm.target.account.engagement"].invalidate_model()
        self.invalidate_recordset(ENGAGEMENT_FIELDS)
        if "status_override" in vals and not vals["status_override"]:
            self.filtered("status_reason").status_reason = False
        if "tier" in vals:
            lines = defaultdict(list)
            for account in self.filtered(lambda a: old_tiers[a] != a.tier):
                lines[account.list_id].append(
                    self.env._(
                        "%(company)s: tier %(old)s → %(new)s",
                        company=account.partner_id.name,
                        old=old_tiers[account],
                        new=account.tier,
                    )
                )
            self.env["crm.target.account.list"]._log_membership(lines)
            self._target_account_rematch()
        return result

    def unlink(self):
        self._check_list_open(self.list_id)
        lines = defaultdict(list)
        for account in self:
            lines[account.list_id].append(
                self.env._("%(company)s removed", company=account.partner_id.name)
            )
        self.env["crm.target.account.list"]._log_membership(lines)
        partner_ids, domains = self._target_match_keys()
        result = super().unlink()
        self.env["crm.lead"]._target_account_match(
            partner_ids=partner_ids, domains=domains
        )
        self.env.registry.clear_cache()  # may have been the last account
        return result

    def _check_duplicates(self, vals_list):
        """A clear message naming the company, before the SQL constraint."""
        seen = set()
        pairs = [
            (vals.get("list_id"), vals.get("partner_id"))
            for vals in vals_list
            if vals.get("list_id") and vals.get("partner_id")
        ]
        existing = {
            (account.list_id.id, account.partner_id.id)
            for account in self.search(
                [
                    ("list_id", "in", [pair[0] for pair in pairs]),
                    ("partner_id", "in", [pair[1] for pair in pairs]),
                ]
            )
        }
        duplicates = set()
        for pair in pairs:
            if pair in seen or pair in existing:
                duplicates.add(pair)
            seen.add(pair)
        if duplicates:
            raise ValidationError(
                self.env._(
                    "Already in the list: %(names)s.",
                    names=", ".join(
                        f"{self.env['res.partner'].browse(partner).display_name} "
                        f"({self.env['crm.target.account.list'].browse(list_id).name})"
                        for list_id, partner in sorted(duplicates)
                    ),
                )
            )

    def _check_list_open(self, lists):
        closed = lists.filtered(lambda tl: tl.state == "closed")
        if closed:
            raise UserError(
                self.env._(
                    "%(lists)s is closed: its accounts no longer change. Put it "
                    "back to proposed first.",
                    lists=", ".join(closed.mapped("name")),
                )
            )

    def _target_match_keys(self):
        companies = self.partner_id
        return set(companies.ids), set(
            companies.mapped("email_company_domain")
            + companies.mapped("website_company_domain")
        )

    def _target_account_rematch(self):
        partner_ids, domains = self._target_match_keys()
        self.env["crm.lead"]._target_account_match(
            partner_ids=partner_ids, domains=domains
        )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_plan_coverage(self):
        """One to-do per missing wanted role for the sales owner, and one for
        the marketing owner listing them all; roles already planned and
        still open are not planned twice."""
        # the activities are created as superuser (see below): only for
        # accounts the caller may read, by the people who work them
        self.check_access("read")
        if not (
            self.env.su or self.env.user.has_group("sales_team.group_sale_salesman")
        ):
            raise UserError(
                self.env._(
                    "Only sales and marketing users plan buying-committee coverage."
                )
            )
        activity_type = self.env.ref(
            "crm_alignment.mail_activity_type_buying_committee"
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        open_summaries = defaultdict(set)
        for activity in self.env["mail.activity"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        ):
            open_summaries[(activity.res_id, activity.user_id.id)].add(activity.summary)
        vals_list = []
        deadline = activity_type._get_date_deadline()
        for account in self:
            if not account.missing_role_ids:
                continue
            sales_owner = (
                account.sales_owner_id or account.marketing_owner_id or self.env.user
            )
            for role in account.missing_role_ids:
                summary = self.env._("Find the %(role)s", role=role.name)
                if summary in open_summaries[(account.id, sales_owner.id)]:
                    continue
                vals_list.append(
                    account._coverage_activity_vals(
                        activity_type, model_id, sales_owner, summary, deadline
                    )
                )
            marketing_owner = account.marketing_owner_id
            summary = self.env._("Reach the missing buying roles")
            if (
                marketing_owner
                and marketing_owner != sales_owner
                and summary not in open_summaries[(account.id, marketing_owner.id)]
            ):
                vals_list.append(
                    account._coverage_activity_vals(
                        activity_type,
                        model_id,
                        marketing_owner,
                        summary,
                        deadline,
                        note=", ".join(account.missing_role_ids.mapped("name")),
                    )
                )
        if not vals_list:
            raise UserError(
                self.env._("Every wanted role is filled or already planned.")
            )
        # Salespeople only read accounts (they may plan activities on them,
        # _mail_post_access), but assigning subscribes the assignee, which
        # needs write access. mail.activity.create() subscribes a user once
        # per activity, so one batch holds one activity per account and user.
        waves, seen = defaultdict(list), defaultdict(int)
        for vals in vals_list:
            key = (vals["res_id"], vals["user_id"])
            waves[seen[key]].append(vals)
            seen[key] += 1
        for wave in waves.values():
            self.env["mail.activity"].sudo().create(wave)
        return True

    def _coverage_activity_vals(
        self, activity_type, model_id, user, summary, deadline, note=None
    ):
        return {
            "activity_type_id": activity_type.id,
            "res_model_id": model_id,
            "res_id": self.id,
            "user_id": user.id,
            "summary": summary,
            "note": note or activity_type.default_note,
            "date_deadline": deadline,
        }

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        action.update(
            {
                "name": self.env._(
                    "Leads of %(company)s", company=self.partner_id.name
                ),
                "domain": [("target_partner_id", "=", self.partner_id.id)],
                "context": {"active_test": False},
            }
        )
        return action
