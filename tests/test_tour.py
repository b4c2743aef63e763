from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import date_utils

from odoo.addons.mail.tests.common import mail_new_test_user


class TourCase(HttpCase):
    """The main flow of each feature, in Chromium, as the role that does it."""

    def _user(self, login, name, group):
        return mail_new_test_user(
            self.env, login=login, name=name, groups=f"base.group_user,{group}"
        )


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestHandoffTour(TourCase):
    """Marketing hands a lead off, sales accepts it."""

    def test_marketing_hands_off_and_sales_accepts(self):
        marketer = self._user(
            "tour_marketer", "Tour Marketer", "crm_alignment.group_marketing_user"
        )
        salesman = self._user(
            "tour_salesman", "Tour Salesman", "sales_team.group_sale_salesman"
        )
        self.env["crm.team"].create(
            {"name": "Tour Team", "member_ids": [(6, 0, salesman.ids)]}
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour Webinar Lead", "type": "lead"})
        )
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_lead_action_marketing/{lead.id}",
            "crm_alignment_handoff_tour",
            login="tour_marketer",
        )
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.user_id, salesman)
        self.assertEqual(lead.handoff_ids.note, "Asked for a demo")
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_lead_action_waiting_on_sales/{lead.id}",
            "crm_alignment_accept_tour",
            login="tour_salesman",
        )
        self.assertEqual(lead.lifecycle_stage, "accepted")


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestBantTour(TourCase):
    """Marketing answers BANT until the lead is sales-ready."""

    def test_marketing_qualifies_a_lead_with_bant(self):
        marketer = self._user(
            "tour_bant_marketer",
            "Tour BANT Marketer",
            "crm_alignment.group_marketing_user",
        )
        self.env.company.bant_profile_id = self.env.ref(
            "crm_alignment.crm_bant_profile_transactional"
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour BANT Lead", "type": "lead"})
        )
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_lead_action_marketing/{lead.id}",
            "crm_alignment_bant_tour",
            login="tour_bant_marketer",
        )
        # (30 * 100 + 30 * 100) / 100 under Transactional (threshold 50)
        self.assertEqual(lead.bant_score, 60)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestRecycleTour(TourCase):
    """Sales sends a lead back to nurture with the wizard."""

    def test_sales_recycles_a_lead_to_nurture(self):
        marketer = self._user(
            "tour_rc_marketer",
            "Tour Recycle Marketer",
            "crm_alignment.group_marketing_user",
        )
        salesman = self._user(
            "tour_rc_salesman",
            "Tour Recycle Salesman",
            "sales_team.group_sale_salesman",
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour Recycle Lead", "type": "lead"})
        )
        lead.with_user(marketer).handoff_to_sales(user_id=salesman.id)
        self.start_tour(
            f"/odoo/crm/{lead.id}",
            "crm_alignment_recycle_tour",
            login="tour_rc_salesman",
        )
        self.assertEqual(lead.lifecycle_stage, "nurture")
        self.assertEqual(lead.previous_user_id, salesman)
        self.assertEqual(lead.marketing_user_id, marketer)
        self.assertEqual(lead.recycle_count, 1)


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestSlaTour(TourCase):
    """The salesperson follows a hand-off up within its SLA."""

    def test_salesperson_follows_up_within_the_sla(self):
        marketer = self._user(
            "tour_sla_marketer",
            "Tour SLA Marketer",
            "crm_alignment.group_marketing_user",
        )
        salesman = self._user(
            "tour_sla_salesman", "Tour SLA Salesman", "sales_team.group_sale_salesman"
        )
        self.env["crm.sla.policy"].create(
            {"name": "Tour SLA", "followup_hours": 1000, "sequence": 1}
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour SLA Lead", "type": "lead"})
        )
        lead.with_user(marketer).handoff_to_sales(user_id=salesman.id)
        self.assertEqual(lead.sla_state, "ongoing")
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_alignment_sla_tour", login="tour_sla_salesman"
        )
        self.assertEqual(lead.sla_ids.state, "reached")
        self.assertEqual(lead.lifecycle_stage, "accepted")


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestContentTour(TourCase):
    """Content is reviewed, published and shared with a lead."""

    def test_content_is_reviewed_published_and_shared(self):
        marketer = self._user(
            "tour_ct_marketer",
            "Tour Content Marketer",
            "crm_alignment.group_marketing_user",
        )
        manager = self._user(
            "tour_ct_manager", "Tour Content Manager", "sales_team.group_sale_manager"
        )
        salesman = self._user(
            "tour_ct_salesman",
            "Tour Content Salesman",
            "sales_team.group_sale_salesman",
        )
        team = self.env["crm.team"].create(
            {
                "name": "Tour Content Team",
                "user_id": manager.id,
                "member_ids": [(6, 0, salesman.ids)],
            }
        )
        content = (
            self.env["crm.marketing.content"]
            .with_user(marketer)
            .create({"name": "Tour case study", "team_ids": [(6, 0, team.ids)]})
        )
        lead = (
            self.env["crm.lead"]
            .with_user(salesman)
            .create({"name": "Tour content deal", "email_from": "b@prospect.example"})
        )
        url = f"/odoo/action-crm_alignment.crm_marketing_content_action/{content.id}"
        for tour, login in [
            ("crm_alignment_content_submit_tour", "tour_ct_marketer"),
            ("crm_alignment_content_changes_tour", "tour_ct_manager"),
            ("crm_alignment_content_submit_tour", "tour_ct_marketer"),
            ("crm_alignment_content_approve_tour", "tour_ct_manager"),
            ("crm_alignment_content_publish_tour", "tour_ct_marketer"),
        ]:
            self.start_tour(url, tour, login=login)
        self.assertEqual(content.state, "published")
        self.assertEqual(content.review_ids.mapped("decision"), ["approve", "changes"])
        self.start_tour(
            f"/odoo/crm/{lead.id}",
            "crm_alignment_content_share_tour",
            login="tour_ct_salesman",
        )
        self.assertEqual(lead.content_share_ids.content_id, content)


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestTargetListTour(TourCase):
    """Both managers agree a target-account list."""

    def test_both_teams_agree_a_target_list(self):
        for login, name, group in (
            (
                "tour_abm_marketer",
                "Tour Marketer",
                "crm_alignment.group_marketing_user",
            ),
            (
                "tour_abm_sales_mgr",
                "Tour Sales Manager",
                "sales_team.group_sale_manager",
            ),
            (
                "tour_abm_mkt_mgr",
                "Tour Marketing Manager",
                "crm_alignment.group_marketing_manager",
            ),
            ("tour_abm_salesman", "Tour Salesman", "sales_team.group_sale_salesman"),
        ):
            self._user(login, name, group)
        company = self.env["res.partner"].create(
            {"name": "Tour Target Co", "is_company": True, "website": "tourtarget.com"}
        )
        self.env["res.partner"].create(
            {"name": "Tour Champion", "parent_id": company.id}
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Tour Target Lead",
                "type": "lead",
                "email_from": "x@eu.tourtarget.com",
            }
        )
        self.assertFalse(lead.target_account_id)
        self.start_tour(
            "/odoo/action-crm_alignment.crm_target_account_list_action/new",
            "crm_alignment_abm_propose_tour",
            login="tour_abm_marketer",
        )
        target_list = self.env["crm.target.account.list"].search(
            [("name", "=", "Tour Strategic Accounts")]
        )
        self.assertEqual(target_list.account_ids.partner_id, company)
        self.assertFalse(lead.target_account_id, "proposed only")
        action = "crm_alignment.crm_target_account_list_action"
        url = f"/odoo/action-{action}/{target_list.id}"
        self.start_tour(
            url, "crm_alignment_abm_agree_sales_tour", login="tour_abm_sales_mgr"
        )
        self.start_tour(
            url, "crm_alignment_abm_agree_marketing_tour", login="tour_abm_mkt_mgr"
        )
        self.assertEqual(target_list.state, "agreed")
        account = target_list.account_ids
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_target_account_action/{account.id}",
            "crm_alignment_abm_roles_tour",
            login="tour_abm_salesman",
        )
        self.assertEqual(
            account.contact_ids.role_id,
            self.env.ref("crm_alignment.crm_buying_role_champion"),
        )
        self.assertEqual(lead.target_account_id, account)
        self.start_tour(
            "/odoo/action-crm_alignment.crm_lead_action_marketing?view_type=kanban",
            "crm_alignment_abm_lead_tour",
            login="tour_abm_marketer",
        )


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestAlignmentChartsTour(TourCase):
    """The charts as each role reads them (the demo's year of pipeline)."""

    def test_each_role_reads_the_charts_and_drills_down(self):
        # the demo users: a salesperson, both managers
        self.assertEqual(
            self.env["res.users"].search_count(
                [("login", "in", ("sam", "sara", "max"))]
            ),
            3,
            "This tour reads the demo data's year of pipeline: run it on a "
            "database with demo data (make test installs it).",
        )
        for login in ("sam", "sara", "max"):
            self.start_tour(
                "/odoo/action-crm_alignment.crm_alignment_charts_action",
                "crm_alignment_charts_tour",
                login=login,
            )


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestScoreboardTour(TourCase):
    """Each role opens the scoreboard and drills into a figure."""

    def test_both_teams_open_the_scoreboard_and_drill_down(self):
        salesman = self._user(
            "tour_score_sales", "Tour Score Sales", "sales_team.group_sale_salesman"
        )
        marketer = self._user(
            "tour_score_mkt",
            "Tour Score Marketer",
            "crm_alignment.group_marketing_user",
        )
        team = self.env["crm.team"].create(
            {"name": "Tour Score Team", "member_ids": [(6, 0, salesman.ids)]}
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create(
                {"name": "Tour Scoreboard Lead", "type": "lead", "team_id": team.id}
            )
        )
        lead.with_user(marketer).handoff_to_sales(user_id=salesman.id)
        goal = self.env["crm.alignment.goal"].create(
            {
                "team_id": team.id,
                "period": "quarter",
                "date_start": date_utils.start_of(fields.Date.today(), "quarter"),
                "marketing_owner_id": marketer.id,
                "sales_owner_id": salesman.id,
                "line_ids": [(0, 0, {"kpi": "sales_ready_delivered", "target": 5})],
            }
        )
        self.assertEqual(goal.line_ids.actual, 1)
        self._user(
            "tour_score_mgr", "Tour Score Manager", "sales_team.group_sale_manager"
        )
        for login in ("tour_score_sales", "tour_score_mkt", "tour_score_mgr"):
            self.start_tour(
                "/odoo/action-crm_alignment.crm_alignment_dashboard_action",
                "crm_alignment_scoreboard_tour",
                login=login,
            )


@tagged("post_install", "-at_install", "crm_alignment_tours")
class TestNurtureTour(TourCase):
    """Sales recycles a lead into the agreed program; the step job runs it."""

    def test_recycle_into_a_program_then_the_job_runs_its_step(self):
        marketer = self._user(
            "tour_nu_marketer",
            "Tour Nurture Marketer",
            "crm_alignment.group_marketing_user",
        )
        salesman = self._user(
            "tour_nu_salesman",
            "Tour Nurture Salesman",
            "sales_team.group_sale_salesman",
        )
        sales_manager = self._user(
            "tour_nu_sales_manager",
            "Tour Nurture Sales Manager",
            "sales_team.group_sale_manager",
        )
        marketing_manager = self._user(
            "tour_nu_marketing_manager",
            "Tour Nurture Marketing Manager",
            "crm_alignment.group_marketing_manager",
        )
        team = self.env["crm.team"].create(
            {
                "name": "Tour Nurture Team",
                "member_ids": [(6, 0, salesman.ids)],
                "marketing_user_id": marketer.id,
            }
        )
        program = (
            self.env["crm.nurture.program"]
            .with_user(marketer)
            .create(
                {
                    "name": "Tour nurture program",
                    "team_id": team.id,
                    "recycle_reason_ids": [
                        (
                            6,
                            0,
                            self.env.ref("crm_alignment.crm_recycle_reason_timing").ids,
                        )
                    ],
                    "step_ids": [
                        (
                            0,
                            0,
                            {
                                "sequence": 1,
                                "name": "Tour case study",
                                "kind": "email",
                                "delay_days": 0,
                                "subject": "How Acme did it",
                                "body_html": "<p>Read how Acme did it.</p>",
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "sequence": 2,
                                "name": "Tour follow-up call",
                                "kind": "activity",
                                "delay_days": 3,
                                "activity_type_id": self.env.ref(
                                    "mail.mail_activity_data_call"
                                ).id,
                            },
                        ),
                    ],
                }
            )
        )
        program.with_user(sales_manager).action_agree_sales()
        program.with_user(marketing_manager).action_agree_marketing()
        engagement = (
            self.env["crm.engagement.definition"]
            .with_user(marketer)
            .create(
                {
                    "name": "Tour engagement",
                    "team_id": team.id,
                    "rule_ids": [
                        (
                            0,
                            0,
                            {
                                "signal_type": "mail_open",
                                "points": 10,
                                "half_life_days": 14,
                            },
                        )
                    ],
                }
            )
        )
        engagement.with_user(sales_manager).action_agree_sales()
        engagement.with_user(marketing_manager).action_agree_marketing()
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create(
                {
                    "name": "Tour Nurture Lead",
                    "type": "lead",
                    "team_id": team.id,
                    "email_from": "prospect@acme.example.com",
                }
            )
        )
        lead.with_user(marketer).handoff_to_sales(user_id=salesman.id)
        self.start_tour(
            f"/odoo/crm/{lead.id}",
            "crm_alignment_nurture_recycle_tour",
            login="tour_nu_salesman",
        )
        self.assertEqual(lead.nurture_program_id, program)
        self.env["crm.nurture.enrolment"]._cron_run_steps()
        self.assertEqual(lead.nurture_touch_ids.outcome, "done")
        # the prospect opens the e-mail: Email Marketing's own tracking URL
        # (the mail itself is deleted once sent; its trace keeps its id)
        trace = lead.nurture_touch_ids.mailing_trace_id
        token = self.env["mail.mail"]._generate_mail_recipient_token(
            trace.mail_mail_id_int
        )
        response = self.url_open(
            f"/mail/track/{trace.mail_mail_id_int}/{token}/blank.gif"
        )
        self.assertEqual(response.status_code, 200)
        lead.invalidate_recordset()
        self.assertEqual(lead.engagement_score, 10)
        self.assertEqual(lead.engagement_grade, "3")
        self.start_tour(
            f"/odoo/crm/{lead.id}",
            "crm_alignment_nurture_history_tour",
            login="tour_nu_marketer",
        )
