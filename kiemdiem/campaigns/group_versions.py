"""Each quota group's version, kept by the database: the rating page's key reads one row per group.

A quota group's count (its plan, its HTXS-over-the-cap finding) reads each member's type, rating and group, and the
group's exception (`compliance.group_quota`). The rating page's key summed the group's `updated_at` for it: 1.3 ms
of PostgreSQL per group of a merged commune (4,443 rows), twice on every cached request. Instead:
- Database triggers bump `QuotaGroupVersion(group)` on every insert or delete of an evaluation counted in the
  group (rated HTXS or HTT), and on every update that changes what the count reads (`_counted`), for the group
  before and the group after. They live in the database, so no write path skips them: the actions, `bulk_create`,
  `bulk_update`, `update()`, raw SQL. Writes of anything else (a self-review, the facts, a verification, the
  scores, evaluations made unrated) take no lock on the version row.
- The version row is locked from the write to the commit, as TallyVersion's. Two writers of one group's ratings
  serialise on it; the rating actions hold the group's lock already (`_lock_batch`), so they wait on nothing new.
- Without the triggers (a restore that left them out; on SQLite, a migration that remakes the table drops them
  until `migrate` ends), the key sums `updated_at` as before: `triggers_in_sql` asks in the same query.
- `install_triggers` puts them in after every `migrate` and bumps every group: a write made while they were
  missing moved nothing, so no key from before is served again.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, connections

from kiemdiem import triggers

# What a group's count reads of each member (`rules.checks`: a group's tally counts its HTXS and HTT, by type): the
# cycle, the group, the type and the rating class (the decided rating, else the proposed one: HTXS, HTT, or
# neither). A row of neither class counts in no tally: writing one (an evaluation made before anyone is rated, a
# decision of HT on a proposal of HT) moves no version and takes no lock. The one thing such a row changes is
# whether its group has members at all; `with_group_quotas` does not keep the count of a group without members.
_CLASS = (
    "CASE COALESCE(NULLIF({r}.decided_rating, ''), {r}.proposed_rating) "
    "WHEN 'HTXS' THEN 'x' WHEN 'HTT' THEN 'g' ELSE '' END"
)
COUNTED = ("cycle_id", "quota_group_id", "subject_type")


def _counted(row: str) -> str:
    return ", ".join([*(f"{row}.{c}" for c in COUNTED), _CLASS.format(r=row)])


# The names carry a version: a change to what the triggers do must change it (install_triggers then replaces them).
TRIGGER_VERSION = "v2"
TRIGGER_NAMES = tuple(
    f"campaigns_group_version_{TRIGGER_VERSION}_{event}" for event in ("insert", "delete", "update")
)
_VERSIONS = "campaigns_quotagroupversion"
_EVALUATIONS = "campaigns_evaluation"

# An upsert per changed group, in id order (two statements bumping the same groups lock them in the same order).
_PG_BUMP = (
    f"INSERT INTO {_VERSIONS} AS v (group_id, version) SELECT DISTINCT g, 1 FROM ({{groups}}) AS changed (g) "
    "WHERE g IS NOT NULL ORDER BY 1 ON CONFLICT (group_id) DO UPDATE SET version = v.version + 1"
)


def _pg_statements() -> list[str]:
    changed = f"FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE ({_counted('n')}) IS DISTINCT FROM ({_counted('o')})"
    groups = {
        "insert": f"SELECT quota_group_id FROM new_rows n WHERE {_CLASS.format(r='n')} <> ''",
        "delete": f"SELECT quota_group_id FROM old_rows o WHERE {_CLASS.format(r='o')} <> ''",
        "update": f"SELECT CASE WHEN {_CLASS.format(r='n')} <> '' THEN n.quota_group_id END {changed} "
        f"UNION SELECT CASE WHEN {_CLASS.format(r='o')} <> '' THEN o.quota_group_id END {changed}",
    }
    return triggers.pg_statement_triggers(
        f"campaigns_group_version_{TRIGGER_VERSION}_",
        _EVALUATIONS,
        {event: _PG_BUMP.format(groups=body) for event, body in groups.items()},
    )


def _sqlite_bump(row: str) -> str:
    return (
        f"INSERT INTO {_VERSIONS} (group_id, version) SELECT {row}.quota_group_id, 1 "
        f"WHERE {row}.quota_group_id IS NOT NULL AND {_CLASS.format(r=row)} <> '' "
        "ON CONFLICT (group_id) DO UPDATE SET version = version + 1;"
    )


def _sqlite_statements() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED)
    changed += f" OR {_CLASS.format(r='OLD')} IS NOT {_CLASS.format(r='NEW')}"
    prefix = f"campaigns_group_version_{TRIGGER_VERSION}"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {prefix}_insert AFTER INSERT ON {_EVALUATIONS} "
        f"BEGIN {_sqlite_bump('NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {prefix}_delete AFTER DELETE ON {_EVALUATIONS} "
        f"BEGIN {_sqlite_bump('OLD')} END",
        # The group before and the group after (once when they are one: a version moves by one per write).
        f"CREATE TRIGGER IF NOT EXISTS {prefix}_update AFTER UPDATE ON {_EVALUATIONS} WHEN {changed} "
        f"BEGIN {_sqlite_bump('OLD')} "
        f"{_sqlite_bump('NEW').replace('WHERE ', 'WHERE NOT (OLD.quota_group_id IS NEW.quota_group_id AND ' + _CLASS.format(r='OLD') + " <> '') AND ")} END",
    ]


def triggers_in_sql() -> str:
    """An SQL expression, true while every trigger is in (and enabled): the key's query asks it itself."""
    names = ", ".join(f"'{name}'" for name in TRIGGER_NAMES)
    if connection.vendor == "postgresql":
        return (
            f"(SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = '{_EVALUATIONS}'::regclass "
            f"AND tgname IN ({names}) AND tgenabled <> 'D') = {len(TRIGGER_NAMES)}"
        )
    return f"(SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})) = {len(TRIGGER_NAMES)}"


def installed_triggers(conn: Any = connection) -> dict[str, str]:
    """Every enabled trigger named campaigns_group_version_…, with its table."""
    return triggers.installed(conn, "campaigns_group_version_")


def install_triggers(conn: Any = connection) -> bool:
    """Put in the triggers, dropping those of another version; True if anything changed. Then every group's version
    moves: while a trigger was missing or different, a write could have left a version where it was."""
    return triggers.install(
        conn,
        prefix="campaigns_group_version_",
        names=TRIGGER_NAMES,
        tables=(_VERSIONS, _EVALUATIONS),
        statements=lambda vendor: _pg_statements() if vendor == "postgresql" else _sqlite_statements(),
        bump=f"INSERT INTO {_VERSIONS} (group_id, version) SELECT id, 1 FROM campaigns_quotagroup WHERE true "
        f"ON CONFLICT (group_id) DO UPDATE SET version = {_VERSIONS}.version + 1",
    )


def install_after_migrate(sender: Any, using: str, **kwargs: Any) -> None:
    install_triggers(connections[using])
