"""make loadtest's workload: marketing users, salespeople and managers
working the same pipeline over JSON-RPC (as an external client or the web
client's RPCs would).

Environment: LOAD_DB, LOAD_ENV (json, what the seeding printed: "users",
role -> [[login, uid], ...], one person per simulated user, each taking the
next of its role; "need_id" and "reason_id", the BANT answer and recycle
reason the workload uses),
LOAD_MODE ("addon" or "crm": crm only runs the common part),
LOAD_LOG (file: one json line per successful business action, read by the
invariant checks).

A refusal the rules call for (two salespeople accepting the same lead, a
lead already recycled) is reported as its own request type ("refused"),
not as a failure; a 500, a serialisation failure or a timeout is a failure.
"""

import itertools
import json
import os
import random
import threading
from urllib.parse import quote

from locust import HttpUser, between, task

DB = os.environ["LOAD_DB"]
SEEDED = json.loads(os.environ["LOAD_ENV"])
USERS = SEEDED["users"]
MODE = os.environ.get("LOAD_MODE", "addon")
LOG_PATH = os.environ["LOAD_LOG"]
NEED_ID = int(SEEDED.get("need_id", 0))
REASON_ID = int(SEEDED.get("reason_id", 0))
_log_lock = threading.Lock()
_ids = itertools.count(1)
_people = {role: itertools.count() for role in USERS}
# user errors the rules call for when two people act on the same record
EXPECTED_REFUSALS = (
    "cannot move to",
    "Only leads handed off to sales can be recycled",
    "Only the assigned salesperson",
    "Only their salesperson",
    "is not in review",
)


def log_action(**values):
    with _log_lock, open(LOG_PATH, "a") as log:
        log.write(json.dumps(values) + "\n")


class AlignmentUser(HttpUser):
    abstract = True
    wait_time = between(0.2, 1.0)
    role = None

    def on_start(self):
        # one person per simulated user, as the load test made them
        people = USERS[self.role]
        self.login, self.uid = people[next(_people[self.role]) % len(people)]

    def call(self, model, method, *args, name=None, **kwargs):
        """execute_kw; returns (ok, result or error message)."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [DB, self.uid, self.login, model, method, list(args), kwargs],
            },
            "id": next(_ids),
        }
        label = name or f"{model}.{method}"
        # the operation in the query string (Odoo ignores it): the server's
        # request log says which operation each timed request was
        with self.client.post(
            f"/jsonrpc?op={quote(label)}",
            json=payload,
            name=label,
            catch_response=True,
            timeout=30,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return False, None
            body = response.json()
            error = body.get("error")
            if not error:
                response.success()
                return True, body["result"]
            data = error.get("data") or {}
            message = data.get("message") or error.get("message", "")
            if data.get("name") in (
                "odoo.exceptions.UserError",
                "odoo.exceptions.ValidationError",
            ) and any(text in message for text in EXPECTED_REFUSALS):
                # a rule said no: not an error of the system
                response.success()
                self.environment.events.request.fire(
                    request_type="refused",
                    name=label,
                    response_time=response.elapsed.total_seconds() * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )
                return False, message
            response.failure(f"{data.get('name')}: {message[:200]}")
            return False, message

    # the common part: what a crm user does, with or without the addon
    def read_kanban(self):
        self.call(
            "crm.lead",
            "web_search_read",
            [("type", "=", "opportunity")],
            specification={
                "name": {},
                "user_id": {"fields": {"display_name": {}}},
                "stage_id": {"fields": {"display_name": {}}},
                "expected_revenue": {},
                "priority": {},
                "tag_ids": {"fields": {"display_name": {}}},
            },
            limit=80,
            name="read kanban page",
        )

    def read_list(self):
        self.call(
            "crm.lead",
            "web_search_read",
            [],
            specification={
                "name": {},
                "email_from": {},
                "user_id": {"fields": {"display_name": {}}},
                "team_id": {"fields": {"display_name": {}}},
                "create_date": {},
            },
            limit=80,
            name="read list page",
        )

    def create_lead(self):
        ok, lead_id = self.call(
            "crm.lead",
            "create",
            {"name": f"Load lead {random.random():.6f}", "type": "lead"},
            name="create lead",
        )
        return lead_id if ok else None

    def write_lead(self):
        # salespeople edit their own leads (others' may be reassigned meanwhile)
        domain = [("user_id", "=", self.uid)] if self.role == "sales" else []
        ok, ids = self.call("crm.lead", "search", domain, limit=20, name="search")
        if ok and ids:
            self.call(
                "crm.lead",
                "write",
                [random.choice(ids)],
                {"priority": str(random.randint(0, 3))},
                name="write priority",
            )


class MarketingUser(AlignmentUser):
    role = "marketing"
    weight = 3

    @task(3)
    def create_qualify_hand_off(self):
        lead_id = self.create_lead()
        if not lead_id or MODE != "addon":
            return
        self.call(
            "crm.lead",
            "write",
            [lead_id],
            {"bant_need_id": NEED_ID},
            name="answer BANT",
        )
        ok, _ = self.call(
            "crm.lead", "action_mark_sales_ready", [lead_id], name="mark sales-ready"
        )
        salesperson = random.choice(USERS["sales"])[1]
        ok, _ = self.call(
            "crm.lead",
            "handoff_to_sales",
            [lead_id],
            salesperson,
            False,
            "Load test hand-off",
            name="hand off",
        )
        if ok:
            log_action(action="handoff", lead=lead_id)

    @task(2)
    def common(self):
        random.choice((self.read_kanban, self.read_list, self.write_lead))()


class SalesUser(AlignmentUser):
    role = "sales"
    weight = 4

    def waiting(self):
        domain = [("lifecycle_stage", "=", "handed_off")] if MODE == "addon" else []
        ok, ids = self.call(
            "crm.lead", "search", domain, limit=10, order="id desc", name="search"
        )
        return ids if ok else []

    @task(3)
    def accept_or_note(self):
        if MODE != "addon":
            return self.common()
        ids = self.waiting()
        if not ids:
            return
        lead_id = random.choice(ids)
        if random.random() < 0.5:
            ok, _ = self.call("crm.lead", "action_accept", [lead_id], name="accept")
            if ok:
                log_action(action="accept", lead=lead_id)
        else:
            self.call(
                "crm.lead",
                "message_post",
                [lead_id],
                body="Called the prospect",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                name="post note",
            )

    @task(1)
    def recycle(self):
        if MODE != "addon":
            return self.common()
        ids = self.waiting()
        if not ids:
            return
        lead_id = random.choice(ids)
        ok, _ = self.call(
            "crm.lead",
            "recycle_to_nurture",
            [lead_id],
            REASON_ID,
            name="recycle",
        )
        if ok:
            log_action(action="recycle", lead=lead_id)

    @task(3)
    def common(self):
        random.choice((self.read_kanban, self.read_list, self.write_lead))()


class ManagerUser(AlignmentUser):
    role = "manager"
    weight = 1

    @task(2)
    def approve_content(self):
        if MODE != "addon":
            return self.read_list()
        ok, ids = self.call(
            "crm.marketing.content",
            "search",
            [("state", "=", "in_review"), ("approver_ids", "in", [self.uid])],
            limit=5,
            name="search content",
        )
        if ok and ids:
            self.call(
                "crm.marketing.content",
                "action_approve",
                [random.choice(ids)],
                name="approve content",
            )

    @task(2)
    def common(self):
        random.choice((self.read_kanban, self.read_list))()

    @task(1)
    def open_dashboard(self):
        """The Alignment Dashboard as the web client opens it: a web session
        and the board's onchange through /web/dataset/call_kw (the route
        that runs read-only methods on the replica, where one is set)."""
        if MODE != "addon":
            return self.read_list()
        if not getattr(self, "has_session", False):
            with self.client.post(
                "/web/session/authenticate",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"db": DB, "login": self.login, "password": self.login},
                },
                name="web login",
                catch_response=True,
            ) as response:
                if response.status_code != 200 or response.json().get("error"):
                    response.failure("web login refused")
                    return
                self.has_session = True
        spec = {
            name: {}
            for name in (
                "period",
                "date_from",
                "date_to",
                "created_count",
                "won_count",
                "pipeline_share",
                "speed_p50",
                "funnel_table",
            )
        }
        with self.client.post(
            "/web/dataset/call_kw/crm.alignment.dashboard/onchange?op=open%20dashboard",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": "crm.alignment.dashboard",
                    "method": "onchange",
                    "args": [[], {}, [], spec],
                    "kwargs": {},
                },
            },
            name="open dashboard",
            catch_response=True,
        ) as response:
            error = response.status_code != 200 or response.json().get("error")
            if error:
                response.failure(f"dashboard: {str(error)[:200]}")
            else:
                response.success()
