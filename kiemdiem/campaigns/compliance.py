"""Turn evaluations into the rules engine's subjects and read its findings back.

The same `rules.check` serves the pages, the API, the CLI and the batch checks; this module only maps rows to the
engine's plain dataclasses, in one pass, without the JSON round trip (the rows were validated when they were saved).
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import hashlib
import json
import multiprocessing
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

from django.core.cache import cache as django_cache
from django.db import connection, connections
from django.db.models import FilteredRelation, Q, TextField, Value
from django.db.models.expressions import Func
from django.db.models.functions import Cast, NullIf
from django.utils.dateparse import parse_datetime

from kiemdiem import rules
from kiemdiem.campaigns import hooks
from kiemdiem.campaigns.models import STATE_ORDER, Cycle, Evaluation, EvaluationState, SubjectType
from kiemdiem.campaigns.review_forms import form_for
from kiemdiem.orgs.models import Person, Unit, path_bounds, path_range_sql

# Findings the competent authority may pass over with a written, audited reason (the number of HTXS is
# "do cấp có thẩm quyền quyết định": HD 21 mục 2.3; rules-and-ambiguities §2.5 step 5).
OVERRIDABLE_CODES = frozenset({"QUOTA_EXCELLENT"})

_REVIEWED_FROM = STATE_ORDER.index(EvaluationState.SELF_REVIEWED)
_STATE_RANK = {state: i for i, state in enumerate(STATE_ORDER)}
_TYPES = {t.value: t for t in rules.SubjectType}
_ROLES = {r.value: r for r in rules.Role}
_RATINGS = {r.code: r for r in (rules.Rating.HTXS, rules.Rating.HTT, rules.Rating.HT, rules.Rating.KHT)}


class Row(NamedTuple):
    """What the rules read of one evaluation: one row of a values_list query, or made from an ORM object."""

    id: int
    subject_type: str
    unit_id: int
    unit__parent_id: int | None
    person_id: int | None
    collective_id: int | None
    leader_collective_id: int | None
    role: str
    quota_group__code: str | None
    quota_group__has_exception: bool | None
    state: str
    facts: dict | None
    criteria: dict | None
    score: Decimal | float | None  # a Decimal from the ORM and PostgreSQL, a number from SQLite's cursor
    decided_rating: str
    proposed_rating: str
    person__is_exempt: bool | None
    person__is_suspended: bool | None
    person__admitted_on: object
    unit__established_on: object
    # The task register's percentages (columns kept by its actions; NULL without a register).
    task_completion_pct: float | None = None
    tasks_overdue_pct: float | None = None
    tasks_exceeded_pct: float | None = None


ROW_FIELDS = Row._fields


def row_of(ev: Evaluation) -> Row:
    person = ev.person if ev.person_id else None
    group = ev.quota_group if ev.quota_group_id else None
    return Row(
        ev.pk,
        ev.subject_type,
        ev.unit_id,
        ev.unit.parent_id,
        ev.person_id,
        ev.collective_id,
        ev.leader_collective_id,
        ev.role,
        group.code if group else None,
        group.has_exception if group else None,
        ev.state,
        ev.facts,
        ev.criteria,
        ev.score,
        ev.decided_rating,
        ev.proposed_rating,
        person.is_exempt if person else None,
        person.is_suspended if person else None,
        person.admitted_on if person else None,
        ev.unit.established_on,
        ev.task_completion_pct,
        ev.tasks_overdue_pct,
        ev.tasks_exceeded_pct,
    )


def subject_id(evaluation_id: int) -> str:
    return f"e{evaluation_id}"


@dataclass
class Compliance:
    result: rules.Result
    names: dict[str, str]
    by_subject: dict[int, list[rules.Finding]] = field(default_factory=dict)

    def message(self, finding: rules.Finding) -> str:
        """The finding's message with subject ids and group codes replaced by names."""
        return re.sub(
            r'"([^"]+)"', lambda m: f"\u201c{self.names.get(m.group(1), m.group(1))}\u201d", finding.message
        )


@cache
def _criteria_keys(
    regime: str, subject_type: str, is_leader: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    form = form_for(regime=regime, subject_type=subject_type, is_leader=is_leader)
    return (
        tuple(c.key for c in form.criteria if c.is_result),
        tuple(c.key for c in form.criteria if not c.is_result),
    )


def _criteria(row: Row, regime: str) -> rules.Criteria | None:
    if not row.criteria or regime == "QD366_HD43":
        return None
    results_keys, other_keys = _criteria_keys(
        regime, row.subject_type, row.subject_type == SubjectType.LEADER
    )
    results = tuple(rules.Grade.parse(row.criteria[k]) for k in results_keys if row.criteria.get(k))
    others = tuple(rules.Grade.parse(row.criteria[k]) for k in other_keys if row.criteria.get(k))
    return rules.Criteria(results, others) if results or others else None


def _facts(row: Row, cache: dict[tuple, rules.Facts], old: str = "") -> rules.Facts:
    """The facts the rules read: what was recorded on the evaluation, plus what the person and unit say.

    A date of admission or foundation before `old` (ISO; a year before the cycle's year) is left out: the rules
    read those dates only for "admitted/founded less than 6 months ago", which it cannot be. So most members
    share one Facts object instead of one each (the province check makes 165,000 of them otherwise).
    """
    reviewed = _STATE_RANK[row.state] >= _REVIEWED_FROM
    is_member = row.subject_type == SubjectType.PARTY_MEMBER and row.person_id is not None
    admitted = row.person__admitted_on if is_member else None
    founded = row.unit__established_on if not row.person_id else None
    if old:
        if admitted is not None and str(admitted) < old:
            admitted = None
        if founded is not None and str(founded) < old:
            founded = None
    # The register's percentages are plain columns: part of the key, no JSON to parse (10 tasks give a few dozen sets).
    tasks = (
        (row.task_completion_pct, row.tasks_overdue_pct, row.tasks_exceeded_pct)
        if row.task_completion_pct is not None
        else None
    )
    key = (
        reviewed,
        bool(row.person__is_exempt) if is_member else None,
        bool(row.person__is_suspended) if is_member else None,
        admitted,
        founded,
        tasks,
    )
    if not row.facts:
        if key in cache:
            return cache[key]
    else:
        # Rows with the same recorded facts share one Facts too: with a task register every subject records its
        # percentages, but ten tasks give only a few dozen different sets, and _cycle_rows decodes each JSON text
        # into one dict shared by its rows. So the dict's identity is the key (the rows keep each dict alive).
        recorded = (key, id(row.facts))
        hit = cache.get(recorded)
        if hit is not None:
            return hit
    derived: dict[str, object] = {"reviewed": reviewed}
    if is_member:
        derived["exempt"], derived["suspended"] = key[1], key[2]
        if admitted:
            derived["admitted_on"] = _date(admitted)
    elif key[4]:
        derived["founded_on"] = _date(key[4])
    if tasks is not None:
        derived["task_completion_pct"], derived["tasks_overdue_pct"] = tasks[0], tasks[1] or 0.0
        derived["tasks_exceeded_pct"] = tasks[2]
    if not row.facts:
        # derived holds only Facts' own fields, each of the type Facts declares (set just above from the row)
        facts = cache[key] = rules.Facts(**derived)  # type: ignore[arg-type]  # a dict of mixed value types
        return facts
    # What was recorded on the evaluation wins over what is derived (an explicit exemption, say); the register's
    # percentages win over a completion typed before the register existed.
    raw = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in derived.items()}
    register = {
        k: raw[k] for k in ("task_completion_pct", "tasks_overdue_pct", "tasks_exceeded_pct") if k in raw
    }
    facts = cache[(key, id(row.facts))] = rules.parse_facts(
        {**raw, **row.facts, **register}, f"đánh giá {row.id}"
    )
    return facts


def _date(value: object) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


_PARTY_MEMBER = SubjectType.PARTY_MEMBER.value
_PARTY_ORGANIZATION = SubjectType.PARTY_ORGANIZATION.value
_AGENCY = SubjectType.AGENCY.value
_COLLECTIVE = SubjectType.LEADERSHIP_COLLECTIVE.value


def subjects_for(
    rows: Sequence[Row], regime: str, *, ratings: dict[int, str | None] | None = None, year: int | None = None
) -> tuple[list[rules.Subject], dict[str, rules.QuotaGroupSettings]]:
    """Make the engine's subjects of these rows, with the links between them (children, collective, unit)."""
    ratings = ratings or {}
    old = f"{year - 1:04d}-01-01" if year else ""
    sids = [f"e{r.id}" for r in rows]  # subject_id(), once per row
    links = _links(rows, sids)
    subjects = []
    groups: dict[str, rules.QuotaGroupSettings] = {}
    facts_cache: dict[tuple, rules.Facts] = {}
    # A member's Facts by what _facts reads of their row, looked up before anything is computed: most of a
    # province's 140,000 members share a few dozen (state, exemption, suspension, recent admission, register).
    # The members with a score or criteria, or without a person, are made as every other subject (_subject).
    member_facts: dict[tuple, rules.Facts] = {}
    member_kind = rules.SubjectType.PARTY_MEMBER
    make_subject = tuple.__new__
    subject_class = rules.Subject
    for r, sid in zip(rows, sids, strict=True):
        code = ratings[r.id] if r.id in ratings else (r.decided_rating or r.proposed_rating or None)
        group = r.quota_group__code
        if group and r.quota_group__has_exception:
            groups[group] = rules.QuotaGroupSettings(exception=True)
        if r.subject_type == _PARTY_MEMBER and r.person_id is not None and r.score is None and not r.criteria:
            recorded = r.facts
            key = (
                r.state,
                r.person__is_exempt,
                r.person__is_suspended,
                r.person__admitted_on,
                r.task_completion_pct,
                r.tasks_overdue_pct,
                r.tasks_exceeded_pct,
                id(recorded) if recorded else None,
            )
            facts = member_facts.get(key)
            if facts is None:
                facts = member_facts[key] = _facts(r, facts_cache, old)
            # What _subject makes of a member's row, without the named tuple's Python-level __new__.
            rating = _RATINGS[code] if code else None
            values = (sid, member_kind, rating, group, None, None, None, (), None, None, facts)
            subjects.append(make_subject(subject_class, values))
        else:
            subjects.append(_subject(r, sid, code, regime, links, facts_cache, old))
    return subjects, groups


_Links = tuple[dict[int, str], dict[int, str], dict[int, list[str]]]


def _links(rows: Sequence[Row], sids: Sequence[str]) -> _Links:
    """One pass for the links: the evaluation of each unit and of each collective, and each unit's children in row
    order (members under their cell, party organisations under their parent unit)."""
    unit_eval: dict[int, str] = {}
    collective_eval: dict[int, str] = {}
    children: dict[int, list[str]] = {}
    for r, sid in zip(rows, sids, strict=True):
        stype = r.subject_type
        if stype == _PARTY_MEMBER:
            children.setdefault(r.unit_id, []).append(sid)
        elif stype == _PARTY_ORGANIZATION:
            unit_eval[r.unit_id] = sid
            if r.unit__parent_id is not None:
                children.setdefault(r.unit__parent_id, []).append(sid)
        elif stype == _AGENCY:
            unit_eval[r.unit_id] = sid
        elif stype == _COLLECTIVE and r.collective_id:
            collective_eval[r.collective_id] = sid
    return unit_eval, collective_eval, children


def _subject(
    r: Row,
    sid: str,
    code: str | None,
    regime: str,
    links: _Links,
    facts_cache: dict[tuple, rules.Facts],
    old: str,
) -> rules.Subject:
    """The engine's subject of one row rated `code`, linked to its unit, collective and children."""
    unit_eval, collective_eval, children = links
    kind = _TYPES[r.subject_type]
    collective = unit = None
    role = None
    kids: tuple[str, ...] = ()
    if kind is rules.SubjectType.PARTY_ORGANIZATION:
        # The children hang on the unit's evaluation: the last one of the unit, as the unit's parent sees it.
        if unit_eval.get(r.unit_id) == sid:
            kids = tuple(children.get(r.unit_id, ()))
    elif kind is rules.SubjectType.LEADERSHIP_COLLECTIVE:
        unit = unit_eval.get(r.unit_id)
    elif kind is rules.SubjectType.LEADER:
        role = _ROLES.get(r.role or "member")
        collective = (
            collective_eval.get(r.leader_collective_id) if r.leader_collective_id is not None else None
        )
        unit = unit_eval.get(r.unit_id)
    return rules.Subject(
        sid,
        kind,
        _RATINGS[code] if code else None,
        r.quota_group__code,
        role,
        collective,
        unit,
        kids,
        float(r.score) if r.score is not None else None,
        _criteria(r, regime) if r.criteria else None,
        _facts(r, facts_cache, old),
    )


_NAME_FIELDS = ("person__full_name", "collective__name", "unit__name", "quota_group__name")


def names_of(evaluations: Iterable[Evaluation]) -> dict[str, str]:
    """What findings quote, by name: each evaluation's subject, and its quota group."""
    names: dict[str, str] = {}
    for ev in evaluations:
        names[subject_id(ev.pk)] = ev.subject_name
        if ev.quota_group is not None:  # no query without a quota_group_id
            names[ev.quota_group.code] = ev.quota_group.name
    return names


def _check_rows(cycle: Cycle, rows: Sequence[Row], ratings: dict[int, str | None] | None) -> rules.Result:
    extra = hooks.derived_facts_for(cycle, list(rows)) if hooks.derived_facts else {}
    if extra:
        # Equal facts stay one dict, so _facts parses each set once (18,000 leaders share a few dozen sets).
        merged: dict[tuple, dict[str, object]] = {}

        def with_extra(r: Row) -> Row:
            add = extra[r.id]
            key = (id(r.facts), tuple(add.items()))
            facts = merged.get(key)
            if facts is None:
                facts = merged[key] = {**(r.facts or {}), **add}
            return r._replace(facts=facts)

        rows = [with_extra(r) if r.id in extra else r for r in rows]
    subjects, groups = subjects_for(rows, cycle.regime, ratings=ratings, year=cycle.year)
    scenario = rules.make_scenario(cycle.year, subjects, quota_groups=groups, quarter=cycle.quarter)
    return rules.check(scenario)


def _index(result: rules.Result) -> dict[int, list[rules.Finding]]:
    by_subject: dict[int, list[rules.Finding]] = {}
    for finding in result.findings:
        for sid in finding.subjects:
            by_subject.setdefault(int(sid[1:]), []).append(finding)
    return by_subject


def check_evaluations(
    cycle: Cycle, evaluations: Iterable[Evaluation], *, ratings: dict[int, str | None] | None = None
) -> Compliance:
    evaluations = list(evaluations)
    result = _check_rows(cycle, [row_of(ev) for ev in evaluations], ratings)
    return Compliance(result=result, names=names_of(evaluations), by_subject=_index(result))


def check_cycle(cycle: Cycle, unit: Unit | None = None, *, workers: int = 1) -> rules.Result:
    """Every rule on every subject of a cycle (or of one subtree): one query, one pass of the engine.

    With `workers` > 1, a cycle whose subjects lie in several separate trees (one per root unit: the provinces
    of a national database) is checked tree by tree in that many processes, and the results merged as one pass
    would give them (`rules.merge`). Trees share nothing but, possibly, a quota group; when one does, or when
    the processes could not see this connection's uncommitted rows (inside a transaction; SQLite), it is one pass.
    So it is from a process that runs other threads (a threaded server): fork() there may deadlock the child.
    """
    if (
        workers > 1
        and unit is None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and threading.active_count() == 1
    ):
        roots = list(Unit.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True))
        # Only the trees with subjects in the cycle: a province dissolved by a merger is a root of its own but has
        # none in a cycle after it (the 2026 profile: one tree, where a process per root forked and pickled 87,000
        # findings back for nothing, twice the CPU of one pass).
        evaluations = Evaluation.objects.filter(cycle=cycle)
        roots = [path for path in roots if evaluations.filter(unit__path__startswith=path).exists()]
        if len(roots) > 1:
            try:
                return _check_trees(cycle, roots, workers)
            except _SharedQuotaGroup:
                pass
    return _check_tree(cycle, unit.path if unit else "")


class _SharedQuotaGroup(Exception):
    pass


def _check_trees(cycle: Cycle, roots: list[str], workers: int) -> rules.Result:
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        min(workers, len(roots)), mp_context=context, initializer=_forget_connections
    ) as pool:
        results = list(pool.map(_check_tree_apart, [cycle] * len(roots), roots))
    try:
        return rules.merge(results, key=lambda sid: int(sid[1:]))
    except ValueError as exc:
        raise _SharedQuotaGroup(str(exc)) from None


_INHERITED: list[object] = []


def _forget_connections() -> None:
    """In a forked process: leave the parent's open database connections alone, and open new ones.

    They are kept, never closed: closing would end the parent's session on the shared socket. The process
    leaves through os._exit, which runs no finaliser.
    """
    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn.connection)
        conn.connection = None


def _check_tree_apart(cycle: Cycle, path: str) -> rules.Result:
    with connection.cursor() as cursor:
        # The processes are the parallelism: PostgreSQL's own workers for each query would only compete with them
        # for the same cores (47.7 s instead of 52.6 s for the national profile on two cores).
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    return _check_tree(cycle, path)


def _check_tree(cycle: Cycle, path: str) -> rules.Result:
    gc.disable()  # a batch of acyclic objects: reference counting frees them, the cyclic collector only slows it
    try:
        return _check_rows(cycle, _cycle_rows(cycle, path), None)
    finally:
        gc.enable()


def _cycle_rows(cycle: Cycle, path: str) -> list[Row]:
    """The cycle's evaluations (those under `path`, when given) as rows, by id."""
    # The person is joined only when the rules would read something of them: exempt, suspended, or admitted
    # since the year before the cycle's (an older admission is dropped by _facts anyway). For the others the
    # columns come back NULL, which _facts reads the same; the join then holds a few thousand people, not all.
    recent = FilteredRelation(
        "person",
        condition=Q(person__is_exempt=True)
        | Q(person__is_suspended=True)
        | Q(person__admitted_on__gte=datetime.date(cycle.year - 1, 1, 1)),
    )
    qs = Evaluation.objects.filter(cycle=cycle).annotate(recent=recent)
    if path:
        qs = qs.filter(unit__path__startswith=path)
    # JSON and dates come back as text straight from the cursor, and empty JSON as NULL: most rows carry no
    # recorded facts, and decoding 170,000 empty objects through the ORM's converters costs more than the whole
    # rules pass. No ORDER BY: sorting by id in Python is cheaper than PostgreSQL's sort of the joined rows.
    text: dict[str, Func] = {
        "person__admitted_on": Cast("recent__admitted_on", output_field=TextField()),
        "unit__established_on": Cast("unit__established_on", output_field=TextField()),
    }
    text.update(
        {
            name: NullIf(Cast(name, output_field=TextField()), Value("{}", output_field=TextField()))
            for name in ("facts", "criteria")
        }
    )
    fields = [
        f"{name}_text" if name in text else name.replace("person__", "recent__", 1) for name in ROW_FIELDS
    ]
    qs = qs.annotate(**{f"{name}_text": expr for name, expr in text.items()}).order_by()
    sql, params = qs.values_list(*fields).query.sql_with_params()
    facts_at, criteria_at = ROW_FIELDS.index("facts"), ROW_FIELDS.index("criteria")
    make = Row._make
    rows = []
    # The same JSON text decodes once (the rows only read it): a task register gives every subject its facts.
    decoded: dict[str, object] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for values in cursor.fetchall():
            if values[facts_at] is not None or values[criteria_at] is not None:
                values = list(values)
                for at in (facts_at, criteria_at):
                    raw = values[at]
                    if not raw or raw == "{}":
                        values[at] = None
                    elif raw in decoded:
                        values[at] = decoded[raw]
                    else:
                        values[at] = decoded[raw] = json.loads(raw)
            rows.append(make(values))
    rows.sort(key=itemgetter(0))
    return rows


# -- What a batch of changes would break ---------------------------------------------------------------------------

_LEADER = SubjectType.LEADER.value
_UNIT_TYPES = (_PARTY_ORGANIZATION, _AGENCY)
# Ceilings between two subjects: (capped subject, the subject whose rating caps it). Lowering the second below a
# decided first is refused (issue 16): the capped one must be re-decided first.
PAIR_CEILINGS = frozenset({"HEAD_ABOVE_COLLECTIVE", "COLLECTIVE_ABOVE_UNIT"})
_RANKS = {"KHT": 0, "HT": 1, "HTT": 2, "HTXS": 3}


@dataclass(frozen=True)
class Caused:
    """A finding a batch's change brings, charged to the changed evaluation that must give way."""

    evaluation_id: int
    code: str
    text: str
    overridable: bool


def ceiling_links(cycle: Cycle, ids: Iterable[int]) -> set[int]:
    """The evaluations whose rating caps these ones (a leader's collective and unit, a collective's unit).

    A decision locks them with its own rows, so that a collective re-decided at the same moment as its deputy
    waits for the deputy (or the other way round) and each sees the other's rating: the ceiling holds both ways.
    """
    base = list(
        Evaluation.objects.filter(pk__in=list(ids)).values_list(
            "subject_type", "unit_id", "leader_collective_id"
        )
    )
    units = {u for t, u, _ in base if t in (_LEADER, _COLLECTIVE)}
    collectives = {c for t, _, c in base if t == _LEADER and c}
    in_cycle = Evaluation.objects.filter(cycle=cycle)
    linked: set[int] = set()
    if units:
        linked.update(
            in_cycle.filter(unit_id__in=units, subject_type__in=_UNIT_TYPES).values_list("pk", flat=True)
        )
    if collectives:
        linked.update(in_cycle.filter(collective_id__in=collectives).values_list("pk", flat=True))
    return linked


def touching(cycle: Cycle, ids: set[int], *, peers: bool = True) -> dict[int, datetime.datetime]:
    """What the rules read to judge these evaluations: the rows themselves, every peer of their quota groups (the
    counts; not with `peers=False`), and the subjects a ceiling links them to in either direction; each id with its
    last change."""
    base = list(
        Evaluation.objects.filter(pk__in=sorted(ids)).values_list(
            "pk",
            "subject_type",
            "unit_id",
            "quota_group_id",
            "collective_id",
            "leader_collective_id",
            "updated_at",
        )
    )
    return _touching_from(cycle, base, peers=peers)


def _touching_from(
    cycle: Cycle, base: list[tuple[Any, ...]], *, peers: bool = True
) -> dict[int, datetime.datetime]:
    """`touching` of these rows (pk, subject type, unit, quota group, collective, leader's collective, last
    change), already read."""
    groups = {g for _, _, _, g, _, _, _ in base if g is not None}
    unit_of_linked = {u for _, t, u, *_ in base if t in (_LEADER, _COLLECTIVE)}
    led_by = {lc for _, t, _, _, _, lc, _ in base if t == _LEADER and lc}
    collectives = {c for _, t, _, _, c, _, _ in base if t == _COLLECTIVE and c}
    org_units = {u for _, t, u, *_ in base if t in _UNIT_TYPES}
    in_cycle = Evaluation.objects.filter(cycle=cycle)
    wanted = {pk: at for pk, *_, at in base}
    # One simple indexed query each: OR-ed in one WHERE they make PostgreSQL scan the cycle.
    queries = []
    if groups and peers:
        queries.append(in_cycle.filter(quota_group_id__in=groups))
    if unit_of_linked | org_units:
        queries.append(in_cycle.filter(unit_id__in=unit_of_linked | org_units, subject_type__in=_UNIT_TYPES))
    if led_by:
        queries.append(in_cycle.filter(collective_id__in=led_by))
    if collectives:
        queries.append(in_cycle.filter(leader_collective_id__in=collectives, subject_type=_LEADER))
    if org_units:
        queries.append(in_cycle.filter(unit_id__in=org_units, subject_type__in=(_COLLECTIVE, _LEADER)))
        queries.append(in_cycle.filter(unit_id__in=org_units, subject_type=_PARTY_MEMBER))
        queries.append(in_cycle.filter(unit__parent_id__in=org_units, subject_type=_PARTY_ORGANIZATION))
    for qs in queries:
        wanted.update(qs.values_list("pk", "updated_at"))
    return wanted


class PageStamps(NamedTuple):
    """The data version of a unit's rating page, in one query (`page_stamps`).

    `own`: what the unit's rows read apart from their quota groups' peers (the rows, the evaluations a ceiling
    links them to, the subtree below: its party organisations and the children's progress) and the deadlines of
    the children's progress, with the subtree below stamped apart too (`frame_part`); `groups`: each quota group
    of the unit's rows (the version the database keeps of what its count reads, `group_versions`, and the group's
    exception). Each evaluation part is the count and the sum of the rows' `updated_at`: every writer sets
    `updated_at` to its own time, and a row is written again only after the write before it committed (the row
    lock), so every committed write moves a sum forward, whatever the order of the commits (a max would miss a write
    stamped before another that committed first), and a removed row moves the count.
    """

    own: str
    groups: dict[int, str]
    # Read in the same query for the page (not part of the version): the unit's name on `named_on` (`name_as_of`;
    # None when it has had no other name since) and its meeting's time, venue and secretary (None: no meeting).
    name: str | None = None
    meeting: tuple[datetime.datetime | None, str, str] | None = None


def frame_part(own: str) -> str:
    """The parts of `PageStamps.own` that a rating page's frame reads: the subtree below (`b`: the children's
    progress) and the deadlines (`l`, `d`), not the unit's own rows: its own save keeps the frame."""
    return ";".join(part for part in own.split(";") if part[:1] in ("b", "l", "d"))


def names_part(own: str) -> str:
    """The part of `PageStamps.own` that stamps the rows' people's names (they stamp no evaluation when renamed)."""
    return next((part for part in own.split(";") if part.startswith("p")), "")


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        # An interval: exact to the microsecond however many rows, and summed in integers (a numeric from EXTRACT
        # costs 2.5 ms for a merged group's 8,000 rows, this 1.5 ms).
        return f"{column} - TIMESTAMPTZ '2000-01-01 00:00:00+00'"
    return f"julianday({column})"


def _group_stamps_sql(extra: str) -> str:
    """Each quota group's stamp (its kind, id, `extra` columns, then its version), for the groups whose ids the
    returned text's `g.id` is compared with; its one parameter is the cycle. The version is the one the database triggers keep
    (`group_versions`: one row); while they are missing, its rows' count and summed `updated_at` (thousands)."""
    from kiemdiem.campaigns.group_versions import triggers_in_sql
    from kiemdiem.campaigns.models import QuotaGroup, QuotaGroupVersion

    ev, qg = Evaluation._meta.db_table, QuotaGroup._meta.db_table
    versions = QuotaGroupVersion._meta.db_table
    return f"""
        SELECT CASE WHEN g.has_exception THEN 'x' ELSE 'g' END, g.id{extra}, CASE WHEN {triggers_in_sql()}
            THEN 'v' || CAST(COALESCE((SELECT v.version FROM {versions} v WHERE v.group_id = g.id), 0) AS TEXT)
            ELSE (SELECT COUNT(*) || '@' || CAST(SUM({_epoch("e.updated_at")}) AS TEXT) FROM {ev} e
                  WHERE e.cycle_id = %s AND e.quota_group_id = g.id) END
        FROM {qg} g WHERE g.id"""


def page_stamps(
    cycle: Cycle, unit: Unit, *, named_on: datetime.date | None = None, meeting: bool = False
) -> PageStamps:
    """The version of everything a unit's rating page shows of the cycle's data, in one indexed query (not the
    rows themselves: `touching` read thousands of (id, last change) pairs on every request, ~57 ms); with the
    unit's name on `named_on` and its meeting in the cycle (`meeting`), which a cached page shows around its tables.
    """
    from kiemdiem.campaigns.models import LevelDeadline, Meeting, UnitDeadline
    from kiemdiem.orgs.models import UnitName

    ev = Evaluation._meta.db_table
    units = Unit._meta.db_table
    level, unit_deadline = LevelDeadline._meta.db_table, UnitDeadline._meta.db_table
    epoch = _epoch("updated_at")
    # The unit's rows are read once, into a materialised table (the heap pages of a 300-member cell's rows, read
    # four times inline); what is looked up from them is passed as an array on PostgreSQL, so each lookup goes by
    # its index: from the table itself PostgreSQL guesses 200 rows and then scans the whole cycle, or hashes the
    # cycle's 4,229 quota groups for the cell's two. Each group's version is one row (`_group_stamps_sql`).
    if connection.vendor == "postgresql":

        def among(column: str) -> str:
            return f"= ANY(ARRAY(SELECT {column} FROM own WHERE {column} IS NOT NULL))"

    else:

        def among(column: str) -> str:
            return f"IN (SELECT {column} FROM own)"

    # What the derived facts of the rows read elsewhere (a leader's listed units: `hooks.derived_reads`).
    derived = "".join(
        f"\n            UNION {read.format(cycle=int(cycle.pk))}" for read in hooks.derived_reads
    )
    # The rows' people's names (the part `p`, `names_part`): a person renamed (an import of people, `do_update_people`'s
    # bulk_update) stamps no evaluation, and the page shows and sorts by the name.
    persons = Person._meta.db_table
    if connection.vendor == "postgresql":
        names = (
            f"SELECT 'p', 0, COUNT(*), md5(string_agg(full_name, '|' ORDER BY id)) FROM {persons} "
            f"WHERE id {among('person_id')}"
        )
    else:
        names = (
            f"SELECT 'p', 0, COUNT(*), group_concat(full_name, '|') FROM (SELECT full_name FROM {persons} "
            f"WHERE id {among('person_id')} ORDER BY id)"
        )
    sql = f"""
        WITH own AS MATERIALIZED (
            SELECT id, updated_at, quota_group_id, collective_id, leader_collective_id, person_id FROM {ev}
            WHERE cycle_id = %s AND unit_id = %s
        ), below AS MATERIALIZED (
            SELECT id, updated_at FROM {ev} WHERE cycle_id = %s AND unit_id IN (
                SELECT id FROM {units} WHERE {path_range_sql("path", connection.vendor)} AND id <> %s)
        ), scope AS (
            SELECT id, updated_at FROM own
            UNION
            SELECT id, updated_at FROM below
            UNION
            SELECT id, updated_at FROM {ev} WHERE cycle_id = %s AND collective_id {among("leader_collective_id")}
            UNION
            SELECT id, updated_at FROM {ev} WHERE cycle_id = %s AND subject_type = %s
                AND leader_collective_id {among("collective_id")}{derived}
        )
        SELECT 's', 0, COUNT(*), CAST(SUM({epoch}) AS TEXT) FROM scope
        UNION ALL
        SELECT 'b', 0, COUNT(*), CAST(SUM({epoch}) AS TEXT) FROM below
        UNION ALL
        {names}
        UNION ALL
        {_group_stamps_sql(", 0")} {among("quota_group_id")}
        UNION ALL
        SELECT 'l', id, 0, CAST(review_deadline AS TEXT) FROM {level} WHERE cycle_id = %s
        UNION ALL
        SELECT 'd', unit_id, 0, CAST(review_deadline AS TEXT) FROM {unit_deadline}
        WHERE cycle_id = %s AND unit_id IN (SELECT id FROM {units} WHERE parent_id = %s)
    """
    c, u = cycle.pk, unit.pk
    params: list[int | str | datetime.date] = [c, u, c, *path_bounds(unit.path), u, c, c, _LEADER, c, c, c, u]
    if named_on is not None:
        sql += f"""
        UNION ALL
        SELECT 'n', 0, 0, (SELECT name FROM {UnitName._meta.db_table} WHERE unit_id = %s AND valid_to >= %s
                            ORDER BY valid_to LIMIT 1)
        """
        params += [u, named_on]
    if meeting:
        held = Meeting._meta.db_table
        for kind, column in (("m", "CAST(held_at AS TEXT)"), ("mv", "venue"), ("ms", "secretary")):
            sql += f"UNION ALL SELECT '{kind}', 0, 0, {column} FROM {held} WHERE cycle_id = %s AND unit_id = %s\n"
            params += [c, u]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    parts: list[str] = []
    groups: dict[int, str] = {}
    shown: dict[str, Any] = {}
    for kind, pk, n, value in sorted(found, key=lambda r: (r[0], r[1])):
        if kind in ("g", "x"):
            groups[pk] = f"{kind}{value}"
        elif kind in ("n", "m", "mv", "ms"):
            shown[kind] = value
        else:
            parts.append(f"{kind}{pk}:{n}@{value}")
    held_at = None
    if shown.get("m"):  # PostgreSQL's text of a timestamptz (the connection is in UTC); SQLite's, in UTC
        held_at = parse_datetime(shown["m"])
        if held_at is not None and held_at.tzinfo is None:
            held_at = held_at.replace(tzinfo=datetime.UTC)
    return PageStamps(
        ";".join(parts),
        groups,
        name=shown.get("n"),
        meeting=(held_at, shown["mv"] or "", shown["ms"] or "") if "mv" in shown else None,
    )


def group_stamps(cycle: Cycle, group_ids: Iterable[int]) -> dict[int, str]:
    """`PageStamps.groups` for these quota groups alone (an evaluation's page): one query."""
    wanted = sorted(set(group_ids))
    if not wanted:
        return {}
    marks = ", ".join(["%s"] * len(wanted))
    with connection.cursor() as cursor:
        cursor.execute(f"{_group_stamps_sql('')} IN ({marks})", [cycle.pk, *wanted])
        return {pk: f"{kind}{value}" for kind, pk, value in cursor.fetchall()}


def _rows_of(ids: Iterable[int]) -> tuple[list[Row], dict[str, str]]:
    """These evaluations as the rules read them, and the names findings quote. Plain rows, not objects."""
    rows: list[Row] = []
    names: dict[str, str] = {}
    width = len(ROW_FIELDS)
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        for values in Evaluation.objects.filter(pk__in=chunk).values_list(*ROW_FIELDS, *_NAME_FIELDS):
            row = Row(*values[:width])
            person_name, collective_name, unit_name, group_name = values[width:]
            rows.append(row)
            names[subject_id(row.id)] = person_name or collective_name or unit_name
            if row.quota_group__code:
                names[row.quota_group__code] = group_name
    rows.sort(key=itemgetter(0))
    return rows, names


def _rows_touching(cycle: Cycle, ids: set[int]) -> tuple[list[Row], dict[str, str]]:
    return _rows_of(touching(cycle, ids))


def check_touching(cycle: Cycle, ids: Iterable[int], *, read: Iterable[int] | None = None) -> Compliance:
    """The findings about these evaluations and the plans of their quota groups, from only what their rules read
    (`touching`; `read` when the caller has it already): a member's page counts the member's grassroots group,
    not the province's leaders. `by_subject` holds these evaluations only: a peer's links may not be loaded."""
    ids = set(ids)
    rows, names = _rows_of(touching(cycle, ids) if read is None else read)
    result = _check_rows(cycle, rows, None)
    found = _index(result)
    return Compliance(result=result, names=names, by_subject={k: v for k, v in found.items() if k in ids})


class GroupQuota(NamedTuple):
    """One quota group as the engine counts it: its code, its plan, and its HTXS-over-the-cap finding if any."""

    code: str
    plan: rules.QuotaPlan | None
    finding: rules.Finding | None


def group_quota(cycle: Cycle, group_id: int) -> GroupQuota:
    """The engine's count of one quota group from its members' ratings alone, counted by the database
    (`_count_groups`) and judged by the engine's quota rule (`rules.check_quota`): the same plan and finding as the
    whole check over every member, without reading a member's row into Python."""
    counts = _count_groups(cycle, "g.id = %s", [group_id])
    if not counts or not counts[0].first:  # a group without members in the cycle
        return GroupQuota("", None, None)
    count = counts[0]
    result = _quota_of(cycle, [count], ())
    finding = next(iter(result.findings), None)
    return GroupQuota(count.code, result.quota_groups.get(count.code), finding)


def check_page(cycle: Cycle, ids: Iterable[int], groups: dict[int, str]) -> Compliance:
    """`check_touching` for a unit's rating page, the quota groups counted apart: the rules run over the rows and
    what a ceiling links them to (`check_apart`), and each quota group (`groups`: id → its data version,
    `PageStamps.groups`) is counted by `group_quota` (`with_group_quotas`). So a save in another cell of a merged
    group costs the page a count of the group's ratings once, not a read and a check of all its members (~0.5 s)."""
    ids = set(ids)
    evaluations = list(
        Evaluation.objects.filter(pk__in=sorted(ids)).select_related(
            "person", "collective", "unit", "quota_group"
        )
    )
    return with_group_quotas(cycle, check_apart(cycle, evaluations), groups, ids)


def _linked_to_loaded(cycle: Cycle, evaluations: Sequence[Evaluation]) -> set[int]:
    """`touching` of evaluations already loaded, without their quota groups' peers: them and what a ceiling or a
    party organisation's children link them to, without reading them again."""
    base = [
        (
            ev.pk,
            ev.subject_type,
            ev.unit_id,
            ev.quota_group_id,
            ev.collective_id,
            ev.leader_collective_id,
            ev.updated_at,
        )
        for ev in evaluations
    ]
    return set(_touching_from(cycle, base, peers=False))


def check_apart(cycle: Cycle, evaluations: Sequence[Evaluation], *, whole_unit: bool = True) -> Compliance:
    """The rules over these evaluations (loaded with their person, unit and quota group; with `whole_unit`, all of
    one unit's) and what a ceiling or a party organisation's children link them to (`touching` less what is
    loaded), without their quota groups' peers: every finding but the quota's (this run counts only the group
    members it loaded), and no plans. `by_subject` is empty."""
    ids = {ev.pk for ev in evaluations}
    if whole_unit:
        linked = _linked_outside(cycle, evaluations)
    else:  # the rows are loaded: what they link to, without reading them again
        linked = _linked_to_loaded(cycle, evaluations)
    rows, names = _rows_of(linked - ids)
    rows = sorted([*rows, *(row_of(ev) for ev in evaluations)], key=itemgetter(0))
    names.update(names_of(evaluations))
    partial = _check_rows(cycle, rows, None)
    findings = tuple(f for f in partial.findings if f.code != "QUOTA_EXCELLENT")
    return Compliance(result=dataclasses.replace(partial, findings=findings, quota_groups={}), names=names)


class _Outside(NamedTuple):
    """What a set of evaluations' rules read outside it is looked up by (`_linked_outside`)."""

    # units of its leaders, collectives and organisations, not its own: their organisations' evaluations
    other_units: set[int]
    # collectives its leaders lead: those collectives' evaluations
    led_by: set[int]
    # its collectives: their leaders
    collectives: set[int]
    # units of its organisations: their child organisations
    org_units: set[int]


def _outside_keys(evaluations: Sequence[Evaluation]) -> _Outside:
    org_units = {ev.unit_id for ev in evaluations if ev.subject_type in _UNIT_TYPES}
    linked_units = {ev.unit_id for ev in evaluations if ev.subject_type in (_LEADER, _COLLECTIVE)} | org_units
    return _Outside(
        other_units=linked_units - {ev.unit_id for ev in evaluations},
        led_by={
            ev.leader_collective_id
            for ev in evaluations
            if ev.subject_type == _LEADER and ev.leader_collective_id
        },
        collectives={
            ev.collective_id for ev in evaluations if ev.subject_type == _COLLECTIVE and ev.collective_id
        },
        org_units=org_units,
    )


def _linked_outside(cycle: Cycle, evaluations: Sequence[Evaluation]) -> set[int]:
    """`touching(peers=False)` for a unit's whole set of evaluations, without the queries whose rows are that set
    (the unit's own organisation, collective, leaders and members): a cell of members and its organisation reads
    only its child organisations, one query."""
    other_units, led_by, collectives, org_units = _outside_keys(evaluations)

    def among(values: set[int]) -> tuple[str, list[Any]]:
        ordered = sorted(values)
        return f"IN ({', '.join(['%s'] * len(ordered))})", ordered

    # One simple indexed query each, in SQL written here: the ORM compiled each on every page after a save.
    ev, units_table = Evaluation._meta.db_table, Unit._meta.db_table
    queries: list[tuple[str, list[Any]]] = []
    if other_units:
        sql, params = among(other_units)
        types = ", ".join(["%s"] * len(_UNIT_TYPES))
        queries.append((f"e.unit_id {sql} AND e.subject_type IN ({types})", [*params, *_UNIT_TYPES]))
    if led_by:
        sql, params = among(led_by)
        queries.append((f"e.collective_id {sql}", params))
    if collectives:
        sql, params = among(collectives)
        queries.append((f"e.leader_collective_id {sql} AND e.subject_type = %s", [*params, _LEADER]))
    if org_units:
        sql, params = among(org_units)
        queries.append(
            (
                f"e.unit_id IN (SELECT u.id FROM {units_table} u WHERE u.parent_id {sql}) AND e.subject_type = %s",
                [*params, _PARTY_ORGANIZATION],
            )
        )
    found: set[int] = set()
    with connection.cursor() as cursor:
        for where, params in queries:
            cursor.execute(f"SELECT e.id FROM {ev} e WHERE e.cycle_id = %s AND {where}", [cycle.pk, *params])
            found.update(pk for (pk,) in cursor.fetchall())
    return found


def with_group_quotas(
    cycle: Cycle, apart: Compliance, groups: dict[int, str], ids: Iterable[int]
) -> Compliance:
    """`check_apart`'s findings with each quota group's plan and finding, as the whole check gives them; each group
    counted once per data version (kept in the cache). `by_subject` holds these evaluations only."""
    wanted = set(ids)
    findings = list(apart.result.findings)
    plans: dict[str, rules.QuotaPlan] = {}
    counted: list[GroupQuota] = []
    for group_id, version in sorted(groups.items()):
        digest = hashlib.sha1(version.encode(), usedforsecurity=False).hexdigest()
        key = f"group-quota:{cycle.pk}:{group_id}:{digest}"
        quota = django_cache.get(key)
        if quota is None:
            quota = group_quota(cycle, group_id)
            if quota.code:  # a group without members: one unrated coming moves no version (`group_versions`)
                django_cache.set(key, quota, 600)
        counted.append(quota)
    for quota in sorted(
        counted, key=lambda q: q.code
    ):  # as the engine emits them: by group code, after the rest
        if quota.plan is not None:
            plans[quota.code] = quota.plan
        if quota.finding is not None:
            findings.append(quota.finding)
    result = dataclasses.replace(apart.result, findings=tuple(findings), quota_groups=plans)
    found = _index(result)
    return Compliance(
        result=result, names=apart.names, by_subject={k: v for k, v in found.items() if k in wanted}
    )


def check_changes(
    cycle: Cycle,
    ratings: dict[int, str | None],
    *,
    states: dict[int, str] | None = None,
    whole: bool = False,
    read: Mapping[int, Evaluation] | None = None,
    refuse_any: bool = False,
) -> list[Caused]:
    """Run the rules once over a batch of changed ratings; return what each change would break.

    Both directions are judged against the ratings as they are now, with the whole batch applied at once:
    - a changed subject's own ceilings (discipline, sick leave, criteria, its head above its collective…);
    - a collective or unit lowered below a head, deputy or collective already decided (that one must be
      re-decided first);
    - a quota group pushed further over its HTXS cap, whether by a new HTXS or by a HTT lowered out of the
      pool the HTXS are counted on (issue 21: 12 HTXS against 58 HTT, cap 11).
    The rules run over the changed rows and what a ceiling links them to; each quota group of the batch is counted
    by the database, its other members by type and rating (`_count_groups`), the batch's own rows added with their
    rating before and after, and judged by the engine's quota rule (`rules.check_quota`), as the pages count it
    (`group_quota`): a save in a merged group of hundreds reads none of its peers while it holds the group's lock.
    `whole` reads and judges every peer instead (the same verdicts; kept to prove it). `read`: the batch's
    evaluations as the caller read them just now (a save's read before the lock, or under it), not read again.
    `refuse_any`: the caller refuses a change for any finding (a meeting's proposal may pass over nothing): when its
    own rules refuse every change already (QĐ 366's band conditions refuse most HTT a meeting tries), its quota
    groups are not read and counted, and the refusal names those rules only.
    """
    if not ratings:
        return []
    states = states or {}
    if read is not None and not whole:
        # The batch as the caller has just read it (objects with their person, unit, collective and quota group):
        # only what a ceiling links them to is read here (nothing for party members).
        given = [read[pk] for pk in sorted(ratings)]
        rows, names = _rows_of(_linked_to_loaded(cycle, given) - set(ratings))
        rows = sorted([*rows, *map(row_of, given)], key=itemgetter(0))
        names.update(names_of(given))
    else:
        rows, names = _rows_of(touching(cycle, set(ratings), peers=whole))
    after_rows = [r._replace(state=states[r.id]) if r.id in states else r for r in rows]
    before = _check_rows(cycle, rows, None)
    after = _check_rows(cycle, after_rows, ratings)
    by_id = {r.id: r for r in after_rows}
    compliance = Compliance(result=after, names=names)
    changed = {subject_id(pk) for pk in ratings}
    old = {r.id: (r.decided_rating or r.proposed_rating or None) for r in rows}
    before_keys = {(f.code, f.subjects) for f in before.findings}
    caused: list[Caused] = []
    waiting: dict[int, list[rules.Finding]] = {}
    for f in after.findings:
        if f.code == "QUOTA_EXCELLENT":
            continue
        first = f.subjects[0]
        if first in changed:
            text = f"{compliance.message(f)} ({f.citation})"
            caused.append(Caused(int(first[1:]), f.code, text, f.code in OVERRIDABLE_CODES))
        elif f.code in PAIR_CEILINGS and len(f.subjects) == 2 and f.subjects[1] in changed:
            capped, cap = int(first[1:]), int(f.subjects[1][1:])
            lowered = _RANKS.get(ratings[cap] or "", -1) < _RANKS.get(old.get(cap) or "", -1)
            if by_id[capped].state == EvaluationState.DECIDED and (
                (f.code, f.subjects) not in before_keys or lowered
            ):
                waiting.setdefault(cap, []).append(f)
    for cap, found in waiting.items():
        who = ", ".join(f"“{names.get(f.subjects[0], f.subjects[0])}”" for f in found)
        lines = "; ".join(f"{compliance.message(f)} ({f.citation})" for f in found)
        caused.append(
            Caused(
                cap,
                found[0].code,
                f"{lines}. Cần quyết định lại trước: {who} (không được để cấp dưới cao hơn tập thể, đơn vị).",
                False,
            )
        )
    if refuse_any and {c.evaluation_id for c in caused} >= set(ratings):
        return caused  # every change is refused already: no need to count its quota groups
    by_group: dict[str, list[Row]] = {}  # the batch's rows of each quota group, by id
    for r in rows:
        if r.id in ratings and r.quota_group__code is not None:
            by_group.setdefault(r.quota_group__code, []).append(r)
    if whole:
        counted = (before, after)
    else:
        # Only a group a change may push further over its cap: a new HTXS, or a HTT or HTXS taken out of the pool
        # the cap is counted on. Anything else leaves its HTXS no more and its pool no smaller, and the cap grows
        # with the pool, so such a group cannot end further over than it was (the HT → HTT of most meetings).
        pool = ("HTT", "HTXS")
        by_group = {
            code: found
            for code, found in by_group.items()
            if any(
                (ratings[r.id] == "HTXS" and old[r.id] != "HTXS")
                or (old[r.id] in pool and ratings[r.id] not in pool)
                for r in found
            )
        }
        in_groups = [r for found in by_group.values() for r in found]
        counts = (
            _count_groups(
                cycle,
                f"g.cycle_id = %s AND g.code IN ({', '.join(['%s'] * len(by_group))})",
                [cycle.pk, *sorted(by_group)],
                leave_out=[r.id for r in in_groups],
            )
            if by_group
            else []
        )
        names.update({c.code: c.name for c in counts})
        counted = (
            _quota_of(cycle, counts, [(r, old[r.id]) for r in in_groups]),
            _quota_of(cycle, counts, [(r, ratings[r.id]) for r in in_groups]),
        )
    ids_by_group = {code: [r.id for r in found] for code, found in by_group.items()}
    caused.extend(_quota_caused(ids_by_group, old, ratings, *counted, compliance))
    return caused


@dataclass
class _GroupCount:
    """One quota group as the database counts it (`_count_groups`): what the engine's quota rule reads of it."""

    code: str
    name: str
    exception: bool
    first: dict[str, int] = field(
        default_factory=dict
    )  # each subject type of the group: its first member's id
    good: dict[str, int] = field(default_factory=dict)  # the HTT of each subject type
    excellent: list[tuple[int, str]] = field(default_factory=list)  # the HTXS (id, subject type), by id


def _count_groups(
    cycle: Cycle, where: str, params: list[Any], *, leave_out: Sequence[int] = ()
) -> list[_GroupCount]:
    """The quota groups `where` selects (on `g`, the group's table), counted in one query by subject type: the first
    member's id and the HTT of each type, and each HTXS; a member's rating is its decided one, else its proposed one
    (`decided_rating or proposed_rating`: '' is none). The evaluations `leave_out` are not counted (a batch adds
    its own rows with their ratings, `_quota_of`). A group without members in the cycle comes with nothing counted.
    """
    from kiemdiem.campaigns.models import QuotaGroup

    ev, qg = Evaluation._meta.db_table, QuotaGroup._meta.db_table
    rating = "COALESCE(NULLIF(e.decided_rating, ''), NULLIF(e.proposed_rating, ''))"
    left_out = ""
    extra: list[Any] = []
    if leave_out:
        # One parameter however many rows (an import's thousands): an array on PostgreSQL, a JSON list on SQLite.
        if connection.vendor == "postgresql":
            left_out, extra = " AND e.id <> ALL(%s)", [list(leave_out)]
        else:
            left_out, extra = (
                " AND e.id NOT IN (SELECT value FROM json_each(%s))",
                [json.dumps(list(leave_out))],
            )
    # Grouped on the evaluations' own columns (the group's id, the type, and each HTXS apart: its id), then joined to
    # the groups: grouping on the group's code and name too cost PostgreSQL twice as long for a merged group's 8,000.
    sql = f"""
        SELECT g.code, g.name, g.has_exception, c.kind, c.excellent, c.first, c.good
        FROM {qg} g LEFT JOIN (
            SELECT e.quota_group_id AS group_id, e.subject_type AS kind,
                CASE WHEN {rating} = 'HTXS' THEN e.id END AS excellent, MIN(e.id) AS first,
                SUM(CASE WHEN {rating} = 'HTT' THEN 1 ELSE 0 END) AS good
            FROM {qg} g JOIN {ev} e ON e.quota_group_id = g.id AND e.cycle_id = %s{left_out}
            WHERE {where}
            GROUP BY e.quota_group_id, e.subject_type, excellent
        ) c ON c.group_id = g.id
        WHERE {where}
    """
    counts: dict[str, _GroupCount] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [cycle.pk, *extra, *params, *params])
        found = cursor.fetchall()
    for code, name, exception, kind, excellent, first, good in found:
        count = counts.get(code) or counts.setdefault(code, _GroupCount(code, name, bool(exception)))
        if kind is None:  # a group without members
            continue
        count.first[kind] = min(count.first.get(kind, first), first)
        count.good[kind] = count.good.get(kind, 0) + good
        if excellent is not None:
            count.excellent.append((excellent, kind))
    for count in counts.values():
        count.excellent.sort()
    return [counts[code] for code in sorted(counts)]


def _quota_of(
    cycle: Cycle, counts: Sequence[_GroupCount], added: Iterable[tuple[Row, str | None]]
) -> rules.Result:
    """The engine's quota rule over these groups as counted, with each row of `added` (left out of the count)
    counted in its group at the rating given: plans and HTXS-over-the-cap findings as the whole check gives them."""
    adding: dict[str, list[tuple[Row, str | None]]] = {}
    for row, rating in added:
        adding.setdefault(row.quota_group__code or "", []).append((row, rating))
    tallies: dict[str, rules.QuotaTally] = {}
    for count in counts:
        first, good, excellent = dict(count.first), dict(count.good), list(count.excellent)
        for row, rating in adding.get(count.code, ()):
            kind = row.subject_type
            first[kind] = min(first.get(kind, row.id), row.id)
            good.setdefault(kind, 0)
            if rating == "HTT":
                good[kind] += 1
            elif rating == "HTXS":
                excellent.append((row.id, kind))
        if first:
            tallies[count.code] = rules.QuotaTally(
                tuple(_TYPES[kind] for kind in sorted(first, key=first.__getitem__)),
                {_TYPES[kind]: n for kind, n in good.items()},
                tuple((subject_id(pk), _TYPES[kind]) for pk, kind in sorted(excellent)),
            )
    exceptions = {c.code: rules.QuotaGroupSettings(exception=True) for c in counts if c.exception}
    return rules.check_quota(cycle.year, tallies, quota_groups=exceptions, quarter=cycle.quarter)


def _quota_caused(
    changed: Mapping[str, list[int]],
    old: Mapping[int, str | None],
    ratings: dict[int, str | None],
    before: rules.Result,
    after: rules.Result,
    compliance: Compliance,
) -> list[Caused]:
    """The batch's changes (`changed`: each quota group's changed evaluations, by id; `old`: their ratings before)
    that push a group further over its HTXS cap, from the group's count before and after the batch."""
    pool = ("HTT", "HTXS")
    # The engine gives one QUOTA_EXCELLENT per group over its cap, in the order of the group names.
    over_cap = sorted(
        code for code, plan in after.quota_groups.items() if plan.excellent > plan.max_excellent
    )
    findings = dict(zip(over_cap, (f for f in after.findings if f.code == "QUOTA_EXCELLENT"), strict=True))
    caused: list[Caused] = []
    for code, ids in sorted(changed.items()):
        plan, was = after.quota_groups.get(code), before.quota_groups.get(code)
        over = plan.excellent - plan.max_excellent if plan else 0
        over_before = was.excellent - was.max_excellent if was else 0
        if plan is None or over <= 0 or over <= over_before:  # no plan: over is 0
            continue
        finding = findings[code]
        # The changes that moved the group the wrong way: a new HTXS, or a HTT taken out of the pool.
        blamed = [
            pk
            for pk in ids
            if (ratings[pk] == "HTXS" and old.get(pk) != "HTXS")
            or (old.get(pk) == "HTT" and ratings[pk] not in pool)
        ] or ids
        named = finding.subjects[:40]
        missing = [int(s[1:]) for s in named if s not in compliance.names]
        if missing:  # the group's peers were counted, not read: their names only when a refusal quotes them
            _, peer_names = _rows_of(missing)
            compliance.names.update(peer_names)
        who = ", ".join(compliance.names.get(s, s) for s in named)
        text = f"{compliance.message(finding)} Đang xếp HTXS ({plan.excellent}): {who} ({finding.citation})"
        caused.extend(Caused(pk, "QUOTA_EXCELLENT", text, True) for pk in blamed)
    return caused


def quota_plans(cycle: Cycle, ratings: dict[int, str | None]) -> dict[str, rules.QuotaPlan]:
    """Every quota group these evaluations count in, planned with `ratings` in place of what is saved: what the
    meter shows while a secretary picks levels, before anything is written (the rules engine's own counts)."""
    if not ratings:
        return {}
    rows, _ = _rows_touching(cycle, set(ratings))
    return dict(_check_rows(cycle, rows, ratings).quota_groups)
