import hashlib

from odoo.tools import SQL


def sql_fingerprint(sql):
    """A digest of a statement as PostgreSQL receives it (code and
    parameters): the database objects built from one keep it, and are built
    again when the statement changes (an upgrade changing their
    definition)."""
    return hashlib.sha1(repr((sql.code, sql.params)).encode()).hexdigest()


def create_fingerprinted_index(cr, name, create):
    """Run ``create`` (a CREATE INDEX of index ``name``) unless the index was
    made by the same statement: its fingerprint is the index's comment, so
    it goes with the index. An index made by an earlier definition (or with
    none) is dropped and made again, which Odoo's ``create_index`` (nothing
    if the name exists) would not do on upgrade."""
    digest = sql_fingerprint(create)
    cr.execute(SQL("SELECT obj_description(to_regclass(%s), 'pg_class')", name))
    [(comment,)] = cr.fetchall()
    if comment == digest:
        return
    index = SQL.identifier(name)
    cr.execute(SQL("DROP INDEX IF EXISTS %s", index))
    cr.execute(create)
    cr.execute(SQL("COMMENT ON INDEX %s IS %s", index, digest))
