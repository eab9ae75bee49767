"""Django admin for cycles and quota groups, scoped like every other page."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kiemdiem.campaigns.models import Cycle, QuotaGroup
from kiemdiem.campaigns.queries import cycles_visible_to
from kiemdiem.orgs.admin import ScopedAdmin
from kiemdiem.orgs.queries import units_visible_to

# The quota group form listed every cycle, other districts' too.
ScopedAdmin.scoped_lookups[Cycle] = cycles_visible_to


@admin.register(Cycle)
class CycleAdmin(ScopedAdmin):
    list_display = ["__str__", "year", "regime", "state", "review_deadline", "report_deadline"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:  # type: ignore[type-arg]
        return cycles_visible_to(request.user)  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # A cycle opened above the user's subtree is visible to them but not theirs to change.
        if obj is not None and not units_visible_to(request.user).filter(pk=obj.unit_id).exists():  # type: ignore[arg-type]
            return False
        return super().has_change_permission(request, obj)


@admin.register(QuotaGroup)
class QuotaGroupAdmin(ScopedAdmin):
    unit_field = "scope_unit"
    list_display = ["name", "code", "subject_type", "has_exception"]
    search_fields = ["name", "code"]
