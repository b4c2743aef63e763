import random
from datetime import datetime, timedelta

from odoo import fields
from odoo.tools import date_utils

from .models.lifecycle.crm_lead import SKIP_BANT_SYNC, flag

DEMO_MARKER = "crm_alignment.crm_alignment_goal_demo"
DEMO_SOURCES = (
    ("utm.utm_source_search_engine", "utm.utm_medium_google_adwords", 6),
    ("utm.utm_source_newsletter", "utm.utm_medium_email", 4),
    ("utm.utm_source_linkedin", "utm.utm_medium_linkedin", 4),
    ("utm.utm_source_facebook", "utm.utm_medium_facebook", 2),
    ("utm.utm_source_mailing", "utm.utm_medium_email", 2),
)
DEMO_CAMPAIGNS = (
    ("utm.utm_campaign_fall_drive", 12000.0),
    ("utm.utm_campaign_christmas_special", 8000.0),
    ("utm.utm_campaign_email_campaign_services", 3000.0),
    ("utm.utm_campaign_email_campaign_products", False),
)


def make_demo_breach(env):
    """The demo's hand-off nobody followed up (crm_lead_24_demo): dated
    three days back, then the SLA job finds the breach as it would."""
    lead = env.ref("crm_alignment.crm_lead_24_demo", raise_if_not_found=False)
    if not lead or not lead.sla_ids:
        return
    env.flush_all()
    now = fields.Datetime.now()
    env.cr.execute(
        "UPDATE crm_lead_sla SET start_date = %s, deadline = %s WHERE id = ANY(%s)",
        [now - timedelta(days=3), now - timedelta(days=2), lead.sla_ids.ids],
    )
    env.invalidate_all()
    env["crm.lead.sla"]._cron_check_deadlines()


def make_demo_history(env, months=12, per_month=24, seed=2026):
    """A year of shared pipeline for the demo: leads from several sources
    and campaigns through every step (sales-ready, hand-off, follow-up,
    acceptance, opportunity, won or lost, recycled), dated over the past
    months, so every figure of the scoreboard has something to show.
    Deterministic (seeded); written as the pipeline writes its facts."""
    if env.ref(DEMO_MARKER, raise_if_not_found=False):
        return env["crm.lead"]  # made once, at install
    rng = random.Random(seed)
    ref = env.ref
    teams = [
        (
            ref("crm_alignment.crm_team_transactional_demo"),
            ref("crm_alignment.user_sales_inside_demo"),
            ref("crm_alignment.crm_sla_policy_inside_demo"),
        ),
        (
            ref("crm_alignment.crm_team_solution_demo"),
            ref("crm_alignment.user_sales_solution_demo"),
            ref("crm_alignment.crm_sla_policy_enterprise_demo"),
        ),
    ]
    marketers = ref("crm_alignment.user_marketing_demo") | ref(
        "crm_alignment.user_marketing_manager_demo"
    )
    sources = [
        (ref(source), ref(medium))
        for source, medium, weight in DEMO_SOURCES
        for _i in range(weight)
    ]
    campaigns = []
    for xmlid, budget in DEMO_CAMPAIGNS:
        campaign = ref(xmlid, raise_if_not_found=False)
        if campaign:
            if budget:
                campaign.alignment_budget = budget
            campaigns.append(campaign)
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    reasons = env["crm.recycle.reason"].search([])
    now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    start = datetime(now.year, now.month, 1) - timedelta(days=31 * (months - 1))
    plans, vals_list = [], []
    for index in range(months * per_month):
        created = start + timedelta(
            days=rng.uniform(0, (now - start).days - 2), hours=rng.randint(8, 16)
        )
        team, salesperson, policy = rng.choice(teams)
        source, medium = rng.choice(sources)
        campaign = rng.choice(campaigns) if campaigns and rng.random() < 0.6 else None
        plan = {
            "created": created,
            "ready": rng.random() < 0.62,
            "handed": rng.random() < 0.85,
            "followup": rng.choice([0.3, 0.5, 0.8, 2, 5, 12, 30, None]),
            "accepted": rng.random() < 0.8,
            "recycled": rng.random() < 0.15,
            "converted": rng.random() < 0.7,
            "outcome": rng.choice(["won", "won", "lost", "open", "open"]),
            "revenue": rng.choice([4000, 8000, 12000, 25000, 40000]),
            "team": team,
            "salesperson": salesperson,
            "policy": policy,
        }
        plans.append(plan)
        vals_list.append(
            {
                "name": f"{source.name} lead #{index + 1}",
                "type": "lead",
                "team_id": team.id,
                "source_id": source.id,
                "medium_id": medium.id,
                "campaign_id": campaign.id if campaign else False,
                "marketing_user_id": rng.choice(marketers).id,
                "sourced_by": "marketing",
                "lifecycle_stage": "nurture",
                "expected_revenue": plan["revenue"],
            }
        )
    Lead = env["crm.lead"].with_context(
        tracking_disable=True, mail_create_nolog=True, mail_notrack=True
    )
    with flag(SKIP_BANT_SYNC):
        leads = Lead._alignment_guarded_create(vals_list)
    handoffs, slas = [], []
    lead_sql = []  # (id, create, ready, handed, accepted, conversion, closed)
    open_stages = env["crm.stage"].search(
        [("is_won", "=", False), ("fold", "=", False)]
    )
    context = {
        "won_stage": won_stage,
        "open_stages": open_stages,
        "reasons": reasons,
        "now": now,
        "rng": rng,
    }
    for lead, plan in zip(leads, plans, strict=True):
        vals, dates = _demo_journey(env, lead, plan, handoffs, slas, **context)
        if vals:
            with flag(SKIP_BANT_SYNC):
                lead.with_context(
                    tracking_disable=True, mail_notrack=True
                )._alignment_guarded_write(vals)
        lead_sql.append((lead.id, *dates))
    _demo_write_journey(env, leads, lead_sql, handoffs, slas)
    _demo_goals(env, [team for team, _user, _policy in teams])
    return leads


def _demo_journey(
    env, lead, plan, handoffs, slas, won_stage, open_stages, reasons, now, rng
):
    """One lead's way down the funnel: its final values and its dates
    (created, sales-ready, handed off, accepted, converted, closed)."""
    created = plan["created"]
    ready = handed = accepted = conversion = closed = None
    vals = {}
    if plan["ready"]:
        ready = created + timedelta(hours=rng.randint(4, 200))
        vals["lifecycle_stage"] = "sales_ready"
    if ready and plan["handed"] and ready < now - timedelta(days=1):
        handed = ready + timedelta(hours=rng.randint(1, 48))
        vals.update(
            lifecycle_stage="handed_off",
            user_id=plan["salesperson"].id,
            handoff_date=handed,
        )
        followup = plan["followup"]
        reached = handed + timedelta(hours=followup) if followup else None
        handoffs.append((lead, plan, handed, reached if plan["accepted"] else None))
        slas.append((lead, plan, handed, reached, followup))
        if reached and plan["accepted"]:
            accepted = reached
            vals["lifecycle_stage"] = "accepted"
            if plan["recycled"]:
                vals.update(
                    lifecycle_stage="nurture",
                    user_id=False,
                    recycle_count=1,
                    recycle_reason_id=reasons[:1].id,
                    previous_user_id=plan["salesperson"].id,
                    company_id=lead.company_id.id,
                )
            elif plan["converted"]:
                conversion = accepted + timedelta(hours=rng.randint(2, 120))
                vals["type"] = "opportunity"
                if plan["outcome"] == "won" and won_stage:
                    closed = conversion + timedelta(days=rng.randint(5, 60))
                    vals.update(stage_id=won_stage.id, probability=100)
                elif plan["outcome"] == "open" and open_stages:
                    # the salesperson's pipeline has deals at every stage
                    vals["stage_id"] = rng.choice(open_stages).id
                elif plan["outcome"] == "lost":
                    closed = conversion + timedelta(days=rng.randint(5, 40))
                    vals.update(active=False, probability=0)
                if closed and closed > now:
                    closed = now - timedelta(hours=1)
    return vals, (created, ready, handed, accepted, conversion, closed)


def _demo_write_journey(env, leads, lead_sql, handoffs, slas):
    Handoff = env["crm.lead.handoff"].sudo()
    handoff_records = Handoff._alignment_guarded_create(
        [
            {
                "lead_id": lead.id,
                "direction": "to_sales",
                "date": handed,
                "user_id": lead.marketing_user_id.id or env.uid,
                "from_user_id": lead.marketing_user_id.id,
                "to_user_id": plan["salesperson"].id,
                "team_id": plan["team"].id,
                "accepted_date": accepted,
                "accepted_user_id": plan["salesperson"].id if accepted else False,
            }
            for lead, plan, handed, accepted in handoffs
        ]
    )
    recycled = leads.filtered(lambda lead: lead.recycle_count)
    Handoff._alignment_guarded_create(
        [
            {
                "lead_id": lead.id,
                "direction": "to_marketing",
                "date": lead_sql_row[4] + timedelta(days=3),
                "user_id": lead.previous_user_id.id,
                "from_user_id": lead.previous_user_id.id,
                "to_user_id": lead.marketing_user_id.id,
                "team_id": lead.team_id.id,
                "reason_id": lead.recycle_reason_id.id,
            }
            for lead, lead_sql_row in (
                (lead, row) for lead, row in zip(leads, lead_sql, strict=True)
            )
            if lead in recycled and lead_sql_row[4]
        ]
    )
    by_lead = {handoff.lead_id.id: handoff for handoff in handoff_records}
    now = fields.Datetime.now()
    sla_vals = []
    for lead, plan, handed, reached, followup in slas:
        hours = plan["policy"].followup_hours
        deadline = handed + timedelta(hours=hours * 2)
        if reached:
            state = "reached" if followup <= hours else "failed"
        else:
            state = "failed" if deadline < now else "ongoing"
        sla_vals.append(
            {
                "lead_id": lead.id,
                "policy_id": plan["policy"].id,
                "team_id": plan["team"].id,
                "user_id": plan["salesperson"].id,
                "handoff_id": by_lead[lead.id].id,
                "start_date": handed,
                "deadline": deadline,
                "reached_date": reached,
                "response_hours": followup if reached else 0.0,
                "late_hours": max(0.0, (followup or hours * 2) - hours),
                "state": state,
                "escalated_date": deadline if state == "failed" else False,
            }
        )
    slas_created = env["crm.lead.sla"].sudo()._alignment_guarded_create(sla_vals)
    for sla in slas_created:
        if sla.lead_id.active and sla.lead_id.lifecycle_stage != "nurture":
            sla.lead_id._alignment_guarded_write(
                {
                    "sla_id": sla.id,
                    "sla_state": sla.state,
                    "sla_deadline": sla.deadline,
                }
            )
    env.flush_all()
    env.cr.execute(
        """
        UPDATE crm_lead l
           SET create_date = v.created, sales_ready_date = v.ready,
               first_handoff_date = v.handed, accepted_date = v.accepted,
               date_conversion = v.conversion, date_closed = v.closed,
               won_date = CASE WHEN l.won_date IS NOT NULL THEN v.closed END,
               date_open = v.handed
          FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[],
                      %s::timestamp[], %s::timestamp[], %s::timestamp[],
                      %s::timestamp[])
               AS v(id, created, ready, handed, accepted, conversion, closed)
         WHERE l.id = v.id
        """,
        [list(column) for column in zip(*lead_sql, strict=True)],
    )
    env.invalidate_all()
    leads.with_context(active_test=False)._funnel_update_hours()


def _demo_goals(env, teams):
    """Signed goals for this quarter and last month per team, and a
    company-wide draft for next month."""
    ref = env.ref
    sales_manager = ref("crm_alignment.user_sales_manager_demo")
    marketing_manager = ref("crm_alignment.user_marketing_manager_demo")
    today = fields.Date.context_today(env.user)
    quarter = date_utils.start_of(today, "quarter")
    last_month = date_utils.start_of(today, "month") - timedelta(days=1)
    next_month = date_utils.end_of(today, "month") + timedelta(days=1)
    now = fields.Datetime.now()
    signed = {
        "state": "agreed",
        "sales_agreed_user_id": sales_manager.id,
        "sales_agreed_date": now,
        "marketing_agreed_user_id": marketing_manager.id,
        "marketing_agreed_date": now,
    }
    quarter_targets = [
        ("sales_ready_delivered", 45),
        ("sourced_pipeline", 150000),
        ("sourced_won_revenue", 60000),
        ("sourced_share", 40),
        ("followed_within_sla", 90),
        ("acceptance_rate", 85),
        ("median_followup_hours", 2),
        ("sales_sourced_won_revenue", 60000),
    ]
    vals_list = []
    for team in teams:
        base = {
            "team_id": team.id,
            "company_id": (team.company_id or env.company).id,
            "marketing_owner_id": marketing_manager.id,
            "sales_owner_id": sales_manager.id,
        }
        vals_list.append(
            dict(
                base,
                **signed,
                period="quarter",
                date_start=quarter,
                line_ids=[
                    fields.Command.create({"kpi": kpi, "target": target})
                    for kpi, target in quarter_targets
                ],
            )
        )
        vals_list.append(
            dict(
                base,
                **signed,
                period="month",
                date_start=date_utils.start_of(last_month, "month"),
                line_ids=[
                    fields.Command.create(
                        {"kpi": "sales_ready_delivered", "target": 15}
                    ),
                    fields.Command.create({"kpi": "followed_within_sla", "target": 90}),
                ],
            )
        )
    vals_list.append(
        {
            "company_id": env.company.id,
            "period": "month",
            "date_start": next_month,
            "marketing_owner_id": marketing_manager.id,
            "sales_owner_id": sales_manager.id,
            "line_ids": [
                fields.Command.create({"kpi": "sales_ready_delivered", "target": 35}),
                fields.Command.create({"kpi": "acceptance_rate", "target": 85}),
            ],
        }
    )
    goals = env["crm.alignment.goal"]._alignment_guarded_create(vals_list)
    env["ir.model.data"]._update_xmlids(
        [{"xml_id": DEMO_MARKER, "record": goals[0], "noupdate": True}]
    )
    return goals
