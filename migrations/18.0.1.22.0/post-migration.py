"""18.0.1.22.0: the first sales-ready and hand-off dates lose their index.

No query picks leads by these dates (the funnel's cohorts go by creation
date, its medians by their covering index), and each index took an entry
at every write of every lead past those steps. Odoo keeps the index of a
field that no longer asks for one, so it is dropped here.

Plain SQL: this step does not change when the models do.
"""

UNUSED_INDEXES = (
    "crm_lead__sales_ready_date_index",
    "crm_lead__first_handoff_date_index",
)


def migrate(cr, version):
    if not version:
        return
    for index in UNUSED_INDEXES:
        # the names come from the tuple above, never from input
        cr.execute(f'DROP INDEX IF EXISTS "{index}"')
