"""Django admin for the tree's data fixes, scoped like every other page. ScopedAdmin is the base of every app's admin."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from kiemdiem.accounts.models import ApiKey, ApiKeyEvent, User
from kiemdiem.orgs.actions import (
    can_manage_api_keys,
    check_parent,
    do_issue_api_key,
    do_revoke_api_key,
    do_save_unit,
)
from kiemdiem.orgs.models import SEGMENT_WIDTH, LeadershipCollective, Person, Position, Unit
from kiemdiem.orgs.queries import persons_visible_to, units_visible_to
from kiemdiem.text import formula_refusal


def _staff(request: HttpRequest) -> User:
    """The user of an admin page: the admin site lets in only logged-in staff, never AnonymousUser."""
    assert isinstance(request.user, User)
    return request.user


class UnitChoiceField(forms.ModelChoiceField):
    """A unit shown with the names above it: hundreds of cells are called “Chi bộ tổ dân phố số 1”."""

    def label_from_instance(self, obj: Unit) -> str:
        if not hasattr(self, "_names"):
            queryset = self.queryset
            assert queryset is not None  # labels are made from the choices of the queryset given
            # One query for every label of the form: the names of the choices' ancestors, by path.
            prefixes = {
                path[:end]
                for path in queryset.values_list("path", flat=True)
                for end in range(SEGMENT_WIDTH, len(path) + 1, SEGMENT_WIDTH)
            }
            self._names = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "name"))
        trail = [
            self._names.get(obj.path[:end], "")
            for end in range(SEGMENT_WIDTH, len(obj.path) + 1, SEGMENT_WIDTH)
        ]
        return " › ".join(name for name in trail if name) or obj.name


class NoFormulaForm(forms.ModelForm):
    """Refuse text a spreadsheet would read as a formula, by the import's rule (kiemdiem/text.py)."""

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # ModelForm.clean returns cleaned_data
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and (refusal := formula_refusal(value)):
                self.add_error(name, f"{refusal}.")
        return cleaned


class NotFoundOutsideScope:
    """An object outside the user's subtree (or not there) is a 404, as on every other page: Django's admin would
    redirect to its index with "… doesn't exist", which tells apart what exists from what is hidden."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("Không tìm thấy đối tượng này trong phạm vi của đồng chí.")


class ScopedAdmin(NotFoundOutsideScope, admin.ModelAdmin):
    """Limit every list, form and lookup to the user's subtree; no text that reads as a formula."""

    form = NoFormulaForm
    unit_field = "unit"
    # Models of apps above orgs, each with the scoped read that limits its choices (campaigns adds Cycle).
    scoped_lookups: dict[type, Callable[..., QuerySet]] = {}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs.filter(**{f"{self.unit_field}__in": units_visible_to(_staff(request))})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit:
            kwargs["queryset"] = units_visible_to(request.user).order_by("path")
            kwargs["form_class"] = UnitChoiceField
        elif db_field.related_model is Person:
            kwargs["queryset"] = persons_visible_to(request.user)
        elif db_field.related_model in self.scoped_lookups:
            kwargs["queryset"] = self.scoped_lookups[db_field.related_model](request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return bool(request.user.is_superuser)


class FoldedSearch:
    """The admin's search box matches like the header's: accents and case aside, word starts, or the exact code."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.matching(search_term), False


@admin.register(Unit)
class UnitAdmin(FoldedSearch, ScopedAdmin):
    unit_field = "pk"
    list_display = ["name", "code", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return units_visible_to(_staff(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The top of the user's own subtree: its parent is outside their reach, so they see it and cannot change it.
        fields = list(super().get_readonly_fields(request, obj))
        if (
            obj is not None
            and obj.parent_id
            and not units_visible_to(_staff(request)).filter(pk=obj.parent_id).exists()
        ):
            fields.append("parent")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class CheckedUnitForm(form_class):  # type: ignore[misc, valid-type]  # the form class the admin built
            def clean(self):
                cleaned = super().clean()
                if "parent" in self.fields:
                    try:
                        check_parent(unit=self.instance, parent=cleaned.get("parent"), user=user)
                    except ValidationError as exc:
                        self.add_error(None, exc)
                return cleaned

        return CheckedUnitForm

    def save_model(self, request, obj, form, change):
        # One writer for the tree: the action keeps an out-of-reach parent, refuses loops, rewrites the subtree.
        do_save_unit(unit=obj, user=request.user)


@admin.register(Person)
class PersonAdmin(FoldedSearch, ScopedAdmin):
    list_display = ["full_name", "code", "home_cell", "membership", "management_tier"]
    search_fields = ["full_name", "code"]
    raw_id_fields = ["home_cell", "temporary_cell", "managing_unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return persons_visible_to(_staff(request))


@admin.register(LeadershipCollective)
class LeadershipCollectiveAdmin(ScopedAdmin):
    list_display = ["name", "kind", "unit"]
    search_fields = ["name"]
    raw_id_fields = ["unit"]


@admin.register(Position)
class PositionAdmin(ScopedAdmin):
    list_display = ["person", "title", "role", "unit"]
    raw_id_fields = ["person", "unit", "collective"]


# Users live here, not in accounts: their scope is a unit of the tree, and accounts sits below orgs (orgs reads roles).
@admin.register(User)
class ScopedUserAdmin(NotFoundOutsideScope, UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Phạm vi", {"fields": ("role", "unit", "assigned_units", "person")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(unit__in=units_visible_to(_staff(request)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)


class ApiKeyEventInline(admin.TabularInline):
    model = ApiKeyEvent
    readonly_fields = ["at", "kind", "actor", "method", "path", "ip", "note"]
    fields = [*readonly_fields]  # every one shown, none changed
    extra = 0
    can_delete = False
    ordering = ["-at", "-pk"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdmin):
    """Keys for other systems: issued here within the officer's subtree, the secret shown once, revoked by action."""

    list_display = ["name", "prefix", "unit", "access", "issued_at", "last_used_at", "revoked_at"]
    list_filter = ["access"]
    search_fields = ["name", "prefix"]
    fields = ["name", "unit", "access"]
    readonly_fields = []
    inlines = [ApiKeyEventInline]
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_api_keys(request.user)  # type: ignore[arg-type]  # any request: AnonymousUser reads as no

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    has_add_permission = has_module_permission

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a key is never edited: revoke it and issue another

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # its events are the audit trail

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return []
        return [
            "name",
            "unit",
            "access",
            "prefix",
            "issued_by",
            "issued_at",
            "revoked_at",
            "revoked_by",
            "last_used_at",
        ]

    def get_fields(self, request: HttpRequest, obj=None):
        return self.fields if obj is None else self.get_readonly_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj=None):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        key, secret = do_issue_api_key(
            issued_by=request.user, name=obj.name, unit=obj.unit, access=obj.access
        )
        obj.pk = key.pk
        request._issued_api_key = (key, secret)

    def response_add(self, request, obj, post_url_continue=None):
        key, secret = request._issued_api_key
        context = {
            **self.admin_site.each_context(request),
            "title": "Đã cấp khóa API",
            "key": key,
            "secret": secret,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/accounts/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"  # the secret is shown once and never kept by a cache
        return response

    @admin.action(description="Thu hồi các khóa đã chọn")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            do_revoke_api_key(key=key, revoked_by=_staff(request))
        self.message_user(request, f"Đã thu hồi {len(keys)} khóa API.", messages.SUCCESS)
