"""Pages of the HD 43 scoring: the self-review form item by item, the task register, frameworks per province."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.assessments import actions
from kiemdiem.assessments.actions import ActionError, can_edit_frameworks, current_version
from kiemdiem.assessments.models import Appendix, CriterionGroup, FrameworkVersion, TaskEvidence
from kiemdiem.assessments.queries import framework_versions_for, get_task_for_user, scoring_context
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.campaigns.queries import get_evaluation_for_user
from kiemdiem.campaigns.review_forms import form_for
from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import units_visible_to
from kiemdiem.rules import formula as rules_formula


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise ActionError("Phiên bản của biểu mẫu không hợp lệ; đề nghị tải lại trang rồi nhập lại.")
    return int(raw) if raw else None


def _evaluation(request: AuthenticatedHttpRequest, pk: int) -> Evaluation:
    return get_evaluation_for_user(request.user, pk)


def _not_scored(request: HttpRequest, ev) -> HttpResponse | None:
    """Cycles before 2025 grade criteria instead of scoring them: back to the evaluation, saying so."""
    if ev.cycle.regime == "QD366_HD43":
        return None
    messages.error(
        request, f"Đợt kiểm điểm năm {ev.cycle.year} không chấm điểm thang 100 (chỉ từ QĐ 366-QĐ/TW)."
    )
    return redirect("evaluation", pk=ev.pk)


@require_http_methods(["GET", "POST"])
@login_required
def scored_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The HD 43 self-review on its own page; a refused save comes back here with everything that was typed."""
    ev = _evaluation(request, pk)
    refused = _not_scored(request, ev)
    if refused is not None:
        return refused
    if request.method == "POST":
        criteria_keys = [k for k in request.POST if k.startswith("score-")]
        form = form_for(
            regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=ev.subject_type == "leader"
        )
        try:
            submit = "submit" in request.POST
            actions.do_save_scored_review(
                user=request.user,
                evaluation=ev,
                sections={key: request.POST.get(f"section-{key}", "") for key, _ in form.sections},
                scores={k.removeprefix("score-"): request.POST.get(k, "") for k in criteria_keys},
                self_rating=request.POST.get("self_rating", ""),
                submit=submit,
                version=_version(request),
            )
        except ActionError as exc:
            messages.error(request, str(exc))
            context = scoring_context(request.user, ev, posted=request.POST.dict())
            return render(request, "assessments/scored_review.html", context, status=422)
        messages.success(request, "Đã nộp bản tự kiểm điểm." if submit else "Đã lưu bản nháp tự kiểm điểm.")
        return redirect("evaluation", pk=ev.pk)
    return render(request, "assessments/scored_review.html", scoring_context(request.user, ev))


def _back(request: AuthenticatedHttpRequest, pk: int, do: Callable[[Evaluation], str]) -> HttpResponse:
    ev = _evaluation(request, pk)
    try:
        messages.success(request, do(ev))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("evaluation", args=[ev.pk]) + "#cham-diem")


@require_POST
@login_required
def score_items(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev) -> str:
        if ev.cycle.regime != "QD366_HD43":
            raise ActionError(
                f"Đợt kiểm điểm năm {ev.cycle.year} không chấm điểm thang 100 (chỉ từ QĐ 366-QĐ/TW)."
            )
        stage = request.POST.get("stage", "")
        scores = {
            k.removeprefix(f"{stage}-"): v for k, v in request.POST.items() if k.startswith(f"{stage}-")
        }
        actions.do_score_items(user=request.user, evaluation=ev, stage=stage, scores=scores)
        return "Đã ghi điểm thẩm định." if stage == "verified" else "Đã ghi điểm quyết định."

    return _back(request, pk, do)


def _evidence(request: HttpRequest) -> tuple[str, bytes] | None:
    upload = request.FILES.get("evidence")
    if upload is None:
        return None
    if upload.size and upload.size > actions.EVIDENCE_MAX_BYTES:
        raise ActionError(
            f"Tệp minh chứng “{upload.name}” dài {upload.size / 1048576:.1f} MB, vượt giới hạn "
            f"{actions.EVIDENCE_MAX_BYTES // 1048576} MB."
        )
    return upload.name or "", upload.read()


def _task_fields(request: HttpRequest) -> dict[str, object]:
    return {
        "title": request.POST.get("title", ""),
        "target": request.POST.get("target", ""),
        "deadline": request.POST.get("deadline", ""),
        "result": request.POST.get("result", ""),
        "note": request.POST.get("note", ""),
        "evidence_link": request.POST.get("evidence_link", ""),
    }


@require_POST
@login_required
def add_task(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev) -> str:
        task = actions.do_add_task(
            user=request.user,
            evaluation=ev,
            evidence=_evidence(request),
            **_task_fields(request),
        )
        return f"Đã kê khai nhiệm vụ “{task.title}”."

    return _back(request, pk, do)


@require_POST
@login_required
def task_action(request: AuthenticatedHttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """Change, delete or confirm one task of the register."""
    ev = _evaluation(request, pk)
    task = get_task_for_user(request.user, ev, task_pk)

    def do(ev) -> str:
        what = request.POST.get("do", "")
        if what == "confirm":
            actions.do_confirm_task(user=request.user, task=task, result=request.POST.get("result") or None)
            return f"Đã xác nhận kết quả nhiệm vụ “{task.title}”."
        if what == "delete":
            actions.do_delete_task(user=request.user, task=task)
            return f"Đã xóa nhiệm vụ “{task.title}”."
        if what == "update":
            actions.do_update_task(
                user=request.user, task=task, evidence=_evidence(request), **_task_fields(request)
            )
            return f"Đã sửa nhiệm vụ “{task.title}”."
        raise ActionError("Thao tác không hợp lệ.")

    return _back(request, pk, do)


@require_GET
@login_required
def task_evidence(request: AuthenticatedHttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """Download a task's evidence file: only within the evaluation's scope (404 otherwise)."""
    ev = _evaluation(request, pk)
    task = get_task_for_user(request.user, ev, task_pk)
    try:
        evidence = task.evidence
    except TaskEvidence.DoesNotExist:
        raise Http404("Nhiệm vụ này không có tệp minh chứng.") from None
    response = HttpResponse(bytes(evidence.data), content_type=evidence.content_type)
    # Always a download, never rendered inline; the name quoted for any character.
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(evidence.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def led_units(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev) -> str:
        codes = [c.strip() for c in request.POST.get("units", "").replace(";", ",").split(",") if c.strip()]
        visible = {
            u.code: u
            for u in units_visible_to(request.user).filter(code__in=codes).valid_in_year(ev.cycle.year)
        }
        unknown = [c for c in codes if c not in visible]
        if unknown:
            raise ActionError("Không tìm thấy đơn vị trong phạm vi quản lý: " + ", ".join(unknown) + ".")
        actions.do_set_led_units(user=request.user, evaluation=ev, units=[visible[c] for c in codes])
        return "Đã ghi đơn vị phụ trách."

    return _back(request, pk, do)


# -- Frameworks ------------------------------------------------------------------------------------------------------


def _home_unit(request: AuthenticatedHttpRequest) -> Unit | None:
    user = request.user
    if user.unit_id:
        return user.unit
    if user.person is not None and user.person.home_cell_id:  # no query when person_id is empty
        return user.person.home_cell
    return None


@require_GET
@login_required
def framework_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The frameworks that apply to the user's unit, per appendix, with their history."""
    unit = _home_unit(request)
    rows = []
    for appendix in Appendix:
        current = current_version(unit, appendix.value)
        history = list(framework_versions_for(unit, appendix.value)) if unit is not None else [current]
        rows.append({"appendix": appendix, "current": current, "history": history})
    context = {
        "rows": rows,
        "unit": unit,
        "can_edit": unit is not None and can_edit_frameworks(request.user, unit),
    }
    return render(request, "assessments/framework_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def framework_edit(request: AuthenticatedHttpRequest, appendix: str) -> HttpResponse:
    """A province's own version of an appendix: every row at once, a new version, with the reason."""
    unit = _home_unit(request)
    if appendix not in Appendix.values:
        raise Http404("Không tìm thấy khung tiêu chí.")
    if unit is None or not can_edit_frameworks(request.user, unit):
        raise PermissionDenied(
            "Chỉ Ban Tổ chức của cấp ủy cấp trên cụ thể hóa khung tiêu chí (HD 43 tiết 7.12)."
        )
    current = current_version(unit, appendix)
    if request.method == "POST":
        count = int(request.POST.get("rows", "0")) if request.POST.get("rows", "").isdigit() else 0
        items = []
        for i in range(min(count, 200)):
            row = {
                "group": request.POST.get(f"group-{i}", ""),
                "code": request.POST.get(f"code-{i}", ""),
                "label": request.POST.get(f"label-{i}", ""),
                "description": request.POST.get(f"description-{i}", ""),
                "max_points": request.POST.get(f"max-{i}", ""),
                "citation": request.POST.get(f"citation-{i}", ""),
                "verified": f"verified-{i}" in request.POST,
                "formula": request.POST.get(f"formula-{i}", ""),
            }
            if not any(str(row[k]).strip() for k in ("code", "label", "max_points")):
                continue  # an empty row (a deleted item, or a spare one left blank)
            items.append(row)
        try:
            version = actions.do_edit_framework(
                user=request.user,
                unit=unit,
                appendix=appendix,
                items=items,
                note=request.POST.get("note", ""),
            )
        except ActionError as exc:
            messages.error(request, str(exc))
            rows = [
                {
                    "group": request.POST.get(f"group-{i}", ""),
                    "code": request.POST.get(f"code-{i}", ""),
                    "label": request.POST.get(f"label-{i}", ""),
                    "description": request.POST.get(f"description-{i}", ""),
                    "max_points": request.POST.get(f"max-{i}", ""),
                    "citation": request.POST.get(f"citation-{i}", ""),
                    "verified": f"verified-{i}" in request.POST,
                    "formula": request.POST.get(f"formula-{i}", ""),
                }
                for i in range(min(count, 200))
            ]
            context = _edit_context(appendix, unit, current, rows, request.POST.get("note", ""))
            return render(request, "assessments/framework_edit.html", context, status=422)
        messages.success(request, f"Đã lưu phiên bản {version.number} của {version.get_appendix_display()}.")
        return redirect("assessments:frameworks")
    rows = [
        {
            "group": c.group,
            "code": c.code,
            "label": c.label,
            "description": c.description,
            "max_points": f"{c.max_points.normalize():f}",
            "citation": c.citation,
            "verified": c.verified,
            "formula": c.formula_text,
        }
        for c in current.criteria.order_by("order", "id")
    ]
    rows += [
        {
            "group": CriterionGroup.RESULTS,
            "code": "",
            "label": "",
            "description": "",
            "max_points": "",
            "citation": "",
            "verified": False,
            "formula": "",
        }
    ] * 2
    return render(
        request, "assessments/framework_edit.html", _edit_context(appendix, unit, current, rows, "")
    )


def _edit_context(
    appendix: str, unit, current: FrameworkVersion, rows: list[dict[str, object]], note: str
) -> dict[str, object]:
    return {
        "appendix": Appendix(appendix),
        "unit": unit,
        "current": current,
        "rows": list(enumerate(rows)),
        "count": len(rows),
        "groups": CriterionGroup.choices,
        "note": note,
        "variables": rules_formula.VARIABLES,
    }
