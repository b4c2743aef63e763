from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG


def module_being_removed(env, modules=None):
    """An uninstall is really running (optionally of one of ``modules``).

    Odoo's uninstall flag is a context key any RPC caller can send, and
    ``@api.ondelete(at_uninstall=False)`` trusts it: the addon's deletion
    rules are declared ``at_uninstall=True`` and step aside only when a
    module's state says it is being removed as well.
    """
    if not env.context.get(MODULE_UNINSTALL_FLAG):
        return False
    domain = [("state", "=", "to remove")]
    if modules:
        domain.append(("name", "in", list(modules)))
    return bool(env["ir.module.module"].sudo().search_count(domain, limit=1))
