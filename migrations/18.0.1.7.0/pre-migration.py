"""18.0.1.7.0: fewer indexes on crm's lead table.

Every index on crm_lead costs each lead's creation and each write of an
indexed column. The follow-up SLA's state and deadline are only set on
handed-off leads: their indexes become partial (Odoo creates them again as
such once the full ones are gone). The creation-date index duplicated crm's
own (create_date, team_id) index. The BANT sales-ready flag (a boolean
read by scans) and score (read by bands) lose theirs: Odoo keeps an index
a field no longer declares, so they are dropped here. (The engagement
columns go with their indexes in the post-migration.)"""

DROPPED = (
    "crm_lead__sla_state_index",
    "crm_lead__sla_deadline_index",
    "crm_lead_alignment_create_date_index",
    "crm_lead__bant_sales_ready_index",
    "crm_lead__bant_score_index",
)


def migrate(cr, version):
    if not version:
        return
    for index in DROPPED:
        cr.execute(f"DROP INDEX IF EXISTS {index}")
