"""JSON API of the campaigns: cycles (scoped like the pages) and the rules contract (`POST /api/rules/check`)."""

from __future__ import annotations

import datetime
import os

from django.db.models import F
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.throttling import AnonRateThrottle

from kiemdiem import rules
from kiemdiem.accounts.apikit import PageIn, page_of
from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.campaigns.queries import cycles_visible_to, get_cycle_for_user
from kiemdiem.rules import formula as rules_formula
from kiemdiem.rules import parse as rules_parse
from kiemdiem.vietnamese import format_number


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
def list_cycles(request: AuthenticatedHttpRequest, page: Query[PageIn]):
    """The cycles covering the caller's reach: newest year first, the year's own cycle before its quarters."""
    rows = cycles_visible_to(request.user).order_by("-year", F("quarter").asc(nulls_first=True), "pk")
    count, items = page_of(rows, page)
    return {"count": count, "items": items}


@cycles.get("/{int:cycle_id}", response={200: CycleOut, 404: ErrorOut})
def get_cycle(request: AuthenticatedHttpRequest, cycle_id: int):
    return get_cycle_for_user(request.user, cycle_id)


rules_router = Router(tags=["Quy tắc"])


class AnonymousCallerThrottle(AnonRateThrottle):
    """Callers without a login: so many checks a minute per address (per server process); logged-in users are not
    counted. The rate is KIEMDIEM_RULES_ANON_RATE ("60/m" unless set)."""

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": "rules-check", "ident": self.get_ident(request)}


RULES_ANON_RATE = os.environ.get("KIEMDIEM_RULES_ANON_RATE", "60/m")


@rules_router.post(
    "/check",
    auth=None,
    response={200: dict, 400: ErrorOut, 413: ErrorOut},
    throttle=[AnonymousCallerThrottle(RULES_ANON_RATE)],
)
def check_rules(request: HttpRequest):
    """Check a scenario against the rules of its year (the contract of `kiemdiem rules check`).

    It reads nothing from the database, so it needs no login: the answer depends only on the body. The body is
    at most 2 MB (413 above); deep nesting, huge numbers and years the calendar cannot hold are a 400 naming what
    is wrong, as the command line's exit 2; callers without a login are throttled (429).
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > rules_parse.MAX_INPUT_BYTES:
        limit = format_number(rules_parse.MAX_INPUT_BYTES)
        return Status(413, {"detail": f"Lỗi dữ liệu vào: nội dung gửi lên vượt giới hạn {limit} byte."})
    try:
        return Status(200, rules.check_json(rules_parse.load_json(request.body)))
    except rules.BadInput as exc:
        return Status(400, {"detail": f"Lỗi dữ liệu vào: {exc}"})


@rules_router.post(
    "/formula",
    auth=None,
    response={200: dict, 400: ErrorOut, 413: ErrorOut},
    throttle=[AnonymousCallerThrottle(RULES_ANON_RATE)],
)
def derive_formula(request: HttpRequest):
    """Points of the results items from the task register's percentages under a province's formula (HD 43 tiết
    7.12): the contract of `kiemdiem rules formula`, the same function the self-review page calls.

    Body: `{"facts": {"task_completion_pct", "tasks_overdue_pct", "tasks_exceeded_pct"}, "items": [{"code",
    "max_points", "formula"}]}`; reads nothing from the database, so it needs no login (throttled like /check).
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > rules_parse.MAX_INPUT_BYTES:
        limit = f"{rules_parse.MAX_INPUT_BYTES:,}".replace(",", ".")
        return Status(413, {"detail": f"Lỗi dữ liệu vào: nội dung gửi lên vượt giới hạn {limit} byte."})
    try:
        return Status(200, rules_formula.derive_json(rules_parse.load_json(request.body)))
    except rules.BadInput as exc:
        return Status(400, {"detail": f"Lỗi dữ liệu vào: {exc}"})
