# Every engagement signal Odoo's apps record is read: one lead with a web
# visit, a web form, an event attended and a live chat, under a definition
# counting every signal type; rolled back. Run by `odoo-bin shell`, which
# gives it ``env``.
# ruff: noqa: F821
from datetime import timedelta

from odoo import fields

from odoo.addons.crm_alignment.models.engagement.crm_engagement_signal import (
    installed_signal_types,
)

now = fields.Datetime.now()
env = env(
    context=dict(env.context, tracking_disable=True, mail_notify_force_send=False)
)


def _no_commit():
    raise RuntimeError("the signals check must leave nothing behind: no commit")


commit = env.cr.commit
env.cr.commit = _no_commit
Lead = env["crm.lead"]
email = "signals@prospect.example.com"
partner = env["res.partner"].create({"name": "Signal Prospect", "email": email})
lead = Lead.create(
    {
        "name": "Signals lead",
        "type": "lead",
        "partner_id": partner.id,
        "email_from": email,
    }
)
expected = set()
if "visitor_ids" in Lead._fields:
    website = env["website"].search([], limit=1)
    page = env["website.page"].search([], limit=1)
    visitor = env["website.visitor"].create(
        {"access_token": "f" * 32, "website_id": website.id}
    )
    env["website.track"].create(
        {"visitor_id": visitor.id, "page_id": page.id, "url": page.url}
    )
    lead.visitor_ids = [(4, visitor.id)]
    Lead.create(
        {
            "name": "Contact us form",
            "email_from": email,
            "medium_id": env.ref("utm.utm_medium_website").id,
        }
    )
    expected |= {"page_view", "form_submission"}
if "registration_ids" in Lead._fields:
    event = env["event.event"].create(
        {
            "name": "Signal event",
            "date_begin": now - timedelta(days=1),
            "date_end": now + timedelta(hours=2),
            # no confirmation mail: sending it would commit this check
            "event_mail_ids": [(5, 0, 0)],
        }
    )
    registration = env["event.registration"].create(
        {"event_id": event.id, "partner_id": partner.id, "email": email}
    )
    registration.action_set_done()
    lead.registration_ids = [(4, registration.id)]
    expected |= {"event_registration", "event_attendance"}
if "livechat" in installed_signal_types(env):
    env["discuss.channel"].create(
        {
            "name": "Signal chat",
            "channel_type": "livechat",
            "livechat_operator_id": env.user.partner_id.id,
            "channel_member_ids": [
                (0, 0, {"partner_id": partner.id}),
                (0, 0, {"partner_id": env.user.partner_id.id}),
            ],
        }
    )
    expected.add("livechat")
env["crm.engagement.definition"].search([]).write({"active": False})
definition = env["crm.engagement.definition"].create(
    {
        "name": "Every signal",
        "rule_ids": [
            (0, 0, {"signal_type": signal, "points": 10, "half_life_days": 30})
            for signal in installed_signal_types(env)
        ],
    }
)
definition._alignment_guarded_write({"state": "agreed"})
Lead._engagement_rescore()
rows = lead._engagement_signal_rows().get(lead.id, [])
seen = {row["signal_type"] for row in rows}
missing = expected - seen
print(f"ENGAGEMENT-SIGNALS seen={sorted(seen)} score={lead.engagement_score}")
env.cr.rollback()
env.cr.commit = commit  # the shell's own, at exit: nothing left to commit
if missing:
    raise SystemExit(f"signals not read: {sorted(missing)}")
