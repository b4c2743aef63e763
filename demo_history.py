import random
from datetime import datetime, timedelta

from odoo import fields
from odoo.tools import date_utils

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


def make_demo_history(env, months=12, per_month=16, seed=2026):
    """A year of shared pipeline for the demo: leads from several sources
    and campaigns through every step (BANT answers that make them sales-ready,
    hand-off, follow-up in or out of the SLA, acceptance, opportunity, won or
    lost, recycled), so every figure of the scoreboard has something to show.

    Every step is the public action a user's click goes through, called as
    that user, at the moment the plan gives it: the clock is set with
    freezegun, as Odoo's tests set it, so the journey dates, SLA deadlines,
    breaches (found by the SLA job), working hours and chatter are the
    pipeline's own. Only the creation dates, which PostgreSQL stamps, are
    dated afterwards. Deterministic (seeded)."""
    if env.ref(DEMO_MARKER, raise_if_not_found=False):
        return env["crm.lead"]  # made once, at install
    # demo only; freezegun is in Odoo's own requirements
    from freezegun import freeze_time  # noqa: PLC0415

    rng = random.Random(seed)
    ref = env.ref
    teams = [
        (
            ref("crm_alignment.crm_team_transactional_demo"),
            ref("crm_alignment.user_sales_inside_demo"),
        ),
        (
            ref("crm_alignment.crm_team_solution_demo"),
            ref("crm_alignment.user_sales_solution_demo"),
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
    campaigns = _demo_campaigns(env)
    now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    start = datetime(now.year, now.month, 1) - timedelta(days=31 * (months - 1))
    plans = []
    for index in range(months * per_month):
        team, salesperson = rng.choice(teams)
        source, medium = rng.choice(sources)
        campaign = rng.choice(campaigns) if campaigns and rng.random() < 0.6 else None
        plans.append(
            _demo_plan(rng, start, now, team, salesperson)
            | {
                "marketer": rng.choice(marketers),
                "vals": {
                    "name": f"{source.name} lead #{index + 1}",
                    "type": "lead",
                    "team_id": team.id,
                    "source_id": source.id,
                    "medium_id": medium.id,
                    "campaign_id": campaign.id if campaign else False,
                    "expected_revenue": rng.choice([4000, 8000, 12000, 25000, 40000]),
                    # nurture e-mails need an address
                    "email_from": f"buyer{index + 1}@prospect{index % 9}.example.com",
                },
            }
        )
    plans.sort(key=lambda plan: plan["created"])
    answers = _demo_answers(env)
    steps = {
        "reasons": env["crm.recycle.reason"].search([], limit=1),
        "lost_reason": env["crm.lost.reason"].search([], limit=1),
        "open_stages": env["crm.stage"].search(
            [("is_won", "=", False), ("fold", "=", False)]
        ),
    }
    # the programs and the engagement definitions both teams signed:
    # recycled leads of the history join them
    _demo_nurture_programs(env, [team for team, _user in teams])
    _demo_engagement_definitions(env, [team for team, _user in teams])
    leads = env["crm.lead"]
    created = {}
    for plan in plans:
        lead = _demo_journey(env, plan, answers, steps, freeze_time, rng)
        leads |= lead
        created[lead.id] = plan["created"]
    # the hand-offs nobody followed up: the SLA job finds them, now
    env["crm.lead.sla"]._cron_check_deadlines()
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_lead l SET create_date = v.created"
        "  FROM unnest(%s::int[], %s::timestamp[]) AS v(id, created)"
        " WHERE l.id = v.id",
        [list(created), list(created.values())],
    )
    env.invalidate_all()
    leads.with_context(active_test=False)._funnel_update_hours()
    _demo_nurture_run(env, now, answers, freeze_time)
    _demo_goals(env, [team for team, _user in teams])
    return leads


def _demo_campaigns(env):
    campaigns = []
    for xmlid, budget in DEMO_CAMPAIGNS:
        campaign = env.ref(xmlid, raise_if_not_found=False)
        if campaign:
            if budget:
                # the budget is a marketing manager's to set
                campaign.with_user(
                    env.ref("crm_alignment.user_marketing_manager_demo")
                ).alignment_budget = budget
            campaigns.append(campaign)
    return campaigns


def _demo_answers(env):
    """BANT answers of a lead that qualifies, and of one that does not yet."""
    ref = env.ref
    return {
        "fit": {
            "bant_budget_id": ref("crm_alignment.bant_budget_approved").id,
            "bant_authority_id": ref("crm_alignment.bant_authority_decision_maker").id,
            "bant_need_id": ref("crm_alignment.bant_need_critical").id,
            "bant_timeframe_id": ref("crm_alignment.bant_timeframe_under_3").id,
        },
        "not_yet": {
            "bant_authority_id": ref("crm_alignment.bant_authority_user").id,
            "bant_need_id": ref("crm_alignment.bant_need_nice").id,
            "bant_timeframe_id": ref("crm_alignment.bant_timeframe_over_12").id,
        },
    }


def _demo_plan(rng, start, now, team, salesperson):
    """When each step of one lead happens (None: it does not)."""
    created = start + timedelta(
        days=rng.uniform(0, (now - start).days - 2), hours=rng.randint(8, 16)
    )
    plan = {"created": created, "team": team, "salesperson": salesperson}
    plan["answered"] = created + timedelta(hours=rng.randint(2, 30))
    plan["ready"] = rng.random() < 0.62
    handed = None
    if plan["ready"] and rng.random() < 0.85:
        handed = plan["answered"] + timedelta(hours=rng.randint(1, 48))
        if handed > now - timedelta(days=1):
            handed = None
    plan["handed"] = handed
    followup = rng.choice([0.3, 0.5, 0.8, 2, 5, 12, 30, None])
    plan["followed"] = (
        handed + timedelta(hours=followup) if handed and followup else None
    )
    if plan["followed"] and plan["followed"] > now:
        plan["followed"] = None
    followed = plan["followed"]
    plan["recycled"] = (
        followed + timedelta(days=3) if followed and rng.random() < 0.15 else None
    )
    converted = None
    if followed and not plan["recycled"] and rng.random() < 0.7:
        converted = followed + timedelta(hours=rng.randint(2, 120))
    plan["converted"] = converted
    plan["outcome"] = rng.choice(["won", "won", "lost", "open", "open"])
    closed = None
    if converted and plan["outcome"] in ("won", "lost"):
        closed = min(
            converted + timedelta(days=rng.randint(5, 60)), now - timedelta(hours=1)
        )
    plan["closed"] = closed
    for step in ("recycled", "converted"):
        if plan[step] and plan[step] > now:
            plan[step] = None
    return plan


def _demo_journey(env, plan, answers, steps, freeze_time, rng):
    """One lead's way down the funnel, each step by its user at its time."""
    marketer = plan["marketer"]
    salesperson = plan["salesperson"]
    with freeze_time(plan["created"]):
        lead = env["crm.lead"].with_user(marketer).create(plan["vals"])
    with freeze_time(plan["answered"]):
        lead.write(answers["fit"] if plan["ready"] else answers["not_yet"])
    if not plan["handed"]:
        return lead.with_env(env)
    with freeze_time(plan["handed"]):
        lead.handoff_to_sales(user_id=salesperson.id, note="Asked for a call back.")
    followed = plan["followed"]
    if not followed:
        return lead.with_env(env)
    sla = lead.sudo().sla_id
    if sla and followed > sla.deadline:
        with freeze_time(followed - timedelta(minutes=5)):
            # late: the SLA job found the breach before the follow-up came
            env["crm.lead.sla"]._cron_check_deadlines()
    lead = lead.with_user(salesperson)
    with freeze_time(followed):
        lead.action_accept()
    if plan["recycled"]:
        with freeze_time(plan["recycled"]):
            lead.recycle_to_nurture(
                steps["reasons"].id, note="Not ready to buy: timing."
            )
        return lead.with_env(env)
    if not plan["converted"]:
        return lead.with_env(env)
    with freeze_time(plan["converted"]):
        lead.convert_opportunity(env["res.partner"])
        if plan["outcome"] == "open" and steps["open_stages"]:
            # the salesperson's pipeline has deals at every stage
            lead.write({"stage_id": rng.choice(steps["open_stages"]).id})
    if plan["closed"]:
        with freeze_time(plan["closed"]):
            if plan["outcome"] == "won":
                lead.action_set_won()
            else:
                lead.action_set_lost(lost_reason_id=steps["lost_reason"].id)
    return lead.with_env(env)


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
    # proposed by marketing, signed by both managers through their actions;
    # next month's company-wide goal is still a draft
    goals = env["crm.alignment.goal"].with_user(marketing_manager).create(vals_list)
    signed = goals.filtered("team_id")
    signed.action_agree_marketing()
    signed.with_user(sales_manager).action_agree_sales()
    goals = goals.with_env(env)
    env["ir.model.data"]._update_xmlids(
        [{"xml_id": DEMO_MARKER, "record": goals[0], "noupdate": True}]
    )
    return goals


def _demo_nurture_programs(env, teams):
    """One program per team, designed by marketing and signed by both
    managers: a call task first, then e-mails, the second one only for the
    prospects who did not open the first."""
    ref = env.ref
    marketer = ref("crm_alignment.user_marketing_demo")
    sales_manager = ref("crm_alignment.user_sales_manager_demo")
    marketing_manager = ref("crm_alignment.user_marketing_manager_demo")
    reasons = env["crm.recycle.reason"].search(
        [("id", "!=", ref("crm_alignment.crm_recycle_reason_not_a_fit").id)]
    )
    call = ref("mail.mail_activity_data_call")
    programs = (
        env["crm.nurture.program"]
        .with_user(marketer)
        .create(
            [
                {
                    "name": f"{team.name}: back when the timing is right",
                    "team_id": team.id,
                    "recycle_reason_ids": [fields.Command.set(reasons.ids)],
                    "enrol_on_demotion": True,
                    "description": "<p>Prospects sales sent back: a call from "
                    "marketing to learn what changed, a customer story, and a "
                    "reminder for those who did not read it. Sales hears back "
                    "when the prospect is sales-ready again.</p>",
                    "step_ids": [
                        fields.Command.create(
                            {
                                "sequence": 1,
                                "name": "Call: what changed?",
                                "kind": "activity",
                                "delay_days": 2,
                                "activity_type_id": call.id,
                                "activity_owner": "marketing",
                                "note": "Ask what would make the timing right.",
                            }
                        ),
                        fields.Command.create(
                            {
                                "sequence": 2,
                                "name": "Customer story",
                                "kind": "email",
                                "delay_days": 5,
                                "subject": "How a team like yours got there",
                                "body_html": "<p>Hello,</p><p>Here is how a "
                                "team like yours chose its timing.</p>",
                            }
                        ),
                        fields.Command.create(
                            {
                                "sequence": 3,
                                "name": "Reminder for who did not open",
                                "kind": "email",
                                "delay_days": 10,
                                "condition": "not_opened",
                                "subject": "In case you missed it",
                                "body_html": "<p>Hello,</p><p>The story we "
                                "sent you, in three lines.</p>",
                            }
                        ),
                    ],
                }
                for team in teams
            ]
        )
    )
    programs.with_user(sales_manager).action_agree_sales()
    programs.with_user(marketing_manager).action_agree_marketing()
    return programs


def _demo_engagement_definitions(env, teams):
    """What engagement means, per team, signed by both managers."""
    ref = env.ref
    marketer = ref("crm_alignment.user_marketing_demo")
    rules = [
        ("mail_open", 5, 14.0, 20),
        ("mail_click", 12, 21.0, 36),
        ("mail_reply", 20, 30.0, 40),
        ("mail_bounce", -20, 60.0, 0),
        ("content_shared", 4, 30.0, 12),
        ("page_view", 1, 7.0, 15),
        ("form_submission", 15, 45.0, 30),
        ("event_registration", 10, 45.0, 20),
        ("event_attendance", 20, 60.0, 40),
        ("livechat", 8, 21.0, 16),
    ]
    definitions = (
        env["crm.engagement.definition"]
        .with_user(marketer)
        .create(
            [
                {
                    "name": f"{team.name}: what engagement means",
                    "team_id": team.id,
                    "grade_1_from": 40,
                    "grade_2_from": 20,
                    "grade_3_from": 5,
                    "description": "<p>Replies and event attendance say most, a "
                    "click more than an open; a bounce counts against. Signals "
                    "fade: an open is worth half after two weeks.</p>",
                    "rule_ids": [
                        fields.Command.create(
                            {
                                "signal_type": signal,
                                "points": points,
                                "half_life_days": half_life,
                                "cap": cap,
                            }
                        )
                        for signal, points, half_life, cap in rules
                    ],
                }
                for team in teams
            ]
        )
    )
    definitions.with_user(
        ref("crm_alignment.user_sales_manager_demo")
    ).action_agree_sales()
    definitions.with_user(
        ref("crm_alignment.user_marketing_manager_demo")
    ).action_agree_marketing()
    return definitions


def _demo_nurture_run(env, now, answers, freeze_time):
    """The nurture programs at work over the last three weeks: the step job
    runs, some prospects open and click; one recycled lead warms up, goes
    back to sales and is won."""
    Enrolment = env["crm.nurture.enrolment"]
    for days_ago in (21, 14, 7, 1):
        with freeze_time(now - timedelta(days=days_ago)):
            while Enrolment._cron_run_steps():
                pass
    # the step's own date (PostgreSQL stamps the trace with today)
    touches = env["crm.nurture.touch"].search(
        [("mailing_trace_id", "!=", False)], order="id"
    )
    for index, touch in enumerate(touches):
        if index % 3 == 2:
            continue  # not opened
        with freeze_time(touch.date + timedelta(hours=5)):
            touch.mailing_trace_id.set_opened()
            if index % 3 == 0:
                touch.mailing_trace_id.set_clicked()
    with freeze_time(now):
        env["crm.lead"]._cron_engagement_rescore()
    # the lead that came back: a fit again, engaged, handed off and won
    running = Enrolment.search([("state", "=", "active")], order="id")
    lead = running[:1].lead_id
    if not lead:
        return
    ref = env.ref
    marketer = ref("crm_alignment.user_marketing_demo")
    salesperson = lead.user_id or lead.previous_user_id or lead.team_id.user_id
    with freeze_time(now - timedelta(days=6)):
        lead.with_user(marketer).write(answers["fit"])
    mailing = (
        running[:1]
        .program_id.step_ids.filtered(lambda step: step.kind == "email")[:1]
        ._step_mailing()
    )
    with freeze_time(now - timedelta(days=5)):
        mailing.with_context(mail_notify_force_send=False)._action_send_mail(
            res_ids=lead.ids
        )
        trace = env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id), ("res_id", "=", lead.id)],
            order="id desc",
            limit=1,
        )
        trace.set_opened()
        trace.set_clicked()
        trace.set_replied()
    if lead.lifecycle_stage == "sales_ready" and salesperson:
        with freeze_time(now - timedelta(days=4)):
            lead.with_user(marketer).handoff_to_sales(
                user_id=salesperson.id, note="Back from nurturing: replied."
            )
    if lead.lifecycle_stage == "handed_off":
        lead = lead.with_user(lead.user_id)
        with freeze_time(now - timedelta(days=3)):
            lead.action_accept()
        with freeze_time(now - timedelta(days=2)):
            lead.convert_opportunity(env["res.partner"])
        with freeze_time(now - timedelta(days=1)):
            lead.action_set_won()
