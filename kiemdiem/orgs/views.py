"""Pages of the tree: units, their collectives and members, a person. They know no campaign: the current cycle's
links come from the campaigns context processor (`current_cycle`), and the year a unit's children are listed for
from `?nam=`."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.accounts.models import UserRole
from kiemdiem.orgs import hooks
from kiemdiem.orgs.models import Person, Position, Role
from kiemdiem.orgs.queries import (
    children_of,
    get_person_for_user,
    get_unit_for_user,
    search_persons,
    search_units,
    subtree_counts,
    top_units_for,
    units_visible_to,
    visible_ancestors,
)


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("nam", "")
    return int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else None


@require_GET
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == UserRole.MEMBER and not user.is_superuser:
        if user.person_id:
            return redirect("person", pk=user.person_id)
        return render(request, "home_empty.html")
    tops = list(top_units_for(user))
    if len(tops) == 1:
        return redirect("unit", pk=tops[0].pk)
    return redirect("units")


@require_GET
@login_required
def unit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    tops = list(top_units_for(request.user))
    counts = subtree_counts(tops)
    rows = [(u, counts[u.pk]) for u in tops]
    from kiemdiem.orgs.reorganise_views import can_reorganise

    context = {"rows": rows, "can_reorganise": can_reorganise(request.user)}
    return render(request, "orgs/unit_list.html", context)


@require_GET
@login_required
def unit_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    year = _year(request)
    children = list(children_of(unit, year=year).order_by("kind", "sort_key"))
    counts = subtree_counts([unit, *children], on=datetime.date(year, 12, 31) if year else None)
    heads_first = Case(When(role=Role.HEAD, then=0), When(role=Role.DEPUTY, then=1), default=2)
    collectives = unit.collectives.prefetch_related(
        Prefetch("positions", Position.objects.select_related("person").order_by(heads_first, "id"))
    )
    members_page = None
    if unit.is_cell:
        members = unit.members.filter(is_party_member=True).order_by("sort_key", "code")  # the roster's order
        members_page = Paginator(members, 50).get_page(request.GET.get("trang"))
    context = {
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit),
        "children": [(c, counts[c.pk]) for c in children],
        "counts": counts[unit.pk],
        "collectives": collectives,
        "members_page": members_page,
        "year": year,
    }
    return render(request, "orgs/unit_detail.html", context)


@require_GET
@login_required
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person: Person = get_person_for_user(request.user, pk)
    positions = Position.objects.filter(person=person).select_related("unit", "collective")
    reachable = set(
        units_visible_to(request.user)
        .filter(pk__in=[p.unit_id for p in positions] + [person.home_cell_id, person.temporary_cell_id])
        .values_list("pk", flat=True)
    )
    context = {
        "person": person,
        "positions": positions,
        "reachable": reachable,
        **hooks.person_panels(request.user, person),
    }
    return render(request, "orgs/person_detail.html", context)


SEARCH_LIMIT = 50


@require_GET
@login_required
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """People and units of the user's reach whose name matches, accents and case aside ("vu thanh van")."""
    query = request.GET.get("q", "")[:100].strip()
    persons = units = None
    if query:
        persons = list(search_persons(request.user, query)[: SEARCH_LIMIT + 1])
        units = list(search_units(request.user, query)[: SEARCH_LIMIT + 1])
    context = {
        "query": query,
        "persons": persons[:SEARCH_LIMIT] if persons is not None else None,
        "units": units[:SEARCH_LIMIT] if units is not None else None,
        "more_persons": persons is not None and len(persons) > SEARCH_LIMIT,
        "more_units": units is not None and len(units) > SEARCH_LIMIT,
        "limit": SEARCH_LIMIT,
    }
    return render(request, "orgs/search.html", context)
