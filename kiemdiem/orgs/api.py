"""JSON API of the tree: units and people, scoped like the pages (outside the user's subtree: 404)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from kiemdiem.orgs.models import Person, Unit
from kiemdiem.orgs.queries import (
    children_of,
    get_person_for_user,
    get_unit_for_user,
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
