import hashlib


def sql_fingerprint(sql):
    """A digest of a statement as PostgreSQL receives it (code and
    parameters): the database objects built from one keep it, and are built
    again when the statement changes (an upgrade changing their
    definition)."""
    return hashlib.sha1(repr((sql.code, sql.params)).encode()).hexdigest()
