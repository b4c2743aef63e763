"""Lead fields kept in a narrow table of their own (one row per lead, keyed
``lead_id``) rather than in crm_lead's wide rows: the engagement scores and
the target-account links. The lead's fields read them through a join, so
they are searched, grouped and sorted in SQL like stored fields."""

from collections.abc import Callable
from typing import NamedTuple

from odoo.tools import SQL
from odoo.tools.query import Query


class TableApart(NamedTuple):
    """What a concern reads of a table apart for the leads' fields: the
    relation (a table, or a query) with a ``lead_id`` column, the columns
    read, and ``fill(leads, rows)``: the fields' values in the leads' order,
    ``{field name: values}``, from one row per lead (all None where the
    lead has none)."""

    relation: SQL
    columns: tuple
    fill: Callable


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


def compute_tables_apart(records, parts_for):
    """Compute the fields of the tables apart for ``records`` in one query,
    each concern's relation LEFT JOINed to the records' ids: a page of 80
    cards makes one query for its badges, not one per concern.

    :param parts_for: the concerns' ``TableApart`` parts for the records'
        saved ids (crm.lead._tables_apart)
    """
    ids = origin_ids(records)
    rows = {}
    lead_ids = [lead_id for lead_id in ids if lead_id]
    parts = parts_for(lead_ids)
    if lead_ids:
        columns, joins = [SQL("lead.id")], []
        for index, part in enumerate(parts):
            alias = SQL.identifier(f"apart_{index}")
            columns.extend(
                SQL("%s.%s", alias, SQL.identifier(column)) for column in part.columns
            )
            joins.append(
                SQL(
                    "LEFT JOIN %s AS %s ON %s.lead_id = lead.id",
                    part.relation,
                    alias,
                    alias,
                )
            )
        records.env.cr.execute(
            SQL(
                "SELECT %s FROM unnest(%s::int[]) AS lead(id) %s",
                SQL(", ").join(columns),
                lead_ids,
                SQL(" ").join(joins),
            )
        )
        rows = {row[0]: row[1:] for row in records.env.cr.fetchall()}
    values, start = {}, 0
    for part in parts:
        end = start + len(part.columns)
        empty = (None,) * len(part.columns)
        values.update(
            part.fill(
                records,
                [
                    rows[lead_id][start:end] if lead_id in rows else empty
                    for lead_id in ids
                ],
            )
        )
        start = end
    cache_computed(records, values)
