"""Every inbound channel lands right, with the satellites installed.

Run by `make compat` inside the database that has crm_alignment and the
satellites (odoo-bin shell, `env` given); prints one line per channel and
exits non-zero when one fails. Nothing is committed.

Default settings (marketing qualification off): inbound leads are
Sales-Ready, sourced by marketing, with their utm kept; Odoo's assignment
takes them and the assignment is logged as the hand-off with its SLA.
"""

import sys
import threading

from odoo import Command

# crm's assignment commits per bundle unless it runs in a test: nothing of
# this check may be committed
threading.current_thread().testing = True

results = []


def check(name, func):
    try:
        with env.cr.savepoint():  # noqa: F821 (odoo shell)
            func()
        results.append((name, None))
    except Exception as error:  # noqa: BLE001 (report every channel)
        results.append((name, error))


Lead = env["crm.lead"]  # noqa: F821
installed = set(
    env["ir.module.module"]  # noqa: F821
    .search([("state", "=", "installed")])
    .mapped("name")
)
company = env.company  # noqa: F821
company.marketing_qualifies_leads = False
utm_source = env["utm.source"].create({"name": "Channel check"})  # noqa: F821
utm_medium = env["utm.medium"].create({"name": "Channel check"})  # noqa: F821
campaign = env["utm.campaign"].create({"name": "Channel check"})  # noqa: F821
salesperson = env["res.users"].create(  # noqa: F821
    {
        "name": "Channel Salesperson",
        "login": f"channel_salesperson_{env.cr.now():%Y%m%d%H%M%S%f}",  # noqa: F821
        "groups_id": [Command.set([env.ref("sales_team.group_sale_salesman").id])],  # noqa: F821
    }
)
manager = env["res.users"].create(  # noqa: F821
    {
        "name": "Channel Manager",
        "email": "channel.manager@example.com",  # crm's merge posts as the user
        "login": f"channel_manager_{env.cr.now():%Y%m%d%H%M%S%f}",  # noqa: F821
        "groups_id": [Command.set([env.ref("sales_team.group_sale_manager").id])],  # noqa: F821
    }
)
team = env["crm.team"].create(  # noqa: F821
    {
        "name": "Channel Team",
        "member_ids": [Command.set(salesperson.ids)],
        "use_leads": True,
        "use_opportunities": True,
    }
)
team.crm_team_member_ids.write(
    {"assignment_max": 300, "assignment_domain": "[('name', 'like', 'Channel ')]"}
)
env["crm.sla.policy"].create({"name": "Channel SLA", "followup_hours": 4})  # noqa: F821


def assert_inbound(lead, source=None):
    assert lead.lifecycle_stage == "sales_ready", lead.lifecycle_stage
    assert lead.sourced_by == "marketing", lead.sourced_by
    if source:
        assert lead.source_id == source, lead.source_id


def assigned_and_handed_off(lead):
    team._action_assign_leads()
    assert lead.user_id == salesperson, f"not assigned: {lead.user_id}"
    Lead._cron_assignment_handoff()
    assert lead.lifecycle_stage == "handed_off", lead.lifecycle_stage
    assert lead.sla_ids.state == "ongoing", lead.sla_ids.state
    # dated by the addon's own stamp of the assignment (crm's date_open is
    # the salesperson's to edit), which is when crm assigned it
    assert lead.handoff_ids.date == lead.sales_assigned_date, (
        lead.handoff_ids.date,
        lead.sales_assigned_date,
    )
    assert abs(lead.sales_assigned_date - lead.date_open).total_seconds() < 2


def mail_alias():
    raw = (
        "From: Buyer <buyer@prospect.example>\r\nTo: sales@example.com\r\n"
        "Subject: Channel mail\r\n"
        f"Message-ID: <channel-check-{env.cr.now():%Y%m%d%H%M%S%f}@example.com>\r\n"  # noqa: F821
        "Content-Type: text/plain\r\n\r\nPlease call me."
    )
    lead_id = env["mail.thread"].message_process(  # noqa: F821
        "crm.lead", raw, custom_values={"team_id": team.id}
    )
    assert lead_id, "the gateway made no lead"
    lead = Lead.browse(lead_id)
    lead.name = "Channel mail"
    assert_inbound(lead)
    assigned_and_handed_off(lead)


def website_form():
    # what website_crm's form controller does: the public user, as sudo
    public = env.ref("base.public_user")  # noqa: F821
    lead = (
        Lead.with_user(public)
        .sudo()
        .create(
            {
                "name": "Channel website",
                "email_from": "web@prospect.example",
                "team_id": team.id,
                "user_id": False,
                "source_id": utm_source.id,
                "medium_id": utm_medium.id,
                "campaign_id": campaign.id,
            }
        )
    )
    assert_inbound(lead, utm_source)
    assert lead.campaign_id == campaign and lead.medium_id == utm_medium
    assigned_and_handed_off(lead)


def manager_import():
    result = (
        Lead.with_user(manager)
        .with_context(import_file=True)
        .load(
            ["name", "team_id/id", "source_id/.id"],
            [["Channel import", "", str(utm_source.id)]],
        )
    )
    assert not [m for m in result["messages"] if m["type"] == "error"], result
    lead = Lead.browse(result["ids"])
    assert_inbound(lead, utm_source)


def salesperson_lead_and_conversion():
    lead = Lead.with_user(salesperson).create({"name": "Channel own", "type": "lead"})
    assert (lead.lifecycle_stage, lead.sourced_by) == ("accepted", "sales")
    wizard = (
        env["crm.lead2opportunity.partner"]  # noqa: F821
        .with_user(salesperson)
        .with_context(active_model="crm.lead", active_id=lead.id, active_ids=lead.ids)
        .create({"name": "convert", "action": "nothing"})
    )
    wizard.action_apply()
    assert lead.type == "opportunity" and lead.lifecycle_stage == "accepted"


def merge():
    first, second = Lead.sudo().create(
        [
            {
                "name": "Channel merge",
                "email_from": "m@prospect.example",
                "user_id": False,
            },
            {
                "name": "Channel merge",
                "email_from": "m@prospect.example",
                "user_id": False,
            },
        ]
    )
    merged = (first | second).with_user(manager).merge_opportunity()
    assert merged.exists() and merged.lifecycle_stage in ("sales_ready", "accepted")


def event_registration():
    event = env["event.event"].create(  # noqa: F821
        {
            "name": "Channel event",
            "date_begin": "2030-01-01 09:00:00",
            "date_end": "2030-01-01 17:00:00",
        }
    )
    env["event.lead.rule"].create(  # noqa: F821
        {
            "name": "Channel rule",
            "lead_creation_basis": "attendee",
            "lead_creation_trigger": "create",
            "event_id": event.id,
            "lead_sales_team_id": team.id,
        }
    )
    registration = env["event.registration"].create(  # noqa: F821
        {"event_id": event.id, "name": "Attendee", "email": "att@prospect.example"}
    )
    lead = registration.lead_ids
    assert lead, "no lead made"
    assert_inbound(lead)


def quotation_from_opportunity():
    partner = env["res.partner"].create({"name": "Channel Customer"})  # noqa: F821
    lead = Lead.with_user(salesperson).create(
        {"name": "Channel deal", "type": "opportunity", "partner_id": partner.id}
    )
    order = (
        env["sale.order"]  # noqa: F821
        .with_user(salesperson)
        .create(  # noqa: F821
            {"partner_id": partner.id, "opportunity_id": lead.id}
        )
    )
    assert order.opportunity_id == lead and lead.lifecycle_stage == "accepted"


check("mail alias (mail gateway)", mail_alias)
if "website_crm" in installed:
    check("website contact form (public user)", website_form)
check("import by a manager", manager_import)
check("salesperson's lead and conversion wizard", salesperson_lead_and_conversion)
check("merge wizard", merge)
if "event_crm" in installed:
    check("event registration", event_registration)
if "sale_crm" in installed:
    check("sale_crm quotation from an opportunity", quotation_from_opportunity)
env.cr.rollback()  # noqa: F821

failed = [(name, error) for name, error in results if error]
for name, error in results:
    print(f"  ok   {name}" if not error else f"  FAIL {name}: {error!r}")
print(f"channels: {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
