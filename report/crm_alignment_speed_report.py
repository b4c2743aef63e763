from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.scoreboard.crm_alignment_scoreboard import (
    SPEED_BUCKET_HOURS,
    SPEED_BUCKETS,
)


class CrmAlignmentSpeedReport(models.Model):
    """Speed to lead: one row per follow-up SLA (one per hand-off to sales),
    the first follow-up in working hours (pauses excluded), bucketed as the
    public lead-response studies do."""

    _name = "crm.alignment.speed.report"
    _description = "Speed to Lead"
    _auto = False
    _order = "start_date desc"
    _rec_name = "lead_id"

    sla_id = fields.Many2one(comodel_name="crm.lead.sla", string="SLA", readonly=True)
    lead_id = fields.Many2one(comodel_name="crm.lead", string="Lead", readonly=True)
    start_date = fields.Datetime(string="Handed Off On", readonly=True)
    reached_date = fields.Datetime(string="Followed Up On", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", readonly=True
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        readonly=True,
        help="Who followed the hand-off up (for a hand-off to a team, the "
        "member who took it); else the salesperson it was handed to.",
    )
    lead_user_id = fields.Many2one(
        comodel_name="res.users", string="Lead's Salesperson", readonly=True
    )
    source_id = fields.Many2one(comodel_name="utm.source", readonly=True)
    state = fields.Selection(
        selection=lambda self: self.env["crm.lead.sla"]._fields["state"].selection,
        string="SLA Status",
        readonly=True,
    )
    bucket = fields.Selection(selection=SPEED_BUCKETS, string="Speed", readonly=True)
    followup_hours = fields.Float(
        string="Working Hours to Follow-up", aggregator="avg", readonly=True
    )
    within_sla_rate = fields.Float(
        string="Followed Up Within SLA (%)",
        aggregator="avg",
        readonly=True,
        help="Average over the group: the share of decided SLAs (followed up, "
        "or deadline passed) met on time.",
    )
    handoff_count = fields.Integer(string="Hand-offs", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
                SELECT s.id, s.id AS sla_id, s.lead_id, s.start_date,
                       s.reached_date, s.company_id, s.team_id,
                       -- credited to who followed up (a team hand-off has
                       -- no salesperson until a member takes it)
                       COALESCE(h.accepted_user_id, s.user_id) AS user_id,
                       l.user_id AS lead_user_id, l.source_id, s.state,
                       CASE WHEN s.reached_date IS NULL THEN
                                CASE WHEN s.state = 'failed' THEN 'never'
                                     ELSE 'waiting' END
                            %s
                            ELSE 'over_24h' END AS bucket,
                       CASE WHEN s.reached_date IS NOT NULL
                            THEN s.response_hours END AS followup_hours,
                       CASE WHEN s.state = 'reached' THEN 100.0
                            WHEN s.state = 'failed' THEN 0.0 END
                           AS within_sla_rate,
                       1 AS handoff_count
                  FROM crm_lead_sla s
             -- the SLA's company is its lead's (a stored related field);
             -- only the salesperson's rule and the source read the lead
             LEFT JOIN crm_lead l ON l.id = s.lead_id
             LEFT JOIN crm_lead_handoff h ON h.id = s.handoff_id
                 WHERE s.state != 'cancelled'
            )
            """,
                SQL.identifier(self._table),
                SQL(" ").join(
                    SQL("WHEN s.response_hours <= %s THEN %s", hours, bucket)
                    for bucket, hours in SPEED_BUCKET_HOURS
                ),
            )
        )
