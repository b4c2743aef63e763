from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import date_utils

from .crm_alignment_scoreboard import (
    FUNNEL,
    FUNNEL_REACHED,
    SOURCED_SHARE_BANDS,
    SPEED_BUCKETS,
    WON,
)

PERIODS = [
    ("this_month", "This Month"),
    ("last_month", "Last Month"),
    ("this_quarter", "This Quarter"),
    ("last_quarter", "Last Quarter"),
    ("this_year", "This Year"),
    ("last_12_months", "Last 12 Months"),
    ("custom", "Custom"),
]
FUNNEL_FIGURES = tuple(step for step, *_rest in FUNNEL)
SPEED_FIGURES = tuple(bucket for bucket, _label in SPEED_BUCKETS if bucket != "waiting")
# crm's own meaning of the open pipeline
OPEN_PIPELINE = [
    ("type", "=", "opportunity"),
    ("active", "=", True),
    ("probability", "<", 100),
]


def _period_bounds(period, today):
    if period == "last_month":
        start = date_utils.start_of(today, "month") - relativedelta(months=1)
        return start, date_utils.end_of(start, "month")
    if period == "this_quarter":
        return date_utils.start_of(today, "quarter"), date_utils.end_of(
            today, "quarter"
        )
    if period == "last_quarter":
        start = date_utils.start_of(today, "quarter") - relativedelta(months=3)
        return start, date_utils.end_of(start, "quarter")
    if period == "this_year":
        return date_utils.start_of(today, "year"), date_utils.end_of(today, "year")
    if period == "last_12_months":
        return today - relativedelta(years=1, days=-1), today
    return date_utils.start_of(today, "month"), date_utils.end_of(today, "month")


class CrmAlignmentDashboard(models.TransientModel):
    """The one screen both teams open: goals against actuals, the funnel,
    marketing's share, speed to lead, breaches, recycles, content and target
    accounts, for a period and a team. Every figure is computed as the user
    (record rules apply) and opens the records behind it."""

    _name = "crm.alignment.dashboard"
    _description = "Alignment Dashboard"

    period = fields.Selection(selection=PERIODS, default="this_quarter", required=True)
    date_from = fields.Date(
        string="From", compute="_compute_dates", store=True, readonly=False
    )
    date_to = fields.Date(
        string="To", compute="_compute_dates", store=True, readonly=False
    )
    team_id = fields.Many2one(
        comodel_name="crm.team",
        string="Sales Team",
        help="Empty: every team you can see.",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", default=lambda self: self.env.company.currency_id
    )
    funnel_group_by = fields.Selection(
        selection=[
            ("team_id", "Sales Team"),
            ("user_id", "Salesperson"),
            ("source_id", "Source"),
            ("medium_id", "Medium"),
            ("campaign_id", "Campaign"),
        ],
        string="Funnel By",
        help="Split the funnel: each row with its conversions and the median "
        "working hours between steps.",
    )
    funnel_group_table = fields.Json(
        string="Funnel Split", compute="_compute_funnel_group_table"
    )
    # funnel
    created_count = fields.Integer(string="Created", compute="_compute_figures")
    sales_ready_count = fields.Integer(string="Sales-Ready", compute="_compute_figures")
    handed_off_count = fields.Integer(string="Handed Off", compute="_compute_figures")
    accepted_count = fields.Integer(string="Accepted", compute="_compute_figures")
    opportunity_count = fields.Integer(string="Opportunity", compute="_compute_figures")
    won_count = fields.Integer(string="Won", compute="_compute_figures")
    recycled_count = fields.Integer(
        string="Leads Recycled",
        compute="_compute_figures",
        help="Leads of the period sent back to marketing at least once.",
    )
    lost_count = fields.Integer(string="Lost", compute="_compute_figures")
    never_followed_up_count = fields.Integer(
        string="Never Followed Up", compute="_compute_figures"
    )
    sales_ready_conversion = fields.Float(
        string="Sales-Ready from Created (%)", compute="_compute_figures"
    )
    sales_ready_median_hours = fields.Float(
        string="Median Working Hours Created to Sales-Ready",
        compute="_compute_figures",
    )
    handed_off_conversion = fields.Float(
        string="Handed Off from Sales-Ready (%)", compute="_compute_figures"
    )
    handed_off_median_hours = fields.Float(
        string="Median Working Hours Sales-Ready to Handed Off",
        compute="_compute_figures",
    )
    accepted_conversion = fields.Float(
        string="Accepted from Handed Off (%)", compute="_compute_figures"
    )
    accepted_median_hours = fields.Float(
        string="Median Working Hours Handed Off to Accepted",
        compute="_compute_figures",
    )
    opportunity_conversion = fields.Float(
        string="Opportunity from Accepted (%)", compute="_compute_figures"
    )
    opportunity_median_hours = fields.Float(
        string="Median Working Hours Accepted to Opportunity",
        compute="_compute_figures",
    )
    won_conversion = fields.Float(
        string="Won from Opportunity (%)", compute="_compute_figures"
    )
    won_median_hours = fields.Float(
        string="Median Working Hours Opportunity to Won",
        compute="_compute_figures",
    )
    funnel_table = fields.Json(string="Funnel", compute="_compute_figures")
    # marketing-sourced share
    pipeline_revenue = fields.Monetary(
        string="Open Pipeline", compute="_compute_figures"
    )
    sourced_pipeline_revenue = fields.Monetary(
        string="Marketing-Sourced Pipeline", compute="_compute_figures"
    )
    pipeline_share = fields.Float(
        string="Share of Pipeline (%)", compute="_compute_figures"
    )
    weighted_share = fields.Float(
        string="Share of Weighted Pipeline (%)", compute="_compute_figures"
    )
    won_revenue = fields.Monetary(compute="_compute_figures")
    sourced_won_revenue = fields.Monetary(
        string="Marketing-Sourced Won", compute="_compute_figures"
    )
    won_share = fields.Float(string="Share of Won (%)", compute="_compute_figures")
    share_band = fields.Selection(
        selection=[
            ("below", "Below laggards (13%)"),
            ("laggard", "Laggard (13%)"),
            ("average", "Average (22%)"),
            ("best_in_class", "Best-in-class (40%)"),
        ],
        string="Benchmark",
        compute="_compute_figures",
        help="Share of the pipeline from marketing: laggards 13%, average 22%, "
        "best-in-class 40%.",
    )
    # speed to lead
    speed_within_1h = fields.Integer(string="Within 1 Hour", compute="_compute_figures")
    speed_1_24h = fields.Integer(string="1 to 24 Hours", compute="_compute_figures")
    speed_over_24h = fields.Integer(string="Over 24 Hours", compute="_compute_figures")
    speed_never = fields.Integer(string="Never", compute="_compute_figures")
    speed_p50 = fields.Float(
        string="Median (working hours)", compute="_compute_figures"
    )
    speed_p90 = fields.Float(
        string="90th Percentile (working hours)", compute="_compute_figures"
    )
    within_sla_rate = fields.Float(
        string="Followed Up Within SLA (%)", compute="_compute_figures"
    )
    speed_table = fields.Json(string="Speed by Salesperson", compute="_compute_figures")
    speed_team_table = fields.Json(string="Speed by Team", compute="_compute_figures")
    campaigns_table = fields.Json(
        string="Campaigns: Cost and Return", compute="_compute_figures"
    )
    # the rest of the shared record
    breach_count = fields.Integer(string="SLA Breaches", compute="_compute_figures")
    recycle_count = fields.Integer(
        string="Recycle Events",
        compute="_compute_figures",
        help="Times sales sent a lead back to marketing in the period (a lead "
        "recycled twice counts twice).",
    )
    recycle_table = fields.Json(string="Recycles by Reason", compute="_compute_figures")
    content_share_count = fields.Integer(
        string="Content Shared", compute="_compute_figures"
    )
    content_won_count = fields.Integer(
        string="Won With Content",
        compute="_compute_figures",
        help="Leads won in the period that had marketing content shared with " "them.",
    )
    target_pipeline_revenue = fields.Monetary(
        string="Target-Account Pipeline", compute="_compute_figures"
    )
    sources_table = fields.Json(string="Sources That Pay", compute="_compute_figures")
    nurture_enrolled_count = fields.Integer(
        string="Enrolled in Nurture",
        compute="_compute_figures",
        help="Leads enrolled in a nurture program in the period.",
    )
    nurture_requalified_count = fields.Integer(
        string="Back to Sales From Nurture",
        compute="_compute_figures",
        help="Nurtured leads whose fit and engagement brought them back to sales "
        "in the period (the goal measure Re-qualified leads).",
    )
    nurture_table = fields.Json(string="Nurture Programs", compute="_compute_figures")
    goal_line_ids = fields.Many2many(
        comodel_name="crm.alignment.goal.line",
        string="Goals",
        compute="_compute_figures",
    )

    @api.readonly
    def onchange(self, values, field_names, fields_spec):
        # The board opens as a new record and its figures are computed by
        # this call, never saved: marked read-only, Odoo runs it on a
        # read-only cursor, i.e. on the replica where one is configured
        # (--db_replica_host).
        return super().onchange(values, field_names, fields_spec)

    def _compute_display_name(self):
        for board in self:
            board.display_name = self.env._("Alignment Dashboard")

    @api.depends("period")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        for board in self:
            if board.period != "custom" or not board.date_from:
                board.date_from, board.date_to = _period_bounds(board.period, today)

    # ------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------

    def _scope(self):
        self.ensure_one()
        if not (self.date_from and self.date_to):
            return None
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "team_ids": self.team_id.ids if self.team_id else None,
            "company_ids": self.env.companies.ids,
        }

    @api.depends("date_from", "date_to", "team_id")
    def _compute_figures(self):
        Scoreboard = self.env["crm.alignment.scoreboard"]
        # the reports are views over crm's tables: flush what was written
        self.env.flush_all()
        for board in self:
            scope = board._scope()
            if not scope:
                board._reset_figures()
                continue
            # the funnel and its split by source, from one scan
            funnel_sets = Scoreboard._funnel(scope, group_by=("T.source_id",))
            funnel = funnel_sets[None]
            counts = {step["step"]: step["count"] for step in funnel["steps"]}
            step_figures = {}
            for step in funnel["steps"][1:]:
                step_figures[f"{step['step']}_conversion"] = step["conversion"]
                step_figures[f"{step['step']}_median_hours"] = step["median_hours"]
            share = Scoreboard._sourced_share(scope, funnel=funnel)
            # totals, per salesperson and per team in one scan
            speed_sets = Scoreboard._speed_to_lead(
                scope, group_by=("T.user_id", "T.team_id")
            )
            speed = speed_sets[None]
            board.update(
                {f"{step}_count": counts[step] for step in FUNNEL_FIGURES}
                | step_figures
                | {
                    "recycled_count": funnel["recycled"],
                    "lost_count": funnel["lost"],
                    "never_followed_up_count": funnel["never_followed_up"],
                    "funnel_table": board._funnel_table(funnel),
                    "pipeline_revenue": share["pipeline"],
                    "sourced_pipeline_revenue": share["sourced_pipeline"],
                    "pipeline_share": share["pipeline_share"],
                    "weighted_share": share["weighted_share"],
                    "won_revenue": share["won_revenue"],
                    "sourced_won_revenue": share["sourced_won_revenue"],
                    "won_share": share["won_share"],
                    "share_band": _share_band(share["pipeline_share"]),
                    "speed_within_1h": speed["within_1h"],
                    "speed_1_24h": speed["1_24h"],
                    "speed_over_24h": speed["over_24h"],
                    "speed_never": speed["never"],
                    "speed_p50": speed["p50"],
                    "speed_p90": speed["p90"],
                    "within_sla_rate": speed["within_sla"],
                    "speed_table": board._speed_table(speed_sets, 0),
                    "speed_team_table": board._speed_table(speed_sets, 1),
                    "campaigns_table": board._campaigns_table(scope),
                    "breach_count": self.env["crm.lead.sla"].search_count(
                        board._drill_domain("breaches")
                    ),
                    "recycle_count": self.env["crm.lead.handoff"].search_count(
                        board._drill_domain("recycles")
                    ),
                    "recycle_table": board._recycle_table(),
                    "content_share_count": self.env[
                        "crm.marketing.content.share"
                    ].search_count(board._drill_domain("content")),
                    "content_won_count": self.env["crm.lead"]
                    .with_context(active_test=False)
                    .search_count(board._drill_domain("content_won")),
                    "target_pipeline_revenue": board._target_pipeline(),
                    "sources_table": board._sources_table(scope, funnel_sets),
                    **board._nurture_figures(scope),
                    "goal_line_ids": board._goal_lines(),
                }
            )

    @api.depends("date_from", "date_to", "team_id", "funnel_group_by")
    def _compute_funnel_group_table(self):
        """One scan for the counts and one for the medians, per split."""
        for board in self:
            scope = board._scope()
            if not scope or not board.funnel_group_by:
                board.funnel_group_table = False
                continue
            column = board.funnel_group_by
            comodel = self.env["crm.lead"]._fields[column].comodel_name
            groups = self.env["crm.alignment.scoreboard"]._funnel(
                scope, group_by=f"T.{column}"
            )
            names = self._names(comodel, [key for key, _funnel in groups])
            rows = []
            for key, funnel in groups:
                steps = funnel["steps"]
                rows.append(
                    [
                        names.get(key, self.env._("None")),
                        steps[0]["count"],
                        *(
                            f"{step['count']} ({step['conversion']:.0f} %)"
                            for step in steps[1:]
                        ),
                        " / ".join(f"{step['median_hours']:.1f}" for step in steps[1:]),
                    ]
                )
            rows.sort(key=lambda row: -row[1])
            labels = [
                self._fields[f"{step}_count"].get_description(self.env)["string"]
                for step in FUNNEL_FIGURES
            ]
            # a step's cell reads "count (conversion from the previous step)"
            board.funnel_group_table = self._table_data(
                [
                    (dict(self._fields["funnel_group_by"].selection)[column], "char"),
                    (labels[0], "integer"),
                    *((label, "char") for label in labels[1:]),
                    (self.env._("Median working hours between steps"), "char"),
                ],
                rows,
            )

    def _names(self, model, ids):
        """{id: display name} of the given ids, read in one go."""
        records = self.env[model].browse([key for key in ids if key])
        return dict(zip(records.ids, records.mapped("display_name"), strict=True))

    def _reset_figures(self):
        for name, field in self._fields.items():
            if field.compute == "_compute_figures":
                self[name] = False

    def _goal_lines(self):
        domain = [
            ("goal_id.date_start", "<=", self.date_to),
            ("goal_id.date_end", ">=", self.date_from),
            ("goal_id.company_id", "in", self.env.companies.ids),
        ]
        if self.team_id:
            domain.append(("goal_id.team_id", "in", [self.team_id.id, False]))
        return self.env["crm.alignment.goal.line"].search(domain)

    def _target_pipeline(self):
        rows = self.env["crm.lead"]._read_group(
            self._drill_domain("target_pipeline"), [], ["expected_revenue:sum"]
        )
        return rows[0][0] or 0.0

    def _table_data(self, columns, rows):
        """A table as data, drawn by the alignment_table widget: columns are
        (label, type) with type char, integer, float, monetary (the company
        currency) or percentage (0-100)."""
        return {
            "columns": [{"label": label, "type": kind} for label, kind in columns],
            "rows": [list(row) for row in rows],
            "currency_id": self.env.company.currency_id.id,
            "empty": self.env._("Nothing in this period."),
        }

    def _funnel_table(self, funnel):
        labels = {
            step: self._fields[f"{step}_count"].get_description(self.env)["string"]
            for step in FUNNEL_FIGURES
        }
        rows = [
            (
                labels[step["step"]],
                step["count"],
                step["conversion"] if index else None,
                step["median_hours"] if index else None,
            )
            for index, step in enumerate(funnel["steps"])
        ]
        return self._table_data(
            [
                (self.env._("Step"), "char"),
                (self.env._("Leads"), "integer"),
                (self.env._("From previous step"), "percentage"),
                (self.env._("Median working hours from previous step"), "float"),
            ],
            rows,
        )

    def _speed_table(self, speed_sets, index):
        """Speed to lead per salesperson (index 0) or team (1)."""
        model, header, nobody = (
            ("res.users", self.env._("Salesperson"), self.env._("No salesperson"))
            if index == 0
            else ("crm.team", self.env._("Sales Team"), self.env._("No team"))
        )
        groups = [
            (key[1], figures)
            for key, figures in speed_sets.items()
            if key and key[0] == index
        ]
        names = self._names(model, [key for key, _figures in groups])
        rows = []
        for key, figures in groups:
            rows.append(
                (
                    names.get(key, nobody),
                    figures["handoffs"],
                    figures["within_1h"],
                    figures["1_24h"],
                    figures["over_24h"],
                    figures["never"],
                    figures["p50"],
                    figures["p90"],
                )
            )
        rows.sort(key=lambda row: (-row[1], row[0]))
        return self._table_data(
            [
                (header, "char"),
                (self.env._("Hand-offs"), "integer"),
                (self.env._("≤ 1 h"), "integer"),
                (self.env._("1–24 h"), "integer"),
                (self.env._("> 24 h"), "integer"),
                (self.env._("Never"), "integer"),
                (self.env._("Median hours"), "float"),
                (self.env._("P90 hours"), "float"),
            ],
            rows,
        )

    def _recycle_table(self):
        groups = self.env["crm.lead.handoff"]._read_group(
            self._drill_domain("recycles"), ["reason_id"], ["__count"]
        )
        rows = sorted(
            (
                (reason.display_name or self.env._("No reason"), count)
                for reason, count in groups
            ),
            key=lambda row: -row[1],
        )
        return self._table_data(
            [(self.env._("Reason"), "char"), (self.env._("Recycle events"), "integer")],
            rows,
        )

    def _nurture_figures(self, scope):
        nurture = self.env["crm.alignment.scoreboard"]._nurture(scope)
        programs = self.env["crm.nurture.program"].browse(
            [key for key in nurture if key is not None]
        )
        names = {program.id: program.display_name for program in programs}
        rows = sorted(
            (
                [
                    names.get(program_id, "-"),
                    figures["enrolled"],
                    figures["running"],
                    figures["steps"],
                    figures["open_rate"],
                    figures["click_rate"],
                    figures["reply_rate"],
                    figures["requalified"],
                    figures["accepted"],
                    figures["won"],
                    figures["median_days"],
                    figures["cold"],
                ]
                for program_id, figures in nurture.items()
                if program_id is not None
            ),
            key=lambda row: -row[1],
        )
        table = self._table_data(
            [
                (self.env._("Program"), "char"),
                (self.env._("Enrolled"), "integer"),
                (self.env._("Still running"), "integer"),
                (self.env._("Steps done"), "integer"),
                (self.env._("Opened"), "percentage"),
                (self.env._("Clicked"), "percentage"),
                (self.env._("Replied"), "percentage"),
                (self.env._("Back to sales"), "integer"),
                (self.env._("Then accepted"), "integer"),
                (self.env._("Then won"), "integer"),
                (self.env._("Median days in nurture"), "float"),
                (self.env._("Ended cold"), "integer"),
            ],
            rows,
        )
        return {
            "nurture_enrolled_count": nurture.get(None, {}).get("enrolled", 0),
            "nurture_requalified_count": self.env["crm.nurture.enrolment"].search_count(
                self._drill_domain("nurture_requalified")
            ),
            "nurture_table": table,
        }

    def _sources_table(self, scope, funnel_sets, limit=8):
        """Sources by won revenue (closed in the period), marketing-sourced
        pipeline and sales-ready leads (of the cohort), with the acceptance
        and recycle rates of what they delivered (of the leads handed off)."""
        Scoreboard = self.env["crm.alignment.scoreboard"]
        won = dict(
            Scoreboard._pipeline_groups(
                Scoreboard._won_domain(scope), ["source_id"], ["won_revenue:sum"]
            )
        )
        # one browse: the sources' names are read together
        by_id = {
            key[1]: figures
            for key, figures in funnel_sets.items()
            if key and key[0] == 0
        }
        sources = self.env["utm.source"].browse([key for key in by_id if key])
        cohort = {source: by_id[source.id] for source in sources}
        if None in by_id:
            cohort[self.env["utm.source"]] = by_id[None]
        rows = []
        for source in cohort.keys() | won.keys():
            figures = cohort.get(source)
            counts = (
                [step["count"] for step in figures["steps"]] if figures else [0] * 6
            )
            handed_off = counts[2]
            recycled = figures["recycled"] if figures else 0
            rows.append(
                (
                    source.display_name or self.env._("No source"),
                    won.get(source, 0.0),
                    figures["pipeline"][2] if figures else 0.0,
                    counts[1],
                    round(100.0 * counts[3] / handed_off, 1) if handed_off else 0.0,
                    round(100.0 * recycled / handed_off, 1) if handed_off else 0.0,
                )
            )
        # ties by name: the same table at each refresh, whatever the rows' order
        rows.sort(key=lambda row: (-row[1], -row[2], -row[3], row[0]))
        return self._table_data(
            [
                (self.env._("Source"), "char"),
                (self.env._("Won revenue"), "monetary"),
                (self.env._("Marketing-sourced pipeline"), "monetary"),
                (self.env._("Sales-ready leads"), "integer"),
                (self.env._("Accepted (of leads handed off)"), "percentage"),
                (self.env._("Recycled (of leads handed off)"), "percentage"),
            ],
            rows[:limit],
        )

    def _campaigns_table(self, scope, limit=8):
        """Campaigns by won revenue; with a budget, the cost per sales-ready
        lead and the return on spend ((won revenue - budget) / budget)."""
        Scoreboard = self.env["crm.alignment.scoreboard"]
        campaign = [("campaign_id", "!=", False)]
        ready = dict(
            Scoreboard._pipeline_groups(
                Scoreboard._cohort_domain(scope) + campaign,
                ["campaign_id"],
                ["sales_ready_count:sum"],
            )
        )
        won = dict(
            Scoreboard._pipeline_groups(
                Scoreboard._won_domain(scope) + campaign,
                ["campaign_id"],
                ["won_revenue:sum"],
            )
        )
        rows = []
        for campaign in ready.keys() | won.keys():
            budget = campaign.alignment_budget
            count, revenue = ready.get(campaign, 0), won.get(campaign, 0.0)
            rows.append(
                (
                    campaign.display_name,
                    revenue,
                    count,
                    budget or None,
                    round(budget / count, 2) if budget and count else None,
                    round(100.0 * (revenue - budget) / budget) if budget else None,
                )
            )
        rows.sort(key=lambda row: (-row[1], -row[2], row[0]))
        return self._table_data(
            [
                (self.env._("Campaign"), "char"),
                (self.env._("Won revenue"), "monetary"),
                (self.env._("Sales-ready leads"), "integer"),
                (self.env._("Budget"), "monetary"),
                (self.env._("Cost per sales-ready lead"), "monetary"),
                (self.env._("Return on spend"), "percentage"),
            ],
            rows[:limit],
        )

    # ------------------------------------------------------------
    # DRILL-DOWN
    # ------------------------------------------------------------

    def _drill_domain(self, figure):
        """The records behind a figure, as a domain of the model the figure
        opens (see ``_drill_model``)."""
        scope = self._scope()
        Scoreboard = self.env["crm.alignment.scoreboard"]
        team = [("team_id", "in", scope["team_ids"])] if self.team_id else []
        company = [("company_id", "in", [*scope["company_ids"], False])]
        cohort = Scoreboard._cohort_domain(scope)
        steps = {
            "recycled": [("recycle_count", ">", 0)],
            "lost": [("active", "=", False), ("probability", "=", 0)],
            "never_followed_up": [
                ("sla_id.state", "=", "failed"),
                ("sla_id.reached_date", "=", False),
            ],
        }
        if figure in FUNNEL_FIGURES:
            # reached this step or a later one (the report's rule)
            reached = [
                FUNNEL_REACHED[step][1]
                for step in FUNNEL_FIGURES[FUNNEL_FIGURES.index(figure) :]
            ]
            return cohort + (expression.OR(reached) if reached[0] else [])
        if figure in steps:
            return cohort + steps[figure]
        open_pipeline = OPEN_PIPELINE
        if figure == "pipeline":
            return cohort + open_pipeline
        if figure == "sourced_pipeline":
            return cohort + open_pipeline + [("sourced_by", "=", "marketing")]
        if figure in ("won_revenue", "sourced_won"):
            domain = [*WON, *Scoreboard._scope_domain(scope, "won_date")]
            if figure == "sourced_won":
                domain.append(("sourced_by", "=", "marketing"))
            return domain
        if figure == "target_pipeline":
            return team + company + open_pipeline + [("target_account_id", "!=", False)]
        if figure == "content_won":
            return [
                *WON,
                *Scoreboard._scope_domain(scope, "won_date"),
                ("content_share_ids", "!=", False),
            ]
        return self._drill_domain_records(figure, scope, team, company)

    def _drill_domain_records(self, figure, scope, team, company):
        """Figures whose records are SLAs, hand-offs or shares (or leads by
        their SLAs)."""
        Scoreboard = self.env["crm.alignment.scoreboard"]
        start, end = Scoreboard._scope_bounds(scope)
        if figure in SPEED_FIGURES:
            # the figure counts the speed report's rows (one per hand-off):
            # the list opens the same rows under the same domain
            return [*Scoreboard._speed_domain(scope), ("bucket", "=", figure)]
        if figure == "handoffs":
            # every hand-off whose follow-up SLA started in the period
            return Scoreboard._speed_domain(scope)
        if figure == "breaches":
            return [
                ("state", "=", "failed"),
                ("deadline", ">=", start),
                ("deadline", "<=", end),
                *team,
                *company,
            ]
        if figure == "recycles":
            return [
                ("direction", "=", "to_marketing"),
                ("date", ">=", start),
                ("date", "<=", end),
                *team,
                *company,
            ]
        if figure == "nurture_enrolled":
            return Scoreboard._nurture_domain(scope, "enrolled_date")
        if figure == "nurture_requalified":
            return Scoreboard._requalified_domain(scope)
        if figure == "content":
            lead_scope = team and [("lead_id.team_id", "in", scope["team_ids"])]
            return [
                ("create_date", ">=", start),
                ("create_date", "<=", end),
                ("lead_id.company_id", "in", [*scope["company_ids"], False]),
                *lead_scope,
            ]
        raise UserError(self.env._("There is no figure %(figure)s.", figure=figure))

    def _drill_model(self, figure):
        if figure in SPEED_FIGURES or figure == "handoffs":
            return "crm.alignment.speed.report"
        return {
            "breaches": "crm.lead.sla",
            "recycles": "crm.lead.handoff",
            "content": "crm.marketing.content.share",
            "nurture_enrolled": "crm.nurture.enrolment",
            "nurture_requalified": "crm.nurture.enrolment",
        }.get(figure, "crm.lead")

    def action_drill_down(self, figure=None):
        """Open the records behind one figure (``figure``, or the button's
        ``alignment_figure`` in the context: it only chooses the figure; the
        records are searched as the user)."""
        self.ensure_one()
        self.check_access("read")
        return self._drill_action(figure or self.env.context.get("alignment_figure"))

    def _drill_action(self, figure):
        if not isinstance(figure, str) or not self._scope():
            raise UserError(self.env._("Choose a figure and a period."))
        domain = self._drill_domain(figure)
        model = self._drill_model(figure)
        self.env[model].check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "%(figure)s, %(start)s to %(end)s",
                figure=figure.replace("_", " ").capitalize(),
                start=self.date_from,
                end=self.date_to,
            ),
            "res_model": model,
            "views": [(False, "list"), (False, "form")],
            "domain": domain,
            "context": {"active_test": False, "create": False},
        }

    # ------------------------------------------------------------
    # CHARTS (the Alignment Charts client action reads these)
    # ------------------------------------------------------------

    @api.model
    def _chart_board(self, date_from, date_to, team_id):
        """The period and team the charts ask for, checked, as an unsaved
        board: its figures and drill-downs are the dashboard's own, and
        nothing is written to read them."""
        self.check_access("read")
        try:
            start, end = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        except (TypeError, ValueError):
            start = end = None
        if not start or not end or start > end:
            raise UserError(self.env._("Choose a period: a start and an end date."))
        team = self.env["crm.team"]
        if team_id:
            if not isinstance(team_id, int):
                raise UserError(self.env._("Choose a sales team."))
            team = team.browse(team_id).exists()
            team.check_access("read")
        return self.new(
            {"period": "custom", "date_from": start, "date_to": end, "team_id": team.id}
        )

    @api.model
    @api.readonly
    def get_chart_data(self, date_from, date_to, team_id=False):
        """The figures of the charts, counted as the reader: the cohort
        funnel, speed to lead as a distribution, the marketing-sourced share
        against the research's bands, and the period's agreed goals. Each
        point names the figure its drill-down opens (``action_chart_drill``).
        Read-only: a server with a read replica serves it from there."""
        board = self._chart_board(date_from, date_to, team_id)

        def label(field_name):
            return self._fields[field_name]._description_string(self.env)

        # only the figure families the charts show (the board's compute
        # would build every table of the form)
        Scoreboard = self.env["crm.alignment.scoreboard"]
        scope = board._scope()
        funnel_figures = Scoreboard._funnel(scope)
        counts = {step["step"]: step["count"] for step in funnel_figures["steps"]}
        speed_figures = Scoreboard._speed_to_lead(scope)
        share = Scoreboard._sourced_share(scope, funnel_figures)["pipeline_share"]
        funnel = [
            {
                "figure": figure,
                "label": label(f"{figure}_count"),
                "value": counts[figure],
            }
            for figure in FUNNEL_FIGURES
        ]
        speed = [
            {
                "figure": figure,
                "label": label(f"speed_{figure}"),
                "value": speed_figures[figure],
            }
            for figure in SPEED_FIGURES
        ]
        bands = dict(self._fields["share_band"]._description_selection(self.env))
        band = _share_band(share)
        goals = self.env["crm.alignment.goal"].search(
            [
                ("state", "=", "agreed"),
                ("date_start", "<=", board.date_to),
                ("date_end", ">=", board.date_from),
                *(
                    [("team_id", "in", [board.team_id.id, False])]
                    if board.team_id
                    else []
                ),
            ]
        )
        kpis = dict(
            self.env["crm.alignment.goal.line"]
            ._fields["kpi"]
            ._description_selection(self.env)
        )
        sla_targets = goals.line_ids.filtered(
            lambda line: line.kpi == "followed_within_sla"
        ).mapped("target")
        weekly = [
            {
                "label": fields.Date.to_string(monday),
                "date_from": fields.Date.to_string(max(monday, board.date_from)),
                "date_to": fields.Date.to_string(
                    min(monday + relativedelta(days=6), board.date_to)
                ),
                "handoffs": figures["handoffs"],
                "within_sla": figures["within_sla"],
            }
            for monday, figures in Scoreboard._speed_trend(scope)
        ]
        monthly_share = [
            {
                "label": month.strftime("%Y-%m"),
                "date_from": fields.Date.to_string(max(month, board.date_from)),
                "date_to": fields.Date.to_string(
                    min(date_utils.end_of(month, "month"), board.date_to)
                ),
                "pipeline": pipeline,
                "sourced_pipeline": sourced,
                "share": month_share,
            }
            for month, pipeline, sourced, month_share in Scoreboard._share_trend(scope)
        ]
        return {
            "funnel": funnel,
            "speed": speed,
            "weekly": weekly,
            # the agreed "followed up within SLA" target of the period, if any
            "sla_target": max(sla_targets) if sla_targets else None,
            "monthly_share": monthly_share,
            "currency_id": self.env.company.currency_id.id,
            "share": {
                "pipeline_share": share,
                "band": band,
                "band_label": bands.get(band, ""),
                "bands": [
                    {"band": band, "label": bands.get(band, band), "value": value}
                    for band, value in SOURCED_SHARE_BANDS
                ],
            },
            "goals": [
                {
                    "id": line.id,
                    "goal": line.goal_id.display_name,
                    "label": kpis.get(line.kpi, line.kpi),
                    "actual": line.actual,
                    "target": line.target,
                    "progress": line.progress,
                    "is_met": line.is_met,
                }
                for line in goals.line_ids
            ],
        }

    @api.readonly
    @api.model
    def action_chart_drill(self, figure, date_from, date_to, team_id=False):
        """A chart's bar clicked: the records its figure counts (only read:
        on a read-only cursor, the replica where one is configured)."""
        return self._chart_board(date_from, date_to, team_id)._drill_action(figure)

    @api.model
    def _action_open(self, team=None, date_from=None, date_to=None):
        context = {}
        if team:
            context["default_team_id"] = team.id
        if date_from and date_to:
            context.update(
                default_period="custom",
                default_date_from=fields.Date.to_string(date_from),
                default_date_to=fields.Date.to_string(date_to),
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alignment.crm_alignment_dashboard_action"
        )
        action["context"] = context
        return action


def _share_band(share):
    band = "below"
    for name, threshold in SOURCED_SHARE_BANDS:
        if share >= threshold:
            band = name
    return band
