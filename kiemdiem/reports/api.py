"""JSON API of the reports app (mounted at /api/reports): statistics, evaluations and reports sent upward.

Scoped like the pages: a cycle or unit outside the user's reach is a 404, with nothing about it in the answer.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Cycle
from kiemdiem.campaigns.queries import get_cycle_and_unit_for_user
from kiemdiem.orgs.models import Unit
from kiemdiem.reports.actions import do_submit_report
from kiemdiem.reports.queries import (
    get_submission_for_user,
    rating_list,
    statistics,
    subject_name,
    submission_status,
)

router = Router(tags=["Báo cáo, thống kê"])
MAX_ID = 2**31 - 1  # a PostgreSQL integer: a bigger id is a 422, not a database error


class ErrorOut(Schema):
    detail: str


class ScopeIn(Schema):
    cycle: int = Field(..., ge=1, le=MAX_ID, description="mã đợt kiểm điểm")
    unit: int = Field(..., ge=1, le=MAX_ID, description="mã đơn vị (báo cáo cả cây đơn vị bên dưới)")


class PageIn(ScopeIn):
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0, le=10_000_000)


class StatRowOut(Schema):
    key: str
    label: str
    is_subtotal: bool
    total: int
    pending: int
    not_rated: int
    rated: int
    HTXS: int
    HTT: int
    HT: int
    KHT: int
    pct_HTXS: float | None
    pct_HTT: float | None
    pct_HT: float | None
    pct_KHT: float | None
    pct_good_or_better: float | None
    ratio_xs_over_t: float | None
    ratio_xs_over_good: float | None


class ReasonOut(Schema):
    reason: str
    n: int


class FormOut(Schema):
    code: str
    sheet: str
    title: str
    subject_type: str
    subject_label: str
    rows: list[StatRowOut]
    total: StatRowOut
    not_rated_reasons: list[ReasonOut]


class ChildOut(Schema):
    id: int
    name: str
    kind: str
    is_own: bool
    total: int
    to_rate: int
    decided: int
    not_rated: int
    pct_decided: float
    totals: dict[str, StatRowOut]


class StatisticsOut(Schema):
    version: int
    cycle: dict[str, Any]
    unit: dict[str, Any]
    computed_at: str
    forms: list[FormOut]
    children: list[ChildOut]
    progress: dict[str, Any]
    compliance: dict[str, Any]


class EvaluationOut(Schema):
    id: int
    subject_type: str
    subject_name: str
    unit_id: int
    unit_code: str
    unit_name: str
    person_code: str | None
    role: str
    state: str
    decided_rating: str
    not_rated_reason: str
    decided_on: datetime.date | None
    deciding_unit: str | None


class EvaluationPageOut(Schema):
    count: int
    items: list[EvaluationOut]


class SubmissionOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    cycle_id: int
    number: str
    submitted_at: datetime.datetime
    submitted_by: str
    is_current: bool
    is_late: bool
    superseded_by_id: int | None


class SubmissionDetailOut(SubmissionOut):
    figures: dict[str, Any]


class SubmissionStatusOut(Schema):
    unit_id: int
    unit_name: str
    status: str
    label: str
    overdue: bool
    submission: SubmissionOut | None


class SubmitIn(Schema):
    cycle: int = Field(..., ge=1, le=MAX_ID)
    unit: int = Field(..., ge=1, le=MAX_ID)
    number: str = Field("", max_length=40, pattern=r"^[^\x00]*$")
    note: str = Field("", max_length=4000, pattern=r"^[^\x00]*$")


def _scope(request: AuthenticatedHttpRequest, cycle_id: int, unit_id: int) -> tuple[Cycle, Unit]:
    return get_cycle_and_unit_for_user(request.user, cycle_id, unit_id)


def _submission_out(sub) -> dict[str, Any]:
    return {
        "id": sub.pk,
        "unit_id": sub.unit_id,
        "unit_name": sub.unit.name,
        "cycle_id": sub.cycle_id,
        "number": sub.number,
        "submitted_at": sub.submitted_at,
        "submitted_by": str(sub.submitted_by),
        "is_current": sub.is_current,
        "is_late": sub.is_late,
        "superseded_by_id": sub.superseded_by_id,
    }


@router.get("/statistics", response={200: StatisticsOut, 404: ErrorOut})
def get_statistics(request: AuthenticatedHttpRequest, params: Query[ScopeIn]):
    """Counts and percentages per rating level for each subject type, rolled up under each child unit."""
    cycle, unit = _scope(request, params.cycle, params.unit)
    return statistics(cycle, unit)


@router.get("/evaluations", response={200: EvaluationPageOut, 404: ErrorOut})
def list_evaluations(request: AuthenticatedHttpRequest, params: Query[PageIn]):
    """Every subject of the unit's subtree with its decided rating, in tree order."""
    cycle, unit = _scope(request, params.cycle, params.unit)
    rows = rating_list(cycle, unit)
    items = [
        {
            "id": r["id"],
            "subject_type": r["subject_type"],
            "subject_name": subject_name(r),
            "unit_id": r["unit_id"],
            "unit_code": r["unit__code"],
            "unit_name": r["unit__name"],
            "person_code": r["person__code"],
            "role": r["role"],
            "state": r["state"],
            "decided_rating": r["decided_rating"],
            "not_rated_reason": r["not_rated_reason"],
            "decided_on": r["decided_on"],
            "deciding_unit": r["deciding_unit__name"],
        }
        for r in rows[params.offset : params.offset + params.limit]
    ]
    return {"count": rows.count(), "items": items}


class SubmissionStatusPage(Schema):
    count: int
    items: list[SubmissionStatusOut]


@router.get("/submissions", response={200: SubmissionStatusPage, 404: ErrorOut})
def list_submission_status(request: AuthenticatedHttpRequest, params: Query[PageIn]):
    """The party organisations directly under the unit: submitted, late or missing (paginated: limit, offset)."""
    cycle, unit = _scope(request, params.cycle, params.unit)
    rows = submission_status(cycle, unit)
    items = [
        {
            "unit_id": s["unit"].pk,
            "unit_name": s["unit"].name,
            "status": s["status"],
            "label": s["label"],
            "overdue": s["overdue"],
            "submission": _submission_out(s["submission"]) if s["submission"] else None,
        }
        for s in rows[params.offset : params.offset + params.limit]
    ]
    return {"count": len(rows), "items": items}


@router.get("/submissions/{int:submission_id}", response={200: SubmissionDetailOut, 404: ErrorOut})
def get_submission(request: AuthenticatedHttpRequest, submission_id: int):
    """A submitted report: its frozen figures exactly as they were sent."""
    if submission_id > MAX_ID:
        raise Http404("Không tìm thấy báo cáo.")
    sub = get_submission_for_user(request.user, submission_id)
    return {**_submission_out(sub), "figures": sub.figures}


@router.post("/submissions", response={201: SubmissionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def submit_report(request: AuthenticatedHttpRequest, data: SubmitIn):
    """Lock the unit's figures for the cycle and send them up (a new submission supersedes the last)."""
    cycle, unit = _scope(request, data.cycle, data.unit)
    try:
        sub = do_submit_report(user=request.user, cycle=cycle, unit=unit, number=data.number, note=data.note)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except ActionError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201, _submission_out(sub))
