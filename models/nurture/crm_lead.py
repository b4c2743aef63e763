from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..common.lead_table_apart import cache_computed, origin_ids
from ..lifecycle.crm_lead import _browse_given

RUNNING = ("active", "paused")
# the running enrolment's columns the lead shows, in the order they are read
NURTURE_COLUMNS = (
    "nurture_enrolment_id",
    "nurture_program_id",
    "nurture_state",
    "nurture_step_id",
    "nurture_next_date",
)


class CrmLead(models.Model):
    """Nurture programs on the lead: the running enrolment, its program,
    next step and date, and the steps done. Nothing is stored on the lead
    (its create and write stay as fast as crm's); enrolments are made by
    recycling, Start Nurturing and a BANT demotion."""

    _inherit = "crm.lead"

    nurture_enrolment_ids = fields.One2many(
        comodel_name="crm.nurture.enrolment",
        inverse_name="lead_id",
        string="Nurture Enrolments",
    )
    nurture_touch_ids = fields.One2many(
        comodel_name="crm.nurture.touch",
        inverse_name="lead_id",
        string="Nurture Steps Done",
    )
    nurture_enrolment_id = fields.Many2one(
        comodel_name="crm.nurture.enrolment",
        string="Nurture Enrolment",
        compute="_compute_nurture_enrolment",
    )
    nurture_program_id = fields.Many2one(
        comodel_name="crm.nurture.program",
        string="Nurture Program",
        compute="_compute_nurture_enrolment",
        search="_search_nurture_program_id",
    )
    nurture_state = fields.Selection(
        selection=lambda self: self.env["crm.nurture.enrolment"]
        ._fields["state"]
        .selection,
        string="Nurture Status",
        compute="_compute_nurture_enrolment",
    )
    nurture_step_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="Next Nurture Step",
        compute="_compute_nurture_enrolment",
    )
    nurture_next_date = fields.Datetime(
        string="Next Nurture Step On", compute="_compute_nurture_enrolment"
    )

    @api.depends(
        "nurture_enrolment_ids.state",
        "nurture_enrolment_ids.program_id",
        "nurture_enrolment_ids.step_id",
        "nurture_enrolment_ids.next_date",
    )
    def _compute_nurture_enrolment(self):
        # one query for the page: the running enrolment of each lead, read
        # with the columns shown, under the enrolments' record rules (a page
        # of cards: the rows themselves, not records built to read them)
        ids = origin_ids(self)
        lead_ids = [lead_id for lead_id in ids if lead_id]
        rows = {}
        if lead_ids:
            Enrolment = self.env["crm.nurture.enrolment"]
            columns = ("lead_id", "id", "program_id", "state", "step_id", "next_date")
            Enrolment.flush_model(columns)
            # no order: a lead has one running enrolment at most (a unique
            # index), and the rows are matched to the cards by lead
            query = Enrolment._search(
                [("lead_id", "in", lead_ids), ("state", "in", RUNNING)]
            )
            self.env.cr.execute(
                query.select(
                    *(SQL.identifier(query.table, column) for column in columns)
                )
            )
            rows = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        none = (False,) * len(NURTURE_COLUMNS)
        values = [rows.get(lead_id, none) for lead_id in ids]
        cache_computed(
            self,
            {
                fname: [row[column] for row in values]
                for column, fname in enumerate(NURTURE_COLUMNS)
            },
        )

    def _search_nurture_program_id(self, operator, value):
        if operator not in ("in", "not in", "=", "!=") or not (
            isinstance(value, int | list | tuple) or value is False
        ):
            raise UserError(self.env._("Search a nurture program by its id."))
        positive = operator in ("in", "=")
        if value is False:
            domain = [("state", "in", RUNNING)]
            return [
                ("nurture_enrolment_ids", "any" if not positive else "not any", domain)
            ]
        ids = [value] if isinstance(value, int) else list(value)
        domain = [("state", "in", RUNNING), ("program_id", "in", ids)]
        return [("nurture_enrolment_ids", "any" if positive else "not any", domain)]

    # ------------------------------------------------------------
    # WORKING DAYS
    # ------------------------------------------------------------

    def _nurture_plan(self, start, days):
        """``days`` working days after ``start`` in the lead's team calendar
        (else its company's); without a calendar, calendar days."""
        self.ensure_one()
        calendar = (
            self.team_id.resource_calendar_id
            or (self.company_id or self.env.company).resource_calendar_id
        )
        if not days:
            return start
        if calendar:
            # a working day is the calendar's own length of one
            planned = calendar.plan_hours(
                days * (calendar.hours_per_day or 8.0), start, compute_leaves=True
            )
            if planned:
                return planned
        return start + timedelta(days=days)

    # ------------------------------------------------------------
    # ENROLMENT PATHS
    # ------------------------------------------------------------

    def _nurture_enrol(self, program=None, reason=None, demotion=False, why=""):
        """Enrol each lead in ``program`` or in the agreed program proposed
        for it (its team's first), if any."""
        Enrolment = self.env["crm.nurture.enrolment"]
        Program = self.env["crm.nurture.program"]
        if program:
            return Enrolment._enrol(self, program, why)
        # one search per team, not per lead
        by_team = {}
        for lead in self:
            by_team.setdefault((lead.company_id, lead.team_id), self.browse())
            by_team[(lead.company_id, lead.team_id)] |= lead
        groups = {}
        for leads in by_team.values():
            proposed = Program._program_for(leads[0], reason=reason, demotion=demotion)
            if proposed:
                groups[proposed] = groups.get(proposed, self.browse()) | leads
        for proposed, leads in groups.items():
            Enrolment._enrol(leads, proposed, why)
        return True

    def _nurture_check_program(self, program_id):
        """The program a caller named: agreed, and one of each lead's team."""
        program = _browse_given(
            self.env["crm.nurture.program"], program_id, self.env._("nurture program")
        )
        if not program:
            return program
        program.check_access("read")
        if program.state != "agreed":
            raise UserError(
                self.env._(
                    "%(program)s is not agreed by both teams: it enrols nobody.",
                    program=program.name,
                )
            )
        outside = self.filtered(
            lambda lead: (program.team_id and lead.team_id != program.team_id)
            or (lead.company_id and lead.company_id != program.company_id)
        )
        if outside:
            raise UserError(
                self.env._(
                    "%(program)s is not a program of the team of %(leads)s.",
                    program=program.name,
                    leads=", ".join(outside.mapped("display_name")),
                )
            )
        return program

    def recycle_to_nurture(
        self,
        reason_id,
        note=False,
        nurture_user_id=False,
        campaign_id=False,
        revisit_date=False,
        program_id=False,
    ):
        """Recycling enrols the leads in a nurture program: ``program_id``
        (an agreed program of their team), else the one agreed for the
        reason, if any."""
        program = self._nurture_check_program(program_id)
        result = super().recycle_to_nurture(
            reason_id,
            note=note,
            nurture_user_id=nurture_user_id,
            campaign_id=campaign_id,
            revisit_date=revisit_date,
        )
        reason = self.env["crm.recycle.reason"].browse(
            reason_id.id if isinstance(reason_id, models.BaseModel) else reason_id
        )
        self._nurture_enrol(
            program=program,
            reason=reason,
            why=self.env._("recycled: %(reason)s", reason=reason.name),
        )
        return result

    def action_start_nurture(self):
        """Start Nurturing enrols the leads that are in no program yet in
        the program agreed for new leads, if any."""
        result = super().action_start_nurture()
        idle = self.filtered(lambda lead: not lead.nurture_enrolment_id)
        idle._nurture_enrol(why=self.env._("Start Nurturing"))
        return result

    def _nurture_after_demotion(self):
        """Hook of the BANT definition: these leads went back to nurturing."""
        idle = self.filtered(lambda lead: not lead.nurture_enrolment_id)
        idle._nurture_enrol(
            demotion=True, why=self.env._("no longer sales-ready (BANT)")
        )

    @api.model
    def _nurture_held_sql(self, lead):
        """SQL: the lead (alias ``lead``) is in a running enrolment whose
        program wants more engagement before it goes back to sales. Defined
        once: the ORM path (_nurture_held) and the BANT re-score's SQL."""
        return SQL(
            """EXISTS (SELECT 1 FROM crm_nurture_enrolment held_enrolment
                         JOIN crm_nurture_program held_program
                           ON held_program.id = held_enrolment.program_id
                        WHERE held_enrolment.lead_id = %(lead)s.id
                          AND held_enrolment.state IN ('active', 'paused')
                          AND held_program.exit_engagement_score
                              > COALESCE((SELECT held_score.score
                                            FROM crm_lead_engagement held_score
                                           WHERE held_score.lead_id = %(lead)s.id),
                                         0))""",
            lead=lead,
        )

    def _nurture_held(self):
        """The nurtured leads among these that their program keeps until
        their engagement reaches its exit score."""
        nurtured = self.filtered(lambda lead: lead.lifecycle_stage == "nurture")
        if not nurtured:
            return self.browse()
        self.env["crm.nurture.enrolment"].flush_model(
            ["lead_id", "state", "program_id"]
        )
        self.env["crm.nurture.program"].flush_model(["exit_engagement_score"])
        self.env.cr.execute(
            SQL(
                "SELECT lead.id FROM crm_lead lead WHERE lead.id = ANY(%s) AND %s",
                nurtured.ids,
                self._nurture_held_sql(SQL("lead")),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _nurture_before_write(self, vals):
        """Hook of the door: the nurtured leads this write may take out of
        nurturing (only a nurtured lead is in a running program)."""
        stage = vals.get("lifecycle_stage")
        if (stage is None or stage in ("new", "nurture")) and vals.get(
            "active", True
        ) is not False:
            return self.browse()
        return self.filtered(lambda lead: lead.lifecycle_stage == "nurture")

    def _nurture_after_write(self, nurtured):
        """Hook of the door: a nurtured lead that left nurturing (or was
        archived, lost) leaves its program; Sales-Ready again, it goes Back
        to Sales.

        :param nurtured: what _nurture_before_write returned"""
        if not nurtured:
            return
        running = (
            self.env["crm.nurture.enrolment"]
            .sudo()
            .search([("lead_id", "in", nurtured.ids), ("state", "in", RUNNING)])
        )
        if not running:
            return
        back = running.filtered(
            lambda enrolment: enrolment.lead_id.active
            and enrolment.lead_id.lifecycle_stage == "sales_ready"
        )
        back._enrolment_requalify()
        for enrolment in running - back:
            lead = enrolment.lead_id
            enrolment._enrolment_end(
                self.env._(
                    "the lead left nurturing (%(stage)s)",
                    stage=dict(
                        lead._fields["lifecycle_stage"]._description_selection(self.env)
                    ).get(lead.lifecycle_stage)
                    if lead.active
                    else self.env._("archived or lost"),
                )
            )

    def _nurture_after_engagement(self):
        """Hook of the engagement re-score, for the re-scored leads that are
        nurtured and fit (it chose them in SQL): those whose engagement now
        reaches their program's exit go back to sales (handed off where the
        team does that); the others stay held."""
        self._bant_sync_lifecycle()

    def action_view_nurture(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_nurture_enrolment_action"
        )
        action["domain"] = [("lead_id", "=", self.id)]
        return action
