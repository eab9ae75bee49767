"""Pages and forms of the follow-up; the forms sit in the evaluation page's panel and post here."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.accounts.models import User
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.campaigns.queries import (
    get_cycle_and_unit_for_user,
    get_cycle_for_user,
    get_evaluation_for_user,
)
from kiemdiem.followup import actions, queries
from kiemdiem.followup.models import (
    BreakthroughTask,
    RemediationItem,
    ResponsibleBoard,
    Suggestion,
    SuggestionItem,
)
from kiemdiem.followup.signs import SIGNS
from kiemdiem.orgs.queries import visible_ancestors

PLAN_ROWS = 3


def _pk(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def _on_evaluation(
    request: AuthenticatedHttpRequest, evaluation_pk: int, do: Callable[[Evaluation], str]
) -> HttpResponse:
    ev = get_evaluation_for_user(request.user, evaluation_pk)
    try:
        messages.success(request, do(ev))
    except ActionError as exc:  # a refused change; PermissionDenied becomes the 403 page
        messages.error(request, str(exc))
    return redirect(reverse("evaluation", args=[ev.pk]) + "#theo-doi")


@require_GET
@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's notices and the deadlines coming up."""
    user: User = request.user
    notices = list(queries.notices_for(user)[:50])
    return render(
        request,
        "followup/home.html",
        {
            "notices": notices,
            "unread": sum(1 for n in notices if n.read_at is None),
            "reminders": queries.reminders_for(user),
        },
    )


@require_POST
@login_required
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = actions.do_mark_notices_read(user=request.user)
    messages.success(request, f"Đã đánh dấu {count} thông báo là đã xem.")
    return redirect("followup:home")


@require_POST
@login_required
def issue_suggestion(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        items = [line for line in request.POST.get("items", "").splitlines() if line.strip()]
        attendee = None
        attendee_pk = _pk(request.POST.get("attendee"))
        if attendee_pk is not None:
            attendee = next((u for u in queries._attendee_choices(ev) if u.pk == attendee_pk), None)
            if attendee is None:
                raise ActionError("Ủy viên Ban Thường vụ được chọn không phụ trách đơn vị này.")
        s = actions.do_issue_suggestion(
            user=request.user,
            evaluation=ev,
            items=items,
            attendee=attendee,
            reference=request.POST.get("reference", ""),
        )
        return f"Đã gửi gợi ý kiểm điểm gồm {s.items.count()} nội dung."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def answer_suggestions(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        ids = SuggestionItem.objects.filter(suggestion__evaluation=ev).values_list("pk", flat=True)
        answers = {pk: request.POST[f"answer-{pk}"] for pk in ids if f"answer-{pk}" in request.POST}
        if not answers:
            raise ActionError("Chưa có nội dung giải trình nào.")
        actions.do_answer_suggestions(user=request.user, evaluation=ev, answers=answers)
        return "Đã lưu phần giải trình các nội dung được gợi ý."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def conclude_suggestion(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        suggestion_pk = _pk(request.POST.get("suggestion"))
        s = (
            None
            if suggestion_pk is None
            else Suggestion.objects.filter(evaluation=ev, pk=suggestion_pk).first()
        )
        if s is None:
            raise ActionError("Không tìm thấy gợi ý kiểm điểm của đối tượng này.")
        actions.do_record_suggestion_conclusion(
            user=request.user,
            suggestion=s,
            conclusion=request.POST.get("conclusion", ""),
        )
        return "Đã ghi kết luận của đồng chí dự, chỉ đạo kiểm điểm."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def add_plan(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        rows: list[dict[str, str]] = []
        for n in range(1, PLAN_ROWS + 1):
            row = {f: request.POST.get(f"{f}-{n}", "") for f in ("shortcoming", "measure", "owner", "due_on")}
            if any(v.strip() for v in row.values()):
                rows.append(row)
        count = actions.do_add_remediation_items(user=request.user, evaluation=ev, items=rows)
        return f"Đã thêm {count} nội dung vào kế hoạch khắc phục."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def assess_remediation(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        previous = queries.previous_evaluation(ev)
        ids = (
            RemediationItem.objects.filter(evaluation=previous).values_list("pk", flat=True)
            if previous
            else []
        )
        outcomes = {
            pk: (request.POST[f"status-{pk}"], request.POST.get(f"outcome-{pk}", ""))
            for pk in ids
            if request.POST.get(f"status-{pk}")
        }
        if not outcomes:
            raise ActionError("Chưa chọn kết quả khắc phục của nội dung nào.")
        pct = actions.do_assess_remediation(user=request.user, evaluation=ev, outcomes=outcomes)
        return f"Đã lưu kết quả khắc phục: {pct:g}% nội dung đã khắc phục." if pct is not None else "Đã lưu."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def relate_signs(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        relations = {
            s.code: (f"sign-{s.code}" in request.POST, request.POST.get(f"signnote-{s.code}", ""))
            for s in SIGNS
        }
        actions.do_relate_signs(user=request.user, evaluation=ev, relations=relations)
        return "Đã lưu phần tự liên hệ 27 biểu hiện suy thoái."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def record_degradation(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        actions.do_record_degradation_conclusion(
            user=request.user,
            evaluation=ev,
            body=request.POST.get("body", ""),
            reference=request.POST.get("reference", ""),
            concluded_on=request.POST.get("concluded_on", ""),
            signs=request.POST.getlist("signs"),
            summary=request.POST.get("summary", ""),
        )
        return "Đã ghi kết luận có biểu hiện suy thoái; dữ kiện xếp loại đã được cập nhật."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def assign_breakthrough(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        actions.do_assign_breakthrough(
            user=request.user,
            evaluation=ev,
            title=request.POST.get("title", ""),
            expected_result=request.POST.get("expected_result", ""),
            board=request.POST.get("board", ""),
        )
        return "Đã giao việc đột phá, đổi mới."

    return _on_evaluation(request, evaluation_pk, do)


@require_POST
@login_required
def evaluate_breakthrough(request: AuthenticatedHttpRequest, evaluation_pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        task_pk = _pk(request.POST.get("task"))
        task = None if task_pk is None else BreakthroughTask.objects.filter(evaluation=ev, pk=task_pk).first()
        if task is None:
            raise ActionError("Không tìm thấy việc đột phá, đổi mới của cán bộ này.")
        actions.do_evaluate_breakthrough(
            user=request.user,
            task=task,
            result=request.POST.get("result", ""),
            note=request.POST.get("result_note", ""),
        )
        return "Đã ghi kết quả việc đột phá, đổi mới."

    return _on_evaluation(request, evaluation_pk, do)


@require_GET
@login_required
def tracking_page(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """The upper committee's follow-up of a subtree: plans, suggestions, re-reviews, years in a row, copies."""
    cycle, unit = get_cycle_and_unit_for_user(request.user, cycle_pk, unit_pk)
    context = {
        "cycle": cycle,
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit),
        **queries.tracking(request.user, cycle, unit),
    }
    return render(request, "followup/tracking.html", context)


@require_GET
@login_required
def breakthrough_page(request: AuthenticatedHttpRequest, cycle_pk: int) -> HttpResponse:
    """Breakthrough tasks by responsible body (CV 854 mục 2(7)); ?ban= lists one body's tasks."""
    cycle = get_cycle_for_user(request.user, cycle_pk)
    board = request.GET.get("ban", "")
    context = {
        "cycle": cycle,
        "board": board,
        "board_label": dict(ResponsibleBoard.choices).get(board, ""),
        **queries.breakthrough_summary(request.user, cycle, board=board),
    }
    return render(request, "followup/breakthrough.html", context)
