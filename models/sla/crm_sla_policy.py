import ipaddress
import socket
from typing import NamedTuple
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

ALLOW_PRIVATE_WEBHOOK_PARAM = "crm_alignment.sla_webhook_allow_private"
REVIEW_INTERVALS = {
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "year": relativedelta(years=1),
}


class CrmSlaPolicy(models.Model):
    """The agreement both teams sign: how fast sales follows up a hand-off,
    how many sales-ready leads marketing delivers, and who reviews it."""

    _name = "crm.sla.policy"
    _description = "Sales & Marketing SLA"
    # the guard mixin for field groups at creation and in copies (webhook)
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.alignment.guard.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10, help="The first matching policy applies.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        index=True,
        default=lambda self: self.env.company,
    )
    team_ids = fields.Many2many(
        comodel_name="crm.team",
        relation="crm_sla_policy_crm_team_rel",
        column1="crm_sla_policy_id",
        column2="crm_team_id",
        string="Sales Teams",
        help="Teams whose hand-offs this policy covers. Empty: all teams.",
    )
    lead_domain = fields.Char(
        string="Leads",
        default="[]",
        help="Only hand-offs of leads matching this filter (e.g. BANT score >= 80).",
    )
    target_tier_scope = fields.Selection(
        selection=[
            ("1", "Tier 1 accounts"),
            ("1_2", "Tier 1 and 2 accounts"),
            ("target", "Any target account"),
            ("none", "Leads of no target account"),
        ],
        string="Target Accounts",
        help="Only hand-offs of leads of target accounts of these tiers (or of "
        "no target account). Empty: every lead.",
    )
    # Sales side
    followup_hours = fields.Float(
        string="Follow-up Within (working hours)",
        default=8.0,
        required=True,
        tracking=True,
    )
    calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Working Hours",
        help="Empty: the sales team's working hours, else the company's. Public "
        "holidays are the calendar's global time off.",
    )
    reminder_percent = fields.Integer(
        string="Remind At (%)",
        default=75,
        help="Warn the salesperson when this share of the time is used.",
    )
    paused_stage_ids = fields.Many2many(
        comodel_name="crm.stage",
        string="Paused in Stages",
        help="The clock stops while the opportunity waits on the prospect here.",
    )
    escalate_to_leader = fields.Boolean(
        string="Escalate to Team Leader",
        default=True,
    )
    escalation_user_ids = fields.Many2many(
        comodel_name="res.users",
        relation="crm_sla_policy_escalation_user_rel",
        string="Escalate To",
        domain="[('share', '=', False)]",
    )
    webhook_url = fields.Char(
        string="Escalation Webhook",
        groups="base.group_system",
        help="Posted once per breach, after the breach is saved (JSON, short "
        "timeout). A failure is logged on the SLA and changes nothing else.",
    )
    # Governance
    owner_ids = fields.Many2many(
        comodel_name="res.users",
        relation="crm_sla_policy_owner_rel",
        string="Owners",
        domain="[('share', '=', False)]",
        help="Who answers for the agreement: one from each side.",
    )
    review_interval = fields.Selection(
        selection=[("month", "Monthly"), ("quarter", "Quarterly"), ("year", "Yearly")],
        default="quarter",
    )
    next_review_date = fields.Date(tracking=True)
    note = fields.Html(string="Agreement")

    # ------------------------------------------------------------
    # CONSTRAINS
    # ------------------------------------------------------------

    @api.constrains("followup_hours", "reminder_percent")
    def _check_numbers(self):
        for policy in self:
            if policy.followup_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "The follow-up time of %(policy)s must be more than 0 "
                        "working hours.",
                        policy=policy.name,
                    )
                )
            if not 0 <= policy.reminder_percent <= 100:
                raise ValidationError(
                    self.env._("The reminder must be between 0 and 100 percent.")
                )

    @api.constrains("calendar_id")
    def _check_calendar_has_working_time(self):
        for policy in self.filtered("calendar_id"):
            policy.calendar_id._alignment_check_working_time()

    @api.constrains("lead_domain")
    def _check_lead_domain(self):
        for policy in self:
            try:
                domain = safe_eval(policy.lead_domain or "[]")
                self.env["crm.lead"].search_count(domain, limit=1)
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The lead filter of %(policy)s is not a valid domain: "
                        "%(error)s",
                        policy=policy.name,
                        error=error,
                    )
                ) from error

    @api.constrains("webhook_url")
    def _check_webhook_url(self):
        for policy in self.sudo().filtered("webhook_url"):
            error = webhook_url_error(self.env, policy.webhook_url)
            if error:
                raise ValidationError(error)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _match_leads(self, leads):
        """{lead: first active policy covering it, in sequence order}: one
        search for the batch, then each policy filters the rest in memory."""
        companies = leads.company_id | self.env.company
        policies = self.search([("company_id", "in", companies.ids + [False])])
        matched, rest = {}, leads
        for policy in policies:
            candidates = rest.filtered(
                lambda lead, p=policy: (
                    not p.company_id
                    or (lead.company_id or self.env.company) == p.company_id
                )
                and (not p.team_ids or lead.team_id in p.team_ids)
                and p._covers_tier(lead.target_tier)
            )
            domain = safe_eval(policy.lead_domain or "[]")
            if domain and candidates:
                candidates = candidates.filtered_domain(domain)
            for lead in candidates:
                matched[lead] = policy
            rest -= candidates
        return matched

    def _covers_tier(self, tier):
        scope = self.target_tier_scope
        return {
            False: True,
            "1": tier == "1",
            "1_2": tier in ("1", "2"),
            "target": bool(tier),
            "none": not tier,
        }[scope]

    def _calendar_for(self, lead):
        self.ensure_one()
        return (
            self.calendar_id
            or lead.team_id.resource_calendar_id
            or (lead.company_id or self.env.company).resource_calendar_id
        )

    @api.model
    def _cron_schedule_reviews(self):
        """When a review date comes, ask the owners to review the agreement."""
        today = fields.Date.context_today(self)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for policy in self.search(
            [("next_review_date", "<=", today), ("owner_ids", "!=", False)]
        ):
            for owner in policy.owner_ids:
                policy.activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=owner.id,
                    summary=self.env._("Review the SLA %(name)s", name=policy.name),
                    date_deadline=today,
                )
            policy.next_review_date = (
                today + REVIEW_INTERVALS[policy.review_interval or "quarter"]
            )
        return True


class WebhookTarget(NamedTuple):
    """A webhook URL as checked: where the request goes (the addresses
    resolved and checked once), and what it asks for there."""

    scheme: str
    host: str
    port: int
    request_uri: str
    addresses: tuple


def webhook_url_error(env, url):
    """Why ``url`` may not receive a webhook now, or None."""
    return check_webhook_url(env, url)[1]


def check_webhook_url(env, url):
    """(target, None) for a URL that may receive a webhook, else (None, why).

    http(s) only, parsed by urllib3 (the library that sends it) and refused
    wherever the standard library reads it differently; no backslash,
    blank, control character, user or password. The host must resolve, and
    every address it resolves to must be global (not loopback, private,
    link-local, shared 100.64/10, reserved or multicast), unless an
    administrator allowed private addresses (system parameter). The send
    connects to the addresses checked here (no second resolution), so a
    name cannot point elsewhere between the check and the request.
    """
    url = url or ""
    invalid = env._("The escalation webhook must be an http(s) URL.")
    if "\\" in url or any(ord(char) <= 32 or ord(char) == 127 for char in url):
        return None, env._(
            "The escalation webhook may not contain backslashes, blanks or "
            "control characters."
        )
    try:
        parsed = parse_url(url)
        split = urlsplit(url)
        split_port = split.port
    except (LocationParseError, ValueError):
        return None, invalid
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None, invalid
    if parsed.auth or "@" in split.netloc:
        return None, env._(
            "The escalation webhook may not carry a user or password in its URL."
        )
    host = parsed.host.strip("[]").lower()
    if (split.scheme, split.hostname, split_port) != (parsed.scheme, host, parsed.port):
        return None, invalid
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = tuple(
            dict.fromkeys(
                info[4][0].split("%")[0]
                for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            )
        )
    except (OSError, UnicodeError):
        return None, env._(
            "The escalation webhook's host %(host)s does not resolve.", host=host
        )
    allow_private = (
        env["ir.config_parameter"].sudo().get_param(ALLOW_PRIVATE_WEBHOOK_PARAM)
    )
    if not allow_private and not all(_is_global(address) for address in addresses):
        return None, env._(
            "The escalation webhook's host %(host)s points at a loopback, private "
            "or reserved address. An administrator may allow private addresses "
            "with the system parameter %(param)s.",
            host=host,
            param=ALLOW_PRIVATE_WEBHOOK_PARAM,
        )
    target = WebhookTarget(
        parsed.scheme, host, port, parsed.request_uri or "/", addresses
    )
    return target, None


def _is_global(address):
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def redacted_url(url):
    """scheme://host/… : paths, queries and credentials often hold tokens."""
    try:
        parsed = parse_url(url or "")
    except (LocationParseError, ValueError):
        return "?://?/…"
    host = (parsed.host or "?").strip("[]")
    return f"{parsed.scheme or '?'}://{host}/…"
