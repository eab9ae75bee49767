"""State changes of the follow-up: suggestions, remediation plans, breakthrough tasks, degradation, notices."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns import actions as campaign_actions
from kiemdiem.campaigns.models import FACT_FIELDS, Evaluation, EvaluationState, Order, OrderKind
from kiemdiem.campaigns.permissions import can_propose, deciding_unit_for, require
from kiemdiem.errors import ActionError
from kiemdiem.followup import permissions as perms
from kiemdiem.followup.models import (
    BreakthroughResult,
    BreakthroughTask,
    DegradationConclusion,
    Notice,
    RemediationItem,
    RemediationStatus,
    ResponsibleBoard,
    SignRelation,
    Suggestion,
    SuggestionItem,
)
from kiemdiem.followup.queries import previous_evaluation, remediation_pct
from kiemdiem.followup.signs import SIGN_CODES
from kiemdiem.orgs.queries import scope_roots
from kiemdiem.text import clean_text


def _text(value: object, label: str, *, limit: int = 4000, required: bool = False) -> str:
    return clean_text(value, label, limit, required=required)


def _date(value: object, label: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    raw = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ActionError(f"{label}: “{raw}” không đúng dạng ngày/tháng/năm.")


def _evaluation_url(ev: Evaluation) -> str:
    return reverse("evaluation", args=[ev.pk])


# -- Notices ------------------------------------------------------------------------------------------------------


def do_notify(
    *, user: User, key: str, text: str, url: str = "", due_on: datetime.date | None = None
) -> Notice:
    """Leave an in-app notice once per (user, key); the daily digest mails the unread ones."""
    notice, _ = Notice.objects.get_or_create(
        user=user, key=key[:80], defaults={"text": text[:500], "url": url[:200], "due_on": due_on}
    )
    return notice


@transaction.atomic
def do_mark_notices_read(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def _subject_users(ev: Evaluation) -> list[User]:
    """Who writes the subject's self-review: the person's own account, else the recorders of its unit."""
    if ev.person_id:
        own = list(User.objects.filter(person_id=ev.person_id, is_active=True))
        if own:
            return own
    return list(
        User.objects.filter(
            unit_id=ev.unit_id,
            is_active=True,
            api_key__isnull=True,  # an API key's own account reads no notices
            role__in=[UserRole.CELL_SECRETARY, UserRole.DISTRICT_OFFICER, UserRole.PROVINCE_ADMIN],
        )
    )


def notify_order(order: Order) -> None:
    """A re-review or re-rating order reaches the subject, the secretary of its unit and the deciding body."""
    ev = order.evaluation
    deciding = deciding_unit_for(ev)
    recorders = User.objects.filter(
        is_active=True,
        unit_id__in={ev.unit_id, deciding.pk},
        role__in=[UserRole.CELL_SECRETARY, UserRole.DISTRICT_OFFICER, UserRole.PROVINCE_ADMIN],
    )
    targets = {u.pk: u for u in [*_subject_users(ev), *recorders] if u.pk != order.ordered_by_id}
    label = OrderKind(order.kind).label.lower()
    for target in targets.values():
        do_notify(
            user=target,
            key=f"order-{order.pk}",
            text=f"{order.ordered_by} yêu cầu {label} đối với {ev.subject_name} ({ev.capacity}), "
            f"{ev.cycle.period}: {order.reason}",
            url=_evaluation_url(ev),
            due_on=ev.cycle.review_deadline,
        )


# -- Review suggestions (gợi ý kiểm điểm, CV 854 mục 2(4)) ----------------------------------------------------------


@transaction.atomic
def do_issue_suggestion(
    *,
    user: User,
    evaluation: Evaluation,
    items: list[str],
    attendee: User | None = None,
    issued_on: datetime.date | None = None,
    reference: str = "",
) -> Suggestion:
    """The upper committee's suggestion, point by point, with the standing-committee member who attends."""
    require(
        perms.can_issue_suggestion(user, evaluation),
        "Chỉ cấp ủy cấp trên quản lý đối tượng mới được gợi ý kiểm điểm.",
    )
    ev = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cycle", "unit")
        .get(pk=evaluation.pk)
    )
    if ev.state_at_least(EvaluationState.REVIEWED):
        raise ActionError(
            f"“{ev.subject_name}” đã kiểm điểm tại hội nghị; gợi ý phải gửi trước khi kiểm điểm."
        )
    contents = [_text(c, f"Nội dung gợi ý số {n}") for n, c in enumerate(items, start=1)]
    contents = [c for c in contents if c]
    if not contents:
        raise ActionError("Gợi ý kiểm điểm phải có ít nhất một nội dung cụ thể.")
    if attendee is not None:
        covered = scope_roots(attendee) or []
        if attendee.role != UserRole.STANDING_MEMBER or not any(
            ev.unit.path.startswith(r.path) for r in covered
        ):
            raise ActionError(
                f"Đồng chí {attendee} không phải ủy viên Ban Thường vụ được phân công phụ trách "
                f"{ev.unit.name}; không thể phân công dự, chỉ đạo kiểm điểm."
            )
    suggestion = Suggestion.objects.create(
        evaluation=ev,
        issuing_unit=user.unit if user.unit is not None else ev.cycle.unit,
        issued_by=user,
        issued_on=issued_on or timezone.localdate(),
        reference=_text(reference, "Số văn bản", limit=60),
        attendee=attendee,
    )
    SuggestionItem.objects.bulk_create(
        [SuggestionItem(suggestion=suggestion, number=n, content=c) for n, c in enumerate(contents, start=1)]
    )
    url = _evaluation_url(ev)
    for target in _subject_users(ev):
        do_notify(
            user=target,
            key=f"suggestion-{suggestion.pk}",
            text=f"{suggestion.issuing_unit} gợi ý kiểm điểm {len(contents)} nội dung đối với {ev.subject_name}; "
            f"bản tự kiểm điểm phải giải trình từng nội dung.",
            url=url,
            due_on=ev.cycle.review_deadline,
        )
    if attendee is not None:
        do_notify(
            user=attendee,
            key=f"suggestion-attend-{suggestion.pk}",
            text=f"Đồng chí được phân công dự và chỉ đạo kiểm điểm {ev.subject_name} ({ev.unit.name}).",
            url=url,
            due_on=ev.cycle.review_deadline,
        )
    return suggestion


@transaction.atomic
def do_answer_suggestions(*, user: User, evaluation: Evaluation, answers: dict[int, str]) -> int:
    """The self-review's answers to the suggestion's points (mục IV of the form); return how many were saved."""
    require(perms.can_answer(user, evaluation), "Đồng chí không có quyền giải trình gợi ý kiểm điểm này.")
    ev = Evaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
    if ev.state_at_least(EvaluationState.REVIEWED):
        raise ActionError("Bản tự kiểm điểm đã được đưa ra hội nghị; không sửa được phần giải trình gợi ý.")
    items = {i.pk: i for i in SuggestionItem.objects.filter(suggestion__evaluation=ev, pk__in=list(answers))}
    unknown = set(answers) - set(items)
    if unknown:
        raise ActionError("Nội dung gợi ý không thuộc đối tượng này.")
    now = timezone.now()
    for pk, raw in answers.items():
        item = items[pk]
        item.answer = _text(raw, f"Giải trình nội dung gợi ý số {item.number}", limit=20000)
        item.answered_at = now if item.answer else None
    SuggestionItem.objects.bulk_update(items.values(), ["answer", "answered_at"])
    return len(items)


@transaction.atomic
def do_record_suggestion_conclusion(*, user: User, suggestion: Suggestion, conclusion: str) -> Suggestion:
    """The assigned standing-committee member's conclusion of the review meeting."""
    require(
        perms.can_conclude_suggestion(user, suggestion),
        "Chỉ đồng chí được phân công dự, chỉ đạo kiểm điểm mới ghi kết luận.",
    )
    s = Suggestion.objects.select_for_update().select_related("evaluation").get(pk=suggestion.pk)
    if not s.evaluation.state_at_least(EvaluationState.SELF_REVIEWED):
        raise ActionError(f"“{s.evaluation.subject_name}” chưa nộp bản tự kiểm điểm; chưa thể kết luận.")
    s.conclusion = _text(conclusion, "Kết luận", limit=20000, required=True)
    s.concluded_by = user
    s.concluded_at = timezone.now()
    s.save()
    return s


# -- Remediation plans (kế hoạch khắc phục) -----------------------------------------------------------------------


@transaction.atomic
def do_add_remediation_items(
    *, user: User, evaluation: Evaluation, items: Sequence[Mapping[str, object]]
) -> int:
    """Add items to the plan made after the decision: all saved or none; the error names the row."""
    require(
        perms.can_plan(user, evaluation), "Đồng chí không có quyền lập kế hoạch khắc phục cho đối tượng này."
    )
    ev = Evaluation.objects.select_for_update(of=("self",)).get(pk=evaluation.pk)
    if ev.state != EvaluationState.DECIDED:
        raise ActionError(
            f"“{ev.subject_name}” chưa có quyết định xếp loại; kế hoạch khắc phục lập sau khi có quyết định."
        )
    if not items:
        raise ActionError("Kế hoạch khắc phục phải có ít nhất một nội dung.")
    start = (
        RemediationItem.objects.filter(evaluation=ev)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    ) or 0
    new = []
    for n, raw in enumerate(items, start=1):
        try:
            shortcoming = _text(raw.get("shortcoming"), "Hạn chế, khuyết điểm", required=True)
            owner = _text(raw.get("owner"), "Người chịu trách nhiệm", limit=160, required=True)
            if not raw.get("due_on"):
                raise ActionError("Thời hạn: chưa nhập.")
            due = _date(raw.get("due_on"), "Thời hạn")
            if ev.decided_on and due < ev.decided_on:
                raise ActionError(
                    f"Thời hạn {due:%d/%m/%Y} trước ngày quyết định xếp loại {ev.decided_on:%d/%m/%Y}."
                )
            measure = _text(raw.get("measure"), "Giải pháp khắc phục")
        except ActionError as exc:
            raise ActionError(f"Dòng {n}: {exc}") from exc
        new.append(
            RemediationItem(
                evaluation=ev,
                number=start + n,
                shortcoming=shortcoming,
                measure=measure,
                owner=owner,
                due_on=due,
                created_by=user,
            )
        )
    RemediationItem.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def do_assess_remediation(
    *, user: User, evaluation: Evaluation, outcomes: dict[int, tuple[str, str]]
) -> float | None:
    """Mark each of last period's items remedied, partly or not, in this period's self-review.

    When the user may record the rating facts (the secretary, the committee's office), the share remedied also
    goes to the facts the rules read (`remediation_pct`: QĐ 366 Đ11 requires 100% for HTXS). A member's own marks
    wait for that confirmation.
    """
    require(
        perms.can_assess(user, evaluation),
        "Đồng chí không có quyền đánh giá kết quả khắc phục của đối tượng này.",
    )
    previous = previous_evaluation(evaluation)
    if previous is None:
        raise ActionError("Đối tượng không có kế hoạch khắc phục của kỳ trước.")
    items = {i.pk: i for i in RemediationItem.objects.select_for_update().filter(evaluation=previous)}
    for pk, (status, note) in outcomes.items():
        item = items.get(pk)
        if item is None:
            raise ActionError("Nội dung khắc phục không thuộc kế hoạch kỳ trước của đối tượng này.")
        if status not in RemediationStatus.values:
            raise ActionError(f"Nội dung số {item.number}: kết quả “{status}” không hợp lệ.")
        item.status = status
        item.outcome_note = _text(note, f"Ghi chú nội dung số {item.number}")
        item.assessed_in = evaluation
        item.assessed_by = user
    RemediationItem.objects.bulk_update(
        items.values(), ["status", "outcome_note", "assessed_in", "assessed_by"]
    )
    pct = remediation_pct(previous)
    if pct is not None and can_propose(user, evaluation):
        do_sync_remediation_fact(user=user, evaluation=evaluation, pct=pct)
    return pct


def _known_facts(ev: Evaluation) -> dict[str, object]:
    return {k: v for k, v in (ev.facts or {}).items() if k in FACT_FIELDS}


def do_sync_remediation_fact(*, user: User, evaluation: Evaluation, pct: float) -> Evaluation:
    """Write the share remedied into the facts the rules read, through the campaign's own action."""
    ev = Evaluation.objects.get(pk=evaluation.pk)
    facts = _known_facts(ev)
    if facts.get("remediation_pct") == pct:
        return ev
    facts["remediation_pct"] = pct
    return campaign_actions.do_update_facts(user=user, evaluation=ev, facts=facts)


# -- Signs of degradation --------------------------------------------------------------------------------------------


@transaction.atomic
def do_relate_signs(*, user: User, evaluation: Evaluation, relations: dict[str, tuple[bool, str]]) -> int:
    """The person's own relating to the 27 signs (tự liên hệ): self-identification, never a conclusion."""
    require(perms.can_relate_signs(user, evaluation), "Đồng chí không có quyền nhập phần tự liên hệ này.")
    if evaluation.state_at_least(EvaluationState.REVIEWED):
        raise ActionError("Bản tự kiểm điểm đã được đưa ra hội nghị; không sửa được phần tự liên hệ.")
    unknown = set(relations) - SIGN_CODES
    if unknown:
        raise ActionError(f"Biểu hiện không có trong danh mục 27 biểu hiện: {', '.join(sorted(unknown))}.")
    rows = []
    for code, (has_sign, note) in sorted(relations.items()):
        text = _text(note, f"Giải thích biểu hiện {code}")
        if has_sign and not text:
            raise ActionError(
                f"Biểu hiện {code}: đã tự nhận có biểu hiện thì cần nêu rõ mức độ, nguyên nhân."
            )
        rows.append(SignRelation(evaluation=evaluation, code=code, has_sign=has_sign, note=text))
    SignRelation.objects.filter(evaluation=evaluation, code__in=list(relations)).delete()
    SignRelation.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def do_record_degradation_conclusion(
    *,
    user: User,
    evaluation: Evaluation,
    body: str,
    reference: str,
    concluded_on: object,
    signs: list[str] | None = None,
    summary: str = "",
) -> DegradationConclusion:
    """Record a competent body's conclusion of degradation; it becomes the fact `degradation_concluded`."""
    require(
        can_propose(user, evaluation),
        "Đồng chí không có quyền ghi kết luận của cấp có thẩm quyền đối với đối tượng này.",
    )
    codes = sorted(set(signs or []))
    unknown = set(codes) - SIGN_CODES
    if unknown:
        raise ActionError(f"Biểu hiện không có trong danh mục 27 biểu hiện: {', '.join(unknown)}.")
    conclusion = DegradationConclusion.objects.create(
        evaluation=evaluation,
        body=_text(body, "Cấp có thẩm quyền kết luận", limit=255, required=True),
        reference=_text(reference, "Số văn bản kết luận", limit=60, required=True),
        concluded_on=_date(concluded_on, "Ngày kết luận"),
        signs=codes,
        summary=_text(summary, "Nội dung kết luận", limit=20000),
        recorded_by=user,
    )
    ev = Evaluation.objects.get(pk=evaluation.pk)
    facts = _known_facts(ev)
    if facts.get("degradation_concluded") is not True:
        facts["degradation_concluded"] = True
        campaign_actions.do_update_facts(user=user, evaluation=ev, facts=facts)
    return conclusion


# -- Breakthrough tasks (việc đột phá, đổi mới; QĐ 03-QĐ/TU, CV 854 mục 2(7)) ---------------------------------------


@transaction.atomic
def do_assign_breakthrough(
    *,
    user: User,
    evaluation: Evaluation,
    title: str,
    expected_result: str,
    board: str,
    assigned_on: datetime.date | None = None,
) -> BreakthroughTask:
    """Assign a breakthrough task to a leader the provincial standing committee manages."""
    require(
        perms.can_manage_breakthrough(user, evaluation),
        "Chỉ Ban Tổ chức Tỉnh ủy giao việc đột phá, đổi mới cho cán bộ diện Ban Thường vụ Tỉnh ủy quản lý.",
    )
    if not perms.is_province_cadre(evaluation):
        raise ActionError(
            f"“{evaluation.subject_name}” không phải cán bộ lãnh đạo, quản lý diện Ban Thường vụ Tỉnh ủy quản lý; "
            "việc đột phá, đổi mới chỉ giao cho các chức danh này (QĐ 03-QĐ/TU)."
        )
    if board not in ResponsibleBoard.values:
        raise ActionError(f"Cơ quan theo dõi “{board}” không hợp lệ.")
    return BreakthroughTask.objects.create(
        evaluation=evaluation,
        title=_text(title, "Việc đột phá, đổi mới", limit=255, required=True),
        expected_result=_text(expected_result, "Kết quả dự kiến", required=True),
        board=board,
        assigned_by=user,
        assigned_on=assigned_on or timezone.localdate(),
    )


@transaction.atomic
def do_evaluate_breakthrough(
    *, user: User, task: BreakthroughTask, result: str, note: str = ""
) -> BreakthroughTask:
    """The year-end evaluation of a breakthrough task; it shows in the leader's evaluation."""
    require(
        perms.can_manage_breakthrough(user, task.evaluation),
        "Đồng chí không có quyền đánh giá việc đột phá, đổi mới này.",
    )
    t = BreakthroughTask.objects.select_for_update().get(pk=task.pk)
    if result not in BreakthroughResult.values or not result:
        raise ActionError(f"Kết quả “{result}” không hợp lệ.")
    t.result = result
    t.result_note = _text(note, "Nhận xét kết quả")
    t.evaluated_by = user
    t.evaluated_at = timezone.now()
    t.save()
    return t
