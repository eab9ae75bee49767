"""JSON API of the campaigns: cycles (scoped like the pages) and the rules contract (`POST /api/rules/check`)."""

from __future__ import annotations

import datetime
import json

from django.http import HttpRequest
from ninja import Router, Schema

from kiemdiem import rules
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


class ErrorOut(Schema):
    detail: str


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
