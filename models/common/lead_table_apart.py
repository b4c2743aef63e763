"""Lead fields kept in a narrow table of their own (one row per lead, keyed
``lead_id``) rather than in crm_lead's wide rows: the engagement scores and
the target-account links. The lead's fields read them through a join, so
they are searched, grouped and sorted in SQL like stored fields."""

from odoo.tools import SQL
from odoo.tools.query import Query


def join_lead_table(leads, alias, fname, query, table):
    """LEFT JOIN ``table`` to the lead table ``alias`` in ``query``, to read
    ``fname`` from it; returns the joined table's alias."""
    if query is None:
        raise ValueError(f"{fname} is read through a join: a query is needed")
    leads.check_field_access_rights("read", [fname])
    joined = query.make_alias(alias, table)
    query.add_join(
        "LEFT JOIN",
        joined,
        table,
        SQL("%s = %s", SQL.identifier(joined, "lead_id"), SQL.identifier(alias, "id")),
    )
    return joined


def search_lead_table(leads, fname, operator, value, comodel=None):
    """The leads whose ``fname`` (read through its join) meets the condition,
    as a subquery the domain embeds; a many2one searched by anything but ids
    (``comodel``) matches the records of that name."""
    if comodel and operator not in ("=", "!=", "in", "not in"):
        value = leads.env[comodel]._search([("display_name", operator, value)])
        operator = "in"
    query = Query(leads.env, leads._table, leads._table_sql)
    query.add_where(
        leads._condition_to_sql(leads._table, fname, operator, value, query)
    )
    return [("id", "in", query)]


def origin_ids(records):
    """Each record's id in the database, in the records' order: None for a
    new record of no origin (``records._origin`` leaves those out, and costs a
    recordset a record)."""
    return [id_ or id_.origin for id_ in records._ids]


def cache_computed(records, values_by_field):
    """Give the records being computed their values, one list per field in
    the records' order, in one cache update per field: what assigning them
    record by record does for records under computation (no business logic,
    no recomputation), without its per-record cost on a page of cards."""
    cache = records.env.cache
    for fname, values in values_by_field.items():
        field = records._fields[fname]
        cache.update(
            records, field, [field.convert_to_cache(value, records) for value in values]
        )
