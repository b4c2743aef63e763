"""18.0.1.22.0: indexes of the leads that took an entry no lookup read.

- The first sales-ready and hand-off dates: no query picks leads by them
  (the funnel's cohorts go by creation date, its medians by their covering
  index), and each took an entry at every write of every lead past those
  steps.
- The lifecycle stage: the queues look leads up by the stages someone is
  waiting on, never by Accepted, where most leads stay; the model's init
  made the index of those stages alone (crm_lead_alignment_lifecycle_queue_index).

Odoo keeps the index of a field that no longer asks for one, so they are
dropped here.

Plain SQL: this step does not change when the models do.
"""

UNUSED_INDEXES = (
    "crm_lead__sales_ready_date_index",
    "crm_lead__first_handoff_date_index",
    "crm_lead__lifecycle_stage_index",
)


def migrate(cr, version):
    if not version:
        return
    for index in UNUSED_INDEXES:
        # the names come from the tuple above, never from input
        cr.execute(f'DROP INDEX IF EXISTS "{index}"')
