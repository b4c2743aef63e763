from datetime import datetime, time

from odoo import api, models, tools
from odoo.tools import SQL

# key: (label, side, unit, higher is better)
GOAL_KPIS = {
    "sales_ready_delivered": (
        "Sales-ready leads delivered",
        "marketing",
        "count",
        True,
    ),
    "sourced_pipeline": ("Marketing-sourced pipeline", "marketing", "amount", True),
    "sourced_won_revenue": (
        "Marketing-sourced won revenue",
        "marketing",
        "amount",
        True,
    ),
    "sourced_share": (
        "Marketing-sourced share of pipeline (%)",
        "marketing",
        "percent",
        True,
    ),
    "followed_within_sla": (
        "Hand-offs followed up within SLA (%)",
        "sales",
        "percent",
        True,
    ),
    "acceptance_rate": ("Hand-offs accepted (%)", "sales", "percent", True),
    "median_followup_hours": (
        "Median first follow-up (working hours)",
        "sales",
        "hours",
        False,
    ),
    "requalified_leads": (
        "Re-qualified leads (back to sales from nurture)",
        "marketing",
        "count",
        True,
    ),
    "sales_sourced_won_revenue": (
        "Won revenue from marketing-sourced leads",
        "sales",
        "amount",
        True,
    ),
}
# Quantity goals are shown beside the quality of what was delivered.
QUANTITY_KPIS = ("sales_ready_delivered", "sourced_pipeline")
# The funnel, defined once: each step, the pipeline report's column counting
# the leads that reached it, the lead's journey date stamping it, and the
# field holding the working hours from the step before. The report, the
# journey stamps, the dashboard's figures and drill-downs derive from it.
FUNNEL = (
    ("created", "created_count", "create_date", None),
    ("sales_ready", "sales_ready_count", "sales_ready_date", "hours_to_sales_ready"),
    ("handed_off", "handed_off_count", "first_handoff_date", "hours_to_handoff"),
    ("accepted", "accepted_count", "accepted_date", "hours_to_accept"),
    ("opportunity", "opportunity_count", "date_conversion", "hours_to_opportunity"),
    ("won", "won_count", "won_date", "hours_to_won"),
)
# crm's own meaning of won
WON = [("active", "=", True), ("probability", "=", 100)]
# What shows a lead reached a step itself, as SQL over the lead ``l`` and its
# won status ``st`` (the pipeline report) and as a domain (the drill-downs):
# a journey date, except that an opportunity counts whether converted or
# created as one, and that won means won now (crm's meaning).
FUNNEL_REACHED = {
    "created": ("TRUE", []),
    "sales_ready": (
        "l.sales_ready_date IS NOT NULL",
        [("sales_ready_date", "!=", False)],
    ),
    "handed_off": (
        "l.first_handoff_date IS NOT NULL",
        [("first_handoff_date", "!=", False)],
    ),
    "accepted": ("l.accepted_date IS NOT NULL", [("accepted_date", "!=", False)]),
    "opportunity": (
        "(l.type = 'opportunity' OR l.date_conversion IS NOT NULL)",
        ["|", ("type", "=", "opportunity"), ("date_conversion", "!=", False)],
    ),
    "won": ("st.won_status = 'won'", WON),
}
# the lead columns a figure is scoped by (company), ruled by (company,
# salesperson) or split by (team, salesperson, source, medium, campaign)
FIGURE_KEYS = (
    "company_id",
    "team_id",
    "user_id",
    "source_id",
    "medium_id",
    "campaign_id",
)
# (step, count column, hours field): what the scoreboard sums
FUNNEL_STEPS = tuple((step, column, hours) for step, column, _date, hours in FUNNEL)
# The funnel's medians read every duration of the cohort (an exact median
# needs each value): a covering index on the leads that reached a step lets
# PostgreSQL read them from the index alone (an index-only scan, once vacuum
# has marked the pages visible) instead of crm_lead's wide rows. It holds the
# columns the medians query reads: the cohort's date, the scope and crm's
# record rules (company, team, salesperson), the splits, won or not, the
# durations. A lead still at its first step is not in it.
JOURNEY_HOURS_INCLUDE = (
    *FIGURE_KEYS,
    "active",
    "probability",
    *(hours for _step, _column, _date, hours in FUNNEL[1:]),
)


def journey_hours_reached(table):
    """The leads with a duration: the index's predicate, which the medians
    query repeats word for word so that PostgreSQL may use the index."""
    return SQL(
        "(%s)",
        SQL(" OR ").join(
            SQL("%s.%s IS NOT NULL", table, SQL.identifier(hours))
            for _step, _column, _date, hours in FUNNEL[1:]
        ),
    )


# Speed to lead, defined once: the buckets of the first follow-up after a
# hand-off (the speed report's column; the dashboard shows all but the
# hand-offs still waiting)
SPEED_BUCKETS = [
    ("within_1h", "Within 1 hour"),
    ("1_24h", "1 to 24 hours"),
    ("over_24h", "Over 24 hours"),
    ("never", "Never"),
    ("waiting", "Not yet"),
]
# the followed-up buckets' upper bounds in working hours (inclusive); a
# follow-up past the last bound is "over_24h"
SPEED_BUCKET_HOURS = (("within_1h", 1), ("1_24h", 24))
FUNNEL_OUTCOMES = ("recycled", "lost", "never_followed_up")
PIPELINE_COLUMNS = (
    "pipeline_revenue",
    "weighted_pipeline_revenue",
    "sourced_pipeline_revenue",
    "sourced_weighted_pipeline_revenue",
)
HISTORY = "crm.alignment.pipeline.history"
# crm's rules on leads, as crm defines them (blanks removed): the funnel's
# history mirrors them (security/crm_alignment_security.xml)
STANDARD_LEAD_RULES = {
    "crm.crm_rule_personal_lead": "['|',('user_id','=',user.id),('user_id','=',False)]",
    "crm.crm_lead_company_rule": "[('company_id','in',company_ids+[False])]",
    "crm.crm_rule_all_lead": "[(1,'=',1)]",
}
# The seed's benchmark of marketing's share of the forecasted pipeline.
SOURCED_SHARE_BANDS = (("laggard", 13.0), ("average", 22.0), ("best_in_class", 40.0))


def _percentile(histogram, fraction):
    """percentile_cont over [(value, count)]: the same interpolation as
    PostgreSQL's, without expanding the histogram."""
    histogram = sorted(histogram)
    total = sum(count for _value, count in histogram)
    position = fraction * (total - 1)
    lower, upper = int(position), min(int(position) + 1, total - 1)
    seen, low_value, high_value = 0, None, None
    for value, count in histogram:
        if low_value is None and lower < seen + count:
            low_value = value
        if upper < seen + count:
            high_value = value
            break
        seen += count
    return low_value + (high_value - low_value) * (position - lower)


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


class CrmAlignmentScoreboard(models.AbstractModel):
    """The figures both teams are measured on, computed as the current user
    (record rules apply: each query runs over the ids ``_search`` allows),
    set-based: one SQL statement per figure family, whatever the volume.

    ``scope``: {"date_from": date, "date_to": date (inclusive),
    "team_ids": [..] or None (all), "company_ids": [..] or None (allowed)}.
    """

    _name = "crm.alignment.scoreboard"
    _description = "Alignment Scoreboard"

    # ------------------------------------------------------------
    # DOMAINS (also the drill-downs: a figure and its records agree)
    # ------------------------------------------------------------

    @api.model
    def _scope_bounds(self, scope):
        start = datetime.combine(scope["date_from"], time.min)
        end = datetime.combine(scope["date_to"], time.max)
        return start, end

    @api.model
    def _scope_domain(self, scope, date_field, team_field="team_id"):
        start, end = self._scope_bounds(scope)
        domain = [(date_field, ">=", start), (date_field, "<=", end)]
        if scope.get("team_ids") is not None:
            domain.append((team_field, "in", list(scope["team_ids"])))
        if scope.get("company_ids"):
            # leads without a company belong to every company (crm's rule)
            domain.append(("company_id", "in", [*scope["company_ids"], False]))
        return domain

    @api.model
    def _cohort_domain(self, scope):
        """Leads created in the period (the funnel's cohort)."""
        return self._scope_domain(scope, "create_date")

    @api.model
    def _delivery_domain(self, scope):
        """Hand-offs to sales in the period."""
        return [("direction", "=", "to_sales"), *self._scope_domain(scope, "date")]

    @api.model
    def _won_domain(self, scope):
        # won in the period by the addon's own stamp (date_closed is editable)
        return [("won_status", "=", "won"), *self._scope_domain(scope, "won_date")]

    @api.model
    def _speed_domain(self, scope):
        """Follow-up SLAs started in the period."""
        return self._scope_domain(scope, "start_date")

    # ------------------------------------------------------------
    # QUERIES
    # ------------------------------------------------------------

    @api.model
    def _lead_rules_are_crms(self):
        """The current user's rules on leads are crm's own, unchanged: the
        funnel's history (which mirrors them) counts what the user may read."""
        return self.env.su or self._lead_rules_are_crms_for_user()

    @api.model
    @tools.ormcache("self.env.uid")
    def _lead_rules_are_crms_for_user(self):
        # cached as Odoo caches a user's rule domains: a change to a rule or
        # to the user's groups clears it
        # the user's own rules (the ids come from the server), read as such
        rules = self.env["ir.rule"]._get_rules("crm.lead", mode="read").sudo()
        if not rules:
            return True
        standard = {
            rule_id: STANDARD_LEAD_RULES[f"{module}.{name}"]
            for rule_id, module, name in self.env.execute_query(
                SQL(
                    "SELECT res_id, module, name FROM ir_model_data"
                    " WHERE model = 'ir.rule' AND res_id IN %s",
                    tuple(rules.ids),
                )
            )
            if f"{module}.{name}" in STANDARD_LEAD_RULES
        }
        return all(
            rule.id in standard
            and "".join(rule.domain_force.split()) == standard[rule.id]
            for rule in rules
        )

    @api.model
    def _pipeline(self, domain):
        """(model, domain) the funnel's sums are read from: the pre-aggregated
        history where the user's lead rules are crm's, else the report, one
        row per lead, over the leads those rules let the user read."""
        if self._lead_rules_are_crms():
            return HISTORY, domain
        leads = self.env["crm.lead"].with_context(active_test=False)._search([])
        return "crm.alignment.pipeline.report", [*domain, ("lead_id", "in", leads)]

    @api.model
    def _pipeline_groups(self, domain, groupby, aggregates):
        """``_read_group`` over the funnel's sums (see ``_pipeline``)."""
        model, domain = self._pipeline(domain)
        # a history key whose changes cancelled out holds no lead: no group
        having = [("created_count:sum", "!=", 0)] if model == HISTORY else []
        return self.env[model]._read_group(domain, groupby, aggregates, having=having)

    @api.model
    def _aggregate(self, model, domain, columns, group_by=None, joins=()):
        """Run ``SELECT columns`` over the records of ``model`` the user may
        read that match ``domain``; ``columns`` use ``T.`` for the table.

        :param joins: (alias, table SQL text, condition using ``T.``): LEFT
            JOINs whose columns the ``columns`` may read
        :returns: list of tuples (one row without ``group_by``)
        """
        # the views read crm's tables: what this transaction wrote counts
        self.env.flush_all()
        query = self.env[model].with_context(active_test=False)._search(domain)
        alias = SQL.identifier(query.table)

        def expr(text):
            return SQL(text.replace("T.", "%(t)s."), t=alias)

        for join_alias, table, condition in joins:
            query.add_join("LEFT JOIN", join_alias, SQL(table), expr(condition))

        select = [expr(column) for column in columns]
        # a history key whose changes cancelled out holds no lead: no group
        holds_leads = (
            expr("sum(T.created_count) <> 0") if model == HISTORY else SQL("TRUE")
        )
        if isinstance(group_by, tuple):
            # several groupings in one scan: (grouping ids, key columns...)
            keys = [expr(key) for key in group_by]
            grouping = SQL("GROUPING(%s)", SQL(", ").join(keys))
            select = [grouping, *keys, *select]
            sql = SQL(
                "%s GROUP BY GROUPING SETS ((), %s) HAVING %s = %s OR %s",
                query.select(*select),
                SQL(", ").join(SQL("(%s)", key) for key in keys),
                grouping,
                2 ** len(keys) - 1,
                holds_leads,
            )
        elif group_by:
            sql = SQL(
                "%s GROUP BY 1 HAVING %s",
                query.select(expr(group_by), *select),
                holds_leads,
            )
        else:
            sql = query.select(*select)
        return self.env.execute_query(sql)

    @api.model
    def _funnel(self, scope, group_by=None):
        """The cohort's waterfall: count per step, conversion from the step
        before, median working hours from the step before; and outcomes.

        :param group_by: a column (``"T.source_id"``): [(key, figures)]; a
            tuple of columns: {None: totals with medians, (index, key):
            figures without medians}, all from one scan (grouping sets)
        """
        columns = [f"sum(T.{column})" for _step, column, _h in FUNNEL_STEPS]
        columns += [f"sum(T.{outcome}_count)" for outcome in FUNNEL_OUTCOMES]
        columns += [f"sum(T.{column})" for column in PIPELINE_COLUMNS]
        domain = self._cohort_domain(scope)
        rows = self._aggregate(*self._pipeline(domain), columns, group_by=group_by)
        sets = isinstance(group_by, tuple)
        medians = self._step_medians(domain, None if sets else group_by)
        if sets:
            result = {}
            for grouping, *row in rows:
                keys, row = row[: len(group_by)], row[len(group_by) :]
                if grouping == 2 ** len(group_by) - 1:
                    result[None] = self._funnel_figures(row, medians, None)
                    continue
                for index, key in enumerate(keys):
                    if not grouping & (1 << (len(group_by) - 1 - index)):
                        result[(index, key)] = self._funnel_figures(row, {}, key)
            return result
        if not group_by:
            return self._funnel_figures(rows[0], medians, None)
        return [
            (row[0], self._funnel_figures(row[1:], medians, row[0])) for row in rows
        ]

    @api.model
    def _funnel_figures(self, row, medians, key):
        counts = [int(value or 0) for value in row[: len(FUNNEL_STEPS)]]
        outcomes = row[len(FUNNEL_STEPS) : len(FUNNEL_STEPS) + 3]
        pipeline = row[len(FUNNEL_STEPS) + 3 :]
        steps = [
            {
                "step": step,
                "count": counts[index],
                "conversion": _rate(counts[index], counts[index - 1])
                if index
                else 100.0,
                "median_hours": round(medians.get((key, index), 0.0), 1),
            }
            for index, (step, _column, _hours) in enumerate(FUNNEL_STEPS)
        ]
        return {
            "steps": steps,
            "pipeline": [value or 0.0 for value in pipeline],
            **{
                outcome: int(value or 0)
                for outcome, value in zip(FUNNEL_OUTCOMES, outcomes, strict=True)
            },
        }

    @api.model
    def _step_medians(self, domain, group_by=None):
        """{(group key, step index): median working hours from the step
        before}, exact (PostgreSQL's percentile_cont interpolation), from
        histograms of the durations stored on the leads (two decimals: few
        distinct values). One scan of the leads the user may read, counted
        per step by grouping sets (five ordered-set aggregates would sort
        the cohort five times instead). An exact median needs every value:
        this one figure is not read from the history."""
        self.env.flush_all()
        query = self.env["crm.lead"].with_context(active_test=False)._search(domain)
        alias = SQL.identifier(query.table)
        key = (
            SQL(group_by.replace("T.", "%(t)s."), t=alias) if group_by else SQL("NULL")
        )
        columns = [
            SQL("%s.%s", alias, SQL.identifier(hours))
            for _step, _count, hours in FUNNEL_STEPS[1:]
        ]
        # a closing counts as a step only when won (crm's meaning)
        columns[-1] = SQL(
            "CASE WHEN %(t)s.active AND %(t)s.probability = 100 THEN %(h)s END",
            t=alias,
            h=columns[-1],
        )
        steps = len(columns)
        # a lead that reached no step after its creation has no duration (in
        # the words of the covering index's predicate, so that it is used)
        query.add_where(journey_hours_reached(alias))
        rows = self.env.execute_query(
            SQL(
                "%s GROUP BY GROUPING SETS (%s)",
                query.select(
                    SQL("GROUPING(%s)", SQL(", ").join(columns)),
                    SQL("%s", key),
                    *columns,
                    SQL("count(*)"),
                ),
                # positions: 2 is the key, 3.. the steps' hours
                SQL(", ").join(
                    SQL("(2, %s)", SQL(str(3 + index))) for index in range(steps)
                ),
            )
        )
        histograms = {}
        for grouping, group, *values in rows:
            count = values.pop()
            # the one step of this set is the one not grouped out
            index = next(
                index
                for index in range(steps)
                if not grouping & (1 << (steps - 1 - index))
            )
            if values[index] is not None:
                histograms.setdefault((group, index + 1), []).append(
                    (values[index], count)
                )
        return {
            group_step: _percentile(histogram, 0.5)
            for group_step, histogram in histograms.items()
        }

    @api.model
    def _sourced_share(self, scope, funnel=None):
        """Marketing's share of the open pipeline (cohort) and of the revenue
        won in the period. ``funnel``: the cohort's figures when already
        read (they carry the pipeline's sums)."""
        if funnel:
            pipeline, weighted, sourced, sourced_weighted = funnel["pipeline"]
        else:
            pipeline, weighted, sourced, sourced_weighted = self._aggregate(
                *self._pipeline(self._cohort_domain(scope)),
                [f"sum(T.{column})" for column in PIPELINE_COLUMNS],
            )[0]
        won, sourced_won = self._aggregate(
            *self._pipeline(self._won_domain(scope)),
            ["sum(T.won_revenue)", "sum(T.sourced_won_revenue)"],
        )[0]
        return {
            "pipeline": pipeline or 0.0,
            "weighted_pipeline": weighted or 0.0,
            "sourced_pipeline": sourced or 0.0,
            "sourced_weighted_pipeline": sourced_weighted or 0.0,
            "won_revenue": won or 0.0,
            "sourced_won_revenue": sourced_won or 0.0,
            "pipeline_share": _rate(sourced or 0.0, pipeline or 0.0),
            "weighted_share": _rate(sourced_weighted or 0.0, weighted or 0.0),
            "won_share": _rate(sourced_won or 0.0, won or 0.0),
        }

    @api.model
    def _speed_to_lead(self, scope, group_by=None):
        """Buckets of the first follow-up after each hand-off, with the
        median and 90th percentile in working hours and the SLA rate.

        The percentiles are exact (PostgreSQL's interpolation) over
        histograms of the follow-up hours, read with the counts in one scan:
        ordered-set aggregates would sort the hand-offs once per grouping.

        :param group_by: a column: [(key, figures)]; a tuple of columns:
            {None: totals, (index, key): figures of key in group_by[index]}
        """
        self.env.flush_all()
        query = (
            self.env["crm.alignment.speed.report"]
            .with_context(active_test=False)
            ._search(self._speed_domain(scope))
        )
        alias = SQL.identifier(query.table)

        def expr(text):
            return SQL(text.replace("T.", "%(t)s."), t=alias)

        sets = isinstance(group_by, tuple)
        keys = [
            expr(key) for key in (group_by if sets else [group_by] if group_by else [])
        ]
        # one row per keys and follow-up hours (a plain GROUP BY: grouping
        # sets would sort the hand-offs once per set), folded here
        rows = self.env.execute_query(
            SQL(
                "%s GROUP BY %s",
                query.select(
                    *keys,
                    expr("T.followup_hours"),
                    SQL("count(*)"),
                    *(
                        SQL("count(*) FILTER (WHERE %s.bucket = %s)", alias, bucket)
                        for bucket, _label in SPEED_BUCKETS
                    ),
                    expr("COALESCE(sum(T.within_sla_rate), 0)"),
                    expr("count(T.within_sla_rate)"),
                ),
                SQL(", ".join(str(position) for position in range(1, len(keys) + 2))),
            )
        )
        groups = {}
        for row in rows:
            values, (value, *counts) = row[: len(keys)], row[len(keys) :]
            if sets:
                targets = [None, *enumerate(values)]
            else:
                targets = [values[0] if keys else None]
            for group in targets:
                total = groups.setdefault(group, [[0] * len(counts), []])
                total[0] = [a + b for a, b in zip(total[0], counts, strict=True)]
                if value is not None:
                    total[1].append((value, counts[0]))
        figures = {
            group: self._speed_figures(counts, histogram)
            for group, (counts, histogram) in groups.items()
        }
        empty = self._speed_figures([0] * (len(SPEED_BUCKETS) + 3), [])
        if sets:
            figures.setdefault(None, empty)
            return figures
        if group_by:
            return list(figures.items())
        return figures.get(None, empty)

    @api.model
    def _speed_trend(self, scope):
        """Speed to lead per week of the period (weeks start on Monday):
        [(monday, figures)], one scan."""
        rows = self._speed_to_lead(
            scope, group_by="date_trunc('week', T.start_date)::date"
        )
        return sorted(rows)

    @api.model
    def _share_trend(self, scope):
        """Marketing's share of the cohort's open pipeline per month of
        creation: [(first day, pipeline, sourced pipeline, share)]."""
        rows = self._aggregate(
            *self._pipeline(self._cohort_domain(scope)),
            ["sum(T.pipeline_revenue)", "sum(T.sourced_pipeline_revenue)"],
            group_by="date_trunc('month', T.create_date)::date",
        )
        return sorted(
            (
                month,
                pipeline or 0.0,
                sourced or 0.0,
                _rate(sourced or 0.0, pipeline or 0.0),
            )
            for month, pipeline, sourced in rows
        )

    @api.model
    def _speed_figures(self, counts, histogram):
        """``counts``: hand-offs, one count per bucket, the sum and count of
        the SLA rates; ``histogram``: [(follow-up hours, count)]."""
        total, *buckets, sla_sum, sla_count = counts
        return {
            "handoffs": total,
            **{
                bucket: count
                for (bucket, _label), count in zip(SPEED_BUCKETS, buckets, strict=True)
            },
            "p50": round(_percentile(histogram, 0.5), 1) if histogram else 0.0,
            "p90": round(_percentile(histogram, 0.9), 1) if histogram else 0.0,
            "within_sla": round(sla_sum / sla_count, 1) if sla_count else 0.0,
        }

    @api.model
    def _deliveries(self, scope):
        """Leads handed off to sales in the period (each lead once) and the
        quality of what was delivered: accepted, recycled, won."""
        (delivered, accepted, recycled, won, handoffs, handoffs_accepted) = (
            self._aggregate(
                "crm.lead.handoff",
                self._delivery_domain(scope),
                [
                    "count(DISTINCT T.lead_id)",
                    "count(DISTINCT T.lead_id) FILTER "
                    "(WHERE T.accepted_date IS NOT NULL)",
                    "count(DISTINCT T.lead_id) FILTER (WHERE EXISTS ("
                    "SELECT 1 FROM crm_lead_handoff back"
                    " WHERE back.lead_id = T.lead_id"
                    " AND back.direction = 'to_marketing' AND back.date >= T.date))",
                    "count(DISTINCT T.lead_id) FILTER (WHERE EXISTS ("
                    "SELECT 1 FROM crm_lead won WHERE won.id = T.lead_id"
                    " AND won.active AND won.probability = 100))",
                    "count(*)",
                    "count(*) FILTER (WHERE T.accepted_date IS NOT NULL)",
                ],
            )[0]
        )
        return {
            "delivered": delivered,
            "acceptance_rate": _rate(accepted, delivered),
            "recycle_rate": _rate(recycled, delivered),
            "won_rate": _rate(won, delivered),
            "handoffs": handoffs,
            "handoff_acceptance_rate": _rate(handoffs_accepted, handoffs),
        }

    @api.model
    def _nurture_domain(self, scope, date_field):
        """Nurture enrolments by one of their dates in the period (their
        team and company are their lead's)."""
        start, end = self._scope_bounds(scope)
        domain = [(date_field, ">=", start), (date_field, "<=", end)]
        if scope.get("team_ids") is not None:
            domain.append(("lead_id.team_id", "in", list(scope["team_ids"])))
        if scope.get("company_ids"):
            domain.append(("lead_id.company_id", "in", [*scope["company_ids"], False]))
        return domain

    @api.model
    def _requalified_domain(self, scope):
        """Leads that nurturing brought back to sales in the period: the
        dashboard's figure, its drill-down and the goal measure."""
        return [
            ("state", "=", "requalified"),
            *self._nurture_domain(scope, "ended_date"),
        ]

    @api.model
    def _nurture(self, scope):
        """Per program, of the leads enrolled in the period: still running,
        steps done, e-mails opened / clicked / replied, back to sales, then
        accepted and won, median days in nurture, ended cold.

        :returns: {program id or None (all): figures}, one grouped scan"""
        # each enrolment's touches counted once, in one grouped scan joined
        # to the enrolments (a subquery per enrolment and figure would run
        # five index lookups per enrolment)
        touches = (
            "(SELECT touch.enrolment_id, count(*) AS steps,"
            " count(trace.id) AS sent,"
            " count(*) FILTER (WHERE trace.trace_status IN ('open', 'reply'))"
            " AS opened,"
            " count(*) FILTER (WHERE trace.links_click_datetime IS NOT NULL)"
            " AS clicked,"
            " count(*) FILTER (WHERE trace.trace_status = 'reply') AS replied"
            " FROM crm_nurture_touch touch"
            " LEFT JOIN mailing_trace trace ON trace.id = touch.mailing_trace_id"
            " WHERE touch.outcome = 'done' GROUP BY touch.enrolment_id)"
        )
        after = (
            "count(*) FILTER (WHERE T.state = 'requalified' AND EXISTS ("
            "SELECT 1 FROM {table} WHERE {condition}))"
        )
        rows = self._aggregate(
            "crm.nurture.enrolment",
            self._nurture_domain(scope, "enrolled_date"),
            [
                "count(*)",
                "count(*) FILTER (WHERE T.state IN ('active', 'paused'))",
                "sum(touches.steps)",
                "sum(touches.sent)",
                "sum(touches.opened)",
                "sum(touches.clicked)",
                "sum(touches.replied)",
                "count(*) FILTER (WHERE T.state = 'requalified')",
                after.format(
                    table="crm_lead_handoff h",
                    condition="h.lead_id = T.lead_id AND h.direction = 'to_sales'"
                    " AND h.accepted_date >= T.ended_date",
                ),
                after.format(
                    table="crm_lead won",
                    # WON, in SQL
                    condition="won.id = T.lead_id AND won.active"
                    " AND won.probability = 100 AND won.won_date >= T.ended_date",
                ),
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
                " (T.ended_date - T.enrolled_date)) / 86400.0)"
                " FILTER (WHERE T.ended_date IS NOT NULL)",
                "count(*) FILTER (WHERE T.state = 'done')",
            ],
            group_by=("T.program_id",),
            joins=[("touches", touches, "touches.enrolment_id = T.id")],
        )
        result = {}
        for grouping, program_id, *figures in rows:
            (enrolled, running, steps, sent, opened, clicked, replied, back) = (
                int(value or 0) for value in figures[:8]
            )
            accepted, won, median_days, cold = figures[8:]
            result[None if grouping else program_id] = {
                "enrolled": enrolled,
                "running": running,
                "steps": steps,
                "sent": sent,
                "open_rate": _rate(opened, sent),
                "click_rate": _rate(clicked, sent),
                "reply_rate": _rate(replied, sent),
                "requalified": back,
                "accepted": accepted,
                "won": won,
                "median_days": round(median_days or 0.0, 1),
                "cold": cold,
            }
        return result

    @api.model
    def _goal_actuals(self, scope):
        """{kpi: actual} for the goal lines of one scope."""
        deliveries = self._deliveries(scope)
        share = self._sourced_share(scope)
        speed = self._speed_to_lead(scope)
        return {
            "sales_ready_delivered": deliveries["delivered"],
            "sourced_pipeline": share["sourced_pipeline"],
            "sourced_won_revenue": share["sourced_won_revenue"],
            "sales_sourced_won_revenue": share["sourced_won_revenue"],
            "sourced_share": share["pipeline_share"],
            "followed_within_sla": speed["within_sla"],
            "acceptance_rate": deliveries["handoff_acceptance_rate"],
            "median_followup_hours": speed["p50"],
            "requalified_leads": self.env["crm.nurture.enrolment"].search_count(
                self._requalified_domain(scope)
            ),
            "_quality": deliveries,
        }
