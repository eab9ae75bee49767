"""Scoped reads: every page, API endpoint and export reaches units and people only through these."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.orgs.models import SEGMENT_WIDTH, Person, Unit


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
    return [user.unit] if user.unit_id else []  # type: ignore[list-item]


def _prefix_q(field: str, roots: Iterable[Unit]) -> Q:
    clauses = [Q(**{f"{field}__startswith": root.path}) for root in roots]
    return reduce(or_, clauses) if clauses else Q(pk__in=[])


def units_visible_to(user: User) -> QuerySet[Unit]:
    roots = scope_roots(user)
    if roots is None:
        return Unit.objects.all()
    return Unit.objects.filter(_prefix_q("path", roots))


def get_unit_for_user(user: User, pk: int) -> Unit:
    try:
        return units_visible_to(user).get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404("Không tìm thấy đơn vị.") from None


def persons_visible_to(user: User) -> QuerySet[Person]:
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


def visible_ancestors(user: User, unit: Unit) -> list[Unit]:
    """Return the unit's ancestors the user may open (for breadcrumbs), top first."""
    return list(units_visible_to(user).filter(pk__in=unit.ancestor_ids).order_by("path"))


def top_units_for(user: User) -> QuerySet[Unit]:
    """Return the units at the top of what the user reaches."""
    roots = scope_roots(user)
    if roots is None:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(pk__in=[r.pk for r in roots])


def subtree_counts(units: list[Unit]) -> dict[int, dict[str, int]]:
    """Count descendant units and party members under each of the given units, in two grouped queries."""
    result: dict[int, dict[str, int]] = {u.pk: {"units": 0, "members": 0} for u in units}
    by_length: dict[int, dict[str, int]] = {}
    for u in units:
        by_length.setdefault(len(u.path), {})[u.path] = u.pk
    for length, paths in by_length.items():
        prefix_q = _prefix_q("path", [Unit(path=p) for p in paths])
        rows = (
            Unit.objects.filter(prefix_q)
            .annotate(prefix=Substr("path", 1, length))
            .values("prefix")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            result[paths[row["prefix"]]]["units"] = row["n"] - 1  # the unit itself is not a descendant
        member_rows = (
            Person.objects.filter(
                _prefix_q("home_cell__path", [Unit(path=p) for p in paths]), is_party_member=True
            )
            .annotate(prefix=Substr("home_cell__path", 1, length))
            .values("prefix")
            .annotate(n=Count("pk"))
        )
        for row in member_rows:
            result[paths[row["prefix"]]]["members"] = row["n"]
    return result


def children_of(unit: Unit, *, year: int | None = None) -> QuerySet[Unit]:
    qs = Unit.objects.filter(parent=unit)
    return qs.valid_in_year(year) if year else qs


__all__ = [
    "SEGMENT_WIDTH",
    "children_of",
    "get_person_for_user",
    "get_unit_for_user",
    "persons_visible_to",
    "scope_roots",
    "subtree_counts",
    "top_units_for",
    "units_visible_to",
    "visible_ancestors",
]
