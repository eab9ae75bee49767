"""Database triggers kept by the code: the quota groups' versions (campaigns/group_versions.py) and the tallies'
versions (reports/tally.py). Each set has a name prefix, carries a version in its names, and is put in after every
`migrate`; a set of another version is dropped, and whatever the triggers keep is bumped, since a write made while
they were missing or different moved nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

# PostgreSQL's statement triggers see the rows a statement wrote as transition tables, by these names.
_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
}


def pg_statement_triggers(prefix: str, table: str, bodies: dict[str, str]) -> list[str]:
    """PostgreSQL: for each event of `bodies` (insert, delete, update), a function `{prefix}{event}` running that SQL
    over the statement's `new_rows` / `old_rows`, and its AFTER … FOR EACH STATEMENT trigger on `table`."""
    sql = []
    for event, body in bodies.items():
        name = f"{prefix}{event}"
        sql += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{body}; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {name} AFTER {event.upper()} ON {table} "
            f"REFERENCING {_REFERENCING[event]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return sql


def installed(conn: Any, prefix: str) -> dict[str, str]:
    """Every enabled trigger whose name starts with `prefix`, with its table."""
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND t.tgenabled <> 'D'",
                [prefix + "%"],
            )
        elif conn.vendor == "sqlite":
            cur.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [prefix + "%"],
            )
        else:
            return {}
        return dict(cur.fetchall())


def install(
    conn: Any,
    *,
    prefix: str,
    names: Iterable[str],
    tables: Iterable[str],
    statements: Callable[[str], list[str]],
    bump: str,
) -> bool:
    """Put in the set `names` (made by `statements(vendor)`), dropping the prefix's others, then run `bump`; True if
    anything changed. Nothing is done on another database, or while a table is missing (a partial migrate)."""
    if conn.vendor not in ("postgresql", "sqlite"):
        return False
    if not set(tables) <= set(conn.introspection.table_names()):
        return False
    present = installed(conn, prefix)
    if set(present) == set(names):
        return False
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        for name, table in present.items():
            if name not in names:
                cur.execute(
                    f"DROP TRIGGER {name} ON {table}"
                    if conn.vendor == "postgresql"
                    else f"DROP TRIGGER {name}"
                )
        for statement in statements(conn.vendor):
            cur.execute(statement)
        cur.execute(bump)
    return True
