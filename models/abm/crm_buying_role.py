from odoo import fields, models


class CrmBuyingRole(models.Model):
    """A seat on an account's buying committee (decision maker, champion...)."""

    _name = "crm.buying.role"
    _description = "Buying Committee Role"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    is_wanted = fields.Boolean(
        string="Wanted on Every Account",
        default=True,
        help="Counts in an account's coverage: roles filled / roles wanted.",
    )
    is_key = fields.Boolean(
        string="Key Role",
        help="An account without this role is a coverage gap (report and filter).",
    )
    color = fields.Integer()

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A buying role with this name exists already."),
    ]
