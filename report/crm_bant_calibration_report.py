from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.bant.crm_lead import SCORE_BANDS


class CrmBantCalibrationReport(models.Model):
    """Does the agreed lead definition predict revenue? One row per lead,
    to be summed by score band and team: won, lost and open leads."""

    _name = "crm.bant.calibration.report"
    _description = "BANT Calibration Analysis"
    _auto = False
    _order = "bant_score_band"

    lead_id = fields.Many2one(comodel_name="crm.lead", string="Lead", readonly=True)
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    bant_profile_id = fields.Many2one(
        comodel_name="crm.bant.profile", string="Lead Definition", readonly=True
    )
    bant_score_band = fields.Selection(
        selection=SCORE_BANDS, string="Score Band", readonly=True
    )
    bant_score = fields.Integer(string="BANT Score", readonly=True, aggregator="avg")
    source_id = fields.Many2one(comodel_name="utm.source", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    create_date = fields.Datetime(string="Created On", readonly=True)
    won_count = fields.Integer(string="Won", readonly=True)
    lost_count = fields.Integer(string="Lost", readonly=True)
    open_count = fields.Integer(string="Open", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT lead.id, lead.id AS lead_id, lead.team_id,
                           lead.bant_profile_id, lead.bant_score_band,
                           lead.bant_score, lead.source_id, lead.company_id,
                           lead.create_date,
                           (stage.is_won IS TRUE AND lead.active)::int AS won_count,
                           (NOT lead.active AND lead.probability = 0)::int
                               AS lost_count,
                           (lead.active AND stage.is_won IS NOT TRUE)::int AS open_count
                      FROM crm_lead lead
                 LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                )
                """,
                SQL.identifier(self._table),
            )
        )
