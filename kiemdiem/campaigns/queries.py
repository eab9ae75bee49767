"""Scoped reads of cycles: a user reaches the cycles opened inside their subtree or above it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.models import Cycle
from kiemdiem.orgs.queries import scope_roots


def cycles_visible_to(user: User) -> QuerySet[Cycle]:
    roots = scope_roots(user)
    if roots is None:
        return Cycle.objects.all()
    if not roots and user.is_authenticated and user.person_id and user.person.home_cell_id:  # type: ignore[union-attr]
        roots = [user.person.home_cell]  # type: ignore[union-attr,list-item]
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
