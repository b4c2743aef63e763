import logging
import time

from odoo import SUPERUSER_ID
from odoo.tools import SQL, create_index

from .demo_history import make_demo_breach, make_demo_history
from .models.lifecycle.crm_lead import CRM_PRIORITY_INDEX

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Classify the leads that exist before install by rule, in one statement.

    Opportunities and assigned leads are already sales' business (accepted,
    sourced by sales); unassigned leads are raw marketing leads, owned by the
    internal user who entered them. The hook runs after this module's own
    (demo) leads are loaded through the lifecycle API: those are left alone.
    """
    env["crm.lead"].flush_model()
    start = time.monotonic()
    env.cr.execute(
        SQL(
            """
            UPDATE crm_lead lead
               SET lifecycle_stage = CASE WHEN is_sales THEN 'accepted' ELSE 'new' END,
                   sourced_by = CASE WHEN is_sales THEN 'sales' ELSE 'marketing' END,
                   marketing_user_id = CASE
                       WHEN is_sales THEN NULL ELSE internal_creator END
              FROM (
                  SELECT l.id,
                         (l.type = 'opportunity' OR l.user_id IS NOT NULL) AS is_sales,
                         CASE WHEN u.share IS FALSE AND u.id != %(superuser)s
                              THEN u.id END AS internal_creator
                    FROM crm_lead l
               LEFT JOIN res_users u ON u.id = l.create_uid
                   WHERE NOT EXISTS (
                         SELECT 1 FROM ir_model_data d
                          WHERE d.module = 'crm_alignment' AND d.model = 'crm.lead'
                            AND d.res_id = l.id)
              ) src
             WHERE src.id = lead.id
            """,
            superuser=SUPERUSER_ID,
        )
    )
    _logger.info(
        "crm_alignment: classified %s existing leads in %.2f s",
        env.cr.rowcount,
        time.monotonic() - start,
    )
    env["crm.lead"].invalidate_model(
        ["lifecycle_stage", "sourced_by", "marketing_user_id"]
    )
    if env.ref("crm_alignment.user_marketing_demo", raise_if_not_found=False):
        # demo: a year of shared pipeline, made after the classification
        make_demo_breach(env)
        make_demo_history(env)


def uninstall_hook(env):
    """The database objects the ORM does not know about."""
    # first: crm's tables must not keep triggers writing to a dropped table
    for table, trigger in (
        ("crm_lead", "crm_alignment_history_insert"),
        ("crm_lead", "crm_alignment_history_mark"),
        ("crm_lead", "crm_alignment_history_update"),
        ("crm_lead", "crm_alignment_history_delete"),
        ("crm_lead_sla", "crm_alignment_history_sla_update"),
        ("crm_lead_sla", "crm_alignment_history_sla_delete"),
    ):
        env.cr.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in (
        "lead_insert",
        "lead_mark",
        "lead_update",
        "lead_delete",
        "sla_change",
    ):
        env.cr.execute(f"DROP FUNCTION IF EXISTS crm_alignment_history_{function}()")
    env["ir.config_parameter"].sudo().search(
        [("key", "=", "crm_alignment.pipeline_history_definition")]
    ).unlink()
    env.cr.execute(
        "DROP FUNCTION IF EXISTS"
        " crm_alignment_working_hours(integer, timestamp, timestamp)"
    )
    for index in (
        "create_date",
        "date_closed",
        "email_company_domain",
        "journey_hours",
        "lifecycle_queue",
        "pipeline_order",
    ):
        env.cr.execute(f"DROP INDEX IF EXISTS crm_lead_alignment_{index}_index")
    # crm's index of the priority, which the pipeline order index replaced,
    # as Odoo makes a field's index
    create_index(env.cr, CRM_PRIORITY_INDEX, "crm_lead", ['"priority"'])
    env.cr.execute("DROP INDEX IF EXISTS crm_alignment_mailing_trace_lead_index")
    env.cr.execute("DROP TABLE IF EXISTS crm_lead_engagement")
    env.cr.execute("DROP TABLE IF EXISTS crm_lead_target")
