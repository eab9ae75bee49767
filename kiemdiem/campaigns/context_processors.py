"""The current cycle for every page, so that the tree's pages (orgs) can link to it without knowing campaigns."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kiemdiem.campaigns.models import Cycle, CycleState
from kiemdiem.campaigns.queries import cycles_visible_to
from kiemdiem.orgs.queries import scope_roots


def current_cycle_for(user) -> Cycle | None:
    """The open cycle the user works in: one covering their own place in the tree, the year's before a quarter's,
    the latest year, the widest of them; else the latest cycle they reach (past ones stay listed)."""
    if not user.is_authenticated:
        return None
    visible = cycles_visible_to(user)
    roots = scope_roots(user)
    if roots is None:
        covering = Q(unit__parent__isnull=True) | Q(pk__in=[])
    else:
        places = [*roots]
        if not places and user.person_id and user.person.home_cell_id:
            places = [user.person.home_cell]
        ids = {i for r in places for i in (*r.ancestor_ids, r.pk)}
        covering = Q(unit_id__in=ids)
    ranked = visible.annotate(
        rank=Case(
            When(covering & Q(state=CycleState.OPEN, quarter__isnull=True), then=Value(0)),
            When(covering & Q(state=CycleState.OPEN), then=Value(1)),
            When(state=CycleState.OPEN, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )
    return ranked.select_related("unit").order_by("rank", "-year", "unit__path", "quarter").first()


def current_cycle(request: HttpRequest) -> dict[str, object]:
    return {"current_cycle": SimpleLazyObject(lambda: current_cycle_for(request.user))}
