import re

from odoo import api, fields, models
from odoo.models import INSERT_BATCH_SIZE, UPDATE_BATCH_SIZE
from odoo.tools import SQL

from ..models.common.sql_fingerprint import sql_fingerprint
from ..models.scoreboard.crm_alignment_scoreboard import (
    FIGURE_KEYS,
    FUNNEL_OUTCOMES,
    FUNNEL_STEPS,
    PIPELINE_COLUMNS,
)

# The history's grain: the pipeline report's rows summed per day of creation
# (and of winning) and per key a figure is filtered, split or ruled by.
HISTORY_KEYS = ("create_date", "won_date", *FIGURE_KEYS, "sourced_by", "won_status")
HISTORY_DAY_KEYS = ("create_date", "won_date")
# the pipeline report's sums: the funnel's steps, its outcomes, the open
# pipeline and the revenue won
HISTORY_MEASURES = (
    *(column for _step, column, _hours in FUNNEL_STEPS),
    *(f"{outcome}_count" for outcome in FUNNEL_OUTCOMES),
    *PIPELINE_COLUMNS,
    "won_revenue",
    "sourced_won_revenue",
)
DEFINITION_KEY = "crm_alignment.pipeline_history_definition"
# numeric columns, as the leads' revenues: sums exact to the cent
REVENUE_DIGITS = (16, 2)
# statements changing this many leads or more are planned for their size:
# more than the ORM puts in one INSERT or UPDATE (SQL, imports in bulk)
PLANNED_PER_STATEMENT_FROM = max(INSERT_BATCH_SIZE, UPDATE_BATCH_SIZE) + 1
# How the triggers' cached plans read the leads' SLAs and companies: by
# primary key, one lookup per changed lead, whatever the statistics said when
# the plan was made (see _planned_for_its_size)
TRIGGER_PLANNER_SETTINGS = (
    ("enable_seqscan", "off"),
    ("enable_hashjoin", "off"),
    ("enable_mergejoin", "off"),
)

# set for the transaction by a statement naming a column the history counts,
# read and reset by the history's update trigger at the statement's end; one
# per trigger depth (a statement run by a trigger of another has its own)
HISTORY_WRITTEN_SETTING = "crm_alignment.history_columns_written_"

# a lead whose hand-off was never followed up, by its SLA
NEVER_FOLLOWED_UP = "(%(s)s.state = 'failed' AND %(s)s.reached_date IS NULL)"


def history_keyed_sums(env, model):
    """The funnel's measures summed per history key (days for the dates),
    keys whose sums are all zero left out, sorted: of the history (several
    rows per key) or of the pipeline report (one row per lead), which must
    agree. Checks and tests compare the two; read as the caller's cursor
    reads, with no record rule (``env`` is the superuser's)."""
    env.flush_all()
    keys = SQL(", ").join(
        SQL("date_trunc('day', %s)", SQL.identifier(key))
        if key in HISTORY_DAY_KEYS
        else SQL.identifier(key)
        for key in HISTORY_KEYS
    )
    sums = SQL(", ").join(
        SQL("COALESCE(sum(%s), 0)::numeric(16,2)", SQL.identifier(measure))
        for measure in HISTORY_MEASURES
    )
    nonzero = SQL(" OR ").join(
        SQL("sum(%s) <> 0", SQL.identifier(measure)) for measure in HISTORY_MEASURES
    )
    rows = env.execute_query(
        SQL(
            "SELECT %s, %s FROM %s GROUP BY %s HAVING %s",
            keys,
            sums,
            SQL.identifier(env[model]._table),
            keys,
            nonzero,
        )
    )
    return sorted(rows, key=repr)


class CrmAlignmentPipelineHistory(models.Model):
    """The shared funnel, pre-aggregated: the pipeline report's figures
    summed per day and key, kept current by PostgreSQL triggers on the
    leads and their SLAs in the transaction that changes them, whatever
    writes them (the ORM, an import, SQL). Each change appends the
    difference it makes (rows of ``compacted`` false); a job folds them
    into one row per key. The scoreboard reads it where the reader's lead
    rules are crm's own (mirrored here), and the report otherwise."""

    _name = "crm.alignment.pipeline.history"
    _description = "Shared Funnel History"
    _log_access = False
    _order = "create_date desc"

    create_date = fields.Datetime(
        string="Created On",
        readonly=True,
        index=True,
        help="The day (at midnight, UTC).",
    )
    won_date = fields.Datetime(
        string="Won On",
        readonly=True,
        index="btree_not_null",
        help="The day (at midnight, UTC).",
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    team_id = fields.Many2one(comodel_name="crm.team", readonly=True)
    user_id = fields.Many2one(comodel_name="res.users", readonly=True)
    source_id = fields.Many2one(comodel_name="utm.source", readonly=True)
    medium_id = fields.Many2one(comodel_name="utm.medium", readonly=True)
    campaign_id = fields.Many2one(comodel_name="utm.campaign", readonly=True)
    sourced_by = fields.Selection(
        selection=[("marketing", "Marketing"), ("sales", "Sales")], readonly=True
    )
    won_status = fields.Selection(
        selection=[("won", "Won"), ("lost", "Lost"), ("pending", "Pending")],
        readonly=True,
    )
    compacted = fields.Boolean(readonly=True)
    created_count = fields.Integer(readonly=True)
    sales_ready_count = fields.Integer(readonly=True)
    handed_off_count = fields.Integer(readonly=True)
    accepted_count = fields.Integer(readonly=True)
    opportunity_count = fields.Integer(readonly=True)
    won_count = fields.Integer(readonly=True)
    recycled_count = fields.Integer(readonly=True)
    lost_count = fields.Integer(readonly=True)
    never_followed_up_count = fields.Integer(readonly=True)
    pipeline_revenue = fields.Float(digits=REVENUE_DIGITS, readonly=True)
    weighted_pipeline_revenue = fields.Float(digits=REVENUE_DIGITS, readonly=True)
    sourced_pipeline_revenue = fields.Float(digits=REVENUE_DIGITS, readonly=True)
    sourced_weighted_pipeline_revenue = fields.Float(
        digits=REVENUE_DIGITS, readonly=True
    )
    won_revenue = fields.Float(digits=REVENUE_DIGITS, readonly=True)
    sourced_won_revenue = fields.Float(digits=REVENUE_DIGITS, readonly=True)

    # ------------------------------------------------------------
    # TRIGGERS
    # ------------------------------------------------------------

    def init(self):
        cr = self.env.cr
        keys = SQL(", ").join(SQL.identifier(key) for key in HISTORY_KEYS)
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) NULLS NOT DISTINCT"
                " WHERE compacted",
                SQL.identifier(f"{self._table}_key_index"),
                SQL.identifier(self._table),
                keys,
            )
        )
        self._create_triggers()
        # built from the leads at install, and again whenever what a lead
        # counts for changes (an upgrade changing the report's rows)
        definition = self._definition()
        parameters = self.env["ir.config_parameter"].sudo()
        cr.execute(SQL("SELECT 1 FROM %s LIMIT 1", SQL.identifier(self._table)))
        if not cr.rowcount or parameters.get_param(DEFINITION_KEY) != definition:
            self._rebuild()
            parameters.set_param(DEFINITION_KEY, definition)

    def _definition(self):
        """A fingerprint of what the history sums for a lead."""
        return sql_fingerprint(self._insert_differences([(1, SQL("crm_lead"))]))

    def _insert_differences(self, signed_leads):
        """INSERT the difference ``signed_leads`` make: (sign, relation of
        lead rows) pairs, summed per key, keys whose sums are all 0 left
        out."""
        report = self.env["crm.alignment.pipeline.report"]
        day_keys = {
            key: SQL("date_trunc('day', r.%s)", SQL.identifier(key))
            for key in HISTORY_DAY_KEYS
        }
        parts = SQL(" UNION ALL ").join(
            SQL(
                "SELECT %s AS sign, r.* FROM (%s) r",
                sign,
                report._lead_rows(leads),
            )
            for sign, leads in signed_leads
        )
        key_columns = [
            SQL(
                "%s AS %s",
                day_keys.get(key, SQL("r.%s", SQL.identifier(key))),
                SQL.identifier(key),
            )
            for key in HISTORY_KEYS
        ]
        sums = [
            SQL("COALESCE(sum(r.sign * r.%s), 0)", SQL.identifier(measure))
            for measure in HISTORY_MEASURES
        ]
        return SQL(
            """INSERT INTO %(table)s (%(keys)s, compacted, %(measures)s)
               SELECT %(key_columns)s, FALSE, %(sums)s
                 FROM (%(parts)s) r
             GROUP BY %(group)s
               HAVING %(any_change)s""",
            table=SQL.identifier(self._table),
            keys=SQL(", ").join(SQL.identifier(key) for key in HISTORY_KEYS),
            measures=SQL(", ").join(SQL.identifier(m) for m in HISTORY_MEASURES),
            key_columns=SQL(", ").join(key_columns),
            sums=SQL(", ").join(sums),
            parts=parts,
            group=SQL(", ").join(
                SQL(str(index)) for index in range(1, len(HISTORY_KEYS) + 1)
            ),
            any_change=SQL(" OR ").join(SQL("%s <> 0", total) for total in sums),
        )

    def _create_triggers(self):
        """Statement triggers read the rows a statement inserted or updated
        (transition tables: one INSERT of differences per statement, however
        many rows). A lead's delete is counted out row by row BEFORE it goes,
        while its SLA is still there to say whether it was followed up."""
        cr = self.env.cr
        # the id first, then the columns a statement may name
        lead_columns = self._lead_columns()
        functions = {
            "crm_alignment_history_lead_insert": self._planned_for_its_size(
                self._insert_differences([(1, SQL("new_leads"))])
            ),
            # a statement naming a column the report reads says so before
            # it runs (a trigger on some columns cannot read transition
            # tables, one reading them fires for every UPDATE)
            "crm_alignment_history_lead_mark": SQL(
                "PERFORM set_config(%s || pg_trigger_depth(), 'on', true)",
                HISTORY_WRITTEN_SETTING,
            ),
            # the old rows out, the new in: rows whose figures did not change
            # cancel out in the sums. A statement that named none of the
            # columns the report reads (a priority, a description) stops at
            # once; one that named some but changed none at one hashed
            # EXCEPT (a join of the two transition tables would be planned
            # as a nested loop: they have no statistics).
            "crm_alignment_history_lead_update": SQL(
                "IF current_setting(%(setting)s || pg_trigger_depth(), true)"
                " IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;"
                " PERFORM set_config(%(setting)s || pg_trigger_depth(), 'off', true);"
                " IF NOT EXISTS (SELECT %(columns)s FROM old_leads"
                " EXCEPT SELECT %(columns)s FROM new_leads) THEN RETURN NULL;"
                " END IF; %(insert)s",
                setting=HISTORY_WRITTEN_SETTING,
                columns=SQL(", ").join(
                    SQL.identifier(column) for column in lead_columns
                ),
                insert=self._planned_for_its_size(
                    self._insert_differences(
                        [(-1, SQL("old_leads")), (1, SQL("new_leads"))]
                    )
                ),
            ),
            "crm_alignment_history_lead_delete": self._insert_differences(
                [(-1, SQL("(SELECT OLD.*)"))]
            ),
            # an SLA that fails unanswered, is answered late or goes: the
            # lead's never-followed-up count, on the lead's keys
            "crm_alignment_history_sla_change": self._nfu_difference(),
        }
        row_level = (
            "crm_alignment_history_lead_delete",
            "crm_alignment_history_sla_change",
        )
        # functions with no statement to plan
        unplanned = (*row_level, "crm_alignment_history_lead_mark")
        statement_settings = SQL(" ").join(
            SQL("SET %s = %s", SQL.identifier(name), SQL(value))
            for name, value in TRIGGER_PLANNER_SETTINGS
        )
        for name, body in functions.items():
            # a BEFORE DELETE row trigger returning NULL would cancel the delete
            returned = "OLD" if name in row_level else "NULL"
            cr.execute(
                SQL(
                    "CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql"
                    " %s AS $body$ BEGIN %s; RETURN %s; END $body$",
                    SQL.identifier(name),
                    SQL() if name in unplanned else statement_settings,
                    body,
                    SQL(returned),
                )
            )
        nfu_old = SQL(NEVER_FOLLOWED_UP % {"s": "OLD"})
        nfu_new = SQL(NEVER_FOLLOWED_UP % {"s": "NEW"})
        triggers = [
            (
                "crm_lead",
                "crm_alignment_history_insert",
                SQL(
                    "AFTER INSERT ON crm_lead REFERENCING NEW TABLE AS new_leads"
                    " FOR EACH STATEMENT"
                ),
                "crm_alignment_history_lead_insert",
            ),
            (
                "crm_lead",
                "crm_alignment_history_mark",
                SQL(
                    "BEFORE UPDATE OF %s ON crm_lead FOR EACH STATEMENT",
                    SQL(", ").join(
                        SQL.identifier(column) for column in lead_columns[1:]
                    ),
                ),
                "crm_alignment_history_lead_mark",
            ),
            (
                "crm_lead",
                "crm_alignment_history_update",
                SQL(
                    "AFTER UPDATE ON crm_lead REFERENCING OLD TABLE AS old_leads"
                    " NEW TABLE AS new_leads FOR EACH STATEMENT"
                ),
                "crm_alignment_history_lead_update",
            ),
            (
                "crm_lead",
                "crm_alignment_history_delete",
                SQL("BEFORE DELETE ON crm_lead FOR EACH ROW"),
                "crm_alignment_history_lead_delete",
            ),
            (
                "crm_lead_sla",
                "crm_alignment_history_sla_update",
                SQL(
                    "AFTER UPDATE OF state, reached_date ON crm_lead_sla FOR EACH ROW"
                    " WHEN (%s IS DISTINCT FROM %s)",
                    nfu_old,
                    nfu_new,
                ),
                "crm_alignment_history_sla_change",
            ),
            (
                "crm_lead_sla",
                "crm_alignment_history_sla_delete",
                SQL("BEFORE DELETE ON crm_lead_sla FOR EACH ROW WHEN (%s)", nfu_old),
                "crm_alignment_history_sla_change",
            ),
        ]
        for table, name, when, function in triggers:
            cr.execute(
                SQL(
                    "DROP TRIGGER IF EXISTS %s ON %s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                )
            )
            cr.execute(
                SQL(
                    "CREATE TRIGGER %s %s EXECUTE FUNCTION %s()",
                    SQL.identifier(name),
                    when,
                    SQL.identifier(function),
                )
            )

    def _planned_for_its_size(self, insert):
        """``insert`` for a statement's ``new_leads``: PL/pgSQL plans a
        statement at its first call in a session and keeps the plan, made
        for that call's rows (transition tables have no statistics) and
        the tables' sizes then. Left to the planner, a plan made for one
        lead while crm_lead_sla was empty (after install) scanned the SLAs
        once per lead of every later statement: 10,000 hand-offs in one
        transaction slowed down batch after batch. The functions' planner
        settings (TRIGGER_PLANNER_SETTINGS) leave the cached plan one
        choice, an index lookup per lead, right for the ORM's statements of
        up to 100 leads at any table size; planning each of them again cost
        5-6 ms a statement, half of a hand-off's UPDATE. A statement larger
        than the ORM's (SQL, a bulk import) is planned for its own size."""
        cr = self.env.cr
        return SQL(
            "IF (SELECT count(*) FROM new_leads) < %s THEN %s;"
            " ELSE EXECUTE %s; END IF",
            PLANNED_PER_STATEMENT_FROM,
            insert,
            cr.mogrify(insert.code, insert.params).decode(),
        )

    def _lead_columns(self):
        """The lead's columns the report's rows read (``l.<column>`` in its
        one definition), the id first."""
        code = (
            self.env["crm.alignment.pipeline.report"]._lead_rows(SQL("crm_lead")).code
        )
        return ["id", *sorted(set(re.findall(r'\bl\."?(\w+)', code)) - {"id"})]

    def _nfu_difference(self):
        """The never-followed-up difference an SLA's change makes to the
        leads it is the current SLA of (a deleted SLA: NEW is null)."""
        report = self.env["crm.alignment.pipeline.report"]
        key_columns = []
        for key in HISTORY_KEYS:
            if key in HISTORY_DAY_KEYS:
                key_columns.append(SQL("date_trunc('day', r.%s)", SQL.identifier(key)))
            else:
                key_columns.append(SQL("r.%s", SQL.identifier(key)))
        zeros = [
            SQL("0")
            if measure != "never_followed_up_count"
            else SQL(
                "(CASE WHEN TG_OP = 'UPDATE' AND %s THEN 1 ELSE 0 END"
                " - CASE WHEN %s THEN 1 ELSE 0 END)",
                SQL(NEVER_FOLLOWED_UP % {"s": "NEW"}),
                SQL(NEVER_FOLLOWED_UP % {"s": "OLD"}),
            )
            for measure in HISTORY_MEASURES
        ]
        return SQL(
            """INSERT INTO %(table)s (%(keys)s, compacted, %(measures)s)
               SELECT %(key_columns)s, FALSE, %(values)s
                 FROM (%(rows)s) r""",
            table=SQL.identifier(self._table),
            keys=SQL(", ").join(SQL.identifier(key) for key in HISTORY_KEYS),
            measures=SQL(", ").join(SQL.identifier(m) for m in HISTORY_MEASURES),
            key_columns=SQL(", ").join(key_columns),
            values=SQL(", ").join(zeros),
            rows=report._lead_rows(
                SQL("(SELECT * FROM crm_lead WHERE sla_id = OLD.id)")
            ),
        )

    # ------------------------------------------------------------
    # MAINTENANCE
    # ------------------------------------------------------------

    @api.model
    def _rebuild(self):
        """The history from scratch, from the leads as they are."""
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(self._table)))
        self.env.cr.execute(self._insert_differences([(1, SQL("crm_lead"))]))
        self._compact()

    @api.model
    def _compact(self):
        """Fold the differences appended since the last run into one row
        per key (rows the running transactions append stay for the next
        run); drop keys left at zero."""
        table = SQL.identifier(self._table)
        keys = SQL(", ").join(SQL.identifier(key) for key in HISTORY_KEYS)
        measures = SQL(", ").join(SQL.identifier(m) for m in HISTORY_MEASURES)
        self.env.cr.execute(
            SQL(
                """WITH moved AS (DELETE FROM %(table)s WHERE NOT compacted
                                  RETURNING *)
                   INSERT INTO %(table)s (%(keys)s, compacted, %(measures)s)
                   SELECT %(keys)s, TRUE, %(sums)s FROM moved GROUP BY %(keys)s
                   ON CONFLICT (%(keys)s) WHERE compacted DO UPDATE SET %(add)s""",
                table=table,
                keys=keys,
                measures=measures,
                sums=SQL(", ").join(
                    SQL("sum(%s)", SQL.identifier(m)) for m in HISTORY_MEASURES
                ),
                add=SQL(", ").join(
                    SQL(
                        "%s = %s.%s + EXCLUDED.%s",
                        SQL.identifier(m),
                        table,
                        SQL.identifier(m),
                        SQL.identifier(m),
                    )
                    for m in HISTORY_MEASURES
                ),
            )
        )
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE compacted AND %s",
                table,
                SQL(" AND ").join(
                    SQL("%s = 0", SQL.identifier(m)) for m in HISTORY_MEASURES
                ),
            )
        )

    @api.model
    def _cron_compact(self):
        self._compact()
