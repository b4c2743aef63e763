from odoo.tests import tagged

from .common import SecurityRpcCase


@tagged(
    "post_install", "-at_install", "crm_alignment_security", "crm_alignment_content"
)
class TestContentRpc(SecurityRpcCase):
    """Content, its reviews, files and shares over the API."""

    def test_content_review_cannot_be_skipped(self):
        guarded = {
            "state": "published",
            "approver_ids": [(6, 0, self.marketer.ids)],
            "approval_mode": "any",
            "version": 9,
            "approved_body": "<p>forged</p>",
            "approved_url": "https://example.com",
            "approved_date": "2020-01-01 00:00:00",
            "requested_by_id": self.salesman.id,
        }
        content = self._content()
        names = ["state", "version", "approved_body", "approver_ids"]
        for name, value in guarded.items():
            self.assertRefusedUnchanged(
                self.everyone(),
                content,
                names,
                "crm.marketing.content",
                "write",
                content.ids,
                {name: value},
            )
            self.assertRefused(
                self.everyone(),
                "crm.marketing.content",
                "create",
                {"name": "F", name: value},
            )
        ok, request_id = self.rpc(
            self.salesman, "crm.marketing.content", "create", {"name": "My request"}
        )
        self.assertTrue(ok, request_id)
        request = self.env["crm.marketing.content"].browse(request_id)
        self.assertEqual(request.state, "requested")
        for method in ("action_take_request", "action_submit", "action_publish"):
            self.assertRefusedUnchanged(
                [self.salesman, self.portal],
                request,
                ["state"],
                "crm.marketing.content",
                method,
                request.ids,
            )
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.marketing.content",
            "action_retire",
            content.ids,
        )
        content.action_submit()
        self.assertEqual(content.approver_ids, self.sales_manager)
        for method in ("action_approve", "action_request_changes"):
            self.assertRefusedUnchanged(
                [self.salesman, self.marketer, self.marketing_manager, self.portal],
                content,
                names,
                "crm.marketing.content",
                method,
                content.ids,
            )
        ok, decision = self.rpc(
            self.marketer,
            "crm.marketing.content.decision",
            "create",
            {"content_id": content.id, "decision": "approve"},
        )
        self.assertTrue(ok, decision)
        self.assertRefusedUnchanged(
            [self.marketer],
            content,
            names,
            "crm.marketing.content.decision",
            "action_confirm",
            [decision],
        )

    def test_content_files_and_shares(self):
        foreign = self.env["ir.attachment"].create(
            {
                "name": "secret.txt",
                "raw": b"not yours",
                "res_model": "crm.lead",
                "res_id": self.handed.id,
            }
        )
        content = self._content()
        names = ["attachment_ids", "approved_attachment_ids"]
        for field in ("attachment_ids", "approved_attachment_ids"):
            self.assertRefusedUnchanged(
                self.everyone(),
                content,
                names,
                "crm.marketing.content",
                "write",
                content.ids,
                {field: [(4, foreign.id)]},
            )
        self.assertRefused(
            self.everyone(),
            "crm.marketing.content",
            "create",
            {"name": "F", "attachment_ids": [(6, 0, foreign.ids)]},
        )
        # sharing on a lead the user may not write is refused
        other = self.env["crm.lead"].create(
            {"name": "Not yours", "user_id": self.sales_manager.id}
        )
        ok, result = self.rpc(
            self.salesman, "crm.lead", "action_share_content", other.ids
        )
        self.assertTrue(ok, result)  # it only opens the wizard
        ok, wizard = self.rpc(
            self.salesman,
            "crm.lead.content.share",
            "create",
            {"lead_id": other.id, "content_ids": [(6, 0, content.ids)]},
        )
        if ok:
            self.assertRefused(
                [self.salesman], "crm.lead.content.share", "action_share", [wizard]
            )
        self.assertFalse(other.content_share_ids)
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "crm.lead"), ("res_id", "=", other.id)]
            )
        )
