from odoo import fields, models
from odoo.exceptions import AccessError, UserError

SIGN_OFF_FIELDS = (
    "sales_agreed_user_id",
    "sales_agreed_date",
    "marketing_agreed_user_id",
    "marketing_agreed_date",
)
SIGN_OFF_GROUPS = {
    "sales": "sales_team.group_sale_manager",
    "marketing": "crm_alignment.group_marketing_manager",
}


class CrmAlignmentSignoffMixin(models.AbstractModel):
    """An agreement both teams sign: a sales manager and a marketing manager,
    two different people, each once; the second signature moves the record
    to ``_signoff_agreed_state``. The signatures and the state are guarded:
    only ``action_agree_sales`` / ``action_agree_marketing`` write them."""

    _name = "crm.alignment.signoff.mixin"
    _inherit = ["crm.alignment.guard.mixin"]
    _description = "Two-Manager Sign-off"
    _guarded_fields = ("state", *SIGN_OFF_FIELDS)
    _guarded_state_field = "state"
    _signoff_agreed_state = "agreed"

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
            vals = {f"{side}_agreed_user_id": user.id, f"{side}_agreed_date": now}
            if record[f"{other}_agreed_user_id"]:
                vals["state"] = self._signoff_agreed_state
            record._signoff_write(vals)
            record._message_log(
                body=self.env._(
                    "Signed off for %(side)s by %(user)s.",
                    side=side_label,
                    user=user.name,
                ),
            )
        return True
