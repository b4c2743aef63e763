from odoo import api, models


class CrmAlignmentHistoryMixin(models.AbstractModel):
    """Records that are facts of the pipeline (journey rows, SLAs, content
    reviews and shares): created and changed only by the pipeline's own
    actions; every field guarded unless the model names manager fields."""

    _name = "crm.alignment.history.mixin"
    _inherit = ["crm.alignment.guard.mixin"]
    _description = "Sales & Marketing Alignment: append-only history"

    _guarded_fields = "__all__"
    _guarded_create = True

    @api.model_create_multi
    def create(self, vals_list):
        self._alignment_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._alignment_guard_write(vals)
        return super().write(vals)
