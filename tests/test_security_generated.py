"""Attacks generated from the models: every guarded field, every signed term.

For every model that uses the guard mixin, each guarded field (and each
field whose ``groups`` the caller lacks) is sent by each role through every
way Odoo lets a value in: as a value of ``create``, as ``default_<field>`` in
the context of ``create``, ``name_create``, ``web_save`` and ``copy``, through
``copy(default=...)`` and through ``load`` (an import). Whatever the call
answers, the stored record must hold what the rules give it: the value the
same role gets with no forged input. For every two-manager sign-off, each
covered term is changed between the two signatures: the agreement must not
be reached with the first signature kept.

A new guarded field or a new signed term is attacked here without a test of
its own; a new guarded model needs a sample in ``SAMPLES``.
"""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged

from ..models.lifecycle.crm_lead import LEAD_CREATE_RULE_FIELDS
from .common import SecurityRpcCase, execute_kw


def _fresh_team(case):
    return case.env["crm.team"].create({"name": "Generated engagement team"}).id


# What each role may try to create per guarded model (a valid record but for
# the forged values); the test of the enumeration fails on a model missing.
SAMPLES = {
    "crm.lead": lambda case: {"name": "Generated lead", "type": "lead"},
    "crm.marketing.content": lambda case: {
        "name": "Generated content",
        "body": "<p>Generated</p>",
        "team_ids": [(6, 0, case.team.ids)],
    },
    "crm.target.account.list": lambda case: {"name": "Generated list"},
    "crm.alignment.goal": lambda case: {
        "team_id": case.team.id,
        "date_start": str(case.next_month()),
        "marketing_owner_id": case.marketing_manager.id,
        "sales_owner_id": case.sales_manager.id,
    },
    "crm.bant.profile": lambda case: {"name": "Generated definition"},
    "crm.sla.policy": lambda case: {"name": "Generated SLA", "followup_hours": 4},
    "utm.campaign": lambda case: {"name": "Generated campaign"},
    "crm.nurture.program": lambda case: {"name": "Generated program"},
    # one definition per team: each attempt on a team of its own
    "crm.engagement.definition": lambda case: {
        "name": "Generated engagement",
        "team_id": _fresh_team(case),
    },
    # history: only the pipeline creates these, every attempt is refused
    "crm.lead.handoff": None,
    "crm.lead.sla": None,
    "crm.marketing.content.review": None,
    "crm.marketing.content.share": None,
    "crm.nurture.enrolment": None,
    "crm.nurture.touch": None,
}
# What a copy must change to be valid (one goal per team and period).
COPY_DEFAULTS = {
    "crm.alignment.goal": lambda case: {"date_start": str(case.next_month())},
}


class GeneratedAttackCase(SecurityRpcCase):
    """The attack suite's roles and team, and the helpers that generate
    attacks (each call with only the context the attack names)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attackers = list(cls.roles.values())
        cls.other_team = cls.env["crm.team"].create({"name": "Generated Other Team"})
        # webhook URLs on this machine: the forged ones must be valid ones
        cls.env["ir.config_parameter"].set_param(
            "crm_alignment.sla_webhook_allow_private", "1"
        )
        cls.month = 0

    # ---------------------------------------------------------------- helpers

    @classmethod
    def next_month(cls):
        """A period of its own for each goal (one goal per team and period)."""
        cls.month += 1
        return fields.Date.today().replace(day=1) + relativedelta(
            years=5, months=cls.month
        )

    def rpc(self, user, model, method, *args, context=None, **kwargs):
        kwargs["context"] = dict(context or {})
        response = execute_kw(
            self, user.id, user.login, model, method, list(args), kwargs
        )
        if "error" in response:
            return False, response["error"]["data"]["message"]
        return True, response["result"]

    def guarded_models(self):
        Mixin = type(self.env["crm.alignment.guard.mixin"])
        return sorted(
            name
            for name in self.env.registry
            if not self.env[name]._abstract
            and not self.env[name]._transient
            and isinstance(self.env[name], Mixin)
        )

    def attacked_fields(self, model, user):
        """The guarded fields a role may not set, and the fields it may not
        access (their groups): o2m and computed fields aside, but for those
        whose values a table of their own stores (``_guarded_stored_apart``)."""
        Model = self.env[model]
        names = set(Model._alignment_guarded_names())
        if model == "crm.lead":
            names |= {"marketing_user_id"}
        manager = Model.with_user(user)._alignment_guard_manager_ok()
        if manager:
            names -= set(Model._guarded_manager_fields)
        names |= {
            name
            for name, field in Model._fields.items()
            if field.groups and not field.is_accessible(Model.with_user(user).env)
        }
        return sorted(
            name
            for name in names
            if (
                (Model._fields[name].store and not Model._fields[name].compute)
                or name in Model._guarded_stored_apart
            )
            and Model._fields[name].type != "one2many"
            and name not in models_magic()
        )

    def forged_value(self, model, name, current):
        """A value of the field's type other than ``current`` (as read)."""
        field = self.env[model]._fields[name]
        if field.type == "selection":
            values = [
                key for key, _label in field._description_selection(self.env) if key
            ]
            return next((value for value in values if value != current), None)
        if field.type == "many2one":
            current_id = current[0] if current else False
            record = (
                self.env[field.comodel_name]
                .sudo()
                .search([("id", "!=", current_id)], limit=1, order="id")
            )
            return record.id or None
        if field.type == "many2many":
            record = self.env[field.comodel_name].sudo().search([], limit=1)
            return [(6, 0, record.ids)]
        if field.type == "boolean":
            return not current
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        if field.type == "date":
            return "2020-01-02"
        if field.type == "datetime":
            return "2020-01-02 03:04:05"
        if name.endswith("url"):
            return "http://127.0.0.1:9/forged"
        return "forged <b>value</b>"

    def stored(self, model, record_id, names):
        record = self.env[model].sudo().browse(record_id)
        record.invalidate_recordset()
        return {
            name: record._fields[name].convert_to_read(record[name], record)
            for name in names
        }

    def count(self, model):
        return self.env[model].sudo().with_context(active_test=False).search_count([])


@tagged("post_install", "-at_install", "crm_alignment_security")
class TestGeneratedAttacks(GeneratedAttackCase):
    """Every guarded field, as each role, through every door of Odoo."""

    def test_every_guarded_model_has_a_sample(self):
        models = self.guarded_models()
        self.assertIn("crm.lead", models)
        self.assertIn("crm.alignment.goal", models)
        self.assertFalse(
            set(models) - set(SAMPLES),
            "give SAMPLES a record to attack for each guarded model",
        )

    def test_history_is_created_by_the_pipeline_only(self):
        for model, sample in SAMPLES.items():
            if sample is not None:
                continue
            names = self.env[model]._alignment_guarded_names()
            for user in self.attackers:
                before = self.count(model)
                context = {f"default_{name}": False for name in names}
                ok, _result = self.rpc(user, model, "create", {}, context=context)
                self.assertFalse(ok, f"{user.login} created {model}")
                ok, _result = self.rpc(user, model, "name_create", "x")
                self.assertFalse(ok, f"{user.login} name_create {model}")
                self.assertEqual(self.count(model), before)

    def test_forged_defaults_and_values_never_stored(self):
        for model in self.guarded_models():
            sample = SAMPLES.get(model)
            if sample is None:
                continue
            for user in self.attackers:
                with self.subTest(model=model, user=user.login):
                    self._attack_model(model, user, sample)

    def _attack_model(self, model, user, sample):
        attack = _Attack(self, model, user, sample)
        if attack.start():
            attack.through_defaults()
            for name in attack.value_names:
                attack.through_value(name)

    def grouped(self, model):
        return {name for name, field in self.env[model]._fields.items() if field.groups}

    def load_row(self, model, vals, name, value):
        """An import of the sample with one more column holding the forged
        value (many2many and commands aside)."""
        Model = self.env[model]
        columns, row = [], []
        for fname, fvalue in dict(vals, **{name: value}).items():
            field = Model._fields[fname]
            if isinstance(fvalue, list):
                if fname == name:
                    return [], []
                continue
            if field.type == "many2one":
                columns.append(f"{fname}/.id")
                row.append(str(fvalue or ""))
            elif field.type == "boolean":
                columns.append(fname)
                row.append("1" if fvalue else "0")
            else:
                columns.append(fname)
                row.append(str(fvalue))
        return columns, row


def models_magic():
    return {"id", "create_uid", "create_date", "write_uid", "write_date"}


NURTURE_STEP = {
    "name": "First touch",
    "kind": "email",
    "delay_days": 2,
    "subject": "Generated subject",
    "body_html": "<p>Generated body</p>",
}
# Agreements both managers sign: a record ready to sign, created as Odoo's
# own code would (the test attacks what happens between the signatures).
SIGNOFF_SAMPLES = {
    "crm.alignment.goal": lambda case: case.env["crm.alignment.goal"].create(
        dict(
            SAMPLES["crm.alignment.goal"](case),
            line_ids=[
                (0, 0, {"kpi": "sales_ready_delivered", "target": 100}),
                (0, 0, {"kpi": "acceptance_rate", "target": 80}),
            ],
        )
    ),
    "crm.target.account.list": lambda case: case.env["crm.target.account.list"].create(
        {
            "name": "Generated signed list",
            "team_id": case.team.id,
            "account_ids": [
                (0, 0, {"partner_id": case.account().id, "tier": "1"}),
                (0, 0, {"partner_id": case.account().id, "tier": "2"}),
            ],
        }
    ),
    "crm.nurture.program": lambda case: case.env["crm.nurture.program"].create(
        {
            "name": "Generated signed program",
            "team_id": case.team.id,
            "step_ids": [
                (0, 0, NURTURE_STEP | {"sequence": 1}),
                (0, 0, NURTURE_STEP | {"sequence": 2, "name": "Second touch"}),
            ],
        }
    ),
}
ENGAGEMENT_RULE = {"signal_type": "mail_click", "points": 10, "half_life_days": 14}
SIGNOFF_SAMPLES["crm.engagement.definition"] = lambda case: case.env[
    "crm.engagement.definition"
].create(
    {
        "name": "Generated signed engagement",
        "team_id": _fresh_team(case),
        "rule_ids": [
            (0, 0, ENGAGEMENT_RULE),
            (0, 0, ENGAGEMENT_RULE | {"signal_type": "mail_reply"}),
        ],
    }
)
# Terms held by the agreement's lines: (description, change as an RPC call)
SIGNOFF_LINE_CHANGES = {
    "crm.alignment.goal": [
        (
            "a target",
            lambda case, rec: (
                "crm.alignment.goal.line",
                "write",
                rec.line_ids[:1].ids,
                {"target": 1},
            ),
        ),
        (
            "a new target",
            lambda case, rec: (
                "crm.alignment.goal.line",
                "create",
                {"goal_id": rec.id, "kpi": "sourced_pipeline", "target": 1},
            ),
        ),
        (
            "a removed target",
            lambda case, rec: (
                "crm.alignment.goal.line",
                "unlink",
                rec.line_ids[:1].ids,
            ),
        ),
    ],
    "crm.target.account.list": [
        (
            "a tier",
            lambda case, rec: (
                "crm.target.account",
                "write",
                rec.account_ids[:1].ids,
                {"tier": "3"},
            ),
        ),
        (
            "a new company",
            lambda case, rec: (
                "crm.target.account",
                "create",
                {"list_id": rec.id, "partner_id": case.account().id, "tier": "2"},
            ),
        ),
        (
            "a removed company",
            lambda case, rec: (
                "crm.target.account",
                "unlink",
                rec.account_ids[:1].ids,
            ),
        ),
    ],
    "crm.nurture.program": [
        (
            "a step's delay",
            lambda case, rec: (
                "crm.nurture.step",
                "write",
                rec.step_ids[:1].ids,
                {"delay_days": 9},
            ),
        ),
        (
            "a new step",
            lambda case, rec: (
                "crm.nurture.step",
                "create",
                NURTURE_STEP | {"program_id": rec.id, "name": "Added touch"},
            ),
        ),
        (
            "a removed step",
            lambda case, rec: (
                "crm.nurture.step",
                "unlink",
                rec.step_ids[:1].ids,
            ),
        ),
    ],
    "crm.engagement.definition": [
        (
            "a signal's points",
            lambda case, rec: (
                "crm.engagement.rule",
                "write",
                rec.rule_ids[:1].ids,
                {"points": 1},
            ),
        ),
        (
            "a new signal",
            lambda case, rec: (
                "crm.engagement.rule",
                "create",
                ENGAGEMENT_RULE | {"definition_id": rec.id, "signal_type": "mail_open"},
            ),
        ),
        (
            "a removed signal",
            lambda case, rec: ("crm.engagement.rule", "unlink", rec.rule_ids[:1].ids),
        ),
    ],
}


@tagged("post_install", "-at_install", "crm_alignment_security")
class TestGeneratedSignoffAttacks(GeneratedAttackCase):
    """Each covered term changed between the two signatures."""

    def account(self):
        return self.env["res.partner"].create(
            {"name": f"Generated Account {self.next_month()}", "is_company": True}
        )

    def signoff_models(self):
        Mixin = type(self.env["crm.alignment.signoff.mixin"])
        return sorted(
            name
            for name in self.env.registry
            if not self.env[name]._abstract and isinstance(self.env[name], Mixin)
        )

    def new_term_value(self, record, name):
        field = record._fields[name]
        current = record[name]
        if field.type == "many2one":
            domain = [("id", "!=", current.id)]
            if field.comodel_name == "res.users":
                domain.append(("share", "=", False))
            if field.comodel_name == "crm.team":
                return self.other_team.id
            return (
                self.env[field.comodel_name].sudo().search(domain, limit=1).id or None
            )
        if field.type == "many2many":
            other = (
                self.env[field.comodel_name]
                .sudo()
                .search([("id", "not in", current.ids)], limit=1)
            )
            return [(6, 0, other.ids)] if other else None
        if field.type == "boolean":
            return not current
        if field.type == "date":
            return str(self.next_month())
        if field.type == "selection":
            return next(
                key
                for key, _label in field._description_selection(self.env)
                if key != current
            )
        if field.type == "html":
            return "<p>Changed after the first signature</p>"
        if field.type == "integer":
            return current + 1
        return f"{current or ''} changed"

    def test_every_signoff_model_is_attacked(self):
        self.assertEqual(self.signoff_models(), sorted(SIGNOFF_SAMPLES))
        for model in SIGNOFF_SAMPLES:
            self.assertTrue(self.env[model]._signoff_term_fields, model)
            self.assertIn(model, SIGNOFF_LINE_CHANGES)

    def test_a_signature_covers_every_term(self):
        for model, sample in SIGNOFF_SAMPLES.items():
            changes = [
                (
                    name,
                    lambda case, rec, name=name, model=model: (
                        model,
                        "write",
                        rec.ids,
                        {name: case.new_term_value(rec, name)},
                    ),
                )
                for name in self.env[model]._signoff_term_fields
            ] + SIGNOFF_LINE_CHANGES[model]
            for term, change in changes:
                if term in self.env[model]._fields and self.new_term_value(
                    SIGNOFF_SAMPLES[model](self), term
                ) in (None, False):
                    continue  # nothing else to change it to here (one company)
                with self.subTest(model=model, term=term):
                    self._change_between_signatures(model, sample, term, change)

    def _change_between_signatures(self, model, sample, term, change):
        record = sample(self)
        ok, result = self.rpc(
            self.sales_manager, model, "action_agree_sales", record.ids
        )
        self.assertTrue(ok, result)
        terms_before = record._signoff_terms_text()
        messages = len(record.message_ids)
        ok, result = self.rpc(self.marketing_manager, *change(self, record))
        record.invalidate_recordset()
        changed = record._signoff_terms_text() != terms_before
        if not changed:
            # refused (or no change): the signature still covers the terms
            self.assertTrue(record.sales_agreed_user_id, f"{term}: {result}")
            return
        self.assertFalse(
            record.sales_agreed_user_id, f"{term}: the sales signature stayed"
        )
        logged = record.message_ids[: len(record.message_ids) - messages]
        self.assertTrue(
            any(self.marketing_manager.name in (m.body or "") for m in logged),
            f"{term}: not logged with who changed it",
        )
        ok, result = self.rpc(
            self.marketing_manager, model, "action_agree_marketing", record.ids
        )
        record.invalidate_recordset()
        self.assertNotEqual(
            record.state, record._signoff_agreed_state, f"{term}: agreed on one name"
        )
        # the sales manager signs the new terms: now it is agreed
        ok, result = self.rpc(
            self.sales_manager, model, "action_agree_sales", record.ids
        )
        self.assertTrue(ok, result)
        record.invalidate_recordset()
        self.assertEqual(record.state, record._signoff_agreed_state, term)

    def test_a_change_no_write_announced_voids_the_first_signature(self):
        """A term changed beneath the ORM (SQL, a cascade): the second
        signature compares what the first one covered."""
        for model, sample in SIGNOFF_SAMPLES.items():
            record = sample(self)
            record.with_user(self.sales_manager).action_agree_sales()
            self.env.cr.execute(
                f'UPDATE "{record._table}" SET team_id = %s WHERE id = %s',  # noqa: S608
                (self.other_team.id, record.id),
            )
            record.invalidate_recordset()
            record.with_user(self.marketing_manager).action_agree_marketing()
            self.assertNotEqual(record.state, record._signoff_agreed_state, model)
            self.assertFalse(record.sales_agreed_user_id, model)
            self.assertEqual(record.marketing_agreed_user_id, self.marketing_manager)


class _Attack:
    """One role attacking one model: a control record made without forged
    input, then every door Odoo offers, each checked against the control."""

    def __init__(self, case, model, user, sample):
        self.case, self.model, self.user, self.sample = case, model, user, sample
        Model = case.env[model]
        self.names = case.attacked_fields(model, user)
        # what a manager may give as a value at creation (an import's stage
        # and sources): attacked through the context only
        manager = Model.with_user(user)._alignment_guard_manager_ok()
        self.value_names = [
            name
            for name in self.names
            if not (model == "crm.lead" and name in LEAD_CREATE_RULE_FIELDS and manager)
        ]
        self.write_names = set(Model._alignment_guarded_names()) | case.grouped(model)
        self.copy_default = COPY_DEFAULTS.get(model, lambda case: {})
        self.copied = None

    def rpc(self, method, *args, **kwargs):
        return self.case.rpc(self.user, self.model, method, *args, **kwargs)

    def start(self):
        """The control record; False when the role may not create at all
        (then not with forged values either)."""
        case = self.case
        ok, self.control_id = self.rpc("create", self.sample(case))
        if not ok:
            before = case.count(self.model)
            forged = {
                f"default_{name}": case.forged_value(self.model, name, False)
                for name in self.names
            }
            ok, _result = self.rpc("create", self.sample(case), context=forged)
            case.assertFalse(ok, f"{self.user.login} created {self.model}")
            case.assertEqual(case.count(self.model), before)
            return False
        self.control = case.stored(self.model, self.control_id, self.names)
        forged = {
            name: case.forged_value(self.model, name, self.control[name])
            for name in self.names
        }
        self.forged = {
            name: value for name, value in forged.items() if value is not None
        }
        return True

    def check(self, record_id, how, expected=None):
        expected = expected or self.control
        got = self.case.stored(self.model, record_id, self.names)
        for name in self.names:
            message = f"{self.user.login} {how}: {self.model}.{name}"
            if isinstance(expected[name], datetime) and got[name]:
                # a stamp of "now" (the control's is a moment earlier)
                self.case.assertLess(
                    abs(got[name] - expected[name]), timedelta(minutes=5), message
                )
                continue
            self.case.assertEqual(got[name], expected[name], message)

    def through_defaults(self):
        """default_<field> for every attacked field at once, through each door
        that takes the context's defaults."""
        case = self.case
        context = {f"default_{name}": value for name, value in self.forged.items()}
        ok, record_id = self.rpc("create", self.sample(case), context=context)
        if ok:
            self.check(record_id, "create with default_*")
        ok, pair = self.rpc("name_create", "Forged", context=context)
        if ok:
            self.check(pair[0], "name_create with default_*")
        ok, result = self.rpc(
            "web_save", [], self.sample(case), specification={}, context=context
        )
        if ok:
            self.check(result[0]["id"], "web_save with default_*")
        ok, copy_ids = self.rpc(
            "copy", [self.control_id], default=self.copy_default(case)
        )
        if not ok:
            return
        self.copied = case.stored(self.model, copy_ids[0], self.names)
        ok, record_ids = self.rpc(
            "copy", [self.control_id], default=self.copy_default(case), context=context
        )
        if ok:
            self.check(record_ids[0], "copy with default_*", self.copied)

    def through_value(self, name):
        """One field as a value: create, copy(default=), web_save, load."""
        case = self.case
        if name not in self.forged:
            return
        value = self.forged[name]
        before = case.count(self.model)
        ok, record_id = self.rpc("create", dict(self.sample(case), **{name: value}))
        if ok:
            self.check(record_id, f"create with {name}")
        else:
            case.assertEqual(case.count(self.model), before, f"{name}: half-written")
        if self.copied is not None:
            default = dict(self.copy_default(case), **{name: value})
            ok, record_ids = self.rpc("copy", [self.control_id], default=default)
            if ok:
                self.check(record_ids[0], f"copy(default={name})", self.copied)
        if name in self.write_names:
            self.rpc("web_save", [self.control_id], {name: value}, specification={})
            self.check(self.control_id, f"web_save of {name}")
        columns, row = case.load_row(self.model, self.sample(case), name, value)
        if columns:
            ok, result = self.rpc("load", columns, [row])
            for record_id in (ok and result.get("ids")) or ():
                self.check(record_id, f"load of {name}")
