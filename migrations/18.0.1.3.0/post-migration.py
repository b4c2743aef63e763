"""18.0.1.3.0: the scoreboard dates wins and assignments by the addon's own
stamps (crm's date_closed and date_open are the salesperson's to edit).

Hand-offs that sales sent back unanswered lose the acceptance a later
accept stamped on them. The leads won before the upgrade take their closing
date as their win, once;
the sales-ready leads already assigned take crm's assignment date; the
working time to the win is measured to the new stamp. Plain SQL: this step
does not change with the models."""


def migrate(cr, version):
    if not version:
        return
    # an acceptance used to stamp every open hand-off of the lead, one that
    # sales had sent back unanswered included: such a hand-off was never
    # accepted (a hand-off back to marketing came between it and the stamp)
    cr.execute(
        """
        UPDATE crm_lead_handoff h
           SET accepted_date = NULL, accepted_user_id = NULL
         WHERE h.direction = 'to_sales' AND h.accepted_date IS NOT NULL
           AND EXISTS (
               SELECT 1 FROM crm_lead_handoff back
                WHERE back.lead_id = h.lead_id AND back.direction = 'to_marketing'
                  AND back.date > h.date AND back.date < h.accepted_date)
        """
    )
    cr.execute(
        """
        UPDATE crm_lead l
           SET won_date = COALESCE(l.date_closed, l.write_date)
          FROM crm_stage s
         WHERE s.id = l.stage_id AND s.is_won AND l.active
           AND l.probability = 100 AND l.won_date IS NULL
        """
    )
    cr.execute(
        """
        UPDATE crm_lead
           SET sales_assigned_date = COALESCE(date_open, create_date)
         WHERE lifecycle_stage = 'sales_ready' AND user_id IS NOT NULL
           AND sales_assigned_date IS NULL
        """
    )
    cr.execute(
        """
        UPDATE crm_lead l
           SET hours_to_won = round(crm_alignment_working_hours(
                   COALESCE(t.resource_calendar_id, c.resource_calendar_id),
                   l.date_conversion, l.won_date)::numeric, 2)
          FROM crm_lead src
     LEFT JOIN crm_team t ON t.id = src.team_id
     LEFT JOIN res_company c ON c.id = src.company_id
         WHERE l.id = src.id AND l.won_date IS NOT NULL
           AND l.date_conversion IS NOT NULL
        """
    )
