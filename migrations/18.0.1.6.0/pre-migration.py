"""18.0.1.6.0: the grade matrix (fit x engagement) on leads.

The fit grade follows the BANT score and the grade starts at engagement 4
(no engagement definition is agreed yet): both columns are filled here in
one statement each, so that the upgrade does not recompute every lead in
Python. Plain SQL; the engagement score columns start empty (0)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS fit_grade varchar,
                                ADD COLUMN IF NOT EXISTS lead_grade varchar"""
    )
    cr.execute(
        """UPDATE crm_lead
              SET fit_grade = CASE WHEN bant_score >= 75 THEN 'A'
                                   WHEN bant_score >= 50 THEN 'B'
                                   WHEN bant_score >= 25 THEN 'C'
                                   ELSE 'D' END"""
    )
    cr.execute("UPDATE crm_lead SET lead_grade = fit_grade || '4'")
