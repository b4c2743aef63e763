from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_alignment.models.abm.company_domain import (
    email_company_domain,
    registrable_domain,
    website_company_domain,
)
from odoo.addons.crm_alignment.models.abm.crm_target_account import ENGAGEMENT_FIELDS

from .common import AlignmentCase


class TargetAccountCase(AlignmentCase):
    """Three companies with contacts, one agreed list holding two of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create(
            {
                "name": "Acme Corp",
                "is_company": True,
                "website": "https://www.acme.com",
                "email": "info@acme.com",
            }
        )
        cls.acme_ceo = Partner.create(
            {"name": "Ada Acme", "parent_id": cls.acme.id, "email": "ada@acme.com"}
        )
        cls.acme_cto = Partner.create(
            {"name": "Carl Acme", "parent_id": cls.acme.id, "email": "carl@acme.com"}
        )
        cls.brit = Partner.create(
            {
                "name": "Brit Widgets",
                "is_company": True,
                "website": "brit.co.uk",
                "email": "hello@brit.co.uk",
            }
        )
        cls.other = Partner.create(
            {"name": "Other Ltd", "is_company": True, "website": "other.co.uk"}
        )
        cls.roles = {
            xmlid: cls.env.ref(f"crm_alignment.crm_buying_role_{xmlid}")
            for xmlid in (
                "decision_maker",
                "economic_buyer",
                "champion",
                "influencer",
                "technical_evaluator",
                "end_user",
                "blocker",
            )
        }
        cls.target_list = cls.make_list("FY27", {cls.acme: "1", cls.brit: "2"})
        cls.agree(cls.target_list)

    @classmethod
    def make_list(cls, name, tiers, **vals):
        target_list = (
            cls.env["crm.target.account.list"]
            .with_user(cls.marketer)
            .create(
                dict(
                    {"name": name, "team_id": cls.team.id},
                    **vals,
                    account_ids=[
                        (0, 0, {"partner_id": partner.id, "tier": tier})
                        for partner, tier in tiers.items()
                    ],
                )
            )
        )
        return target_list.with_user(cls.env.user)

    @classmethod
    def agree(cls, target_list):
        target_list.with_user(cls.sales_manager).action_agree_sales()
        target_list.with_user(cls.marketing_manager).action_agree_marketing()

    def account(self, partner, target_list=None):
        return (target_list or self.target_list).account_ids.filtered(
            lambda account: account.partner_id == partner
        )

    def lead(self, **vals):
        return (
            self.env["crm.lead"]
            .with_user(self.marketer)
            .create(dict({"name": "Lead", "type": "lead"}, **vals))
        )


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestCompanyDomain(TargetAccountCase):
    def test_registrable_domain(self):
        self.assertEqual(registrable_domain("eu.acme.com"), "acme.com")
        self.assertEqual(registrable_domain("sales.brit.co.uk"), "brit.co.uk")
        self.assertEqual(registrable_domain("brit.co.uk"), "brit.co.uk")
        self.assertFalse(registrable_domain("co.uk"), "a public suffix is no company")
        self.assertFalse(registrable_domain("localhost"))
        self.assertEqual(email_company_domain('"Eve" <Eve@EU.Acme.com>'), "acme.com")
        self.assertFalse(email_company_domain("not an e-mail"))
        self.assertEqual(
            website_company_domain("https://www.brit.co.uk/about"), "brit.co.uk"
        )
        self.assertEqual(website_company_domain("shop.acme.com"), "acme.com")
        self.assertFalse(website_company_domain(""))

    def test_stored_domains(self):
        self.assertEqual(self.brit.website_company_domain, "brit.co.uk")
        self.assertEqual(self.acme.email_company_domain, "acme.com")
        self.assertEqual(
            self.lead(email_from="x@mail.eu.acme.com").email_company_domain,
            "acme.com",
        )


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestLeadMatching(TargetAccountCase):
    def test_lead_of_a_contact_matches_its_company(self):
        lead = self.lead(partner_id=self.acme_ceo.id)
        self.assertEqual(lead.target_account_id, self.account(self.acme))
        self.assertEqual(lead.target_tier, "1")
        self.assertEqual(lead.target_partner_id, self.acme)

    def test_lead_without_partner_matches_by_email_domain(self):
        lead = self.lead(email_from="Jo <jo@acme.com>")
        self.assertEqual(lead.target_account_id, self.account(self.acme))
        subdomain = self.lead(email_from="jo@eu.acme.com")
        self.assertEqual(subdomain.target_account_id, self.account(self.acme))
        british = self.lead(email_from="jo@sales.brit.co.uk")
        self.assertEqual(british.target_account_id, self.account(self.brit))
        self.assertEqual(british.target_tier, "2")

    def test_public_suffix_never_collapses(self):
        """other.co.uk shares co.uk with brit.co.uk, not its company."""
        lead = self.lead(email_from="jo@other.co.uk")
        self.assertFalse(lead.target_account_id)
        self.assertFalse(lead.target_partner_id)
        self.assertFalse(self.lead(email_from="jo@co.uk").target_account_id)

    def test_free_mail_never_matches(self):
        self.acme.email = "acme.sales@gmail.com"
        self.acme.website = False
        lead = self.lead(email_from="someone@gmail.com")
        self.assertFalse(lead.target_account_id)
        # The list is editable: without gmail.com in it, the domain counts.
        gmail = self.env.ref("crm_alignment.crm_free_mail_domain_gmail_com")
        gmail.with_user(self.marketing_manager).active = False
        self.assertEqual(lead.target_account_id, self.account(self.acme))
        gmail.with_user(self.marketing_manager).active = True
        self.assertFalse(lead.target_account_id)

    def test_uninstall_flag_from_a_caller_skips_no_match(self):
        """Odoo's uninstall context key, sent by a caller deleting a free-mail
        domain, does not leave the leads of that domain unmatched."""
        self.acme.write({"email": "acme.sales@gmail.com", "website": False})
        lead = self.lead(email_from="someone@gmail.com")
        self.assertFalse(lead.target_account_id)
        gmail = self.env.ref("crm_alignment.crm_free_mail_domain_gmail_com")
        gmail.with_user(self.marketing_manager).with_context(
            _force_unlink=True
        ).unlink()
        self.assertEqual(lead.target_account_id, self.account(self.acme))

    def test_lead_with_a_partner_is_not_matched_by_domain(self):
        stranger = self.env["res.partner"].create({"name": "Private Person"})
        lead = self.lead(partner_id=stranger.id, email_from="jo@acme.com")
        self.assertFalse(lead.target_account_id)

    def test_only_agreed_and_active_lists_flag_leads(self):
        proposed = self.make_list("Next year", {self.other: "1"})
        lead = self.lead(email_from="jo@other.co.uk")
        self.assertFalse(lead.target_account_id)
        self.assertEqual(lead.target_partner_id, self.other, "engagement counts it")
        self.agree(proposed)
        self.assertEqual(proposed.state, "agreed")
        self.assertEqual(lead.target_account_id, self.account(self.other, proposed))
        proposed.with_user(self.sales_manager).action_activate()
        self.assertEqual(lead.target_tier, "1")
        proposed.with_user(self.marketing_manager).action_close()
        self.assertFalse(lead.target_account_id)
        self.assertFalse(lead.target_tier)

    def test_best_tier_then_most_recent_list(self):
        lead = self.lead(partner_id=self.acme.id)
        newer_tier_2 = self.make_list(
            "Newer", {self.acme: "2"}, date_start=fields.Date.today()
        )
        self.agree(newer_tier_2)
        self.assertEqual(lead.target_account_id, self.account(self.acme))
        self.account(self.acme).with_user(self.marketer).tier = "3"
        self.assertEqual(lead.target_account_id, self.account(self.acme, newer_tier_2))
        self.assertEqual(lead.target_tier, "2")
        # Same tier: the most recent list wins.
        self.account(self.acme).with_user(self.marketer).tier = "2"
        self.target_list.date_start = fields.Date.today() - timedelta(days=30)
        self.assertEqual(lead.target_account_id, self.account(self.acme, newer_tier_2))

    def test_links_are_kept_apart_and_read_like_stored_fields(self):
        """The links live in crm_lead_target: matching writes no lead row,
        and the fields still search, group and sort in SQL; a deleted
        account leaves the lead on its company without an account, a
        deleted lead or company takes its link with it."""
        acme_lead = self.lead(partner_id=self.acme_ceo.id)
        brit_lead = self.lead(email_from="jo@brit.co.uk")
        nobody = self.lead(email_from="jo@nowhere.example")
        Lead = self.env["crm.lead"]
        self.env.flush_all()
        # a tier changed behind the ORM's back: the next match re-links
        self.env.cr.execute(
            "UPDATE crm_target_account SET tier = '3' WHERE id = %s",
            [self.account(self.acme).id],
        )
        self.env.cr.execute(
            "SELECT xmin::text FROM crm_lead WHERE id = %s", [acme_lead.id]
        )
        version = self.env.cr.fetchone()[0]
        self.assertIn(acme_lead.id, Lead._target_account_match(all_leads=True))
        self.assertEqual(acme_lead.target_tier, "3")
        self.env.cr.execute(
            "SELECT xmin::text FROM crm_lead WHERE id = %s", [acme_lead.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], version, "no lead row rewritten")
        self.env.cr.execute(
            "UPDATE crm_target_account SET tier = '1' WHERE id = %s",
            [self.account(self.acme).id],
        )
        Lead._target_account_match(all_leads=True)
        leads = acme_lead | brit_lead | nobody
        # a page of cards: every lead's link from one query, each its own
        leads.invalidate_recordset(
            ["target_partner_id", "target_account_id", "target_tier"]
        )
        with self.assertQueryCount(1):
            page = [
                (lead.target_partner_id, lead.target_account_id.id, lead.target_tier)
                for lead in leads
            ]
        self.assertEqual(
            page,
            [
                (self.acme, self.account(self.acme).id, "1"),
                (self.brit, self.account(self.brit).id, "2"),
                (self.acme.browse(), False, False),
            ],
        )
        self.assertEqual(
            Lead.search([("id", "in", leads.ids), ("target_tier", "=", "1")]),
            acme_lead,
        )
        self.assertEqual(
            Lead.search([("id", "in", leads.ids), ("target_account_id", "=", False)]),
            nobody,
        )
        self.assertEqual(
            Lead.search(
                [("id", "in", leads.ids), ("target_partner_id", "ilike", "brit")]
            ),
            brit_lead,
        )
        groups = dict(
            Lead._read_group(
                [("id", "in", leads.ids)], ["target_account_id"], ["__count"]
            )
        )
        self.assertEqual(
            groups,
            {
                self.account(self.acme): 1,
                self.account(self.brit): 1,
                self.env["crm.target.account"]: 1,
            },
        )
        self.assertEqual(
            Lead.search([("id", "in", leads.ids)], order="target_tier, id"),
            acme_lead | brit_lead | nobody,
        )
        # an account deleted in SQL (its list's cascade): the company stays
        self.env.cr.execute(
            "DELETE FROM crm_target_account WHERE id = %s",
            [self.account(self.brit).id],
        )
        Lead.invalidate_model()
        self.assertEqual(brit_lead.target_partner_id, self.brit)
        self.assertFalse(brit_lead.target_account_id)
        self.assertFalse(brit_lead.target_tier)
        acme_lead.sudo().unlink()
        self.env.cr.execute(
            "SELECT count(*) FROM crm_lead_target WHERE lead_id = %s", [acme_lead.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_kept_right_when_leads_and_partners_change(self):
        lead = self.lead(email_from="jo@acme.com")
        lead.email_from = "jo@brit.co.uk"
        self.assertEqual(lead.target_account_id, self.account(self.brit))
        lead.partner_id = self.acme_cto
        self.assertEqual(lead.target_account_id, self.account(self.acme))
        # The contact moves to another company
        self.acme_cto.parent_id = self.brit
        self.assertEqual(lead.target_account_id, self.account(self.brit))
        # A company changes its domain
        by_mail = self.lead(email_from="jo@acme-group.com")
        self.assertFalse(by_mail.target_account_id)
        self.acme.write({"website": "acme-group.com", "email": False})
        self.assertEqual(by_mail.target_account_id, self.account(self.acme))

    def test_kept_right_when_accounts_change(self):
        lead = self.lead(partner_id=self.acme_ceo.id)
        self.account(self.acme).with_user(self.marketer).tier = "3"
        self.assertEqual(lead.target_tier, "3")
        self.account(self.acme).with_user(self.marketer).unlink()
        self.assertFalse(lead.target_account_id)
        self.assertFalse(lead.target_partner_id)
        self.target_list.with_user(self.marketer).account_ids = [
            (0, 0, {"partner_id": self.acme.id, "tier": "1"})
        ]
        self.assertEqual(lead.target_tier, "1")
        with self.assertRaisesRegex(UserError, "close or archive it"):
            self.target_list.with_user(self.marketer).unlink()
        self.target_list.with_user(self.marketer).action_archive()
        self.assertFalse(lead.target_account_id)
        self.target_list.with_user(self.marketer).action_unarchive()
        self.assertEqual(lead.target_tier, "1")
        draft = self.make_list("Draft", {self.other: "2"})
        other_lead = self.lead(partner_id=self.other.id)
        self.assertEqual(other_lead.target_partner_id, self.other)
        draft.with_user(self.marketer).unlink()
        self.assertFalse(other_lead.target_partner_id)

    def test_other_company_list_does_not_flag(self):
        company_b = self.env["res.company"].create({"name": "Alignment B"})
        lead = self.lead(email_from="jo@other.co.uk", company_id=self.company.id)
        other_list = self.env["crm.target.account.list"].create(
            {
                "name": "B's list",
                "company_id": company_b.id,
                "account_ids": [(0, 0, {"partner_id": self.other.id})],
            }
        )
        other_list._agree("sales", self.sales_manager)
        other_list._agree("marketing", self.marketing_manager)
        self.assertEqual(other_list.state, "agreed")
        self.assertFalse(lead.target_account_id)

    def test_a_company_that_is_no_account_moves_no_lead_by_domain(self):
        """crm writes a lead's e-mail onto its company as each lead is made:
        a company that is on no list re-matches its own leads, never every
        lead of its domain."""
        by_mail = self.lead(email_from="jo@other.co.uk")
        Lead = type(self.env["crm.lead"])
        calls = []
        original = Lead._target_account_match

        def spy(leads, partner_ids=(), domains=(), all_leads=False):
            calls.append(set(domains))
            return original(leads, partner_ids, domains, all_leads)

        with patch.object(Lead, "_target_account_match", spy):
            self.other.write({"email": "sales@other-group.com"})
            self.acme.write({"email": "sales@acme-group.com"})
        self.assertEqual(
            calls,
            [{"acme.com", "acme-group.com"}],
            "only the account's domains, before and after, are re-matched",
        )
        self.assertFalse(by_mail.target_account_id)
        self.assertEqual(
            self.lead(email_from="jo@acme-group.com").target_account_id,
            self.account(self.acme),
        )

    def test_match_cost_does_not_grow_with_leads(self):
        leads = self.create_marketing_leads(40, email_from="x@acme.com")
        Lead = self.env["crm.lead"]
        self.env.flush_all()
        with self.assertQueryCount(1):
            Lead._target_account_match(all_leads=True)
        with self.assertQueryCount(1):
            leads[:1]._target_account_match()
        with self.assertQueryCount(1):
            leads._target_account_match()
        self.assertEqual(leads.target_account_id, self.account(self.acme))

    def test_sla_policy_selects_on_tier(self):
        Policy = self.env["crm.sla.policy"]
        tier_1 = Policy.create(
            {"name": "Tier 1", "sequence": 1, "target_tier_scope": "1"}
        )
        rest = Policy.create({"name": "Rest", "sequence": 2})
        acme_lead = self.lead(partner_id=self.acme.id)
        brit_lead = self.lead(partner_id=self.brit.id)
        plain = self.lead(email_from="jo@example.org")
        matched = Policy.search([("id", "in", (tier_1 | rest).ids)])._match_leads(
            acme_lead | brit_lead | plain
        )
        self.assertEqual(matched[acme_lead], tier_1)
        self.assertEqual(matched[brit_lead], rest)
        self.assertEqual(matched[plain], rest)
        tier_1.target_tier_scope = "none"
        matched = (tier_1 | rest)._match_leads(acme_lead | plain)
        self.assertEqual(matched[acme_lead], rest)
        self.assertEqual(matched[plain], tier_1)


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestTargetListAgreement(TargetAccountCase):
    def test_both_sides_sign_and_are_recorded(self):
        target_list = self.make_list("Q3", {self.other: "2"})
        self.assertEqual(target_list.state, "proposed")
        target_list.with_user(self.sales_manager).action_agree_sales()
        self.assertEqual(target_list.state, "proposed", "one side is not agreement")
        self.assertEqual(target_list.sales_agreed_user_id, self.sales_manager)
        self.assertTrue(target_list.sales_agreed_date)
        # a second sales manager does not sign over the first
        other_manager = self.sales_manager.copy({"login": "align_other_sales_mgr"})
        with self.assertRaisesRegex(UserError, "already signed off for this side"):
            target_list.with_user(other_manager).action_agree_sales()
        self.assertEqual(target_list.sales_agreed_user_id, self.sales_manager)
        target_list.with_user(self.marketing_manager).action_agree_marketing()
        self.assertEqual(target_list.state, "agreed")
        self.assertEqual(target_list.marketing_agreed_user_id, self.marketing_manager)
        with self.assertRaises(UserError):
            target_list.with_user(self.sales_manager).action_agree_sales()
        target_list.with_user(self.marketing_manager).action_reset_to_proposed()
        self.assertEqual(target_list.state, "proposed")
        self.assertFalse(target_list.sales_agreed_user_id)

    def test_sign_offs_per_role(self):
        target_list = self.make_list("Q4", {self.other: "2"})
        for user in (self.marketer, self.salesman, self.marketing_manager):
            with self.assertRaises(AccessError, msg=user.login):
                target_list.with_user(user).action_agree_sales()
        for user in (self.marketer, self.salesman, self.sales_manager):
            with self.assertRaises(AccessError, msg=user.login):
                target_list.with_user(user).action_agree_marketing()
        self.assertFalse(target_list.sales_agreed_user_id)
        self.assertFalse(target_list.marketing_agreed_user_id)
        for user in (self.marketer, self.salesman):
            with self.assertRaises(AccessError, msg=user.login):
                self.target_list.with_user(user).action_close()

    def test_states_only_through_buttons(self):
        target_list = self.make_list("Shortcut", {self.other: "2"})
        with self.assertRaises(UserError):
            target_list.with_user(self.marketing_manager).state = "agreed"
        with self.assertRaises(UserError):
            target_list.with_user(
                self.marketing_manager
            ).sales_agreed_user_id = self.sales_manager
        with self.assertRaises(UserError):
            self.env["crm.target.account.list"].with_user(self.marketer).create(
                {"name": "Pre-agreed", "state": "active"}
            )
        empty = self.make_list("Empty", {})
        with self.assertRaises(UserError):
            empty.with_user(self.sales_manager).action_agree_sales()
        with self.assertRaises(UserError):
            target_list.with_user(self.sales_manager).action_activate()
        with self.assertRaises(ValidationError):
            target_list.with_user(self.marketer).write(
                {"date_start": "2026-12-01", "date_end": "2026-11-01"}
            )

    def test_membership_changes_after_agreement_are_logged(self):
        def notes():
            return self.target_list.message_ids.filtered(
                lambda message: "Membership changed" in (message.body or "")
            )

        self.assertFalse(notes())
        self.target_list.with_user(self.marketer).account_ids = [
            (0, 0, {"partner_id": self.other.id, "tier": "3"})
        ]
        self.assertIn("Other Ltd added (tier 3)", notes()[0].body)
        self.account(self.other).with_user(self.marketer).tier = "1"
        self.assertIn("Other Ltd: tier 3 → 1", notes()[0].body)
        self.account(self.other).with_user(self.marketer).unlink()
        self.assertIn("Other Ltd removed", notes()[0].body)
        self.assertEqual(len(notes()), 3)
        # A proposed list is a draft: no log.
        proposed = self.make_list("Draft", {self.other: "2"})
        self.account(self.other, proposed).with_user(self.marketer).tier = "1"
        self.assertFalse(
            proposed.message_ids.filtered(lambda m: "Membership" in (m.body or ""))
        )

    def test_import_is_one_logged_change(self):
        third = self.env["res.partner"].create({"name": "Third", "is_company": True})
        result = (
            self.env["crm.target.account"]
            .with_user(self.marketer)
            .load(
                ["list_id/.id", "partner_id/.id", "tier"],
                [
                    [str(self.target_list.id), str(self.other.id), "3"],
                    [str(self.target_list.id), str(third.id), "2"],
                ],
            )
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(len(result["ids"]), 2)
        notes = self.target_list.message_ids.filtered(
            lambda message: "Membership changed" in (message.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertIn("Third added", notes.body)

    @mute_logger("odoo.sql_db")
    def test_import_refuses_duplicates_and_people(self):
        Account = self.env["crm.target.account"].with_user(self.marketer)
        result = Account.load(
            ["list_id/.id", "partner_id/.id", "tier"],
            [[str(self.target_list.id), str(self.acme.id), "3"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn(
            "Already in the list: Acme Corp", result["messages"][0]["message"]
        )
        result = Account.load(
            ["list_id/.id", "partner_id/.id", "tier"],
            [[str(self.target_list.id), str(self.acme_ceo.id), "3"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("is a person or an address", result["messages"][0]["message"])

    def test_closed_list_is_frozen(self):
        self.target_list.with_user(self.sales_manager).action_close()
        with self.assertRaises(UserError):
            self.account(self.acme).with_user(self.marketer).tier = "2"
        with self.assertRaises(UserError):
            self.target_list.with_user(self.marketer).account_ids = [
                (0, 0, {"partner_id": self.other.id})
            ]
        self.assertEqual(len(self.target_list.account_ids), 2)


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestTargetAccountRules(TargetAccountCase):
    def test_account_is_a_company_once_per_list(self):
        Account = self.env["crm.target.account"].with_user(self.marketer)
        with self.assertRaisesRegex(ValidationError, "Ada Acme is a person"):
            Account.create(
                {"list_id": self.target_list.id, "partner_id": self.acme_ceo.id}
            )
        with self.assertRaisesRegex(ValidationError, "Already in the list: Acme Corp"):
            Account.create({"list_id": self.target_list.id, "partner_id": self.acme.id})
        # The same company may be in another list.
        second = self.make_list("Second", {self.acme: "3"})
        self.assertEqual(len(self.acme.target_account_ids), 2)
        self.assertEqual(self.acme.target_account_count, 2)
        with self.assertRaises(UserError):
            self.account(self.acme, second).with_user(
                self.marketer
            ).partner_id = self.brit

    def test_add_to_target_list_wizard(self):
        third = self.env["res.partner"].create({"name": "Third", "is_company": True})
        Wizard = self.env["crm.target.account.add"].with_user(self.marketer)
        context = {
            "active_model": "res.partner",
            "active_ids": (self.other | third).ids,
        }
        wizard_form = Form(Wizard.with_context(**context))
        wizard_form.list_id = self.target_list
        wizard_form.tier = "3"
        wizard = wizard_form.save()
        self.assertEqual(wizard.partner_ids, self.other | third)
        wizard.action_add()
        self.assertEqual(self.account(third).tier, "3")
        self.assertEqual(self.account(self.other).sales_owner_id, self.sales_manager)

    def test_add_wizard_refuses_people_and_duplicates_whole(self):
        third = self.env["res.partner"].create({"name": "Third", "is_company": True})
        Wizard = self.env["crm.target.account.add"].with_user(self.marketer)
        for partners, message in (
            (third | self.acme_ceo, "Ada Acme"),
            (third | self.acme, "Already in FY27: Acme Corp"),
        ):
            wizard = Wizard.create(
                {"list_id": self.target_list.id, "partner_ids": [(6, 0, partners.ids)]}
            )
            with self.assertRaisesRegex(UserError, message):
                wizard.action_add()
            self.assertFalse(self.account(third), "nothing half-written")

    def test_buying_committee_coverage(self):
        account = self.account(self.acme)
        wanted = self.env["crm.buying.role"].search([("is_wanted", "=", True)])
        self.assertEqual(
            len(wanted),
            5,
            "decision maker, economic buyer, champion, "
            "influencer, technical evaluator",
        )
        self.assertEqual(account.coverage_display, "0 / 5")
        self.assertTrue(account.missing_key_role)
        Member = self.env["crm.target.account.contact"].with_user(self.salesman)
        Member.create(
            [
                {
                    "account_id": account.id,
                    "partner_id": self.acme_ceo.id,
                    "role_id": self.roles["decision_maker"].id,
                },
                {
                    "account_id": account.id,
                    "partner_id": self.acme_ceo.id,
                    "role_id": self.roles["economic_buyer"].id,
                },
                {
                    "account_id": account.id,
                    "partner_id": self.acme_cto.id,
                    "role_id": self.roles["blocker"].id,
                },
            ]
        )
        self.assertEqual(account.role_filled_count, 2, "a blocker is not wanted")
        self.assertEqual(account.coverage_display, "2 / 5")
        self.assertEqual(account.coverage_percent, 40)
        self.assertEqual(
            account.missing_role_ids,
            self.roles["champion"]
            | self.roles["influencer"]
            | self.roles["technical_evaluator"],
        )
        Account = self.env["crm.target.account"]
        gaps = Account.search([("missing_key_role", "=", True)])
        self.assertIn(account, gaps, "no champion yet")
        Member.create(
            {
                "account_id": account.id,
                "partner_id": self.acme_cto.id,
                "role_id": self.roles["champion"].id,
            }
        )
        self.assertFalse(account.missing_key_role)
        self.assertNotIn(account, Account.search([("missing_key_role", "=", True)]))
        self.assertIn(account, Account.search([("missing_key_role", "!=", True)]))

    def test_committee_members_are_the_companys_contacts(self):
        Member = self.env["crm.target.account.contact"].with_user(self.salesman)
        stranger = self.env["res.partner"].create(
            {"name": "Brit Person", "parent_id": self.brit.id}
        )
        for partner in (stranger, self.acme):
            with self.assertRaisesRegex(
                ValidationError, "is not a contact of Acme Corp"
            ):
                Member.create(
                    {
                        "account_id": self.account(self.acme).id,
                        "partner_id": partner.id,
                        "role_id": self.roles["champion"].id,
                    }
                )

    def test_plan_coverage(self):
        account = self.account(self.acme)
        account.with_user(self.marketer).marketing_owner_id = self.marketer
        self.env["crm.target.account.contact"].create(
            {
                "account_id": account.id,
                "partner_id": self.acme_ceo.id,
                "role_id": self.roles["decision_maker"].id,
            }
        )
        account.with_user(self.salesman).action_plan_coverage()
        activities = account.activity_ids
        self.assertEqual(
            len(activities), 5, "4 missing roles for sales, 1 for marketing"
        )
        self.assertEqual(
            activities.filtered(lambda a: a.user_id == self.sales_manager).mapped(
                "summary"
            ),
            [
                "Find the Economic Buyer",
                "Find the Champion",
                "Find the Influencer",
                "Find the Technical Evaluator",
            ],
        )
        marketing = activities.filtered(lambda a: a.user_id == self.marketer)
        self.assertIn("Champion", marketing.note)
        with self.assertRaisesRegex(UserError, "already planned"):
            account.action_plan_coverage()
        self.assertEqual(len(account.activity_ids), 5)

    def test_status_override_needs_a_reason(self):
        account = self.account(self.brit).with_user(self.marketer)
        with self.assertRaisesRegex(ValidationError, "Say why"):
            account.status_override = "disqualified"
        account.write({"status_override": "disqualified", "status_reason": "Bankrupt"})
        self.assertEqual(account.status, "disqualified")
        self.assertEqual(account.derived_status, "identified")
        account.status_override = False
        self.assertFalse(account.status_reason)
        self.assertEqual(account.status, "identified")
        form = Form(account)
        form.status_override = "customer"
        with self.assertRaises(AssertionError):
            form.save()  # the reason is required in the form too


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestEngagement(TargetAccountCase):
    """The roll-up is a view: a request sees what the previous ones wrote;
    inside one test, the cache is dropped to play the next request."""

    def status(self, account):
        self.env.invalidate_all()
        return account.status

    def test_roll_up_against_hand_counted_leads(self):
        account = self.account(self.acme)
        self.assertEqual(self.status(account), "identified")
        self.assertEqual(account.engagement_score, 0)
        Lead = self.env["crm.lead"].with_user(self.sales_manager)
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        nurtured = self.lead(email_from="a@acme.com")
        self.assertEqual(self.status(account), "engaged")
        self.lead(partner_id=self.acme_cto.id)
        lost = self.lead(email_from="b@eu.acme.com")
        lost.action_set_lost()
        self.assertEqual(self.status(account), "engaged")
        Lead.create(
            {
                "name": "Open 1",
                "type": "opportunity",
                "partner_id": self.acme.id,
                "expected_revenue": 1000,
                "user_id": self.salesman.id,
            }
        )
        self.assertEqual(self.status(account), "opportunity")
        Lead.create(
            {
                "name": "Open 2",
                "type": "opportunity",
                "partner_id": self.acme_ceo.id,
                "expected_revenue": 2500,
                "user_id": self.salesman.id,
            }
        )
        Lead.create(
            {
                "name": "Won",
                "type": "opportunity",
                "partner_id": self.acme.id,
                "expected_revenue": 4000,
                "stage_id": won_stage.id,
                "user_id": self.salesman.id,
            }
        )
        # Noise: another company, and a free-mail lead
        Lead.create(
            {
                "name": "Brit",
                "type": "opportunity",
                "partner_id": self.brit.id,
                "expected_revenue": 99999,
            }
        )
        self.lead(email_from="c@gmail.com")
        nurtured.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        nurtured.message_post(body="Called back", message_type="comment")
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(account.lead_count, 2, "two open leads, the lost one aside")
        self.assertEqual(account.opportunity_count, 3, "two open, one won")
        self.assertEqual(account.open_pipeline, 3500)
        self.assertEqual(account.won_revenue, 4000)
        self.assertEqual(account.handoff_count, 1)
        self.assertTrue(account.last_touch_date)
        self.assertFalse(account.is_idle)
        # 4 open (min 30) + 1 hand-off (10) + open pipeline (20) + touched today (30)
        self.assertEqual(account.engagement_score, 90)
        self.assertEqual(account.status, "customer")
        self.assertEqual(
            self.env["crm.target.account"].search(
                [("status", "=", "customer"), ("list_id", "=", self.target_list.id)]
            ),
            account,
        )
        report = self.env["crm.target.account.engagement"].read_group(
            [("list_id", "=", self.target_list.id)],
            ["open_pipeline:sum", "won_revenue:sum"],
            ["tier"],
        )
        by_tier = {row["tier"]: row for row in report}
        self.assertEqual(by_tier["1"]["open_pipeline"], 3500)
        self.assertEqual(by_tier["1"]["won_revenue"], 4000)
        self.assertEqual(by_tier["2"]["open_pipeline"], 99999)

    def test_idle_accounts(self):
        account = self.account(self.acme)
        lead = self.lead(email_from="a@acme.com")
        message = lead.message_post(body="Old news", message_type="comment")
        self.env.company.target_account_idle_days = 10
        self.env.cr.execute(
            "UPDATE mail_message SET date = now() - interval '11 days' WHERE id = %s",
            [message.id],
        )
        self.env.cr.execute(
            "UPDATE crm_target_account SET create_date = now() - interval '60 days'"
        )
        self.env.invalidate_all()
        self.assertTrue(account.is_idle)
        self.assertIn(
            account, self.env["crm.target.account"].search([("is_idle", "=", True)])
        )
        # 1 open lead (10) + touched within 14 days (30)
        self.assertEqual(account.engagement_score, 40)
        self.env.company.target_account_idle_days = 30
        self.env.invalidate_all()
        self.assertFalse(account.is_idle)

    def test_account_list_reads_roll_up_in_one_query(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk {index}", "is_company": True} for index in range(30)]
        )
        self.target_list.account_ids = [(0, 0, {"partner_id": p.id}) for p in partners]
        # the account row, its record rule, the roll-up: whatever the count
        fields_ = [name for name in ENGAGEMENT_FIELDS if name != "engagement_id"]
        Account = self.env["crm.target.account"].with_user(self.salesman)
        accounts = Account.search([("list_id", "=", self.target_list.id)])
        self.assertEqual(len(accounts), 32)
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            accounts[:1].read(fields_)
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            accounts.read(fields_)


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestTargetAccountAccess(TargetAccountCase):
    def test_salesperson_reads_and_fills_roles_only(self):
        account = self.account(self.acme).with_user(self.salesman)
        self.assertEqual(account.partner_id, self.acme)
        self.assertEqual(self.target_list.with_user(self.salesman).state, "agreed")
        with self.assertRaises(AccessError):
            account.tier = "3"
        with self.assertRaises(AccessError):
            self.env["crm.target.account.list"].with_user(self.salesman).create(
                {"name": "Mine"}
            )
        with self.assertRaises(AccessError):
            self.target_list.with_user(self.salesman).name = "Renamed"
        with self.assertRaises(AccessError):
            self.env["crm.buying.role"].with_user(self.salesman).create(
                {"name": "Guru"}
            )
        member = (
            self.env["crm.target.account.contact"]
            .with_user(self.salesman)
            .create(
                {
                    "account_id": account.id,
                    "partner_id": self.acme_ceo.id,
                    "role_id": self.roles["champion"].id,
                }
            )
        )
        member.role_id = self.roles["decision_maker"]
        account.message_post(body="Met them at the fair")  # salespeople log notes

    def test_marketing_proposes_and_edits(self):
        target_list = self.make_list("Marketing's", {self.other: "2"})
        target_list.with_user(self.marketer).name = "Renamed"
        self.account(self.other, target_list).with_user(self.marketer).tier = "1"
        with self.assertRaises(AccessError):
            self.env["crm.free.mail.domain"].with_user(self.marketer).create(
                {"name": "x.com"}
            )
        self.env["crm.free.mail.domain"].with_user(self.marketing_manager).create(
            {"name": " Mail.Example "}
        )
        self.assertTrue(
            self.env["crm.free.mail.domain"].search([("name", "=", "mail.example")])
        )

    def test_sales_manager_agrees_but_does_not_propose(self):
        with self.assertRaises(AccessError):
            self.env["crm.target.account.list"].with_user(self.sales_manager).create(
                {"name": "Sales' own"}
            )

    def test_other_company_cannot_see_lists(self):
        company_b = self.env["res.company"].create({"name": "Alignment B"})
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "align_outsider",
                "company_id": company_b.id,
                "company_ids": [(6, 0, company_b.ids)],
                "groups_id": [
                    (6, 0, [self.env.ref("crm_alignment.group_marketing_manager").id])
                ],
            }
        )
        Account = self.env["crm.target.account"].with_user(outsider)
        self.assertFalse(Account.search([("list_id", "=", self.target_list.id)]))
        self.assertFalse(
            self.env["crm.target.account.engagement"].with_user(outsider).search([])
        )
        with self.assertRaises(AccessError):
            self.target_list.with_user(outsider).read(["name"])
