from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..common.uninstall import module_being_removed

CONTENT_TYPES = [
    ("email", "Email"),
    ("landing_page", "Landing Page"),
    ("white_paper", "White Paper"),
    ("case_study", "Case Study"),
    ("presentation", "Presentation"),
    ("battle_card", "Battle Card"),
    ("sales_script", "Sales Script"),
    ("social_post", "Social Post"),
    ("ad", "Ad"),
    ("other", "Other"),
]
FUNNEL_STAGES = [
    ("awareness", "Awareness"),
    ("consideration", "Consideration"),
    ("decision", "Decision"),
]
CONTENT_STATES = [
    ("requested", "Requested"),
    ("draft", "Draft"),
    ("in_review", "In Review"),
    ("changes_requested", "Changes Requested"),
    ("approved", "Approved"),
    ("published", "Published"),
    ("retired", "Retired"),
]
# target state -> states it may be reached from
CONTENT_TRANSITIONS = {
    "draft": ("requested",),
    "in_review": ("draft", "changes_requested"),
    "approved": ("in_review",),
    "changes_requested": ("in_review",),
    "published": ("approved",),
    "retired": ("published",),
}
# Changing these on approved or published content makes a new version.
VERSIONED_FIELDS = {"body", "url", "attachment_ids"}
# Written by the review workflow only: what was asked, decided and approved.
GUARDED_FIELDS = (
    "state",
    "requested_by_id",
    "approver_ids",
    "approval_mode",
    "version",
    "approved_version",
    "approved_body",
    "approved_url",
    "approved_attachment_ids",
    "approved_date",
    "published_date",
    "version_author_ids",
)
# A change to what reviewers read while they review it, or after they
# approved it, is a new version.
REVIEWED_STATES = ("in_review", "approved", "published")


class CrmMarketingContent(models.Model):
    """Marketing content co-created with sales, approved by sales managers
    before it reaches prospects."""

    _name = "crm.marketing.content"
    _description = "Marketing Content"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.alignment.guard.mixin"]
    _order = "write_date desc, id desc"
    # salespeople comment on drafts they can read
    _mail_post_access = "read"
    _guarded_fields = GUARDED_FIELDS
    _guarded_state_field = "state"
    _guarded_transitions = CONTENT_TRANSITIONS

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company", index=True, default=lambda self: self.env.company
    )
    content_type = fields.Selection(
        selection=CONTENT_TYPES, string="Type", required=True, default="other"
    )
    funnel_stage = fields.Selection(
        selection=FUNNEL_STAGES, default="consideration", required=True
    )
    state = fields.Selection(
        selection=CONTENT_STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    brief = fields.Text(help="What sales needs, and for which deals.")
    body = fields.Html(sanitize_attributes=False)
    url = fields.Char(string="URL")
    attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="crm_marketing_content_attachment_rel",
        string="Files",
    )
    campaign_id = fields.Many2one(comodel_name="utm.campaign", string="Campaign")
    team_ids = fields.Many2many(
        comodel_name="crm.team",
        string="Sales Teams",
        help="The sales teams it serves: their leaders approve it, they are "
        "told when it is published.",
    )
    tag_ids = fields.Many2many(comodel_name="crm.tag", string="Tags")
    author_id = fields.Many2one(
        comodel_name="res.users",
        string="Author",
        default=lambda self: self.env.user,
        tracking=True,
    )
    requested_by_id = fields.Many2one(
        comodel_name="res.users", string="Requested By", readonly=True, copy=False
    )
    contributor_ids = fields.Many2many(
        comodel_name="res.users",
        relation="crm_marketing_content_contributor_rel",
        string="Contributors",
        help="Salespeople who co-wrote it.",
    )
    approver_ids = fields.Many2many(
        comodel_name="res.users",
        relation="crm_marketing_content_approver_rel",
        string="Approvers",
        readonly=True,
        copy=False,
        help="Asked when the content was last submitted.",
    )
    is_approver = fields.Boolean(compute="_compute_is_approver")
    approval_mode = fields.Selection(
        selection=[("any", "Any approver"), ("all", "All approvers")],
        readonly=True,
        copy=False,
    )
    version = fields.Integer(default=1, readonly=True, copy=False)
    version_author_ids = fields.Many2many(
        comodel_name="res.users",
        relation="crm_marketing_content_version_author_rel",
        string="Written By",
        readonly=True,
        copy=False,
        help="Who wrote the current version (recorded by the addon when the "
        "content, its URL or its files are saved): they do not approve it.",
    )
    review_ids = fields.One2many(
        comodel_name="crm.marketing.content.review",
        inverse_name="content_id",
        string="Reviews",
        readonly=True,
    )
    # What salespeople see while a new version is in review.
    approved_version = fields.Integer(readonly=True, copy=False)
    approved_body = fields.Html(
        string="Approved Content", readonly=True, copy=False, sanitize_attributes=False
    )
    approved_url = fields.Char(readonly=True, copy=False)
    approved_attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="crm_marketing_content_approved_attachment_rel",
        string="Approved Files",
        readonly=True,
        copy=False,
    )
    approved_date = fields.Datetime(readonly=True, copy=False)
    published_date = fields.Datetime(readonly=True, copy=False)
    share_ids = fields.One2many(
        comodel_name="crm.marketing.content.share",
        inverse_name="content_id",
        string="Shares",
        readonly=True,
    )
    share_count = fields.Integer(compute="_compute_influence", string="Shared With")
    won_count = fields.Integer(compute="_compute_influence", string="Won")
    won_revenue = fields.Monetary(
        compute="_compute_influence", currency_field="company_currency_id"
    )
    company_currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_company_currency_id",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("approver_ids")
    @api.depends_context("uid")
    def _compute_is_approver(self):
        for content in self:
            content.is_approver = self.env.user in content.approver_ids

    def _compute_company_currency_id(self):
        for content in self:
            content.company_currency_id = (
                content.company_id or self.env.company
            ).currency_id

    @api.depends("share_ids")
    @api.depends_context("uid")
    def _compute_influence(self):
        """Leads it was shared with, those won, and their won revenue: one
        grouped query for all the content displayed."""
        # shares follow the lead's rules: each reader counts what they see
        Share = self.env["crm.marketing.content.share"]
        shared = dict(
            Share._read_group(
                [("content_id", "in", self.ids)],
                ["content_id"],
                ["lead_id:count_distinct"],
            )
        )
        won = self._won_influence()
        for content in self:
            content.share_count = shared.get(content, 0)
            content.won_count, content.won_revenue = won.get(content.id, (0, 0.0))

    def _won_influence(self):
        """{content id: (won leads, won revenue)}, each lead counted once,
        among the leads the reader may read (crm's record rules)."""
        if not self.ids:
            return {}
        self.env["crm.marketing.content.share"].flush_model()
        self.env["crm.lead"].flush_model(["stage_id", "expected_revenue", "active"])
        visible = self.env["crm.lead"]._search([("stage_id.is_won", "=", True)])
        self.env.cr.execute(
            SQL(
                """
            SELECT content_id, count(*), COALESCE(sum(expected_revenue), 0)
              FROM (SELECT DISTINCT share.content_id, lead.id, lead.expected_revenue
                      FROM crm_marketing_content_share share
                      JOIN crm_lead lead ON lead.id = share.lead_id
                     WHERE share.content_id = ANY(%s) AND lead.id IN %s) won
          GROUP BY content_id
                """,
                self.ids,
                visible.subselect(),
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # What a salesperson creates is a request for marketing to write;
        # what marketing creates starts as a draft.
        rule_state = "draft" if self._may_write_content() else "requested"
        for vals in vals_list:
            if vals.get("state") == rule_state:
                del vals["state"]
        self._alignment_guard_create(vals_list)
        self._check_own_attachments(vals_list)
        for vals in vals_list:
            vals["version_author_ids"] = [fields.Command.set([self.env.uid])]
            if rule_state == "requested":
                vals.update(
                    state="requested", requested_by_id=self.env.uid, author_id=False
                )
        with self._alignment_guard_grant():
            contents = super().create(vals_list)
        contents._claim_attachments()
        return contents

    def write(self, vals):
        self._alignment_guard_write(vals)
        self._check_own_attachments([vals])
        new_version = self.browse()
        rewritten = (
            set() if self._alignment_guard_granted() else VERSIONED_FIELDS & set(vals)
        )
        if rewritten:
            new_version = self.filtered(
                lambda content: content.state in REVIEWED_STATES
            )
        result = super().write(vals)
        if "attachment_ids" in vals:
            self._claim_attachments()
        if new_version:
            new_version._start_new_version(
                [self._fields[name].string for name in sorted(rewritten)]
            )
        if rewritten:
            (self - new_version)._alignment_guarded_write(
                {"version_author_ids": [fields.Command.link(self.env.uid)]}
            )
        return result

    def _check_own_attachments(self, vals_list):
        """Files come from this content: uploaded to it, or uploaded by the
        current user for a content not saved yet. Any other attachment id
        (another record's, another company's) is refused."""
        ids = set()
        for vals in vals_list:
            for command in vals.get("attachment_ids") or ():
                if isinstance(command, list | tuple) and command:
                    if command[0] == fields.Command.LINK:
                        ids.add(command[1])
                    elif command[0] == fields.Command.SET:
                        ids.update(command[2] or ())
                    elif command[0] == fields.Command.CREATE:
                        raise UserError(
                            self.env._("Upload files to the content, then link them.")
                        )
        if not ids:
            return
        attachments = self.env["ir.attachment"].sudo().browse(list(ids)).exists()
        foreign = [
            attachment
            for attachment in attachments
            if attachment.res_model != self._name
            or (attachment.res_id and attachment.res_id not in self.ids)
            or (not attachment.res_id and attachment.create_uid != self.env.user)
        ]
        if foreign or len(attachments) != len(ids):
            raise UserError(
                self.env._("Only files uploaded to this content can be attached to it.")
            )

    def _own_approved_attachments(self):
        """The approved files that belong to these contents, nothing else."""
        return self.approved_attachment_ids.filtered(
            lambda attachment: attachment.res_model == self._name
            and attachment.res_id in self.ids
        )

    def _claim_attachments(self):
        """Files uploaded before the content was saved now belong to it."""
        for content in self:
            unclaimed = content.sudo().attachment_ids.filtered(
                lambda attachment: not attachment.res_id
                and attachment.res_model == self._name
            )
            unclaimed.write({"res_id": content.id})

    @api.ondelete(at_uninstall=True)
    def _unlink_except_reviewed(self):
        if module_being_removed(self.env):
            return
        if self.filtered("review_ids"):
            raise UserError(
                self.env._(
                    "Content that was reviewed cannot be deleted, so that its "
                    "reviews are kept: archive it instead."
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_take_request(self):
        """Marketing takes a sales request and starts writing."""
        self._alignment_transition("draft", {"author_id": self.env.uid})
        return True

    def action_submit(self):
        """Ask the approvers; a resubmission keeps all earlier reviews."""
        self._alignment_check_role("in_review")
        self._alignment_check_state("in_review")
        self.check_access("write")
        for content in self:
            content._ask_approvers()
        return True

    def action_approve(self, comment=False):
        self._decide("approve", comment)
        return True

    def action_request_changes(self, comment=False):
        self._decide("changes", comment)
        return True

    def action_publish(self):
        self._alignment_transition(
            "published", {"published_date": fields.Datetime.now()}
        )
        for content in self:
            content._notify_teams_published()
        return True

    def action_retire(self):
        self._alignment_transition("retired")
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _may_write_content(self):
        return self.env.su or self.env.user.has_group(
            "crm_alignment.group_marketing_user"
        )

    def _alignment_check_role(self, target):
        """Marketing writes, submits and publishes; managers retire;
        approvals and change requests are checked per approver (_decide)."""
        if target == "retired":
            if not self.env["crm.lead"]._alignment_is_manager() and not self.env.su:
                raise UserError(self.env._("Only managers retire content."))
        elif not self._may_write_content():
            raise UserError(
                self.env._(
                    "Only marketing takes requests, submits and publishes content."
                )
            )

    def _approval_rules(self):
        self.ensure_one()
        return self.env["crm.marketing.content.approval.rule"].search(
            [("team_id", "in", self.team_ids.ids)]
        )

    def _ask_approvers(self):
        """Approvers: those of the teams' approval rules, else the teams'
        leaders; nobody approves their own content."""
        self.ensure_one()
        rules = self._approval_rules()
        approvers = (
            rules.approver_ids
            | self.team_ids.filtered(lambda team: team not in rules.team_id).user_id
        )
        approvers -= self._version_writers()
        if not approvers:
            raise UserError(
                self.env._(
                    "Nobody can approve %(content)s: give it a sales team with a "
                    "leader, or an approval rule, other than its authors.",
                    content=self.name,
                )
            )
        mode = "all" if "all" in rules.mapped("mode") else "any"
        self._alignment_guarded_write(
            {
                "state": "in_review",
                "approver_ids": [fields.Command.set(approvers.ids)],
                "approval_mode": mode,
            }
        )
        # the approvers' activity list tells them; no assignment e-mail,
        # which would fail for a marketer without an e-mail address
        for user in approvers:
            self.with_context(mail_activity_quick_update=True).activity_schedule(
                "crm_alignment.mail_activity_type_content_review",
                user_id=user.id,
                summary=self.env._(
                    "Review version %(version)s of %(content)s",
                    version=self.version,
                    content=self.name,
                ),
            )

    def _decide(self, decision, comment):
        user = self.env.user
        self.check_access("read")
        # "All approvers" counts the decisions: two approvers deciding at once
        # are serialised on the content's row. An UPDATE, not a SELECT FOR
        # UPDATE: a decision that does not change the content (the first of
        # two) must still make the second one's transaction fail and be
        # retried by Odoo with a fresh snapshot that sees the first review,
        # or the content would stay in review for ever.
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_marketing_content SET write_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now(),
                self.ids,
            )
        )
        self.invalidate_recordset()
        for content in self:
            if content.state != "in_review":
                raise UserError(
                    self.env._("%(content)s is not in review.", content=content.name)
                )
            if user in content._version_writers():
                raise UserError(self.env._("Nobody approves their own content."))
            if user not in content.approver_ids and not self.env.su:
                raise UserError(
                    self.env._(
                        "You are not an approver of %(content)s.", content=content.name
                    )
                )
            self.env["crm.marketing.content.review"].sudo()._alignment_guarded_create(
                {
                    "content_id": content.id,
                    "reviewer_id": user.id,
                    "decision": decision,
                    "comment": comment or False,
                    "version": content.version,
                }
            )
            content.activity_ids.filtered(
                lambda activity: activity.user_id == user
                and activity.activity_type_id
                == self.env.ref("crm_alignment.mail_activity_type_content_review")
            ).sudo().action_feedback(feedback=comment or decision)
            # the approver may be a salesperson named by a rule: the decision
            # was checked above, the record is then updated on its behalf
            content = content.sudo()
            if decision == "changes":
                content._alignment_guarded_write({"state": "changes_requested"})
            elif content._approval_satisfied():
                content._approve()
            content._notify_author(decision, comment, user)

    def _approval_satisfied(self):
        self.ensure_one()
        approved_by = self.review_ids.filtered(
            lambda review: review.version == self.version
            and review.decision == "approve"
        ).reviewer_id
        if self.approval_mode == "all":
            return not (self.approver_ids - approved_by)
        return bool(approved_by)

    def _approve(self):
        self._alignment_guarded_write(
            {
                "state": "approved",
                "approved_version": self.version,
                "approved_body": self.body,
                "approved_url": self.url,
                "approved_attachment_ids": [
                    fields.Command.set(self.attachment_ids.ids)
                ],
                "approved_date": fields.Datetime.now(),
            }
        )

    def _version_writers(self):
        """Who may not approve: the content's authors and whoever wrote the
        version under review (recorded by the addon, not an editable field)."""
        return self.author_id | self.contributor_ids | self.version_author_ids

    def _start_new_version(self, changed=()):
        """Content in review, approved or published was edited: a new version
        goes to review (decisions on the earlier one no longer count);
        salespeople keep the last approved one meanwhile."""
        for content in self:
            content._alignment_guarded_write(
                {
                    "version": content.version + 1,
                    "state": "draft",
                    "version_author_ids": [fields.Command.set([self.env.uid])],
                }
            )
            content._message_log(
                body=self.env._(
                    "Version %(version)s started by %(user)s (changed: %(fields)s): "
                    "it needs approval again.",
                    version=content.version,
                    user=self.env.user.name,
                    fields=", ".join(changed) or "-",
                )
            )
            content._ask_approvers()

    def _notify_author(self, decision, comment, reviewer):
        self.ensure_one()
        recipient = self.author_id.partner_id
        if decision == "approve":
            text = self.env._(
                "%(user)s approved version %(version)s.",
                user=reviewer.name,
                version=self.version,
            )
        else:
            text = self.env._(
                "%(user)s asked for changes to version %(version)s.",
                user=reviewer.name,
                version=self.version,
            )
        body = Markup("<p>%s</p>") % text
        if comment:
            body += Markup("<p>%s</p>") % comment
        # logged, not sent: a reviewer needs no e-mail address to decide
        self._message_log(
            body=body, author_id=reviewer.partner_id.id, partner_ids=recipient.ids
        )

    def _notify_teams_published(self):
        self.ensure_one()
        partners = (self.team_ids.member_ids | self.team_ids.user_id).partner_id
        # logged, not sent: the teams read it in the library and the weekly
        # e-mail; publishing needs no e-mail address
        self._message_log(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Published for %(teams)s: it is in the Content Library.",
                teams=", ".join(self.team_ids.mapped("name")) or "-",
            ),
            partner_ids=partners.ids,
        )
