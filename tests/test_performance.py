from unittest.mock import patch

from odoo.tests import tagged, users, warmup

from ..models.lifecycle.crm_lead import (
    ALIGNMENT_TRACKED_FIELDS,
    CRM_PRIORITY_INDEX,
    LIFECYCLE_QUEUE_INDEX,
    PIPELINE_ORDER_INDEX,
)
from .common import AlignmentCase, captured_queries, plans_with_one_lead_index


@tagged("post_install", "-at_install", "crm_alignment_performance")
class TestPerformance(AlignmentCase):
    """Hot paths: exact query counts (a regression fails make test), and
    the cost of a batch of 20 against a batch of 1 for what this addon adds,
    so that a query per record shows up whatever crm itself does."""

    def _query_count(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _assigned_marketing_leads(self, count):
        # The salesperson is already set: the hand-off then writes no
        # user_id, so crm's per-record assignment e-mails stay out of it.
        return self.create_marketing_leads(count, user_id=self.salesman.id)

    def assertCostDoesNotGrowPerLead(self, batches, action):
        """``action`` on a batch of 1 and on a batch of 20 costs the same
        queries, within the slack; a first batch warms the caches up (the
        first call of a path reads what later ones find cached, which would
        hide a query per lead behind the batch of 1's own extra cost)."""
        warm, one, twenty = batches
        action(warm)
        cost_one = self._query_count(lambda: action(one))
        cost_twenty = self._query_count(lambda: action(twenty))
        self.assertEqual(len(twenty), 20)
        self.assertLessEqual(
            cost_twenty - cost_one, PER_BATCH_SLACK, (cost_one, cost_twenty)
        )

    def _batches(self, handed_off=False):
        batches = [self._assigned_marketing_leads(size) for size in (1, 1, 20)]
        if handed_off:
            for batch in batches:
                batch.with_user(self.marketer).handoff_to_sales()
        return batches

    def test_handoff_cost_does_not_grow_per_lead(self):
        self.assertCostDoesNotGrowPerLead(
            self._batches(),
            lambda leads: leads.with_user(self.marketer).handoff_to_sales(),
        )

    def test_handoff_writes_each_leads_row_once(self):
        """The hand-off's stage, journey dates, their working hours and the
        new SLA go in one UPDATE of each lead: each more UPDATE of the row
        is one more version of it, with an entry in each of crm_lead's
        indexes."""
        self.env["crm.sla.policy"].create({"name": "Follow-up", "followup_hours": 8})
        leads = self._assigned_marketing_leads(20)
        self.env.flush_all()
        before = self._lead_rows_updated()
        leads.with_user(self.marketer).handoff_to_sales(note="Batch")
        self.env.flush_all()
        self.assertEqual(self._lead_rows_updated() - before, len(leads))
        self.env.cr.execute(
            """SELECT count(*) FROM crm_lead
                WHERE id = ANY(%s) AND sla_state = 'ongoing'
                  AND sla_id IS NOT NULL AND sla_deadline IS NOT NULL
                  AND hours_to_sales_ready IS NOT NULL
                  AND hours_to_handoff IS NOT NULL""",
            [leads.ids],
        )
        self.assertEqual(self.env.cr.fetchone()[0], len(leads))

    def _lead_rows_updated(self):
        """Rows of crm_lead this transaction updated so far."""
        self.env.cr.execute(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables"
            " WHERE relid = 'crm_lead'::regclass"
        )
        return self.env.cr.fetchone()[0]

    def test_accept_cost_does_not_grow_per_lead(self):
        self.assertCostDoesNotGrowPerLead(
            self._batches(handed_off=True),
            lambda leads: leads.with_user(self.sales_manager).action_accept(),
        )

    def test_recycle_cost_does_not_grow_per_lead(self):
        reason = self.env.ref("crm_alignment.crm_recycle_reason_timing")
        self.assertCostDoesNotGrowPerLead(
            self._batches(handed_off=True),
            lambda leads: leads.with_user(self.sales_manager).recycle_to_nurture(
                reason.id
            ),
        )

    def test_create_cost_matches_a_salespersons_create(self):
        """A marketer's lead (owner, stage, source set) costs what a
        salesperson's plain crm lead costs."""
        vals = [{"name": f"Batch {index}", "type": "lead"} for index in range(20)]
        as_marketer = self._query_count(
            lambda: self.env["crm.lead"].with_user(self.marketer).create(vals)
        )
        as_salesman = self._query_count(
            lambda: self.env["crm.lead"].with_user(self.salesman).create(vals)
        )
        self.assertLessEqual(as_marketer - as_salesman, PER_BATCH_SLACK)

    def test_mass_write_does_not_track_untouched_alignment_fields(self):
        lead = self.create_marketing_leads(1)
        # as if the creation had been committed: tracking starts there
        self.env.flush_all()
        self.env.cr.precommit.run()
        lead.priority = "2"
        prepared = self.env.cr.precommit.data.get("mail.tracking.crm.lead", {})
        self.assertTrue(prepared.get(lead.id), "crm's own fields are tracked")
        self.assertFalse(
            set(prepared[lead.id]) & {"lifecycle_stage", "marketing_user_id"},
            "the addon's tracked fields are not read when not written",
        )
        # Written later in the same transaction, they are still tracked.
        lead.with_user(
            self.marketing_manager
        ).marketing_user_id = self.marketing_manager
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = lead.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "marketing_user_id"
        )
        self.assertEqual(tracked.old_value_char, self.marketer.name)
        self.assertEqual(tracked.new_value_char, self.marketing_manager.name)

    def test_mass_write_compares_only_the_fields_it_kept(self):
        """At commit, mail compares each written lead's tracked fields: only
        those whose initial value was kept, not every field the addon
        tracks (it sorted them all for each lead)."""
        leads = self.create_marketing_leads(3)
        self.env.flush_all()
        self.env.cr.precommit.run()
        leads.write({"priority": "2", "contact_name": "Ada"})
        kept = self.env.cr.precommit.data["mail.tracking.crm.lead"][leads[0].id]
        Lead = type(self.env["crm.lead"])
        original = Lead._mail_track
        compared = []

        def spy(record, tracked_fields, initial_values):
            compared.append(set(tracked_fields))
            return original(record, tracked_fields, initial_values)

        with patch.object(Lead, "_mail_track", spy):
            self.env.flush_all()
            self.env.cr.precommit.run()
        self.assertEqual(compared, [set(kept)] * 3)
        self.assertFalse(set(kept) & ALIGNMENT_TRACKED_FIELDS)
        tracked = leads.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "contact_name"
        )
        self.assertEqual(tracked.mapped("new_value_char"), ["Ada"] * 3)

    def test_mass_import_computes_earlier_batches_once(self):
        """A lead of a known partner with another e-mail gives the partner
        that e-mail (crm), which leaves the e-mail, its company domain and
        the probability of the partner's earlier leads to compute again.
        Creating the next batch, matched to the target accounts, does not
        compute those: they are computed once, at the flush, as in crm
        (each batch of an import computed its predecessors again)."""
        partner = self.env["res.partner"].create(
            {
                "name": "Import Co",
                "email": "info@import.example.com",
                "is_company": True,
            }
        )
        # a target account: each batch is matched to it (in SQL, after a flush)
        self.env["crm.target.account.list"].create(
            {"name": "Import list", "account_ids": [(0, 0, {"partner_id": partner.id})]}
        )
        Lead = self.env["crm.lead"].with_context(import_file=True)

        def batch(prefix):
            return Lead.create(
                [
                    {
                        "name": f"{prefix} {index}",
                        "type": "lead",
                        "partner_id": partner.id,
                        "email_from": f"{prefix.lower()}{index}@import.example.com",
                    }
                    for index in range(5)
                ]
            )

        first = batch("First")
        CrmLead = type(Lead)
        # crm's probability, the addon's e-mail domain: left to compute
        computes = {
            "_compute_probabilities": "probability",
            "_compute_email_company_domain": "email_company_domain",
        }
        for compute, fname in computes.items():
            pending = self.env.records_to_compute(Lead._fields[fname])
            self.assertTrue(first & pending, compute)
        computed = {compute: [] for compute in computes}

        def spy(compute):
            original = getattr(CrmLead, compute)

            def spied(leads):
                computed[compute].extend(leads.ids)
                return original(leads)

            return patch.object(CrmLead, compute, spied)

        with spy("_compute_probabilities"), spy("_compute_email_company_domain"):
            second = batch("Second")
            for compute in computes:
                self.assertFalse(set(computed[compute]) & set(first.ids), compute)
            self.env.flush_all()
        for compute in computes:
            self.assertLessEqual(set(first.ids), set(computed[compute]), compute)
        self.assertEqual(partner.email, "second4@import.example.com")
        self.assertEqual((first | second).target_partner_id, partner)

    @users("align_marketer")
    @warmup
    def test_create_marketing_leads_query_count(self):
        with self.assertQueryCount(align_marketer=CREATE_20):
            self.env["crm.lead"].create(
                [{"name": f"Batch {index}", "type": "lead"} for index in range(20)]
            )

    @users("align_sales_manager")
    @warmup
    def test_write_common_field_query_count(self):
        leads = self.create_marketing_leads(20).with_env(self.env)
        with self.assertQueryCount(align_sales_manager=WRITE_20):
            leads.write({"priority": "2"})
            leads.flush_recordset()

    @users("align_marketer")
    @warmup
    def test_handoff_query_count(self):
        leads = self._assigned_marketing_leads(20).with_env(self.env)
        with self.assertQueryCount(align_marketer=HANDOFF_20):
            leads.handoff_to_sales(note="Batch")
            leads.flush_recordset()

    @users("align_sales_manager")
    @warmup
    def test_recycle_query_count(self):
        leads = self._assigned_marketing_leads(20)
        leads.with_user(self.marketer).handoff_to_sales()
        leads = leads.with_env(self.env)
        reason = self.env.ref("crm_alignment.crm_recycle_reason_timing")
        with self.assertQueryCount(align_sales_manager=RECYCLE_20):
            leads.recycle_to_nurture(reason.id, note="Batch")
            leads.flush_recordset()

    @users("align_sales_manager")
    @warmup
    def test_kanban_read_query_count(self):
        self.create_marketing_leads(40)
        fields = [
            "name",
            "lifecycle_stage",
            "user_id",
            "tag_ids",
            "priority",
            "activity_ids",
            "expected_revenue",
            "partner_id",
            "team_id",
            "marketing_user_id",
        ]
        with self.assertQueryCount(align_sales_manager=KANBAN_READ):
            self.env["crm.lead"].web_search_read(
                [("type", "=", "lead")],
                {name: {} for name in fields},
                limit=80,
            )

    def test_pipeline_page_reads_in_order_without_sorting(self):
        """A kanban or list page of the pipeline reads its leads in crm's
        order from an index and stops at the page: no sort of every lead of
        the top priority (with this addon's wider rows)."""
        self.create_marketing_leads(40)
        fields = ["name", "priority", "lifecycle_stage", "bant_score", "sla_state"]
        with captured_queries(self.env) as queries:
            self.env["crm.lead"].with_user(self.salesman).web_search_read(
                [("type", "=", "lead")], {name: {} for name in fields}, limit=80
            )
        (page,) = [q for q in queries if "LIMIT" in q.code and "crm_lead" in q.code]
        # planned as a large table is: no other index of the leads to filter
        # them by (type, salesperson...) and sort what it found
        (plan,) = plans_with_one_lead_index(self.env, PIPELINE_ORDER_INDEX, [page])
        self.assertIn(PIPELINE_ORDER_INDEX, plan)
        self.assertNotIn("Sort", plan)

    def _lead_search_plans(self, index, domains):
        """The plan of a lead search of each domain, ``index`` the only
        index of the leads (plans_with_one_lead_index)."""
        Lead = self.env["crm.lead"]
        return plans_with_one_lead_index(
            self.env, index, [Lead._search(domain).select() for domain in domains]
        )

    def test_priority_lookups_read_the_pipeline_order_index(self):
        """crm's index of the priority alone is gone (each write of a lead
        would put an entry in it and in the pipeline order index): a lead
        looked up by its priority is found through the pipeline order
        index, which leads with the priority."""
        self.env.cr.execute("SELECT to_regclass(%s)", [CRM_PRIORITY_INDEX])
        self.assertEqual(self.env.cr.fetchone(), (None,))
        self.assertFalse(self.env["crm.lead"]._fields["priority"].index)
        self.create_marketing_leads(3)
        domains = [[("priority", "=", "3")], [("priority", "in", ("2", "3"))]]
        plans = self._lead_search_plans(PIPELINE_ORDER_INDEX, domains)
        for domain, plan in zip(domains, plans, strict=True):
            with self.subTest(domain=domain):
                self.assertIn(f"Scan using {PIPELINE_ORDER_INDEX}", plan)
                self.assertIn("Index Cond: (priority ", plan)

    def test_queues_find_their_leads_by_the_lifecycle_index(self):
        """The queues (the search filters, the hand-off jobs) look leads up
        through the index of the stages someone is waiting on; Accepted,
        where leads stay for the rest of their life, takes no entry."""
        domains = [
            [("lifecycle_stage", "=", "sales_ready")],
            [("lifecycle_stage", "=", "handed_off")],
            [("lifecycle_stage", "in", ("new", "nurture", "sales_ready"))],
            [
                ("lifecycle_stage", "=", "sales_ready"),
                ("bant_sales_ready", "=", True),
                ("bant_profile_id.auto_handoff", "=", True),
            ],
        ]
        plans = self._lead_search_plans(LIFECYCLE_QUEUE_INDEX, domains)
        for domain, plan in zip(domains, plans, strict=True):
            with self.subTest(domain=domain):
                self.assertIn(f"Index Scan using {LIFECYCLE_QUEUE_INDEX}", plan)
        self.env.cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'crm_lead' AND indexdef LIKE %s",
            ["%(lifecycle_stage)%"],
        )
        ((name, definition),) = self.env.cr.fetchall()
        self.assertEqual(name, LIFECYCLE_QUEUE_INDEX)
        self.assertIn("'handed_off'", definition)
        self.assertNotIn("'accepted'", definition)

    def test_pipeline_page_count_reads_the_index_alone(self):
        """The pager's total of a lead page is counted from the pipeline
        order index without reading the leads' rows, for a salesman (crm's
        own-leads rule) and for one who sees every lead (company rule
        only), archived leads included or not, with the web client's count
        limit or without."""
        self.create_marketing_leads(12)
        pages = (
            ([("type", "=", "lead")], None),
            ([("type", "=", "lead"), ("active", "in", (True, False))], None),
            ([("type", "=", "lead")], 10001),
        )
        for user in (self.salesman, self.other_salesman):
            for domain, count_limit in pages:
                with self.subTest(user=user.name, domain=domain, limit=count_limit):
                    with captured_queries(self.env) as queries:
                        # one lead a page: the pager needs the count
                        self.env["crm.lead"].with_user(user).web_search_read(
                            domain, {"name": {}}, limit=1, count_limit=count_limit
                        )
                    (count,) = [q for q in queries if "COUNT(" in q.code]
                    (plan,) = plans_with_one_lead_index(
                        self.env, PIPELINE_ORDER_INDEX, [count]
                    )
                    self.assertIn(f"Index Only Scan using {PIPELINE_ORDER_INDEX}", plan)

    def test_upgrade_builds_an_index_of_an_earlier_definition_again(self):
        """A database upgraded from 18.0.1.14.0 has the pipeline order index
        without the filter columns: the upgrade (the model's init) builds it
        again with them; an index of the current definition is kept as it
        is (no rebuild of a large index at every upgrade)."""

        def index():
            self.env.cr.execute(
                """SELECT to_regclass(%(name)s)::oid,
                          pg_get_indexdef(to_regclass(%(name)s)),
                          obj_description(to_regclass(%(name)s), 'pg_class')""",
                {"name": PIPELINE_ORDER_INDEX},
            )
            return self.env.cr.fetchone()

        # 18.0.1.14.0 made it with Odoo's create_index (no comment); a later
        # definition change finds the fingerprint of the one before
        for earlier_comment in (None, "an earlier definition's fingerprint"):
            with self.subTest(earlier_comment=earlier_comment):
                self.env.cr.execute(
                    "DROP INDEX crm_lead_alignment_pipeline_order_index;"
                    " CREATE INDEX crm_lead_alignment_pipeline_order_index"
                    " ON crm_lead (priority DESC, id DESC);"
                    " COMMENT ON INDEX crm_lead_alignment_pipeline_order_index"
                    " IS %s",
                    [earlier_comment],
                )
                self.env["crm.lead"].init()
                oid, definition, comment = index()
                self.assertIn("INCLUDE (type, active, company_id, user_id)", definition)
                self.assertNotEqual(comment, earlier_comment)
                self.env["crm.lead"].init()
                self.assertEqual(index(), (oid, definition, comment))


# Measured on a database with crm_alignment and its dependencies only.
PER_BATCH_SLACK = 3
# Creating leads: +2 since target accounts (is there any account; the one
# UPDATE that links the whole batch to its accounts).
CREATE_20 = 160
WRITE_20 = 1
# Handing off and recycling (their chatter notes are written in the batch,
# what Odoo's tracking leaves for the commit is not counted here): measured
# 20 and 46 queries in make test's database at 18.0.1.12.0, plus the slack.
# (They were 60 and 85: a query per lead fitted under both. The per-lead
# tests above catch one whatever these bounds say.)
HANDOFF_20 = 20 + PER_BATCH_SLACK
KANBAN_READ = 7
RECYCLE_20 = 46 + PER_BATCH_SLACK
