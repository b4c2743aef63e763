from odoo.tests import tagged, users, warmup

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_perf")
class TestPerformance(AlignmentCase):
    """Hot paths keep a query count independent of the batch size."""

    def _leads(self, count):
        return self.create_marketing_leads(count)

    @users("align_marketer")
    @warmup
    def test_create_marketing_leads_batch_queries(self):
        Lead = self.env["crm.lead"]
        with self.assertQueryCount(align_marketer=30):
            Lead.create([{"name": f"Batch {i}", "type": "lead"} for i in range(20)])

    @users("align_sales_manager")
    @warmup
    def test_write_common_field_queries(self):
        leads = self._leads(20).with_env(self.env)
        with self.assertQueryCount(align_sales_manager=12):
            leads.write({"priority": "2"})

    @users("align_marketer")
    @warmup
    def test_handoff_batch_queries(self):
        leads = self._leads(20).with_env(self.env)
        with self.assertQueryCount(align_marketer=60):
            leads.handoff_to_sales(user_id=self.salesman.id, note="Batch")

    @users("align_sales_manager")
    @warmup
    def test_kanban_read_queries(self):
        self._leads(40)
        Lead = self.env["crm.lead"]
        fields = ["name", "lifecycle_stage", "user_id", "tag_ids", "priority",
                  "activity_ids", "expected_revenue", "partner_id", "team_id"]
        with self.assertQueryCount(align_sales_manager=10):
            Lead.web_search_read(
                [("lifecycle_stage", "in", ("new", "handed_off"))],
                {name: {} for name in fields},
                limit=80,
            )
