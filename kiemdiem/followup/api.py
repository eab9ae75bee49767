"""JSON API of the followup app; mounted in kiemdiem/api.py at /api/followup."""

from __future__ import annotations

import datetime

from ninja import Router, Schema

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.campaigns.queries import (
    get_cycle_and_unit_for_user,
    get_evaluation_for_user,
)
from kiemdiem.followup import queries

router = Router(tags=["Theo dõi sau kiểm điểm"])


class ErrorOut(Schema):
    detail: str


class SuggestionItemOut(Schema):
    number: int
    content: str
    answered: bool


class SuggestionOut(Schema):
    id: int
    issuing_unit: str
    issued_on: datetime.date
    attendee: str | None
    concluded: bool
    items: list[SuggestionItemOut]


class RemediationItemOut(Schema):
    number: int
    shortcoming: str
    owner: str
    due_on: datetime.date
    status: str


class FlagOut(Schema):
    code: str
    message: str
    citation: str


class FollowupOut(Schema):
    evaluation_id: int
    suggestions: list[SuggestionOut]
    missing_answers: list[str]
    previous_items: list[RemediationItemOut]
    remediation_pct: float | None
    plan: list[RemediationItemOut]
    degradation_concluded: bool
    history: list[tuple[int, str]]
    flags: list[FlagOut]
    text_warnings: list[str]


def _item(i) -> RemediationItemOut:
    return RemediationItemOut(
        number=i.number, shortcoming=i.shortcoming, owner=i.owner, due_on=i.due_on, status=i.status
    )


@router.get("/evaluations/{int:evaluation_id}", response={200: FollowupOut, 404: ErrorOut})
def get_followup(request: AuthenticatedHttpRequest, evaluation_id: int) -> FollowupOut:
    """Suggestions, last year's remediation, this year's plan, years in a row and text checks of one evaluation."""
    ev = get_evaluation_for_user(request.user, evaluation_id)
    p = queries.panel_for(request.user, ev)
    return FollowupOut(
        evaluation_id=ev.pk,
        suggestions=[
            SuggestionOut(
                id=e["s"].pk,
                issuing_unit=e["s"].issuing_unit.name,
                issued_on=e["s"].issued_on,
                attendee=str(e["s"].attendee) if e["s"].attendee_id else None,
                concluded=bool(e["s"].conclusion),
                items=[
                    SuggestionItemOut(number=i.number, content=i.content, answered=bool(i.answer))
                    for i in e["items"]
                ],
            )
            for e in p["suggestions"]
        ],
        missing_answers=p["missing_answers"],
        previous_items=[_item(i) for i in p["prev_items"]],
        remediation_pct=p["prev_pct"],
        plan=[_item(i) for i in p["plan"]],
        degradation_concluded=bool(p["conclusions"]),
        history=p["history"],
        flags=[FlagOut(code=f.code, message=f.message, citation=f.citation) for f in p["flags"]],
        text_warnings=p["text_warnings"],
    )


class StatusCountOut(Schema):
    status: str
    count: int


class TrackingOut(Schema):
    cycle_id: int
    unit_id: int
    remediation: list[StatusCountOut]
    overdue_items: int
    suggestions: int
    suggestions_unconcluded: int
    pending_rereviews: int
    kht_two_years: list[str]
    htxs_five_years: list[str]


@router.get("/cycles/{int:cycle_id}/units/{int:unit_id}", response={200: TrackingOut, 404: ErrorOut})
def get_tracking(request: AuthenticatedHttpRequest, cycle_id: int, unit_id: int) -> TrackingOut:
    """The upper committee's follow-up of a subtree for one cycle, as counts."""
    cycle, unit = get_cycle_and_unit_for_user(request.user, cycle_id, unit_id)
    t = queries.tracking(request.user, cycle, unit)
    return TrackingOut(
        cycle_id=cycle.pk,
        unit_id=unit.pk,
        remediation=[StatusCountOut(status=label, count=n) for label, n in t["by_status"]],
        overdue_items=len(t["overdue"]),
        suggestions=len(t["suggestions"]),
        suggestions_unconcluded=sum(1 for s in t["suggestions"] if not s.conclusion),
        pending_rereviews=len(t["rereviews"]),
        kht_two_years=[r["person__full_name"] for r in t["repeated"]["kht_two"]],
        htxs_five_years=[r["person__full_name"] for r in t["repeated"]["htxs_five"]],
    )
