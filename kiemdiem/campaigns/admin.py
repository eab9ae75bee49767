"""Django admin for cycles and quota groups, scoped like every other page."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from kiemdiem.campaigns.models import Cycle, QuotaGroup
from kiemdiem.campaigns.queries import cycles_visible_to
from kiemdiem.orgs.admin import ScopedAdmin

# The quota group form listed every cycle, other districts' too.
ScopedAdmin.scoped_lookups[Cycle] = cycles_visible_to


@admin.register(Cycle)
class CycleAdmin(ScopedAdmin):
    """Read-only: a cycle is opened, re-synced and closed on its pages (or `kiemdiem cycle`), through the actions
    that give it its regime, quota groups and evaluations; the admin only lists them."""

    list_display = [
        "__str__",
        "year",
        "quarter",
        "regime",
        "state",
        "review_deadline",
        "report_deadline",
        "page",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # arg-type: the admin's request is typed HttpRequest by Django; only logged-in staff reach the admin
        return cycles_visible_to(request.user)  # type: ignore[arg-type]

    @admin.display(description="trang của đợt")
    def page(self, obj: Cycle) -> str:
        return format_html('<a href="{}">Mở, đồng bộ, đóng đợt</a>', reverse("cycle", args=[obj.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(QuotaGroup)
class QuotaGroupAdmin(ScopedAdmin):
    unit_field = "scope_unit"
    list_display = ["name", "code", "subject_type", "has_exception"]
    search_fields = ["name", "code"]
