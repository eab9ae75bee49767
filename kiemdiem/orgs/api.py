"""JSON API of the tree: units and people, scoped like the pages (outside the user's subtree: 404)."""

from __future__ import annotations

import datetime

from ninja import Field, Query, Router, Schema

from kiemdiem.accounts.apikit import ApiError, PageIn, page_of
from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.orgs.models import Person, Unit
from kiemdiem.orgs.queries import (
    children_of,
    get_person_for_user,
    get_unit_for_user,
    search_persons,
    search_units,
    subtree_counts,
    top_units_for,
)


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


class UnitPage(Schema):
    count: int
    items: list[UnitOut]


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class UnitSearchIn(Schema):
    q: str = Field("", max_length=100, description="tìm theo tên (không phân biệt dấu, hoa thường) hoặc mã")


class PersonSearchIn(Schema):
    q: str = Field(
        "", max_length=100, description="tìm theo họ tên (không phân biệt dấu, hoa thường) hoặc mã"
    )
    unit_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="chỉ người sinh hoạt trong cây của đơn vị này"
    )


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


def _unit_page(rows, page: PageIn) -> dict[str, object]:
    count, items = page_of(rows, page)
    counts = subtree_counts(items)
    return {"count": count, "items": [_unit_out(u, counts[u.pk]) for u in items]}


@units.get("/", response=UnitPage)
def list_units(request: AuthenticatedHttpRequest, search: Query[UnitSearchIn], page: Query[PageIn]):
    """The units at the top of the caller's reach; with `q`, every unit of the reach that matches, by name."""
    if search.q.strip():
        return _unit_page(search_units(request.user, search.q), page)
    return _unit_page(top_units_for(request.user).order_by("sort_key", "pk"), page)


@units.get("/{int:unit_id}", response={200: UnitOut, 404: ApiError})
def get_unit(request: AuthenticatedHttpRequest, unit_id: int) -> UnitOut:
    unit = get_unit_for_user(request.user, unit_id)
    return _unit_out(unit, subtree_counts([unit])[unit.pk])


@units.get("/{int:unit_id}/children", response={200: UnitPage, 404: ApiError})
def list_children(request: AuthenticatedHttpRequest, unit_id: int, page: Query[PageIn]):
    """The units directly under it, by name in Vietnamese order."""
    unit = get_unit_for_user(request.user, unit_id)
    return _unit_page(children_of(unit).order_by("sort_key", "pk"), page)


persons = Router(tags=["Cá nhân"])


@persons.get("/", response={200: PersonPage, 404: ApiError})
def list_persons(request: AuthenticatedHttpRequest, search: Query[PersonSearchIn], page: Query[PageIn]):
    """The people of the caller's reach (or of one unit's tree), as a roster sorts them: by given name, then family
    and middle names, in Vietnamese order. `q` finds "Vũ Thanh Vân" from "vu thanh van" or "VŨ THANH VÂN"."""
    unit = get_unit_for_user(request.user, search.unit_id) if search.unit_id else None
    count, items = page_of(search_persons(request.user, search.q, unit=unit), page)
    return {"count": count, "items": items}


@persons.get("/{int:person_id}", response={200: PersonOut, 404: ApiError})
def get_person(request: AuthenticatedHttpRequest, person_id: int) -> Person:
    return get_person_for_user(request.user, person_id)
