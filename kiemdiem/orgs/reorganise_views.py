"""The reorganisation page: the province (or a district) officer describes a change, sees what it will write, applies it."""

from __future__ import annotations

import datetime
from typing import TypedDict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.accounts.models import User, UserRole
from kiemdiem.orgs.actions import (
    SplitPart,
    do_dissolve_unit,
    do_merge_units,
    do_move_subtree,
    do_rename_unit,
    do_split_unit,
)
from kiemdiem.orgs.models import Reorganisation, ReorganisationKind, Unit, UnitKind
from kiemdiem.orgs.queries import units_visible_to

TREE_WRITERS = frozenset({UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER})
FIELDS = (
    "kind",
    "effective_on",
    "units",
    "target",
    "new_code",
    "new_name",
    "new_kind",
    "new_parent",
    "parts",
    "decision",
)


def can_reorganise(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in TREE_WRITERS))


def _require(user: User) -> None:
    if not can_reorganise(user):
        raise PermissionDenied("Đồng chí không có quyền sắp xếp tổ chức.")


def records_visible_to(user: User):
    """Reorganisations the user started or that touched a unit in their reach."""
    reach = units_visible_to(user)
    return (
        Reorganisation.objects.filter(
            Q(created_by=user)
            | Q(successions__predecessor__in=reach)
            | Q(successions__successor__in=reach)
            | Q(unitname__unit__in=reach)
        )
        .distinct()
        .select_related("created_by")
    )


class _Common(TypedDict):
    """What every reorganisation action takes besides its units."""

    effective_on: datetime.date
    user: User
    decision: str
    dry_run: bool


class _Form:
    """The posted fields, parsed; errors by field, in Vietnamese; what was typed is kept."""

    def __init__(self, data: dict[str, str], user: User) -> None:
        self.data = {k: (data.get(k) or "").strip() for k in FIELDS}
        self.user = user
        self.errors: dict[str, str] = {}
        self.reach = units_visible_to(user)

    def day(self) -> datetime.date | None:
        raw = self.data["effective_on"]
        try:
            return datetime.datetime.strptime(raw, "%d/%m/%Y").date()
        except ValueError:
            try:
                return datetime.date.fromisoformat(raw)
            except ValueError:
                self.errors["effective_on"] = (
                    f"'{raw}' không phải là ngày hợp lệ (dạng dd/mm/yyyy)." if raw else "Bắt buộc."
                )
                return None

    def unit(self, key: str, code: str, day: datetime.date) -> Unit | None:
        found = self.reach.filter(code__iexact=code).valid_on(day).first()
        if found is None:
            self.errors[key] = (
                f"Không tìm thấy đơn vị mã '{code}' còn hiệu lực ngày {day:%d/%m/%Y} trong phạm vi quản lý của đồng chí."
            )
        return found

    def codes(self, key: str) -> list[str]:
        return [c.strip() for c in self.data[key].replace(",", ";").split(";") if c.strip()]

    def run(self, *, dry_run: bool) -> Reorganisation | None:
        kind, day = self.data["kind"], self.day()
        if kind not in ReorganisationKind.values:
            self.errors["kind"] = "Chọn loại thay đổi."
        codes = self.codes("units")
        if not codes:
            self.errors["units"] = "Bắt buộc: mã đơn vị thay đổi."
        if self.errors or day is None:
            return None
        found = [self.unit("units", c, day) for c in codes]
        common: _Common = {
            "effective_on": day,
            "user": self.user,
            "decision": self.data["decision"],
            "dry_run": dry_run,
        }
        target = self.unit("target", self.data["target"], day) if self.data["target"] else None
        if self.errors:
            return None
        units = [u for u in found if u is not None]  # all of them: a code not found is an error above
        try:
            if kind == "merge":
                if self.data["new_code"]:
                    parent = (
                        self.unit("new_parent", self.data["new_parent"], day)
                        if self.data["new_parent"]
                        else units[0].parent
                    )
                    if self.errors:
                        return None
                    return do_merge_units(
                        sources=units,
                        code=self.data["new_code"],
                        name=self.data["new_name"],
                        kind=self.data["new_kind"],
                        parent=parent,
                        **common,
                    )
                return do_merge_units(sources=units, into=target, **common)
            if len(units) != 1:
                self.errors["units"] = "Chỉ một mã đơn vị cho loại thay đổi này."
                return None
            unit = units[0]
            if kind == "split":
                parts = []
                for number, line in enumerate(self.data["parts"].splitlines(), start=1):
                    if not line.strip():
                        continue
                    bits = [b.strip() for b in line.split("|")]
                    if len(bits) < 2 or not bits[0] or not bits[1]:
                        self.errors["parts"] = (
                            f"Dòng {number}: cần «mã | tên | mã các đơn vị trực thuộc nhận»."
                        )
                        return None
                    receiving = [
                        self.unit("parts", c, day)
                        for c in (bits[2] if len(bits) > 2 else "").replace(",", ";").split(";")
                        if c.strip()
                    ]
                    if self.errors:
                        return None
                    children = [u for u in receiving if u is not None]  # all of them, as above
                    parts.append(
                        SplitPart(bits[0], bits[1], self.data["new_kind"] or unit.kind, children=children)
                    )
                return do_split_unit(unit=unit, parts=parts, **common)
            if kind == "dissolve":
                return do_dissolve_unit(
                    unit=unit,
                    children_to=target,
                    members_to=target if target is not None and target.is_cell else None,
                    **common,
                )
            if kind == "move":
                if target is None:
                    self.errors["target"] = "Bắt buộc: mã đơn vị cấp trên mới."
                    return None
                return do_move_subtree(unit=unit, new_parent=target, **common)
            return do_rename_unit(unit=unit, name=self.data["new_name"], **common)
        except ValidationError as exc:
            self.errors["all"] = " ".join(exc.messages)
            return None


@require_http_methods(["GET", "POST"])
@login_required
def reorganise(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    _require(user)
    form = _Form(request.POST if request.method == "POST" else request.GET, user)
    preview = None
    status = 200
    if request.method == "POST":
        applying = request.POST.get("action") == "apply"
        result = form.run(dry_run=not applying)
        if result is None:
            status = 400
        elif applying:
            return redirect("reorganisation", pk=result.pk)
        else:
            preview = result
    context = {
        "form": form.data,
        "errors": form.errors,
        "preview": preview,
        "kinds": ReorganisationKind.choices,
        "unit_kinds": UnitKind.choices,
        "records": records_visible_to(user)[:20],
    }
    return render(request, "orgs/reorganise.html", context, status=status)


@require_GET
@login_required
def reorganisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The record of one reorganisation: read by anyone whose reach it touched (the inspector too)."""
    user: User = request.user
    try:
        record = records_visible_to(user).get(pk=pk)
    except Reorganisation.DoesNotExist:
        raise Http404("Không tìm thấy lần sắp xếp tổ chức.") from None
    return render(request, "orgs/reorganisation_detail.html", {"record": record})
