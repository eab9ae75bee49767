"""JSON API of the campaigns: cycles (scoped like the pages) and the rules contract (`POST /api/rules/check`)."""

from __future__ import annotations

import datetime
import json

from django.db.models import F
from django.http import HttpRequest
from ninja import Query, Router, Schema

from kiemdiem import rules
from kiemdiem.accounts.apikit import PageIn, page_of
from kiemdiem.campaigns.queries import cycles_visible_to, get_cycle_for_user


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


class CyclePage(Schema):
    count: int
    items: list[CycleOut]


class ErrorOut(Schema):
    detail: str


cycles = Router(tags=["Đợt kiểm điểm"])


@cycles.get("/", response=CyclePage)
def list_cycles(request: HttpRequest, page: Query[PageIn]):  # type: ignore[no-untyped-def]
    """The cycles covering the caller's reach: newest year first, the year's own cycle before its quarters."""
    rows = cycles_visible_to(request.user).order_by(  # type: ignore[arg-type]
        "-year", F("quarter").asc(nulls_first=True), "pk"
    )
    count, items = page_of(rows, page)
    return {"count": count, "items": items}


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
