"""Scoped reads: every page, API endpoint and export reaches units and people only through these."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.http import Http404

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.orgs.models import (
    SEGMENT_WIDTH,
    CellMembership,
    LeadershipCollective,
    Person,
    PersonQuerySet,
    Position,
    Unit,
    UnitName,
    UnitQuerySet,
)
from kiemdiem.vietnamese import fold


def scope_roots(user: User) -> list[Unit] | None:
    """Return the roots of the subtrees the user reaches; None means the whole tree (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    if user.role == UserRole.STANDING_MEMBER:
        return list(user.assigned_units.all())
    if user.role == UserRole.MEMBER:
        return []
    return [user.unit] if user.unit is not None else []


def under_roots(unit: Unit, roots: list[Unit] | None) -> bool:
    """`unit` lies in one of the subtrees `roots` (`scope_roots`' answer; None = the whole tree): the test that
    `units_visible_to` makes in SQL, made in Python on a unit already read."""
    return roots is None or any(unit.path.startswith(r.path) for r in roots)


def _prefix_q(field: str, roots: Iterable[Unit]) -> Q:
    clauses = [Q(**{f"{field}__startswith": root.path}) for root in roots]
    return reduce(or_, clauses) if clauses else Q(pk__in=[])


def units_visible_to(user: User) -> UnitQuerySet:
    roots = scope_roots(user)
    if roots is None:
        return Unit.objects.all()
    return Unit.objects.filter(_prefix_q("path", roots))


def get_unit_for_user(user: User, pk: int) -> Unit:
    try:
        return units_visible_to(user).get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404("Không tìm thấy đơn vị.") from None


def persons_visible_to(user: User) -> PersonQuerySet:
    roots = scope_roots(user)
    if roots is None:
        return Person.objects.all()
    q = (
        _prefix_q("home_cell__path", roots)
        | _prefix_q("temporary_cell__path", roots)
        | _prefix_q("managing_unit__path", roots)
    )
    if user.is_authenticated and user.person_id:
        q |= Q(pk=user.person_id)
    return Person.objects.filter(q)


def get_person_for_user(user: User, pk: int) -> Person:
    try:
        return (
            persons_visible_to(user).select_related("home_cell", "temporary_cell", "managing_unit").get(pk=pk)
        )
    except Person.DoesNotExist:
        raise Http404("Không tìm thấy cá nhân.") from None


def search_persons(user: User, query: str, *, unit: Unit | None = None) -> QuerySet[Person]:
    """People the user reaches whose name has every word of the query at a word start, accents and case aside
    ("vu thanh van" finds Vũ Thanh Vân), or whose code it is; in roster order. Empty query: everyone reached."""
    qs = persons_visible_to(user)
    if unit is not None:
        qs = qs.filter(
            Q(home_cell__path__startswith=unit.path) | Q(temporary_cell__path__startswith=unit.path)
        )
    if not query.strip():
        return qs.select_related("home_cell").order_by("sort_key", "pk")
    return qs.matching(query).select_related("home_cell").order_by(_search_order(query), "pk")


def search_units(user: User, query: str) -> QuerySet[Unit]:
    """Units the user reaches whose name matches the query the same way (or whose code it is), by name."""
    return units_visible_to(user).matching(query).order_by(_search_order(query), "pk")


def _search_order(query: str) -> str | Concat:
    """The sort key, written so PostgreSQL takes the fastest plan for the query's kind of match.

    A query with a word of three letters or more matches few rows: ORDER BY an expression of the column, so the
    trigram index gathers them and they are sorted (walking the sort-key index and filtering every row took 0.8 s
    over 140,000 people). Only one- and two-letter words ("ma") match thousands: then walking the sort-key index
    fills the first page at once.
    """
    if max((len(w) for w in fold(query).split()), default=0) <= 2:
        return "sort_key"
    return Concat(F("sort_key"), Value(""), output_field=CharField())


def visible_ancestors(user: User, unit: Unit) -> list[Unit]:
    """Return the unit's ancestors the user may open (for breadcrumbs), top first."""
    return list(units_visible_to(user).filter(pk__in=unit.ancestor_ids).order_by("path"))


def top_units_for(user: User) -> QuerySet[Unit]:
    """Return the units at the top of what the user reaches."""
    roots = scope_roots(user)
    if roots is None:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(pk__in=[r.pk for r in roots])


def subtree_counts(units: list[Unit], *, on: datetime.date | None = None) -> dict[int, dict[str, int]]:
    """Count descendant units and party members under each of the given units, in grouped queries.

    With `on`, the tree as it stood that day: units then in force, members in the cells they then belonged to.
    """
    result: dict[int, dict[str, int]] = {u.pk: {"units": 0, "members": 0} for u in units}
    by_length: dict[int, dict[str, int]] = {}
    for u in units:
        by_length.setdefault(len(u.path), {})[u.path] = u.pk
    for length, paths in by_length.items():
        roots = [Unit(path=p) for p in paths]
        unit_qs = Unit.objects.filter(_prefix_q("path", roots))
        if on is not None:
            unit_qs = unit_qs.valid_on(on)
        rows = unit_qs.annotate(prefix=Substr("path", 1, length)).values("prefix").annotate(n=Count("pk"))
        alive = set(paths) if on is None else _in_force(paths, on)  # the unit itself is not a descendant
        for row in rows:
            result[paths[row["prefix"]]]["units"] = row["n"] - (1 if row["prefix"] in alive else 0)
        people = Person.objects.filter(_prefix_q("home_cell__path", roots), is_party_member=True)
        if on is not None:
            people = people.filter(Q(home_cell_since__isnull=True) | Q(home_cell_since__lte=on))
        member_rows = (
            people.annotate(prefix=Substr("home_cell__path", 1, length))
            .values("prefix")
            .annotate(n=Count("pk"))
        )
        for row in member_rows:
            result[paths[row["prefix"]]]["members"] += row["n"]
        if on is not None:
            past = (
                CellMembership.objects.filter(_prefix_q("cell__path", roots), valid_to__gte=on)
                .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on), person__is_party_member=True)
                .annotate(prefix=Substr("cell__path", 1, length))
                .values("prefix")
                .annotate(n=Count("person_id", distinct=True))
            )
            for row in past:
                result[paths[row["prefix"]]]["members"] += row["n"]
    return result


def _in_force(paths: dict[str, int], on: datetime.date) -> set[str]:
    return set(Unit.objects.filter(pk__in=paths.values()).valid_on(on).values_list("path", flat=True))


def children_of(unit: Unit, *, year: int | None = None, on: datetime.date | None = None) -> QuerySet[Unit]:
    """A unit's children: all of them, those of a year (`year`, ending on its last day) or those of one day."""
    qs = Unit.objects.filter(parent=unit)
    if on is not None:
        return qs.valid_on(on)
    return qs.valid_on(datetime.date(year, 12, 31)) if year else qs


# -- The tree as it stood on a day (a cycle reads its period's tree through these) ---------------------------------


def period_end(year: int, quarter: int | None = None) -> datetime.date:
    """The day a cycle's tree is read on: the last day of its year or quarter (units and members then in place)."""
    if quarter:
        return datetime.date(year, 3 * quarter, calendar.monthrange(year, 3 * quarter)[1])
    return datetime.date(year, 12, 31)


def units_as_of(root: Unit, day: datetime.date) -> QuerySet[Unit]:
    """The root's subtree as it stood on `day`: units valid that day (ended versions keep their old paths)."""
    return Unit.objects.subtree_of(root).valid_on(day)


def _members_q(cells: QuerySet[Unit, Any] | Iterable[int], day: datetime.date) -> Q:
    current = Q(home_cell__in=cells) & (Q(home_cell_since__isnull=True) | Q(home_cell_since__lte=day))
    past = Q(
        pk__in=CellMembership.objects.filter(cell__in=cells, valid_to__gte=day)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .values("person_id")
    )
    return current | past


def members_as_of(unit: Unit, day: datetime.date) -> QuerySet[Person]:
    """Party members whose home cell on `day` lay in the unit's subtree (as it stood that day)."""
    return Person.objects.filter(_members_q(units_as_of(unit, day).values("pk"), day), is_party_member=True)


def home_cells_as_of(people: Iterable[int], day: datetime.date) -> dict[int, int]:
    """Person id → the id of their home cell on `day` (people with none that day are left out)."""
    ids = list(people)
    result: dict[int, int] = {}
    for pk, cell_id, since in Person.objects.filter(pk__in=ids).values_list(
        "pk", "home_cell_id", "home_cell_since"
    ):
        if cell_id and (since is None or since <= day):
            result[pk] = cell_id
    for pk, cell_id in (
        CellMembership.objects.filter(person_id__in=ids, valid_to__gte=day)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .values_list("person_id", "cell_id")
    ):
        result[pk] = cell_id
    return result


def collectives_as_of(unit: Unit, day: datetime.date) -> QuerySet[LeadershipCollective]:
    return LeadershipCollective.objects.filter(
        Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        unit__in=units_as_of(unit, day),
    )


def positions_as_of(unit: Unit, day: datetime.date) -> QuerySet[Position]:
    return Position.objects.filter(
        Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        unit__in=units_as_of(unit, day),
    )


def name_as_of(unit: Unit, day: datetime.date) -> str:
    """The name a unit carried on `day` (a rename keeps the unit and records the names it had)."""
    former = unit.former_names.filter(valid_to__gte=day).order_by("valid_to").first()
    return former.name if former else unit.name


def show_names_as_of(units: Iterable[Unit | None], day: datetime.date) -> None:
    """Give these unit objects, for display only (never saved), the names they carried on `day`: `name_as_of` for
    many in one query. A cycle's pages show its period's names (a unit renamed since keeps its old name there)."""
    by_pk: dict[int, list[Unit]] = {}
    for unit in units:
        if unit is not None:
            by_pk.setdefault(unit.pk, []).append(unit)
    if not by_pk:
        return
    former = (
        UnitName.objects.filter(unit_id__in=list(by_pk), valid_to__gte=day)
        .order_by("unit_id", "-valid_to")
        .values_list("unit_id", "name")
    )
    names = dict(former)  # the last one written per unit is the earliest that was still in use on `day`
    for pk, name in names.items():
        for unit in by_pk[pk]:
            unit.name = name


__all__ = [
    "SEGMENT_WIDTH",
    "children_of",
    "collectives_as_of",
    "home_cells_as_of",
    "members_as_of",
    "name_as_of",
    "period_end",
    "positions_as_of",
    "units_as_of",
    "get_person_for_user",
    "get_unit_for_user",
    "persons_visible_to",
    "scope_roots",
    "search_persons",
    "search_units",
    "show_names_as_of",
    "subtree_counts",
    "top_units_for",
    "units_visible_to",
    "visible_ancestors",
]
