from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, tagged
from odoo.tools import date_utils

from .common import FORGED_CONTEXT, SecurityRpcCase


@tagged(
    "post_install", "-at_install", "crm_alignment_security", "crm_alignment_scoreboard"
)
class TestScoreboardRpc(SecurityRpcCase):
    """Shared goals and the scoreboard over the API."""

    def test_shared_goals(self):
        Goal = self.env["crm.alignment.goal"]
        names = ["state", "sales_agreed_user_id", "marketing_agreed_user_id"]
        vals = {
            "team_id": self.team.id,
            "date_start": "2030-01-01",
            "marketing_owner_id": self.marketing_manager.id,
            "sales_owner_id": self.sales_manager.id,
            "line_ids": [(0, 0, {"kpi": "sales_ready_delivered", "target": 10})],
        }
        count = Goal.search_count([])
        # only managers set goals; nobody creates one already signed
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.alignment.goal",
            "create",
            vals,
        )
        for forged in (
            {"state": "agreed"},
            {"sales_agreed_user_id": self.sales_manager.id},
            {"marketing_agreed_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefused(
                self.everyone(), "crm.alignment.goal", "create", dict(vals, **forged)
            )
        self.assertEqual(Goal.search_count([]), count, "nothing half-written")
        ok, goal_id = self.rpc(self.sales_manager, "crm.alignment.goal", "create", vals)
        self.assertTrue(ok, goal_id)
        goal = Goal.browse(goal_id)
        line = goal.line_ids
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            line,
            ["target"],
            "crm.alignment.goal.line",
            "write",
            line.ids,
            {"target": 1},
        )
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.alignment.goal.line",
            "create",
            {"goal_id": goal.id, "kpi": "acceptance_rate", "target": 1},
        )
        for forged in ({"state": "agreed"}, {"sales_agreed_user_id": self.salesman.id}):
            self.assertRefusedUnchanged(
                self.everyone(),
                goal,
                names,
                "crm.alignment.goal",
                "write",
                goal.ids,
                forged,
            )
        # each side signs for itself, once
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.marketing_manager, self.portal],
            goal,
            names,
            "crm.alignment.goal",
            "action_agree_sales",
            goal.ids,
        )
        self.assertTrue(
            self.rpc(
                self.sales_manager, "crm.alignment.goal", "action_agree_sales", goal.ids
            )[0]
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.sales_manager, self.portal],
            goal,
            names,
            "crm.alignment.goal",
            "action_agree_marketing",
            goal.ids,
        )
        self.assertTrue(
            self.rpc(
                self.marketing_manager,
                "crm.alignment.goal",
                "action_agree_marketing",
                goal.ids,
            )[0]
        )
        self.assertEqual(goal.state, "agreed")
        # signed: locked, even for managers, until reopened by a manager
        self.assertRefusedUnchanged(
            self.everyone(),
            line,
            ["target"],
            "crm.alignment.goal.line",
            "write",
            line.ids,
            {"target": 1},
        )
        self.assertRefusedUnchanged(
            self.everyone(),
            goal,
            ["date_start"],
            "crm.alignment.goal",
            "write",
            goal.ids,
            {"date_start": "2030-02-01"},
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            goal,
            names,
            "crm.alignment.goal",
            "action_reopen",
            goal.ids,
        )
        ok, action = self.rpc(
            self.salesman, "crm.alignment.goal", "action_open_dashboard", goal.ids
        )
        self.assertTrue(ok, action)
        self.assertEqual(action["res_model"], "crm.alignment.dashboard")
        self.assertRefused(
            [self.portal], "crm.alignment.goal", "action_open_dashboard", goal.ids
        )
        self.assertTrue(
            self.rpc(
                self.sales_manager, "crm.alignment.goal", "action_reopen", goal.ids
            )[0]
        )
        self.assertEqual((goal.state, goal.sales_agreed_user_id.id), ("draft", False))

    def test_the_funnel_history_is_read_under_the_leads_rules_and_never_written(self):
        """The pre-aggregated history over /jsonrpc: each role reads the keys
        crm's rules let it read (a salesperson: their own and nobody's), and
        nobody creates, writes or deletes a row, whatever the context."""
        self.env["crm.lead"].create(
            {"name": "History theirs", "type": "lead", "user_id": self.sales_manager.id}
        )
        self.env["crm.lead"].with_user(self.salesman).create(
            {"name": "History mine", "type": "lead", "user_id": self.salesman.id}
        )
        self.env.flush_all()
        History = self.env["crm.alignment.pipeline.history"]
        row = History.sudo().search([("user_id", "=", self.sales_manager.id)], limit=1)
        self.assertTrue(row)
        ok, rows = self.rpc(
            self.salesman, History._name, "search_read", [], fields=["user_id"]
        )
        self.assertTrue(ok, rows)
        self.assertEqual(
            {r["user_id"] and r["user_id"][0] for r in rows}, {self.salesman.id, False}
        )
        ok, rows = self.rpc(
            self.sales_manager, History._name, "search_read", [], fields=["user_id"]
        )
        self.assertTrue(ok, rows)
        self.assertIn(
            self.sales_manager.id, {r["user_id"] and r["user_id"][0] for r in rows}
        )
        users = self.everyone()
        before = row.read(["created_count", "won_revenue"])
        self.assertRefused(users, History._name, "create", {"created_count": 1000})
        self.assertRefused(
            users, History._name, "write", row.ids, {"created_count": 1000}
        )
        self.assertRefused(users, History._name, "unlink", row.ids)
        self.assertRefused(users, History._name, "init")
        self.assertEqual(row.read(["created_count", "won_revenue"]), before)

    def test_scoreboard_shows_what_rules_allow(self):
        mine = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                {"name": "Sec own", "type": "opportunity", "user_id": self.salesman.id}
            )
        )
        theirs = self.env["crm.lead"].create(
            {
                "name": "Sec theirs",
                "type": "opportunity",
                "user_id": self.sales_manager.id,
            }
        )
        ok, rows = self.rpc(
            self.salesman,
            "crm.alignment.pipeline.report",
            "search_read",
            [("lead_id", "in", (mine | theirs | self.new_lead).ids)],
            fields=["lead_id"],
        )
        self.assertTrue(ok, rows)
        self.assertEqual(
            {row["lead_id"][0] for row in rows},
            {mine.id, self.new_lead.id},
            "own + unassigned",
        )
        ok, rows = self.rpc(
            self.sales_manager,
            "crm.alignment.pipeline.report",
            "search_read",
            [("lead_id", "in", (mine | theirs).ids)],
            fields=["lead_id"],
        )
        self.assertEqual(len(rows), 2)
        self.assertRefused(
            [self.portal], "crm.alignment.pipeline.report", "search_read", []
        )
        self.assertRefused(
            [self.portal], "crm.alignment.speed.report", "search_read", []
        )
        self.assertRefused([self.portal], "crm.alignment.dashboard", "create", {})
        ok, board_id = self.rpc(
            self.salesman, "crm.alignment.dashboard", "create", {"period": "this_month"}
        )
        self.assertTrue(ok, board_id)
        ok, action = self.rpc(
            self.salesman,
            "crm.alignment.dashboard",
            "action_drill_down",
            [board_id],
            context=dict(FORGED_CONTEXT, alignment_figure="created"),
        )
        self.assertTrue(ok, action)
        ok, ids = self.rpc(self.salesman, "crm.lead", "search", action["domain"])
        self.assertIn(mine.id, ids)
        self.assertNotIn(theirs.id, ids)
        ok, count = self.rpc(
            self.salesman,
            "crm.alignment.dashboard",
            "read",
            [board_id],
            fields=["created_count"],
        )
        self.assertEqual(
            count[0]["created_count"], len(ids), "the figure is the drill-down's count"
        )
        for bad in ("salary", 42, None, ["created"]):
            self.assertRefused(
                [self.salesman],
                "crm.alignment.dashboard",
                "action_drill_down",
                [board_id],
                figure=bad,
            )
        # another user's dashboard is not theirs to read
        self.assertRefused(
            [self.marketer],
            "crm.alignment.dashboard",
            "action_drill_down",
            [board_id],
            figure="created",
        )

    def test_charts_count_as_the_reader(self):
        """The charts' one read method and their drill-down, over /jsonrpc:
        the figures are the reader's, bad periods and teams are refused, and
        no record is created to read them."""
        mine = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                {
                    "name": "Chart own",
                    "type": "opportunity",
                    "user_id": self.salesman.id,
                }
            )
        )
        self.env["crm.lead"].create(
            {"name": "Chart theirs", "type": "lead", "user_id": self.sales_manager.id}
        )
        today = fields.Date.today()
        period = [str(date_utils.start_of(today, "month")), str(today)]
        boards = self.env["crm.alignment.dashboard"].search_count([])

        def created(user):
            ok, data = self.rpc(
                user, "crm.alignment.dashboard", "get_chart_data", *period
            )
            self.assertTrue(ok, data)
            return {point["figure"]: point["value"] for point in data["funnel"]}[
                "created"
            ]

        manager_count = created(self.sales_manager)
        self.assertGreater(manager_count, created(self.salesman), "own leads only")
        self.assertEqual(
            self.env["crm.alignment.dashboard"].search_count([]), boards, "no record"
        )
        ok, action = self.rpc(
            self.salesman,
            "crm.alignment.dashboard",
            "action_chart_drill",
            "created",
            *period,
        )
        self.assertTrue(ok, action)
        ok, ids = self.rpc(self.salesman, "crm.lead", "search", action["domain"])
        self.assertIn(mine.id, ids)
        self.assertEqual(len(ids), created(self.salesman), "the list is the figure")
        for bad in (
            ("created", "2026-13-01", "2026-12-31"),
            ("created", "2026-12-31", "2026-01-01"),
            ("salary", *period),
        ):
            self.assertRefused(
                [self.salesman], "crm.alignment.dashboard", "action_chart_drill", *bad
            )
        self.assertRefused(
            [self.salesman],
            "crm.alignment.dashboard",
            "get_chart_data",
            *period,
            team_id="1; DROP TABLE crm_lead",
        )
        self.assertRefused(
            [self.portal], "crm.alignment.dashboard", "get_chart_data", *period
        )

    def _call_kw_read_only(self, method, args, spied, model="crm.alignment.dashboard"):
        """Call ``model``'s ``method`` as the web client does; returns
        its result and, for each call of the ``spied`` method, whether its
        cursor was read-only. No fallback to a read/write cursor allowed."""
        Dashboard = type(self.env[model])
        original = getattr(Dashboard, spied)
        cursors = []

        def spy(boards, *args, **kwargs):
            cursors.append(boards.env.cr.readonly)
            return original(boards, *args, **kwargs)

        with (
            patch.object(Dashboard, spied, spy),
            self.assertNoLogs("odoo.http", "WARNING"),
        ):
            result = self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/{method}",
                {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": {},
                },
            )
        return result, cursors

    def test_drill_downs_and_digest_kpis_are_read_on_a_read_only_cursor(self):
        """A chart's drill-down and the digest's alignment KPIs only read:
        the web client's calls run them on a read-only cursor."""
        self.env["crm.lead"].create(
            {"name": "Drilled", "type": "lead", "user_id": self.sales_manager.id}
        )
        today = fields.Date.today()
        period = [str(date_utils.start_of(today, "month")), str(today)]
        self.authenticate(self.sales_manager.login, self.sales_manager.login)
        action, cursors = self._call_kw_read_only(
            "action_chart_drill", ["created", *period], "_drill_action"
        )
        self.assertEqual(cursors, [True])
        self.assertEqual(action["res_model"], "crm.lead")
        leads = (
            self.env["crm.lead"].with_user(self.sales_manager).search(action["domain"])
        )
        self.assertIn("Drilled", leads.mapped("name"))
        digest = self.env["digest.digest"].create(
            {"name": "Alignment digest", "kpi_alignment_sourced_pipeline": True}
        )
        spec = {
            "kpi_alignment_sourced_pipeline_value": {},
            "kpi_alignment_handoffs_value": {},
        }
        values, cursors = self._call_kw_read_only(
            "web_read",
            [[digest.id], spec],
            "_compute_kpi_alignment_sourced_pipeline_value",
            model="digest.digest",
        )
        self.assertEqual(cursors, [True])
        self.assertEqual(values[0]["id"], digest.id)
        self.assertIn("kpi_alignment_handoffs_value", values[0])

    def test_weekly_review_is_read_on_a_read_only_cursor(self):
        """The weekly review opened in the browser goes through Odoo's
        report route, which runs on a read-only cursor (the replica, where
        one is set): its figures are read there, without falling back to a
        read/write cursor, and a user who may not read the team is refused
        on that cursor too."""
        Review = type(self.env["report.crm_alignment.report_weekly_review"])
        original = Review._review
        cursors = []

        def spy(report, team, since, today):
            cursors.append(report.env.cr.readonly)
            return original(report, team, since, today)

        url = f"/report/html/crm_alignment.report_weekly_review/{self.team.id}"
        self.authenticate(self.sales_manager.login, self.sales_manager.login)
        with (
            patch.object(Review, "_review", spy),
            self.assertNoLogs("odoo.http", "WARNING"),
        ):
            response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Security Team", response.text)
        self.assertIn("Speed to lead", response.text)
        self.assertEqual(cursors, [True], "read once, on a read-only cursor")
        cursors.clear()
        self.authenticate(self.portal.login, self.portal.login)
        with patch.object(Review, "_review", spy), self.assertLogs("odoo.http"):
            response = self.url_open(url)
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(cursors, [], "no figure read for a portal user")

    def test_dashboard_figures_are_read_on_a_read_only_cursor(self):
        """The board's figures come from its onchange (a new record, never
        saved) and the charts' from their read method: Odoo's web client
        calls both on a read-only cursor (the replica, where one is
        configured), without falling back to a read/write one, and the
        figures are the reader's."""
        self.env["crm.lead"].create(
            {"name": "Board theirs", "type": "lead", "user_id": self.sales_manager.id}
        )
        spec = {name: {} for name in ("period", "date_from", "date_to")}
        spec |= {name: {} for name in ("created_count", "won_count", "funnel_table")}
        today = fields.Date.today()
        period = [str(date_utils.start_of(today, "month")), str(today)]
        boards = self.env["crm.alignment.dashboard"].search_count([])
        for user in (self.salesman, self.sales_manager):
            self.authenticate(user.login, user.login)
            result, cursors = self._call_kw_read_only(
                "onchange", [[], {}, [], spec], "_compute_figures"
            )
            self.assertEqual(cursors, [True], "computed once, on a read-only cursor")
            charts, cursors = self._call_kw_read_only(
                "get_chart_data", period, "_scope"
            )
            self.assertTrue(charts["funnel"])
            self.assertTrue(cursors)
            self.assertEqual(set(cursors), {True}, "charts read on a read-only cursor")
            board = Form(self.env["crm.alignment.dashboard"].with_user(user))
            self.assertEqual(result["value"]["created_count"], board.created_count)
            self.assertEqual(result["value"]["funnel_table"], board.funnel_table)
        self.assertGreater(
            result["value"]["created_count"], 0, "the manager sees the leads"
        )
        # over /jsonrpc, with every context key the addon names: the
        # salesperson still counts their own leads; a portal user is refused
        ok, forged = self.rpc(
            self.salesman, "crm.alignment.dashboard", "onchange", [], {}, [], spec
        )
        self.assertTrue(ok, forged)
        board = Form(self.env["crm.alignment.dashboard"].with_user(self.salesman))
        self.assertEqual(forged["value"]["created_count"], board.created_count)
        self.assertLess(
            forged["value"]["created_count"], result["value"]["created_count"]
        )
        self.assertRefused(
            [self.portal], "crm.alignment.dashboard", "onchange", [], {}, [], spec
        )
        self.assertEqual(
            self.env["crm.alignment.dashboard"].search_count([]), boards, "no record"
        )
