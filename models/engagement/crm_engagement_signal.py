"""Where engagement signals come from: Odoo's own records, read in SQL.

Defined once: the lead's re-score (crm.lead._engagement_rescore) and its
explanation (crm.lead.engagement_explanation) both read the rows built here,
so what the score counts and what the lead shows are the same rows.

Each source is a SELECT of (lead_id, signal_type, signal_date, res_model,
res_id). The sources of website_crm, event_crm and crm_livechat are read
only where those modules are installed: they are not dependencies.
"""

from odoo.tools import SQL

SIGNAL_TYPES = [
    ("mail_open", "E-mail opened"),
    ("mail_click", "E-mail link clicked"),
    ("mail_reply", "E-mail replied"),
    ("mail_bounce", "E-mail bounced"),
    ("content_shared", "Content shared"),
    ("page_view", "Website page viewed"),
    ("form_submission", "Web form submitted"),
    ("event_registration", "Event registration"),
    ("event_attendance", "Event attended"),
    ("livechat", "Live chat session"),
]
# signal type -> the Odoo module that must be installed for it to count
SIGNAL_MODULES = {
    "page_view": "website_crm",
    "form_submission": "website_crm",
    "event_registration": "event_crm",
    "event_attendance": "event_crm",
    "livechat": "crm_livechat",
}


def _in_leads(column, leads):
    """``column`` among the leads of relation ``leads``; no filter at all
    for every lead (None): a full scan joins by hash, not lead by lead."""
    if leads is None:
        return SQL("TRUE")
    return SQL("%s IN (SELECT id FROM %s)", SQL(column), leads)


def _mail_sources(leads):
    """The lead's own mailing traces (nurture e-mails and any mailing sent to
    leads): one row per open, click, reply and bounce, in one scan of the
    traces."""
    return [
        SQL(
            """SELECT t.res_id AS lead_id, event.signal_type,
                      event.signal_date, 'mailing.trace' AS res_model,
                      t.id AS res_id
                 FROM mailing_trace t
           CROSS JOIN LATERAL (VALUES
                      ('mail_open', t.open_datetime),
                      ('mail_click', t.links_click_datetime),
                      ('mail_reply', t.reply_datetime),
                      -- a bounce has no date of its own: it follows the
                      -- sending closely
                      ('mail_bounce', CASE WHEN t.trace_status = 'bounce'
                           THEN COALESCE(t.sent_datetime, t.create_date) END)
                      ) AS event (signal_type, signal_date)
                WHERE t.model = 'crm.lead' AND %s
                  AND event.signal_date IS NOT NULL""",
            _in_leads("t.res_id", leads),
        )
    ]


def _content_sources(leads):
    return [
        SQL(
            """SELECT s.lead_id, 'content_shared', s.date,
                      'crm.marketing.content.share', s.id
                 FROM crm_marketing_content_share s
                WHERE %s""",
            _in_leads("s.lead_id", leads),
        )
    ]


def _website_sources(env, leads):
    """Page views of the lead's website visitors, and the web forms the same
    address submitted (a website form creates a lead of medium Website)."""
    website_medium = env.ref("utm.utm_medium_website", raise_if_not_found=False)
    sources = [
        SQL(
            """SELECT r.crm_lead_id, 'page_view', track.visit_datetime,
                      'website.track', track.id
                 FROM crm_lead_website_visitor_rel r
                 JOIN website_track track ON track.visitor_id = r.website_visitor_id
                WHERE %s AND track.page_id IS NOT NULL""",
            _in_leads("r.crm_lead_id", leads),
        )
    ]
    if website_medium:
        sources.append(
            SQL(
                """SELECT lead.id, 'form_submission', form.create_date,
                          'crm.lead', form.id
                     FROM crm_lead lead
                     JOIN crm_lead form
                       ON form.email_normalized = lead.email_normalized
                    WHERE %s AND form.medium_id = %s""",
                _in_leads("lead.id", leads),
                website_medium.id,
            )
        )
    return sources


def _event_sources(leads):
    """Registrations linked to the lead by event_crm, and their attendance."""
    return [
        SQL(
            """SELECT r.crm_lead_id, 'event_registration', reg.create_date,
                      'event.registration', reg.id
                 FROM crm_lead_event_registration_rel r
                 JOIN event_registration reg ON reg.id = r.event_registration_id
                WHERE %s AND reg.state != 'cancel'""",
            _in_leads("r.crm_lead_id", leads),
        ),
        SQL(
            """SELECT r.crm_lead_id, 'event_attendance', reg.date_closed,
                      'event.registration', reg.id
                 FROM crm_lead_event_registration_rel r
                 JOIN event_registration reg ON reg.id = r.event_registration_id
                WHERE %s AND reg.state = 'done' AND reg.date_closed IS NOT NULL""",
            _in_leads("r.crm_lead_id", leads),
        ),
    ]


def _livechat_sources(leads):
    """Live chat sessions the lead's contact took part in."""
    return [
        SQL(
            """SELECT lead.id, 'livechat', channel.create_date,
                      'discuss.channel', channel.id
                 FROM crm_lead lead
                 JOIN discuss_channel_member member
                   ON member.partner_id = lead.partner_id
                 JOIN discuss_channel channel ON channel.id = member.channel_id
                WHERE %s AND channel.channel_type = 'livechat'""",
            _in_leads("lead.id", leads),
        )
    ]


def _module_installed(env, module):
    """Read off the registry (no query): the fields each module adds."""
    if module == "website_crm":
        return "visitor_ids" in env["crm.lead"]._fields
    if module == "event_crm":
        return "registration_ids" in env["crm.lead"]._fields
    if module == "crm_livechat":
        return (
            "chatbot.script.step" in env
            and "crm_team_id" in env["chatbot.script.step"]._fields
        )
    return True


def installed_signal_types(env):
    """The signal types this database can observe."""
    return [
        signal_type
        for signal_type, _label in SIGNAL_TYPES
        if _module_installed(env, SIGNAL_MODULES.get(signal_type))
    ]


def signals_query(env, leads):
    """Every signal of the leads that ``leads`` (SQL naming a relation with
    an ``id`` column: a CTE; None: every lead) selects, as one UNION ALL."""
    sources = _mail_sources(leads) + _content_sources(leads)
    if _module_installed(env, "website_crm"):
        sources += _website_sources(env, leads)
    if _module_installed(env, "event_crm"):
        sources += _event_sources(leads)
    if _module_installed(env, "crm_livechat"):
        sources += _livechat_sources(leads)
    return SQL(" UNION ALL ").join(sources)
