"""make loadtest's report: per operation throughput and latency for the
full workload on the addon ("addon"), the common part on the addon
("common") and on crm alone ("crm"), the failures, then the invariants.

Usage: loadtest_report.py OUT_DIR ADDON_DB   (exit 1 on a broken invariant
or a failed request)
"""

import csv
import datetime
import json
import pathlib
import re
import subprocess
import sys
from urllib.parse import unquote

COMMON = ["create lead", "write priority", "read kanban page", "read list page"]


def stats(path):
    rows = {}
    if not path.exists():
        return rows
    with path.open() as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            rows[(row["Type"], row["Name"])] = row
    return rows


def sql(db, query):
    out = subprocess.check_output(["psql", "-d", db, "-Atc", query], text=True)
    return out.strip()


def snapshot(path):
    """{counter: value} from a pg_snapshot file ("name|value|name|value")."""
    values = {}
    for line in path.read_text().splitlines():
        parts = line.split("|")
        values.update(zip(parts[::2], (int(v) for v in parts[1::2]), strict=True))
    return values


def replica_checks(out, dashboard):
    """LOAD_REPLICA: from PostgreSQL's statistics on each cluster, where the
    dashboard's reads and the workload's writes ran during the full run."""
    if not (out / "stats-replica-after").exists():
        return []
    delta = {}
    for side in ("primary", "replica"):
        before = snapshot(out / f"stats-{side}-before")
        after = snapshot(out / f"stats-{side}-after")
        delta[side] = {key: after[key] - before.get(key, 0) for key in after}
        delta[side]["in recovery"] = after["in recovery"]
        print(
            f"{side}: crm_lead scanned {delta[side]['crm_lead scans']} times, "
            f"{delta[side]['crm_lead rows written']} crm_lead rows written, "
            f"{delta[side]['transactions']} transactions"
        )
    opened = int(dashboard["Request Count"]) if dashboard else 0
    fallbacks = sum(
        "retrying with a read/write cursor" in line
        for line in (out / "server-addon.log").open(errors="replace")
    )
    print(
        f"dashboards opened: {opened}; read-only calls retried read/write: {fallbacks}"
    )
    signals = _signaling_moves(out)
    reloads = {"Reloading the model registry": 0, "Invalidating caches": 0}
    for line in (out / "server-addon.log").open(errors="replace"):
        for key in reloads:
            reloads[key] += key in line
    print(
        "Odoo's signaling sequences moved during the run (primary): "
        + (", ".join(f"{name} +{moved}" for name, moved in signals.items()) or "none")
        + f"; the workers' registry reloads: {reloads['Reloading the model registry']},"
        f" cache invalidations: {reloads['Invalidating caches']}"
    )
    return [
        ("the replica is a standby", str(delta["replica"]["in recovery"]), "1"),
        ("the dashboard was opened", str(opened > 0), "True"),
        (
            "the replica ran reads of crm_lead (the dashboard's: every other call"
            " of the workload goes through /jsonrpc, on the primary)",
            str(delta["replica"]["crm_lead scans"] > 0),
            "True",
        ),
        (
            "the writes ran on the primary",
            str(delta["primary"]["crm_lead rows written"] > 0),
            "True",
        ),
        ("no read-only call fell back to the primary", str(fallbacks), "0"),
    ]


def _signaling_moves(out):
    """{sequence: how far it moved} over the run, from the name=value lines
    loadtest.sh wrote before and after it (LOAD_REPLICA)."""

    def values(path):
        return {
            name: int(value)
            for name, value in (pair.split("=") for pair in path.read_text().split())
        }

    before = values(out / "signaling-before")
    after = values(out / "signaling-after")
    return {
        name: after[name] - before.get(name, 0)
        for name in sorted(after)
        if after[name] != before.get(name, 0)
    }


# Odoo's request log line (werkzeug at INFO): end time, the request line,
# then its queries, SQL seconds and the rest of its seconds
REQUEST_LINE = re.compile(
    r"^(?P<end>\S+ \S+) \d+ INFO \S+ werkzeug: .*\"POST [^\"]*\?op=(?P<op>[^ \"]+)"
    r" HTTP/[^\"]*\" (?P<status>\d+) - (?P<queries>\d+) (?P<sql>[\d.]+)"
    r" (?P<rest>[\d.]+)"
)
CRON_LINE = re.compile(
    r"^(?P<at>\S+ \S+) \d+ INFO \S+ odoo\.addons\.base\.models\.ir_cron: "
    r"Job '(?P<job>.*)' \(\d+\) (?P<what>starting|done in (?P<secs>[\d.]+)s)"
)


def _stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f")


def server_timings(log_path, since_path=None, top=10):
    """From the server's own log: per operation the server-side p99 (what
    the request cost Odoo, queueing on the client side left out), then the
    slowest requests with their SQL and the jobs that ran meanwhile; the
    requests of the warm-up (before ``since_path``'s time) apart."""
    if not log_path.exists():
        return
    since = None
    if since_path is not None and since_path.exists():
        since = _stamp(since_path.read_text().strip())
    requests, warmup, jobs, started = [], [], [], {}
    for line in log_path.open(errors="replace"):
        match = REQUEST_LINE.match(line)
        if match:
            end = _stamp(match["end"])
            total = float(match["sql"]) + float(match["rest"])
            request = (
                total,
                end,
                unquote(match["op"]),
                float(match["sql"]),
                int(match["queries"]),
            )
            (warmup if since and end < since else requests).append(request)
            continue
        match = CRON_LINE.match(line)
        if match:
            at = _stamp(match["at"])
            if match["secs"] is None:
                started[match["job"]] = at
            else:
                begin = started.pop(match["job"], at)
                jobs.append((begin, at, match["job"]))
    if warmup:
        totals = [request[0] for request in warmup]
        slow = sum(1 for total in totals if total > 0.3)
        print(
            f"warm-up (not in the figures): {len(warmup)} requests, {slow} over"
            f" 300 ms server side, the slowest {max(totals) * 1000:.0f} ms"
        )
    if not requests:
        return
    by_op = {}
    for total, _end, op, _sql, _queries in requests:
        by_op.setdefault(op, []).append(total)
    print("server side (Odoo's request log): p50 / p99 / max ms per operation")
    for op, totals in sorted(by_op.items()):
        totals.sort()
        p50 = totals[len(totals) // 2]
        p99 = totals[min(len(totals) - 1, int(len(totals) * 0.99))]
        print(
            f"  {op:<22} {len(totals):>6} {p50 * 1000:>7.0f} {p99 * 1000:>7.0f}"
            f" {totals[-1] * 1000:>7.0f}"
        )
    print(f"slowest {top} requests (server side), and the jobs running meanwhile")
    slowest = sorted(requests, key=lambda request: request[0], reverse=True)
    for total, end, op, sql_seconds, queries in slowest[:top]:
        begin = end - datetime.timedelta(seconds=total)
        during = sorted(
            {job for start, stop, job in jobs if start <= end and stop >= begin}
        )
        print(
            f"  {end:%H:%M:%S} {op:<20} {total * 1000:>6.0f} ms"
            f" (SQL {sql_seconds * 1000:.0f} ms, {queries} queries)"
            f" jobs: {', '.join(during) or 'none'}"
        )


def main(out_dir, db):
    out = pathlib.Path(out_dir)
    addon, crm = stats(out / "addon_stats.csv"), stats(out / "crm_stats.csv")
    common = stats(out / "common_stats.csv")

    def row(rows, name):
        return rows.get(("POST", name))

    print(
        f"{'operation':<22} {'db':<6} {'requests':>8} {'fail':>5} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    ratios = {}
    names = COMMON + sorted(
        {name for (kind, name) in addon if kind == "POST" and name not in COMMON}
    )
    for name in names:
        for label, rows in (("addon", addon), ("common", common), ("crm", crm)):
            data = row(rows, name)
            if not data:
                continue
            print(
                f"{name:<22} {label:<6} {data['Request Count']:>8} "
                f"{data['Failure Count']:>5} {float(data['Requests/s']):>7.2f} "
                f"{data['50%']:>7} {data['95%']:>7} {data['99%']:>7}"
            )
        if name in COMMON and row(common, name) and row(crm, name):
            crm_rate = float(row(crm, name)["Requests/s"]) or 1e-9
            ratios[name] = float(row(common, name)["Requests/s"]) / crm_rate
    refused = sum(
        int(r["Request Count"]) for (k, _n), r in addon.items() if k == "refused"
    )
    failures = sum(
        int(r["Failure Count"])
        for rows in (addon, common)
        for (k, _n), r in rows.items()
        if k == "POST"
    )
    crm_failures = sum(
        int(r["Failure Count"]) for (k, _n), r in crm.items() if k == "POST"
    )
    print(f"refusals the rules called for (not errors): {refused}")
    print(f"failed requests: addon {failures}, crm {crm_failures}")
    for path in (
        out / "addon_failures.csv",
        out / "common_failures.csv",
        out / "crm_failures.csv",
    ):
        if path.exists():
            for line in list(csv.DictReader(path.open()))[:10]:
                print(
                    f"  {path.stem}: {line['Name']}: {line['Error'][:160]} x{line['Occurrences']}"
                )
    for name, ratio in ratios.items():
        print(f"throughput with the addon / crm alone, {name}: {ratio:.2f}")
    server_timings(out / "server-addon.log", out / "measured-since-addon")

    actions = [json.loads(line) for line in (out / "actions-addon.log").open()]
    handoffs = [a["lead"] for a in actions if a["action"] == "handoff"]
    recycles = [a["lead"] for a in actions if a["action"] == "recycle"]
    accepts = [a["lead"] for a in actions if a["action"] == "accept"]
    ids = ",".join(str(i) for i in set(handoffs) | set(recycles) | set(accepts)) or "0"
    checks = [
        (
            "one to-sales journey row per hand-off the clients made",
            sql(
                db,
                f"select count(*) from crm_lead_handoff where direction = 'to_sales' and lead_id in ({ids})",
            ),
            str(len(handoffs)),
        ),
        (
            "one to-marketing journey row per recycle the clients made",
            sql(
                db,
                f"select count(*) from crm_lead_handoff where direction = 'to_marketing' and lead_id in ({ids})",
            ),
            str(len(recycles)),
        ),
        (
            "acceptances recorded for every accept the clients made",
            sql(
                db,
                f"select count(distinct lead_id) from crm_lead_handoff where accepted_date is not null and lead_id in ({','.join(map(str, accepts)) or '0'})",
            ),
            str(len(set(accepts))),
        ),
        (
            "at most one ongoing SLA per lead",
            sql(
                db,
                "select count(*) from (select lead_id from crm_lead_sla where state in ('ongoing', 'paused') group by lead_id having count(*) > 1) s",
            ),
            "0",
        ),
        (
            "every handed-off lead has its SLA (one policy covers all)",
            sql(
                db,
                "select count(*) from crm_lead l where l.lifecycle_stage = 'handed_off' and not exists (select 1 from crm_lead_sla s where s.lead_id = l.id and s.state != 'cancelled')",
            ),
            "0",
        ),
        (
            "every breach escalated (dated)",
            sql(
                db,
                "select count(*) from crm_lead_sla where state = 'failed' and escalated_date is null",
            ),
            "0",
        ),
        (
            "every breach escalated exactly once (one breach note per failed SLA)",
            sql(
                db,
                "select count(*) from crm_lead l where (select count(*) from crm_lead_sla s where s.lead_id = l.id and s.escalated_date is not null) != (select count(*) from mail_message m where m.model = 'crm.lead' and m.res_id = l.id and m.body like '%%SLA%%breached%%')",
            ),
            "0",
        ),
        (
            "nothing half-written: no handed-off lead without its journey row",
            sql(
                db,
                "select count(*) from crm_lead l where l.lifecycle_stage = 'handed_off' and not exists (select 1 from crm_lead_handoff h where h.lead_id = l.id and h.direction = 'to_sales')",
            ),
            "0",
        ),
    ]
    checks += replica_checks(out, row(addon, "open dashboard"))
    broken = 0
    breaches = sql(db, "select count(*) from crm_lead_sla where state = 'failed'")
    print(f"breaches during the run: {breaches}")
    for label, got, want in checks:
        ok = got == want
        broken += not ok
        print(f"  {'ok  ' if ok else 'BROKEN'} {label}: {got} (expected {want})")
    print(f"invariants: {len(checks) - broken} held, {broken} broken")
    return 1 if broken or failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
