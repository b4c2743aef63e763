"""Two users doing the same thing at the same moment, over JSON-RPC against
a running multi-worker server (make faults, part 4): one wins, the other
gets a clear error, and the database holds no duplicate.

Usage: concurrency.py URL DB JSON   (JSON from the seeding: users, leads,
contents). Prints one line per race; exit 1 when a race ends badly.
"""

import json
import sys
import threading
import urllib.request


def call(url, db, user, model, method, args):
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [db, user[1], user[0], model, method, args, {}],
        },
        "id": 1,
    }
    request = urllib.request.Request(
        url + "/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    if "error" in body:
        data = body["error"].get("data") or {}
        return False, data.get("name"), data.get("message", "")
    return True, None, None


def race(url, db, calls):
    """Start the calls at the same moment; return their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, user, model, method, args):
        barrier.wait()
        outcomes[index] = call(url, db, user, model, method, args)

    threads = [
        threading.Thread(target=run, args=(index, *spec))
        for index, spec in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def report(what, record_id, outcomes, clear):
    """One winner, the other refused with a clear error: 0, else 1."""
    wins = [outcome for outcome in outcomes if outcome[0]]
    losers = [outcome for outcome in outcomes if not outcome[0]]
    ok = len(wins) == 1 and all(loser[1] in clear for loser in losers)
    print(
        f"  {'ok  ' if ok else 'BAD '} {what} {record_id}: {len(wins)} won, "
        f"refused: {[(loser[1], loser[2][:50]) for loser in losers]}"
    )
    return 0 if ok else 1


def main(url, db, seed):
    seed = json.loads(seed)
    first, second = seed["sales"]
    bad = 0
    # the loser is told the lead moved on: a UserError, or an AccessError when
    # the lead is now the winner's and no longer visible to the loser
    clear = {
        "odoo.exceptions.UserError",
        "odoo.exceptions.ValidationError",
        "odoo.exceptions.AccessError",
    }
    for lead_id in seed["leads"]:
        outcomes = race(
            url,
            db,
            [
                (first, "crm.lead", "action_accept", [[lead_id]]),
                (second, "crm.lead", "action_accept", [[lead_id]]),
            ],
        )
        bad += report("accept", lead_id, outcomes, clear)
    approvers = seed["approvers"]
    for content_id in seed["contents"]:
        outcomes = race(
            url,
            db,
            [
                (
                    approvers[0],
                    "crm.marketing.content",
                    "action_approve",
                    [[content_id]],
                ),
                (
                    approvers[1],
                    "crm.marketing.content",
                    "action_approve",
                    [[content_id]],
                ),
            ],
        )
        ok = all(outcome[0] for outcome in outcomes)
        bad += not ok
        print(
            f"  {'ok  ' if ok else 'BAD '} both approvers of content {content_id} "
            f"at once: {[outcome[2] for outcome in outcomes if not outcome[0]]}"
        )
    marketers = seed["marketers"]
    for lead_id in seed["ready"]:
        outcomes = race(
            url,
            db,
            [
                (marketers[0], "crm.lead", "handoff_to_sales", [[lead_id]]),
                (marketers[1], "crm.lead", "handoff_to_sales", [[lead_id]]),
            ],
        )
        bad += report("hand-off", lead_id, outcomes, clear)
    manager = seed["manager"]
    for lead_id in seed["accepted"]:
        outcomes = race(
            url,
            db,
            [
                (first, "crm.lead", "recycle_to_nurture", [[lead_id], seed["reason"]]),
                (
                    manager,
                    "crm.lead",
                    "recycle_to_nurture",
                    [[lead_id], seed["reason"]],
                ),
            ],
        )
        bad += report("recycle", lead_id, outcomes, clear)
    for list_id in seed["lists"]:
        outcomes = race(
            url,
            db,
            [
                (
                    approvers[0],
                    "crm.target.account.list",
                    "action_agree_sales",
                    [[list_id]],
                ),
                (
                    approvers[1],
                    "crm.target.account.list",
                    "action_agree_sales",
                    [[list_id]],
                ),
            ],
        )
        bad += report("sales sign-off", list_id, outcomes, clear)
    print(f"races: {bad} ended badly")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
