import contextlib
import contextvars

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# The models whose guarded fields the running code may write. It lives in the
# Python call stack of this request only: nothing an RPC client sends
# (context keys, field values, method arguments) can set it. Only the
# addon's own transition methods enter _alignment_guard_grant().
_GRANTED_MODELS = contextvars.ContextVar("crm_alignment_granted", default=frozenset())


@contextlib.contextmanager
def _grant(model_name):
    token = _GRANTED_MODELS.set(_GRANTED_MODELS.get() | {model_name})
    try:
        yield
    finally:
        _GRANTED_MODELS.reset(token)


class CrmAlignmentGuardMixin(models.AbstractModel):
    """Facts both teams rely on (states, sign-offs, who sourced a lead,
    hand-off and SLA records) are written by the model's own transitions,
    never by create/write from a caller.

    A model declares:

    - ``_guarded_fields``: refused in ``create`` and ``write`` outside a
      transition; ``"__all__"`` for every field;
    - ``_guarded_create``: True when the records themselves are facts
      (journey rows, SLAs, reviews, shares): only a transition creates them;
    - ``_guarded_manager_fields``: guarded fields a manager may still set
      (corrections, imports), checked by ``_alignment_guard_manager_ok``;
    - ``_guarded_stored_apart``: guarded fields computed from a table of
      their own (not the model's row, e.g. the lead's engagement scores):
      facts like the stored ones, attacked like them by the generated suite;
    - for a state machine, ``_guarded_state_field`` and
      ``_guarded_transitions`` ({target: allowed source states}), used by
      ``_alignment_transition``.

    Each model calls ``_alignment_guard_create``/``_alignment_guard_write``
    from its one ``create``/``write``.
    """

    _name = "crm.alignment.guard.mixin"
    _description = "Sales & Marketing Alignment: guarded facts"

    _guarded_fields = ()
    _guarded_create = False
    _guarded_manager_fields = ()
    _guarded_stored_apart = ()
    _guarded_state_field = None
    _guarded_transitions = {}

    # ------------------------------------------------------------
    # GUARDS
    # ------------------------------------------------------------

    def _alignment_guard_granted(self):
        return self._name in _GRANTED_MODELS.get()

    @api.model
    def _alignment_guard_manager_ok(self):
        """Managers (and the installer loading data) may correct the fields
        in ``_guarded_manager_fields``."""
        return self.env.su or self.env["crm.lead"]._alignment_is_manager()

    @api.model
    def _alignment_guard_create(self, vals_list):
        if self._alignment_guard_granted():
            return
        if self._guarded_create:
            # who may not create at all hears it from the access rules
            self.browse().check_access("create")
            raise UserError(
                self.env._(
                    "%(model)s records are written by the pipeline itself (hand-off, "
                    "recycle, follow-up, review); they cannot be created directly.",
                    model=self._description,
                )
            )
        for vals in vals_list:
            self.browse()._alignment_guard_vals(vals, "create")

    def _alignment_guard_write(self, vals):
        if not self._alignment_guard_granted():
            self._alignment_guard_vals(vals, "write")

    # Odoo adds values after create() has seen the caller's dict: the
    # context's default_<field> keys (create, name_create, web_save, copy),
    # and the original's values in a copy. Guarded fields and fields the
    # user may not access never take those: they get the value the rules
    # give (the field's default), and what the caller names itself is
    # checked by the guards above.

    @api.model
    def _alignment_guard_default_names(self):
        """Fields whose value never comes from a ``default_*`` context key:
        not even inside a transition (the caller's context travels into the
        records the pipeline creates for it)."""
        names = set(self._alignment_guarded_names())
        if not self.env.su:
            names.update(
                name
                for name, field in self._fields.items()
                if field.groups and not field.is_accessible(self.env)
            )
        return names

    @api.model
    def default_get(self, fields_list):
        # called once per record created: the guarded names only when the
        # context has defaults at all
        keys = [key for key in self.env.context if key.startswith("default_")]
        guarded = self._alignment_guard_default_names() if keys else ()
        forged = [key for key in keys if key[len("default_") :] in guarded]
        model = self
        if forged:
            context = {k: v for k, v in self.env.context.items() if k not in forged}
            model = self.with_env(self.env(context=context))
        return super(CrmAlignmentGuardMixin, model).default_get(fields_list)

    def copy_data(self, default=None):
        """A copy starts over: guarded facts and fields the user may not
        access are not copied from the original (what the caller passes in
        ``default`` is checked by create's guards)."""
        vals_list = super().copy_data(default=default)
        dropped = self._alignment_guard_default_names() - set(default or ())
        for vals in vals_list:
            for name in dropped & set(vals or ()):
                del vals[name]
        return vals_list

    def _prepare_create_values(self, vals_list):
        # Field groups hold at creation as they do for write (Odoo checks
        # them on write and read only): what the caller names is refused.
        if not self.env.su:
            self.check_field_access_rights(
                "create", list({name for vals in vals_list for name in vals})
            )
        return super()._prepare_create_values(vals_list)

    def _alignment_guarded_names(self):
        if self._guarded_fields == "__all__":
            return set(self._fields)
        return set(self._guarded_fields)

    def _alignment_guard_vals(self, vals, operation):
        guarded = set(vals) & self._alignment_guarded_names()
        if guarded and guarded <= set(self._guarded_manager_fields):
            if self._alignment_guard_manager_ok():
                return
        if guarded:
            # who may not write at all hears it from the access rules
            self.check_access(operation)
            names = sorted(
                self._fields[name]._description_string(self.env) for name in guarded
            )
            raise UserError(
                self.env._(
                    "%(fields)s of %(model)s change only through its actions, "
                    "which check who you are and the record's state.",
                    fields=", ".join(names),
                    model=self._description,
                )
            )

    @contextlib.contextmanager
    def _alignment_guard_grant(self):
        """The one internal path to the guarded fields of this model. Only
        call it after the caller's role, the record's state and its access
        were checked (``_alignment_transition`` does all of that)."""
        with _grant(self._name):
            yield

    def _alignment_guarded_write(self, vals):
        with self._alignment_guard_grant():
            return self.write(vals)

    def _alignment_guarded_create(self, vals_list):
        with self._alignment_guard_grant():
            return self.create(vals_list)

    # Module data files (demo records in any state) are loaded by the
    # superuser through these two methods; a user's import goes through
    # them too, but never as the superuser.

    def _load_records_write(self, values):
        if self.env.su:
            with self._alignment_guard_grant():
                return super()._load_records_write(values)
        return super()._load_records_write(values)

    @api.model
    def _load_records_create(self, vals_list):
        if self.env.su:
            with self._alignment_guard_grant():
                return super()._load_records_create(vals_list)
        return super()._load_records_create(vals_list)

    # ------------------------------------------------------------
    # STATE MACHINE
    # ------------------------------------------------------------

    def _alignment_transition(self, target, vals=None, check_role=True):
        """Move the records to ``target``: role, state and record access are
        checked here, in this order, then the state is written (its tracking
        logs the change). The rows are locked first: of two users doing the
        same transition at once, the second sees what the first did."""
        if check_role:
            self._alignment_check_role(target)
        self._alignment_lock()
        self._alignment_check_state(target)
        self.check_access("write")
        state_vals = dict(vals or {}, **{self._guarded_state_field: target})
        return self._alignment_guarded_write(state_vals)

    def _alignment_lock(self):
        """Lock the rows, then read them again from the database."""
        if not self.ids:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = ANY(%s) FOR UPDATE",
                SQL.identifier(self._table),
                self.ids,
            )
        )
        self.invalidate_recordset()

    def _alignment_check_role(self, target):
        """Raise unless the current user may move the records to ``target``."""
        raise NotImplementedError

    def _alignment_check_state(self, target):
        allowed = self._alignment_allowed_sources(target)
        refused = self.filtered(
            lambda rec: rec[self._guarded_state_field] not in allowed
        )
        if refused:
            field = self._fields[self._guarded_state_field]
            labels = dict(field._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(records)s cannot move to %(target)s: only records in "
                    "%(allowed)s can.",
                    records=", ".join(
                        f"{rec.display_name} "
                        f"({labels.get(rec[self._guarded_state_field], '-')})"
                        for rec in refused
                    ),
                    target=labels[target],
                    allowed=", ".join(str(labels[state]) for state in allowed),
                )
            )

    def _alignment_allowed_sources(self, target):
        return self._guarded_transitions[target]
