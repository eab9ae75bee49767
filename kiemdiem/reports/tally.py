"""Per-unit counts of a cycle's evaluations, kept by the database, so a report reads pre-counted rows.

The roll-up counts a subtree's evaluations per child, form row, rating bucket and state. Counting them afresh for a
province means joining 165,000 evaluations to their people, units and collectives on every report. Instead each
unit's own evaluations are counted once into `Tally` rows (70,429 for the province profile), and a report sums the
rows of its subtree. Biểu B's member columns and "in which" rows are counted the same way into `MemberTally` rows,
by the same versions, stamps and recount.

How the counts stay true:
- Database triggers bump `TallyVersion(cycle, unit)` on every insert, update or delete of an evaluation, and on a
  change of what a form row reads elsewhere: a person's civil-service status, management tier, member group,
  exemption, suspension or admission date, a unit's or a collective's kind; and, for the member evaluations of the
  same person, on a leader's evaluation that comes, goes or changes person (Biểu B's row of leaders). They live in the database, so no write path can skip them: `bulk_create`, `update()`, raw
  SQL and other programs all fire them. `install_triggers` puts them in after every `migrate`.
- A unit is counted again when its `TallyStamp` differs from its version. The stamp is taken before the count,
  so a write that lands in between leaves the unit stale, never wrong and marked current.
- Without the triggers, `grouped_rows` counts the evaluations directly. This covers a later SQLite migration that
  remakes a table (which drops its triggers until the next `migrate` ends) and a restore that left them out.
- Rows are counted per unit, and a report groups them by its children's paths when it reads them, so moving a
  unit needs no recount.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, Substr

from kiemdiem import triggers
from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState, SubjectType
from kiemdiem.orgs.models import GRASSROOTS_KINDS, LeadershipCollective, Unit
from kiemdiem.orgs.queries import period_end
from kiemdiem.reports.models import TallyStamp

# What a tally row holds, in the order statistics() reads it after the child's path prefix.
COLUMNS = ("subject_type", "key", "decided_rating", "reason", "state", "quota", "overridden")
# What a member tally row holds (Biểu B's columns and "in which" rows), in the order member_rows() gives it.
MEMBER_COLUMNS = (
    "key",
    "member_group",
    "leader",
    "bucket",
    "exempt",
    "suspended",
    "is_new",
    "disciplined",
)

# Above this many stale units, count the whole subtree again in one scan instead of listing the units (province
# profile: 2,900 listed units take 0.6 s, the whole subtree 1.4–1.9 s).
_SCAN_ABOVE = 5000

# -- Counting evaluations directly ------------------------------------------------------------------------------


def _row_key() -> Case:
    """The row of its form a subject is counted in: the unit's kind, the collective's, civil servant or not, tier.

    Reads `cadre`, the person joined only when they are a civil servant or a managed cadre (a third of members),
    and the collective's kind only for collectives: the hash join then holds a third of the people, and the
    collectives are looked up for their own 2,400 rows instead of joined to all 165,000 (province profile).
    """
    collective_kind = Subquery(
        LeadershipCollective.objects.filter(pk=OuterRef("collective_id")).order_by().values("kind")[:1]
    )
    return Case(
        When(subject_type__in=[SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY], then="unit__kind"),
        When(
            subject_type=SubjectType.PARTY_MEMBER,
            then=Case(When(cadre__civil_service_status__gt="", then=Value("cbccvc")), default=Value("khac")),
        ),
        When(subject_type=SubjectType.LEADERSHIP_COLLECTIVE, then=Coalesce(collective_kind, Value(""))),
        default=Coalesce(NullIf("cadre__management_tier", Value("")), Value("khac")),
        output_field=CharField(),
    )


def _cadre() -> FilteredRelation:
    """The person, joined only when a civil servant or a managed cadre. A new one per query: Django sets the
    alias on the object it is given, so a shared one would be written to by every request."""
    return FilteredRelation(
        "person", condition=Q(person__civil_service_status__gt="") | Q(person__management_tier__gt="")
    )


def count_evaluations(evaluations: QuerySet[Evaluation], group: Any) -> QuerySet[Any]:
    """`(group, *COLUMNS, n)` rows: the evaluations counted by `group` (an expression) and what the forms read.

    The reason for not rating counts only when no rating was decided; the quota group only for a decided HTXS or
    HTT; `overridden` is a decision that went against a rule's warning.
    """
    return (
        evaluations.annotate(
            cadre=_cadre(),
            counted_under=group,
            key=_row_key(),
            reason=Case(When(decided_rating="", then="not_rated_reason"), default=Value("")),
            quota=Case(When(decided_rating__in=["HTXS", "HTT"], then="quota_group_id")),
            overridden=Case(
                When(Q(state=EvaluationState.DECIDED) & ~Q(override_reason=""), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values_list("counted_under", *COLUMNS)
        .annotate(n=Count("*"))
        .order_by()
    )


def six_months_before(day: datetime.date) -> datetime.date:
    """The same day six months earlier, or that month's last day when it is shorter (31/08 → 28/02)."""
    month = day.month - 6
    year = day.year - 1 if month <= 0 else day.year
    month = month + 12 if month <= 0 else month
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def count_members(cycle: Cycle, evaluations: QuerySet[Evaluation], group: Any) -> QuerySet[Any]:
    """`(group, *MEMBER_COLUMNS, n)` rows: the cycle's party members among `evaluations`, counted by `group` and
    by what Biểu B reads of them: its row (civil servant or not), the member's group, whether they are also
    evaluated as a leader in the cycle, the rating bucket, and its four columns. "Admitted under 6 months" is
    counted to the end of the cycle's period.

    Only the members Biểu B adds something for: those in an "in which" row (a member group, a leader's post) or in
    one of the four columns; the others are in the form's own rows alone, which `Tally` counts. The rating bucket is
    kept only for the "in which" rows, the only ones that show it. So the province's 140,000 members make a few
    thousand rows, not one per member's combination (52,893 rows kept all of them)."""
    cutoff = six_months_before(period_end(cycle.year, cycle.quarter))
    is_leader = Exists(
        Evaluation.objects.filter(
            cycle_id=OuterRef("cycle_id"), subject_type=SubjectType.LEADER, person_id=OuterRef("person_id")
        )
    )
    in_detail_row = Q(person__member_group__gt="") | Q(is_leader)
    exempt, suspended = Q(person__is_exempt=True), Q(person__is_suspended=True)
    is_new, disciplined = Q(person__admitted_on__gt=cutoff), Q(facts__disciplined_in_year=True)
    return (
        evaluations.filter(subject_type=SubjectType.PARTY_MEMBER)
        .filter(in_detail_row | exempt | suspended | is_new | disciplined)
        .annotate(
            counted_under=group,
            key=Case(
                When(person__civil_service_status__gt="", then=Value("cbccvc")),
                default=Value("khac"),
                output_field=CharField(),
            ),
            member_group=Coalesce("person__member_group", Value("")),
            leader=_flag(Q(is_leader)),
            bucket=Case(
                When(~in_detail_row, then=Value("")),
                When(decided_rating__gt="", then=F("decided_rating")),
                When(not_rated_reason__gt="", then=Value("not_rated")),
                default=Value("pending"),
                output_field=CharField(),
            ),
            exempt=_flag(exempt),
            suspended=_flag(suspended),
            is_new=_flag(is_new),
            disciplined=_flag(disciplined),
        )
        .values_list("counted_under", *MEMBER_COLUMNS)
        .annotate(n=Count("*"))
        .order_by()
    )


# -- Triggers ----------------------------------------------------------------------------------------------------

# Each names the (cycle, unit) pairs whose counts a change may move; the bump is an upsert on TallyVersion.
_PG_BUMP = (
    "INSERT INTO reports_tallyversion AS v (cycle_id, unit_id, version) SELECT DISTINCT cycle_id, unit_id, 1 "
    "FROM ({pairs}) AS changed ORDER BY 1, 2 "
    "ON CONFLICT (cycle_id, unit_id) DO UPDATE SET version = v.version + 1"
)
# What a form row reads outside the evaluation: (table, the evaluation's column pointing at it, its columns).
_READ_ELSEWHERE = (
    (
        "orgs_person",
        "person_id",
        (
            "civil_service_status",
            "management_tier",
            # Biểu B's columns and "in which" rows (the member tallies)
            "member_group",
            "is_exempt",
            "is_suspended",
            "admitted_on",
        ),
    ),
    ("orgs_unit", "unit_id", ("kind",)),
    ("orgs_leadershipcollective", "collective_id", ("kind",)),
)


# A member counts in Biểu B's row of leaders while the same person has a leader's evaluation in the cycle, which
# may hang on another unit: a leader's evaluation that comes, goes, or changes person, cycle or type changes the
# member tallies of the units of that person's member evaluations too.
_LEADER = SubjectType.LEADER.value
_MEMBER = SubjectType.PARTY_MEMBER.value
_PG_MEMBERS_OF = (
    "SELECT m.cycle_id, m.unit_id FROM {rows} AS r JOIN campaigns_evaluation m ON m.cycle_id = r.cycle_id "
    f"AND m.person_id = r.person_id AND m.subject_type = '{_MEMBER}' WHERE r.subject_type = '{_LEADER}'"
)
# On an update, only the leaders whose person, cycle or type changed (a new rating changes no member's row).
_PG_MOVED = (
    "(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (n.person_id, n.cycle_id, n.subject_type) "
    "IS DISTINCT FROM (o.person_id, o.cycle_id, o.subject_type))"
)
_PG_MOVED_OLD = _PG_MOVED.replace("SELECT n.*", "SELECT o.*")


def _pg_statements() -> list[str]:
    pairs = {
        "insert": "SELECT cycle_id, unit_id FROM new_rows UNION ALL "
        + _PG_MEMBERS_OF.format(rows="new_rows"),
        "delete": "SELECT cycle_id, unit_id FROM old_rows UNION ALL "
        + _PG_MEMBERS_OF.format(rows="old_rows"),
        "update": "SELECT cycle_id, unit_id FROM new_rows UNION SELECT cycle_id, unit_id FROM old_rows UNION ALL "
        + _PG_MEMBERS_OF.format(rows=_PG_MOVED)
        + " UNION ALL "
        + _PG_MEMBERS_OF.format(rows=_PG_MOVED_OLD),
    }
    sql = triggers.pg_statement_triggers(
        f"reports_tally_{TRIGGER_VERSION}_evaluation_",
        "campaigns_evaluation",
        {event: _PG_BUMP.format(pairs=body) for event, body in pairs.items()},
    )
    for table, column, read in _READ_ELSEWHERE:
        name = f"reports_tally_{TRIGGER_VERSION}_{table}"
        changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in read)
        evaluations = (
            "SELECT e.cycle_id, e.unit_id FROM new_rows n JOIN old_rows o ON o.id = n.id "
            f"JOIN campaigns_evaluation e ON e.{column} = n.id WHERE {changed}"
        )
        sql += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_PG_BUMP.format(pairs=evaluations)}; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {name} AFTER UPDATE ON {table} "
            f"REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return sql


_SQLITE_BUMP = (
    "INSERT INTO reports_tallyversion (cycle_id, unit_id, version) {pairs} "
    "ON CONFLICT (cycle_id, unit_id) DO UPDATE SET version = version + 1;"
)


def _sqlite_statements() -> list[str]:
    sql = []
    for event, pairs in (
        ("insert", "SELECT NEW.cycle_id, NEW.unit_id, 1 WHERE true"),
        ("delete", "SELECT OLD.cycle_id, OLD.unit_id, 1 WHERE true"),
        ("update", "SELECT NEW.cycle_id, NEW.unit_id, 1 WHERE true"),
    ):
        body = _SQLITE_BUMP.format(pairs=pairs)
        if event == "update":  # an evaluation moved to another unit or cycle: the old one changes too
            body += _SQLITE_BUMP.format(
                pairs="SELECT OLD.cycle_id, OLD.unit_id, 1 "
                "WHERE OLD.cycle_id <> NEW.cycle_id OR OLD.unit_id <> NEW.unit_id"
            )
        # A leader's evaluation: the units of the same person's member evaluations (Biểu B's row of leaders).
        moved = (
            " AND (OLD.person_id IS NOT NEW.person_id OR OLD.cycle_id <> NEW.cycle_id "
            "OR OLD.subject_type <> NEW.subject_type)"
            if event == "update"
            else ""
        )
        for row in ("OLD", "NEW") if event == "update" else ("OLD",) if event == "delete" else ("NEW",):
            body += _SQLITE_BUMP.format(
                pairs="SELECT DISTINCT cycle_id, unit_id, 1 FROM campaigns_evaluation "
                f"WHERE {row}.subject_type = '{_LEADER}' AND cycle_id = {row}.cycle_id "
                f"AND person_id = {row}.person_id AND subject_type = '{_MEMBER}'{moved}"
            )
        sql.append(
            f"CREATE TRIGGER IF NOT EXISTS reports_tally_{TRIGGER_VERSION}_evaluation_{event} AFTER {event.upper()} "
            f"ON campaigns_evaluation BEGIN {body} END"
        )
    for table, column, read in _READ_ELSEWHERE:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in read)
        body = _SQLITE_BUMP.format(
            pairs=f"SELECT DISTINCT cycle_id, unit_id, 1 FROM campaigns_evaluation WHERE {column} = NEW.id"
        )
        sql.append(
            f"CREATE TRIGGER IF NOT EXISTS reports_tally_{TRIGGER_VERSION}_{table} AFTER UPDATE OF {', '.join(read)} ON {table} "
            f"WHEN {changed} BEGIN {body} END"
        )
    return sql


# The names carry a version: a change to what the triggers do must change it, so that install_triggers replaces
# the old ones (and counts everything again) instead of keeping them because their names are there.
TRIGGER_VERSION = "v2"
_TABLES = ("reports_tallyversion", "campaigns_evaluation", *(table for table, _, _ in _READ_ELSEWHERE))
TRIGGER_NAMES = tuple(
    [f"reports_tally_{TRIGGER_VERSION}_evaluation_{e}" for e in ("insert", "delete", "update")]
    + [f"reports_tally_{TRIGGER_VERSION}_{table}" for table, _, _ in _READ_ELSEWHERE]
)


def installed_triggers(conn: Any = connection) -> dict[str, str]:
    """Every enabled trigger named reports_tally_…, with its table."""
    return triggers.installed(conn, "reports_tally_")


def install_triggers(conn: Any = connection) -> bool:
    """Put in the triggers, dropping those of another version; True if anything changed. Then every unit of every
    cycle is counted again: while a trigger was missing or different, a write could have gone uncounted."""
    return triggers.install(
        conn,
        prefix="reports_tally_",
        names=TRIGGER_NAMES,
        tables=_TABLES,  # not all there: a partial migrate, or back below 0003
        statements=lambda vendor: _pg_statements() if vendor == "postgresql" else _sqlite_statements(),
        bump="INSERT INTO reports_tallyversion (cycle_id, unit_id, version) "
        "SELECT DISTINCT cycle_id, unit_id, 1 FROM campaigns_evaluation WHERE true "
        "ON CONFLICT (cycle_id, unit_id) DO UPDATE SET version = reports_tallyversion.version + 1",
    )


def _install_after_migrate(sender: Any, using: str, **kwargs: Any) -> None:
    install_triggers(connections[using])


# -- Reading -----------------------------------------------------------------------------------------------------


def _stale_units(cycle: Cycle, unit: Unit) -> list[int]:
    """The subtree's units whose tally is missing or older than their version, in id order.

    Compared here, not in SQL: with the comparison in the query, PostgreSQL guesses that one unit is stale and
    probes the units' index once per version row (1.2–1.9 s in the national profile instead of 0.1 s).
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT v.unit_id, v.version, s.version FROM orgs_unit u "
            "JOIN reports_tallyversion v ON v.unit_id = u.id AND v.cycle_id = %s "
            "LEFT JOIN reports_tallystamp s ON s.cycle_id = v.cycle_id AND s.unit_id = v.unit_id "
            "WHERE u.path LIKE %s",
            [cycle.pk, unit.path + "%"],
        )
        return sorted(unit_id for unit_id, version, stamp in cur.fetchall() if stamp != version)


def refresh(cycle: Cycle, unit: Unit) -> int:
    """Count again the subtree's units whose evaluations changed since they were counted; return how many were
    stale (when many are, the whole subtree is counted again in one scan)."""
    stale = _stale_units(cycle, unit)
    if not stale:
        return 0
    whole = len(stale) > _SCAN_ABOVE
    params: list[str] | list[int]
    if whole:
        units, params = "SELECT id FROM orgs_unit WHERE path LIKE %s", [unit.path + "%"]
    else:
        units, params = ", ".join(["%s"] * len(stale)), list(stale)
    columns = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cur:
        # The stamps first, each the version as it is now, in unit order. A second report counting the same
        # units waits here until this one commits, so the two never both insert rows; and a write that lands
        # after this statement is in the count but not in the stamp, so the unit stays stale until counted again.
        cur.execute(
            "INSERT INTO reports_tallystamp (cycle_id, unit_id, version) "
            f"SELECT cycle_id, unit_id, version FROM reports_tallyversion WHERE cycle_id = %s AND unit_id IN ({units}) "
            "ORDER BY unit_id ON CONFLICT (cycle_id, unit_id) DO UPDATE SET version = excluded.version",
            [cycle.pk, *params],
        )
        for table in ("reports_tally", "reports_membertally"):
            cur.execute(
                f"DELETE FROM {table} WHERE cycle_id = %s AND unit_id IN ({units})", [cycle.pk, *params]
            )
        evaluations = Evaluation.objects.filter(cycle=cycle)
        if whole:
            # Only the units stamped above: a unit whose first evaluation lands meanwhile is counted once stamped.
            stamped = TallyStamp.objects.filter(cycle_id=cycle.pk).values("unit_id")
            evaluations = evaluations.filter(unit__path__startswith=unit.path, unit_id__in=stamped)
        else:
            evaluations = evaluations.filter(unit_id__in=stale)
        sql, count_params = count_evaluations(evaluations, F("unit_id")).query.sql_with_params()
        cur.execute(
            f"INSERT INTO reports_tally (cycle_id, unit_id, {columns}, n) "
            f"SELECT %s, q.counted_under, {', '.join(f'q.{c}' for c in COLUMNS)}, q.n FROM ({sql}) q",
            [cycle.pk, *count_params],
        )
        sql, count_params = count_members(cycle, evaluations, F("unit_id")).query.sql_with_params()
        cur.execute(
            f"INSERT INTO reports_membertally (cycle_id, unit_id, {', '.join(MEMBER_COLUMNS)}, n) "
            f"SELECT %s, q.counted_under, {', '.join(f'q.{c}' for c in MEMBER_COLUMNS)}, q.n FROM ({sql}) q",
            [cycle.pk, *count_params],
        )
    if whole and connection.vendor == "postgresql":
        with connection.cursor() as cur:  # a fresh table of 70,000 rows: without statistics the plan sorts
            cur.execute("ANALYZE reports_tally")
            cur.execute("ANALYZE reports_membertally")
    return len(stale)


def in_use() -> bool:
    """Whether the tallies can be read: every trigger that keeps them is in."""
    return set(TRIGGER_NAMES) <= set(installed_triggers())


def grouped_rows(
    cycle: Cycle, unit: Unit, prefix_length: int, *, tallies: bool | None = None
) -> list[tuple[Any, ...]]:
    """`(path prefix, *COLUMNS, n)`: the subtree's evaluations counted under each path prefix of that length.

    From the tallies, after counting again the units that changed; directly when the triggers are missing
    (`tallies`: in_use() when the caller has just asked it).
    """
    if in_use() if tallies is None else tallies:
        refresh(cycle, unit)
        columns = ", ".join(f"t.{c}" for c in COLUMNS)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT substr(u.path, 1, %s), {columns}, SUM(t.n) FROM reports_tally t "
                "JOIN orgs_unit u ON u.id = t.unit_id WHERE t.cycle_id = %s AND u.path LIKE %s "
                f"GROUP BY 1, {columns}",
                [prefix_length, cycle.pk, unit.path + "%"],
            )
            return cur.fetchall()
    evaluations = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    return list(count_evaluations(evaluations, Substr("unit__path", 1, prefix_length)))


def member_rows(
    cycle: Cycle, unit: Unit, *, tallies: bool | None = None, refreshed: bool = False
) -> list[tuple[Any, ...]]:
    """`(*MEMBER_COLUMNS, n)`: the subtree's party members counted by what Biểu B reads of them.

    From the member tallies, after counting again the units that changed (`refreshed`: grouped_rows has just done
    it); directly when the triggers are missing (`tallies` as in grouped_rows).
    """
    if in_use() if tallies is None else tallies:
        if not refreshed:
            refresh(cycle, unit)
        columns = ", ".join(f"t.{c}" for c in MEMBER_COLUMNS)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT {columns}, SUM(t.n) FROM reports_membertally t "
                "JOIN orgs_unit u ON u.id = t.unit_id WHERE t.cycle_id = %s AND u.path LIKE %s "
                f"GROUP BY {columns}",
                [cycle.pk, unit.path + "%"],
            )
            return cur.fetchall()
    evaluations = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    return [row[1:] for row in count_members(cycle, evaluations, Value(0))]


def sector_rows(
    cycle: Cycle, unit: Unit, *, tallies: bool | None = None, refreshed: bool = False
) -> list[tuple[Any, ...]]:
    """`(sector, name, bucket, n)`: the subtree's grassroots party organisations (Biểu A's split by kind of unit),
    counted by their unit's recorded sector and name and by rating bucket (the level, not_rated or pending).

    From the tallies (their rows of party organisations, whose key is the unit's kind), the sector and name read
    from the units now; directly when the triggers are missing (`tallies`, `refreshed` as in member_rows).
    """
    kinds = sorted(GRASSROOTS_KINDS)
    if in_use() if tallies is None else tallies:
        if not refreshed:
            refresh(cycle, unit)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT u.sector, u.name, CASE WHEN t.decided_rating <> '' THEN t.decided_rating "
                "WHEN t.reason <> '' THEN 'not_rated' ELSE 'pending' END, SUM(t.n) "
                "FROM reports_tally t JOIN orgs_unit u ON u.id = t.unit_id "
                f"WHERE t.cycle_id = %s AND u.path LIKE %s AND t.subject_type = %s AND t.key IN ({', '.join(['%s'] * len(kinds))}) "
                "GROUP BY 1, 2, 3",
                [cycle.pk, unit.path + "%", SubjectType.PARTY_ORGANIZATION.value, *kinds],
            )
            return cur.fetchall()
    bucket = Case(
        When(decided_rating__gt="", then=F("decided_rating")),
        When(not_rated_reason__gt="", then=Value("not_rated")),
        default=Value("pending"),
        output_field=CharField(),
    )
    return list(
        Evaluation.objects.filter(
            cycle=cycle,
            unit__path__startswith=unit.path,
            subject_type=SubjectType.PARTY_ORGANIZATION,
            unit__kind__in=kinds,
        )
        .annotate(bucket=bucket)
        .values_list("unit__sector", "unit__name", "bucket")
        .annotate(n=Count("*"))
        .order_by()
    )
