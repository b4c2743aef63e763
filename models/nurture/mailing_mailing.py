from odoo import fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    crm_nurture_step_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="Nurture Step",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Sent by a nurture program's step to the leads that reach it.",
    )
