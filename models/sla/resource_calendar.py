from odoo import api, models
from odoo.exceptions import ValidationError


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _alignment_check_working_time(self):
        """Odoo's planner silently returns nothing after scanning years of a
        calendar without working time: refuse such a calendar up front."""
        for calendar in self:
            if calendar.flexible_hours or not any(
                attendance.hour_to > attendance.hour_from
                for attendance in calendar.attendance_ids
            ):
                raise ValidationError(
                    self.env._(
                        "The working hours %(calendar)s have no working time: SLA "
                        "deadlines cannot be planned on them.",
                        calendar=calendar.name,
                    )
                )

    @api.constrains("attendance_ids", "flexible_hours")
    def _check_alignment_working_time(self):
        used = self.env["crm.sla.policy"].search([("calendar_id", "in", self.ids)])
        used.calendar_id._alignment_check_working_time()
        teams = self.env["crm.team"].search([("resource_calendar_id", "in", self.ids)])
        teams.resource_calendar_id._alignment_check_working_time()
        companies = self.env["res.company"].search(
            [("resource_calendar_id", "in", self.ids)]
        )
        companies._check_alignment_calendar_working_time()
