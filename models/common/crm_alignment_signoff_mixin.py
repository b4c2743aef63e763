import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

SIGN_OFF_FIELDS = (
    "sales_agreed_user_id",
    "sales_agreed_date",
    "marketing_agreed_user_id",
    "marketing_agreed_date",
    "signed_terms",
)
SIGN_OFF_GROUPS = {
    "sales": "sales_team.group_sale_manager",
    "marketing": "crm_alignment.group_marketing_manager",
}


class CrmAlignmentSignoffMixin(models.AbstractModel):
    """An agreement both teams sign: a sales manager and a marketing manager,
    two different people, each once; the second signature moves the record
    to ``_signoff_agreed_state``. The signatures and the state are guarded:
    only ``action_agree_sales`` / ``action_agree_marketing`` write them.

    A signature covers the terms the model names in ``_signoff_terms``
    (recorded with the first signature): a change to them before the
    second signature clears the signatures (``_signoff_terms_changed``,
    logged with who and what), and the second signature of terms that no
    longer match the first one's does not agree the record."""

    _name = "crm.alignment.signoff.mixin"
    _inherit = ["crm.alignment.guard.mixin"]
    _description = "Two-Manager Sign-off"
    _guarded_fields = ("state", *SIGN_OFF_FIELDS)
    _guarded_state_field = "state"
    _signoff_agreed_state = "agreed"
    _signoff_draft_state = "draft"
    # the record's own fields a signature covers
    _signoff_term_fields = ()

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
    signed_terms = fields.Text(
        readonly=True,
        copy=False,
        help="Technical: the terms as the first signature covered them.",
    )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._signoff_check_editor()
        for vals in vals_list:
            # the state a new agreement starts in, named: not a forged state
            if vals.get(self._guarded_state_field) == self._signoff_draft_state:
                del vals[self._guarded_state_field]
        self._alignment_guard_create(vals_list)
        self._signoff_check_new(vals_list)
        return super().create(vals_list)

    def _signoff_check_editor(self):
        """Refuse a user who may not draft or change the terms. Each model
        names its rule: none given refuses everything (closed by default)."""
        raise NotImplementedError

    def _signoff_check_new(self, vals_list):
        """Hook: refuse new agreements that clash with those in force,
        before their rows exist."""

    def _alignment_check_role(self, target):
        self._signoff_check_editor()

    def action_agree_sales(self):
        return self._agree("sales")

    def action_agree_marketing(self):
        return self._agree("marketing")

    def _signoff_check_complete(self):
        """Hook: refuse to sign an agreement that is not ready."""

    def _signoff_write(self, vals):
        """Hook: how a signature (and the agreed state) is written."""
        self._alignment_guarded_write(vals)

    def _signoff_clear_vals(self):
        return dict.fromkeys(SIGN_OFF_FIELDS, False)

    def _signoff_terms(self):
        """What a signature covers, as JSON-serialisable data: the fields in
        ``_signoff_term_fields``; a model adds its lines (targets, members)."""
        self.ensure_one()
        return {
            name: self._fields[name].convert_to_read(self[name], self)
            for name in self._signoff_term_fields
        }

    def _signoff_write_terms(self, vals, write):
        """Run ``write(vals)``; a covered term it changes on a half-signed
        record clears the signatures, logged with the old and new values."""
        covered = sorted(set(self._signoff_term_fields) & set(vals))
        if not covered or self._alignment_guard_granted():
            return write(vals)
        before = {rec: rec._signoff_terms() for rec in self}
        result = write(vals)
        changes = {}
        for rec in self:
            after = rec._signoff_terms()
            changes[rec] = [
                f"{self._fields[name].string}: {_show(before[rec][name])} → "
                f"{_show(after[name])}"
                for name in covered
                if before[rec][name] != after[name]
            ]
        self._signoff_terms_changed(changes)
        return result

    def _signoff_terms_text(self):
        self.ensure_one()
        return json.dumps(self._signoff_terms(), sort_keys=True, default=str)

    def _signoff_signed(self):
        """The records signed by one side only: their terms are frozen."""
        return self.filtered(
            lambda rec: rec[self._guarded_state_field] == self._signoff_draft_state
            and (rec.sales_agreed_user_id or rec.marketing_agreed_user_id)
        )

    def _signoff_terms_changed(self, changes):
        """The covered terms of these records changed: a half-signed record
        loses its signatures (both sign the new terms again), logged.

        :param changes: {record: [text, ...]} what changed, for the log
        """
        for record, lines in changes.items():
            if not lines or not record or not record._signoff_signed():
                continue
            signers = record.sales_agreed_user_id | record.marketing_agreed_user_id
            record.sudo()._signoff_write(record._signoff_clear_vals())
            record._signoff_log_cleared(
                self.env._(
                    "%(user)s changed the agreed terms after the sign-off of "
                    "%(signers)s, whose signature was cleared: both sides sign "
                    "the new terms.",
                    user=self.env.user.name,
                    signers=", ".join(signers.mapped("name")),
                ),
                lines,
            )

    def _signoff_reopen_if_agreed(self):
        """A change to the terms of an agreed record takes it back to draft:
        both sides sign what it now says; nothing runs under it meanwhile."""
        agreed = self.filtered(
            lambda rec: rec[self._guarded_state_field] == self._signoff_agreed_state
        )
        if not agreed:
            return
        for record in agreed:
            signers = record.sales_agreed_user_id | record.marketing_agreed_user_id
            record._alignment_transition(
                self._signoff_draft_state, self._signoff_clear_vals(), check_role=False
            )
            record._signoff_log_cleared(
                self.env._(
                    "%(user)s changed the agreed terms: back to draft until both "
                    "sides sign again (signed by %(signers)s).",
                    user=self.env.user.name,
                    signers=", ".join(signers.mapped("name")),
                ),
                [],
            )

    @api.model
    def _signoff_lines_changed(self, changes):
        """Lines of these records (steps, rules) were added, changed or
        removed: an agreed record reopens, a half-signed one loses its
        signatures, both logged.

        :param changes: {record: [text, ...]} what changed, for the log
        """
        records = self.browse([record.id for record in changes])
        records._signoff_reopen_if_agreed()
        self._signoff_terms_changed(changes)

    def _signoff_log_cleared(self, text, lines):
        body = Markup("<p>%s</p>") % text
        if lines:
            body += Markup("<ul>%s</ul>") % Markup().join(
                Markup("<li>%s</li>") % line for line in lines
            )
        self._message_log(body=body)

    def _agree(self, side, user=None):
        """Sign off for one side; the second sign-off agrees the record. One
        person never signs both sides of the same record."""
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
        self._alignment_check_state(self._signoff_agreed_state)
        signed = self.filtered(lambda rec: rec[f"{side}_agreed_user_id"])
        if signed:
            raise UserError(
                self.env._(
                    "%(records)s was already signed off for this side by %(user)s.",
                    records=", ".join(signed.mapped("display_name")),
                    user=", ".join(signed.mapped(f"{side}_agreed_user_id.name")),
                )
            )
        other = "marketing" if side == "sales" else "sales"
        signed_other = self.filtered(lambda rec: rec[f"{other}_agreed_user_id"] == user)
        if signed_other:
            raise UserError(
                self.env._(
                    "%(user)s already signed %(records)s for the other side: the "
                    "two sign-offs come from two people.",
                    user=user.name,
                    records=", ".join(signed_other.mapped("display_name")),
                )
            )
        self.check_access("write")
        self._signoff_check_complete()
        now = fields.Datetime.now()
        side_label = self.env._("Sales") if side == "sales" else self.env._("Marketing")
        for record in self:
            terms = record._signoff_terms_text()
            vals = {
                f"{side}_agreed_user_id": user.id,
                f"{side}_agreed_date": now,
                "signed_terms": terms,
            }
            if record[f"{other}_agreed_user_id"]:
                if record.signed_terms == terms:
                    vals["state"] = self._signoff_agreed_state
                else:
                    # changed by a path that did not say so: the first
                    # signature covered other terms and no longer counts
                    vals.update(
                        {
                            f"{other}_agreed_user_id": False,
                            f"{other}_agreed_date": False,
                        }
                    )
                    first_signer = record[f"{other}_agreed_user_id"].name
                    record._signoff_log_cleared(
                        self.env._(
                            "The terms changed since %(user)s signed: that "
                            "signature was cleared and the other side signs again.",
                            user=first_signer,
                        ),
                        [],
                    )
            record._signoff_write(vals)
            record._message_log(
                body=self.env._(
                    "Signed off for %(side)s by %(user)s.",
                    side=side_label,
                    user=user.name,
                ),
            )
        return True


def _show(value):
    """A field value as read, for the log: a record's name, not its id."""
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and isinstance(value[0], int)
    ):
        return value[1]
    return value if value not in (False, None) else "-"
