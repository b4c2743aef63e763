"""18.0.1.4.0: the marketing scorecard is retired into the shared goals.

It was a SQL view counting every delivery of a team, whatever the reader may
see; the goal line "Sales-ready leads delivered" shows the same figure
against the same agreed target, counted under the reader's record rules.
The view goes here; Odoo removes the model, its views, menu and rules with
the records the module no longer declares. Plain SQL."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP VIEW IF EXISTS crm_sla_marketing_scorecard CASCADE")
