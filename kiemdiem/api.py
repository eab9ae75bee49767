"""The JSON API (django-ninja): scoped like the pages; objects outside the user's subtree are 404."""

from __future__ import annotations

import datetime
import json

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema
from ninja.security import django_auth

from kiemdiem import rules
from kiemdiem.campaigns.queries import cycles_visible_to, get_cycle_for_user
from kiemdiem.followup import api as followup_api
from kiemdiem.imports import api as imports_api
from kiemdiem.orgs.models import Person, Unit
from kiemdiem.orgs.queries import (
    children_of,
    get_person_for_user,
    get_unit_for_user,
    subtree_counts,
    top_units_for,
)
from kiemdiem.reports import api as reports_api

api = NinjaAPI(title="kiemdiem API", version="1", urls_namespace="api", auth=django_auth)


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    valid_from: datetime.date
    valid_to: datetime.date | None
    descendant_units: int
    party_members: int


class PersonOut(Schema):
    id: int
    code: str
    full_name: str
    is_party_member: bool
    admitted_on: datetime.date | None
    membership: str
    is_exempt: bool
    is_suspended: bool
    home_cell_id: int | None
    temporary_cell_id: int | None
    management_tier: str


class CycleOut(Schema):
    id: int
    unit_id: int
    year: int
    quarter: int | None
    regime: str
    state: str
    review_deadline: datetime.date
    dossier_deadline: datetime.date | None
    report_deadline: datetime.date


class ErrorOut(Schema):
    detail: str


def _unit_out(unit: Unit, counts: dict[str, int]) -> UnitOut:
    return UnitOut(
        id=unit.pk,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        kind_label=unit.get_kind_display(),
        parent_id=unit.parent_id,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        descendant_units=counts["units"],
        party_members=counts["members"],
    )


units = Router(tags=["Đơn vị"])


@units.get("/", response=list[UnitOut])
def list_top_units(request: HttpRequest) -> list[UnitOut]:
    tops = list(top_units_for(request.user))  # type: ignore[arg-type]
    counts = subtree_counts(tops)
    return [_unit_out(u, counts[u.pk]) for u in tops]


@units.get("/{int:unit_id}", response={200: UnitOut, 404: ErrorOut})
def get_unit(request: HttpRequest, unit_id: int) -> UnitOut:
    unit = get_unit_for_user(request.user, unit_id)  # type: ignore[arg-type]
    return _unit_out(unit, subtree_counts([unit])[unit.pk])


@units.get("/{int:unit_id}/children", response={200: list[UnitOut], 404: ErrorOut})
def list_children(request: HttpRequest, unit_id: int) -> list[UnitOut]:
    unit = get_unit_for_user(request.user, unit_id)  # type: ignore[arg-type]
    children = list(children_of(unit))
    counts = subtree_counts(children)
    return [_unit_out(c, counts[c.pk]) for c in children]


persons = Router(tags=["Cá nhân"])


@persons.get("/{int:person_id}", response={200: PersonOut, 404: ErrorOut})
def get_person(request: HttpRequest, person_id: int) -> Person:
    return get_person_for_user(request.user, person_id)  # type: ignore[arg-type]


cycles = Router(tags=["Đợt kiểm điểm"])


@cycles.get("/", response=list[CycleOut])
def list_cycles(request: HttpRequest) -> list:  # type: ignore[type-arg]
    return list(cycles_visible_to(request.user))  # type: ignore[arg-type]


@cycles.get("/{int:cycle_id}", response={200: CycleOut, 404: ErrorOut})
def get_cycle(request: HttpRequest, cycle_id: int):  # type: ignore[no-untyped-def]
    return get_cycle_for_user(request.user, cycle_id)  # type: ignore[arg-type]


rules_router = Router(tags=["Quy tắc"])


@rules_router.post("/check", auth=None, response={200: dict, 400: ErrorOut})
def check_rules(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Check a scenario against the rules of its year (the contract of `kiemdiem rules check`).

    It reads nothing from the database, so it needs no login: the answer depends only on the body.
    """
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return 400, {"detail": f"Lỗi dữ liệu vào: JSON không hợp lệ ({exc})."}
    try:
        return 200, rules.check_json(data)
    except rules.BadInput as exc:
        return 400, {"detail": f"Lỗi dữ liệu vào: {exc}"}


api.add_router("/units", units)
api.add_router("/persons", persons)
api.add_router("/cycles", cycles)
api.add_router("/rules", rules_router)
api.add_router("/followup", followup_api.router)
api.add_router("/reports", reports_api.router)
api.add_router("/imports", imports_api.router)
