"""Scoped reads of cycles: a user reaches the cycles opened inside their subtree or above it."""

from __future__ import annotations

import datetime
from typing import TypedDict

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from kiemdiem import rules
from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState, SubjectType, UnitDeadline
from kiemdiem.joined import JoinedRead
from kiemdiem.orgs.models import Person, Role, Unit
from kiemdiem.orgs.queries import children_of, period_end, scope_roots, under_roots


def cycles_visible_to(user: User) -> QuerySet[Cycle]:
    roots = scope_roots(user)
    if roots is None:
        return Cycle.objects.all()
    person = user.person if not roots and user.is_authenticated else None  # read only when it decides
    if person is not None and person.home_cell is not None:
        roots = [person.home_cell]
        # A member reaches the cycles that cover their own cell, never the cell's subtree.
        return Cycle.objects.filter(unit_id__in=roots[0].ancestor_ids + [roots[0].pk])
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(unit__path__startswith=root.path) | Q(unit_id__in=root.ancestor_ids)
    return Cycle.objects.filter(q)


def get_cycle_for_user(user: User, pk: int) -> Cycle:
    try:
        return cycles_visible_to(user).select_related("unit").get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404("Không tìm thấy đợt kiểm điểm.") from None


_ID_RANGE = 2**63  # the ids are 64-bit integers


def _scope_is_own_unit(user: User) -> bool:
    """Whether the user reaches their own unit's subtree and nothing else (`scope_roots` gives `[user.unit]`)."""
    return (
        user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and user.role not in (UserRole.STANDING_MEMBER, UserRole.MEMBER)
        and user.unit_id is not None
    )


# The cycle with its unit, the unit asked for and the user's own unit (their scope's root): one query written once per
# process (kiemdiem/joined.py), for a user whose scope is their own unit.
_CYCLE_AND_UNITS: JoinedRead[Cycle] = JoinedRead(
    Cycle, ("unit",), extra=[("asked", Unit, "{alias}.id = %s"), ("root", Unit, "{alias}.id = %s")]
)


def get_cycle_and_unit_for_user(user: User, cycle_pk: int, unit_pk: int) -> tuple[Cycle, Unit]:
    """A cycle and a unit of the user's scope, the unit inside the cycle's subtree; anything else is a 404.

    For a user whose scope is their own unit (most officers): one query written once per process, not three built by
    the ORM (1.7 ms of CPU for the cycle's `select_related` alone): the cycle and its unit, the unit asked for and the
    user's own unit (`_CYCLE_AND_UNITS`). The scope is tested on their paths as `cycles_visible_to` and
    `units_visible_to` test it in SQL (under the user's unit; a cycle also above it)."""
    from kiemdiem.orgs.queries import get_unit_for_user

    root_pk = user.unit_id if _scope_is_own_unit(user) else None
    if root_pk is None:
        cycle = get_cycle_for_user(user, cycle_pk)
        unit = get_unit_for_user(user, unit_pk)
    else:
        # An id out of the columns' range (a hostile URL) matches nothing, and is not sent (SQLite refuses it).
        asked = unit_pk if unit_pk < _ID_RANGE else root_pk
        found = (
            _CYCLE_AND_UNITS.read("t0.id = %s", [asked, root_pk, cycle_pk]) if cycle_pk < _ID_RANGE else []
        )
        if not found:
            raise Http404("Không tìm thấy đợt kiểm điểm.")
        cycle, extra = found[0]
        # One object per unit, as one query of the three ids gave them (a page names the unit it shows in place).
        units = {cycle.unit.pk: cycle.unit}
        for joined in (extra["root"], extra["asked"]):
            if joined is not None:
                units.setdefault(joined.pk, joined)
        root = units[root_pk]  # a user's unit is protected from deletion
        User._meta.get_field("unit").set_cached_value(user, root)  # what scope_roots reads, read already
        if not (cycle.unit.path.startswith(root.path) or cycle.unit_id in root.ancestor_ids):
            raise Http404("Không tìm thấy đợt kiểm điểm.")
        if unit_pk not in units or not units[unit_pk].path.startswith(root.path):
            raise Http404("Không tìm thấy đơn vị.")
        unit = units[unit_pk]
    if not unit.path.startswith(cycle.unit.path):
        raise Http404("Đơn vị không thuộc phạm vi đợt kiểm điểm này.")
    return cycle, unit


def evaluations_visible_to(user: User) -> QuerySet[Evaluation]:
    """Evaluations hanging on a unit the user reaches, and the user's own."""
    from kiemdiem.orgs.queries import units_visible_to

    q = Q(unit__in=units_visible_to(user))
    if user.is_authenticated and user.person_id:
        q |= Q(person_id=user.person_id)
    return Evaluation.objects.filter(q)


def person_evaluations(user: User, person: Person) -> list[Evaluation]:
    """A person's evaluations the user may see, newest year first, the year before its quarters."""
    return list(
        evaluations_visible_to(user)
        .filter(person=person)
        .select_related("cycle", "unit", "leader_collective")
        .order_by(F("cycle__year").desc(), F("cycle__quarter").desc(nulls_first=True), "subject_type", "pk")
    )


# Joined to the evaluation: what every page reads. The rest (collective, leader's collective, decided by,
# deciding unit) is read when it is used and set: with all nine joined, and the scope as a sub-select, PostgreSQL
# spent ~17 ms planning the one row (issue 21). Written once per process (kiemdiem/joined.py): the ORM compiled this
# SELECT on every page, ~2 ms of CPU. The signed-in user's own unit (their scope's root, most officers') comes in
# the same query.
_JOINED = ("cycle", "cycle__unit", "unit", "person", "quota_group")
_SCOPED_READ: JoinedRead[Evaluation] = JoinedRead(Evaluation, _JOINED)
_SCOPED_READ_AND_ROOT: JoinedRead[Evaluation] = JoinedRead(
    Evaluation, _JOINED, extra=[("root", Unit, "{alias}.id = %s")]
)


def get_evaluation_for_user(user: User, pk: int) -> Evaluation:
    """One evaluation the user reaches (`evaluations_visible_to`), with what its pages read; else a 404.

    The scope is the same as `evaluations_visible_to`'s: the evaluation's unit under a root of the user's scope (its
    path starts with the root's, as the SQL of `units_visible_to` tests it), or the user's own evaluation."""

    own_unit = _scope_is_own_unit(user) and not User.unit.is_cached(user)
    # An id out of the column's range (a hostile URL) matches nothing and is not sent (SQLite refuses it).
    if pk >= _ID_RANGE:
        found = []
    elif own_unit:
        found = _SCOPED_READ_AND_ROOT.read("t0.id = %s", [user.unit_id, pk])
    else:
        found = _SCOPED_READ.read("t0.id = %s", [pk])
    if not found:
        raise Http404("Không tìm thấy bản đánh giá.")
    ev, extra = found[0]
    if own_unit:  # what scope_roots reads, read already
        User._meta.get_field("unit").set_cached_value(user, extra["root"])
    roots = scope_roots(user)
    reached = under_roots(ev.unit, roots) or (
        user.is_authenticated and user.person_id is not None and ev.person_id == user.person_id
    )
    if not reached:
        raise Http404("Không tìm thấy bản đánh giá.")
    return ev


def progress_pct(decided: int, to_rate: int) -> float:
    """The one progress figure of every page, chart, export and API: decided of those to be rated, in %.

    Subjects not rated (exempt, suspended, admitted under 6 months …) are neither decided nor to be rated: they
    are counted apart. Nothing to rate is 100 % done.
    """
    return round(100 * decided / to_rate, 1) if to_rate else 100.0


class ChildProgress(TypedDict):
    """One child's row of progress_by_child."""

    unit: Unit
    total: int
    decided: int
    not_rated: int
    states: dict[str, int]
    pct: float
    deadline: datetime.date
    late: bool


def progress_by_child(cycle: Cycle, unit: Unit) -> list[ChildProgress]:
    """For each child of a unit: evaluations by state in its subtree, in one grouped query."""
    children = list(children_of(unit, on=period_end(cycle.year, cycle.quarter)).order_by("kind", "sort_key"))
    if not children:
        return []
    length = len(children[0].path)
    rows = (
        Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
        .exclude(unit=unit)
        .annotate(prefix=Substr("unit__path", 1, length), not_rated=Q(not_rated_reason__gt=""))
        .values("prefix", "state", "not_rated")
        .annotate(n=Count("pk"))
    )
    by_prefix: dict[str, dict[str, int]] = {}
    apart: dict[str, int] = {}
    for row in rows:
        if row["not_rated"]:
            apart[row["prefix"]] = apart.get(row["prefix"], 0) + row["n"]
        else:
            states = by_prefix.setdefault(row["prefix"], {})
            states[row["state"]] = states.get(row["state"], 0) + row["n"]
    from kiemdiem.campaigns.actions import level_of as _level_of
    from kiemdiem.campaigns.models import LevelDeadline

    levels = dict(LevelDeadline.objects.filter(cycle=cycle).values_list("level", "review_deadline"))
    overrides = dict(
        UnitDeadline.objects.filter(cycle=cycle, unit__in=children).values_list("unit_id", "review_deadline")
    )
    today = timezone.localdate()
    result: list[ChildProgress] = []
    for child in children:
        states = by_prefix.get(child.path, {})
        total = sum(states.values())
        decided = states.get(EvaluationState.DECIDED, 0)
        # A unit's own deadline, else its level's (cells, grassroots, upper committees), else the cycle's.
        deadline = overrides.get(child.pk) or levels.get(_level_of(child.kind) or "") or cycle.review_deadline
        result.append(
            {
                "unit": child,
                "total": total,  # to be rated
                "decided": decided,
                "not_rated": apart.get(child.path, 0),
                "states": states,
                "pct": progress_pct(decided, total),
                "deadline": deadline,
                "late": total > decided and today > deadline,
            }
        )
    return result


def prerequisites_for(ev: Evaluation) -> list[Evaluation]:
    """What must be decided before this one: a head (and a deputy, when capped) is decided last (HD 21 II.B.4)."""
    if ev.subject_type != SubjectType.LEADER or ev.role not in (Role.HEAD, Role.DEPUTY):
        return []
    if ev.role == Role.DEPUTY and not bool(effective_option(ev.cycle, "cap_deputies")):
        return []
    q = Q(cycle=ev.cycle, unit=ev.unit, subject_type__in=[SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY])
    if ev.leader_collective_id:
        q |= Q(cycle=ev.cycle, collective_id=ev.leader_collective_id)
    if ev.role == Role.HEAD:
        q |= Q(cycle=ev.cycle, subject_type=SubjectType.LEADER, unit=ev.unit) & ~Q(pk=ev.pk)
    return list(
        Evaluation.objects.filter(q)
        .exclude(state=EvaluationState.DECIDED)
        .exclude(not_rated_reason__gt="")
        .select_related("person", "collective", "unit")
    )


def effective_option(cycle: Cycle, key: str) -> object:
    regime = rules.regime_for_year(cycle.year)
    overlay = rules.overlay_for(cycle.year)
    for param in overlay.parameters if overlay else ():
        if param.key == key:
            return param.value
    return regime.value(key) if regime.has(key) else None
