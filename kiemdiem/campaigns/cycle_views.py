"""Pages of cycles: the list, opening one (its regime and default deadlines), its page (deadlines per level,
re-sync, closing, the quarterly cadres) and the progress of its creation in the background."""

from __future__ import annotations

import datetime
from typing import Literal, TypedDict, overload

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem import rules
from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.accounts.models import UserRole
from kiemdiem.campaigns import actions, cycle_jobs, quarterly
from kiemdiem.campaigns.actions import DEADLINE_LEVELS, ActionError, can_open_cycle
from kiemdiem.campaigns.models import Cycle, CycleDelegation, CycleJob, Evaluation, LevelDeadline, SubjectType
from kiemdiem.campaigns.queries import cycles_visible_to, get_cycle_for_user
from kiemdiem.campaigns.tasks import run_cycle_sync
from kiemdiem.jobs import status_response
from kiemdiem.orgs.models import UnitKind
from kiemdiem.orgs.queries import (
    get_unit_for_user,
    period_end,
    show_names_as_of,
    top_units_for,
    units_visible_to,
)

OPENER_KINDS = [
    UnitKind.PROVINCE_COMMITTEE,
    UnitKind.DISTRICT_COMMITTEE,
    UnitKind.AFFILIATED_COMMITTEE,
    UnitKind.GRASSROOTS_COMMITTEE,
]


@overload
def _date(raw: str | None, label: str, *, required: Literal[True]) -> datetime.date: ...
@overload
def _date(raw: str | None, label: str, *, required: bool = False) -> datetime.date | None: ...
def _date(raw: str | None, label: str, *, required: bool = False) -> datetime.date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise ActionError(f"{label}: chưa nhập.")
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ActionError(f"{label}: “{raw}” không đúng dạng ngày/tháng/năm.")


def _int(raw: str | None, label: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4):
        raise ActionError(f"{label}: “{raw}” không phải là số.")
    return int(raw)


def units_to_open_for(user, year: int):
    """The committees the user may open a cycle for in a year (the province's board: any above the grassroots)."""
    if user.is_superuser or user.role == UserRole.PROVINCE_ADMIN:
        return units_visible_to(user).filter(kind__in=OPENER_KINDS[:3]).order_by("path")
    if user.role != UserRole.DISTRICT_OFFICER:
        return units_visible_to(user).none()
    delegated = CycleDelegation.objects.filter(year=year, unit__in=units_visible_to(user)).values_list(
        "unit__path", flat=True
    )
    q = Q(pk__in=[])
    for path in delegated:
        q |= Q(path__startswith=path)
    return units_visible_to(user).filter(q, kind__in=OPENER_KINDS).order_by("path")


class _Counts(TypedDict):
    cycle_id: int
    total: int
    decided: int


def _counts(cycles: list[Cycle]) -> dict[int, _Counts]:
    rows = (
        Evaluation.objects.filter(cycle__in=cycles)
        .values("cycle_id")
        .annotate(total=Count("pk"), decided=Count("pk", filter=Q(state="decided")))
    )
    return {r["cycle_id"]: r for r in rows}


@require_GET
@login_required
def cycle_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every cycle the user reaches, newest first: year, quarter, regime, root unit, state, counts."""
    cycles = list(
        cycles_visible_to(request.user).select_related("unit").order_by("-year", "quarter", "unit__path")
    )
    counts = _counts(cycles)
    for c in cycles:  # each cycle's root as named in its period
        show_names_as_of([c.unit], period_end(c.year, c.quarter))
    rows = [
        {
            "cycle": c,
            "total": counts[c.pk]["total"] if c.pk in counts else 0,
            "decided": counts[c.pk]["decided"] if c.pk in counts else 0,
        }
        for c in cycles
    ]
    year = datetime.date.today().year
    may_open = (
        units_to_open_for(request.user, year).exists() or units_to_open_for(request.user, year + 1).exists()
    )
    visible = units_visible_to(request.user)
    context = {
        "rows": rows,
        "may_open": may_open,
        "delegable": visible.filter(kind__in=OPENER_KINDS[1:3]).order_by("path"),
        "delegations": CycleDelegation.objects.filter(unit__in=visible).select_related("unit"),
    }
    return render(request, "campaigns/cycle_list.html", context)


def _open_context(request: HttpRequest, data) -> dict[str, object]:
    today = datetime.date.today()
    try:
        year = _int(data.get("year"), "Năm") or today.year
        quarter = _int(data.get("quarter"), "Quý")
    except ActionError:
        year, quarter = today.year, None
    context: dict[str, object] = {"year": year, "quarter": quarter or "", "data": data}
    try:
        regime = actions.resolve_regime(year, quarter)
        defaults = actions.default_deadlines(year, quarter)
        context["regime"] = regime
        context["defaults"] = defaults
        overlay = rules.overlay_for(year)
        context["overlay"] = overlay if quarter is None else None
        context["quarterly"] = bool(regime.value("quarterly_reviews"))
    except ActionError as exc:
        context["regime_error"] = str(exc)
        defaults = {}
    context["units"] = list(units_to_open_for(request.user, year))
    context["dates"] = {
        key: data.get(key) or (when.strftime("%d/%m/%Y") if (when := defaults.get(key)) else "")
        for key in ("review_deadline", "dossier_deadline", "report_deadline")
    }
    return context


@require_http_methods(["GET", "POST"])
@login_required
def cycle_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open a cycle: the year's regime shown by its documents, its deadlines prefilled and editable."""
    if request.method == "GET":
        return render(request, "campaigns/cycle_open.html", _open_context(request, request.GET))
    try:
        year = _int(request.POST.get("year"), "Năm")
        if year is None:
            raise ActionError("Năm: chưa nhập.")
        quarter = _int(request.POST.get("quarter"), "Quý")
        unit_pk = (
            _int(request.POST.get("unit"), "Cấp ủy mở đợt")
            if len(request.POST.get("unit", "")) < 10
            else None
        )
        if unit_pk is None:
            raise ActionError("Cấp ủy mở đợt: chưa chọn.")
        unit = get_unit_for_user(request.user, unit_pk)
        cycle = actions.do_open_cycle(
            user=request.user,
            unit=unit,
            year=year,
            quarter=quarter,
            review_deadline=_date(request.POST.get("review_deadline"), "Hạn hoàn thành kiểm điểm"),
            dossier_deadline=_date(request.POST.get("dossier_deadline"), "Hạn gửi hồ sơ đánh giá cán bộ"),
            report_deadline=_date(request.POST.get("report_deadline"), "Hạn báo cáo kết quả"),
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return render(request, "campaigns/cycle_open.html", _open_context(request, request.POST), status=422)
    return _start_sync(request, cycle, opened=True)


def _start_sync(request: AuthenticatedHttpRequest, cycle: Cycle, *, opened: bool) -> HttpResponse:
    job = cycle_jobs.do_create_cycle_job(user=request.user, cycle=cycle)
    verb = "Đã mở" if opened else "Đang đồng bộ"
    if cycle_jobs.runs_in_background(cycle):
        run_cycle_sync.enqueue(job.pk)
        messages.success(
            request, f"{verb} {cycle}. Các nhóm tính tỷ lệ và bản đánh giá đang được tạo trong nền."
        )
        return redirect("cycle_job", pk=job.pk)
    job = cycle_jobs.run_cycle_job(job.pk)
    if job.error:
        messages.error(request, job.error)
    else:
        added = job.added
        messages.success(
            request,
            f"{verb} {cycle}: thêm {added.get('quota_groups', 0)} nhóm tính tỷ lệ và "
            f"{added.get('evaluations', 0)} bản đánh giá.",
        )
    return redirect("cycle", pk=cycle.pk)


@require_POST
@login_required
def cycle_sync(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Re-sync after the tree or the positions changed: add what is missing, never a second copy."""
    cycle = get_cycle_for_user(request.user, pk)
    try:
        actions.require_cycle_manager(request.user, cycle)
        if not cycle.is_open:
            raise ActionError(f"Đợt kiểm điểm {cycle.period} đã đóng; không đồng bộ được nữa.")
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("cycle", pk=cycle.pk)
    return _start_sync(request, cycle, opened=False)


@require_POST
@login_required
def cycle_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    try:
        actions.do_close_cycle(user=request.user, cycle=cycle)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Đã đóng {cycle}. Chỉ yêu cầu kiểm điểm lại, xếp loại lại mới mở lại từng bản."
        )
    return redirect("cycle", pk=cycle.pk)


@require_POST
@login_required
def cycle_deadlines(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    try:
        levels = {
            key: _date(request.POST.get(f"level-{key}"), f"Hạn của cấp “{label}”")
            for key, (label, _) in DEADLINE_LEVELS.items()
        }
        actions.do_set_cycle_deadlines(
            user=request.user,
            cycle=cycle,
            review_deadline=_date(
                request.POST.get("review_deadline"), "Hạn hoàn thành kiểm điểm", required=True
            ),
            dossier_deadline=_date(request.POST.get("dossier_deadline"), "Hạn gửi hồ sơ đánh giá cán bộ"),
            report_deadline=_date(request.POST.get("report_deadline"), "Hạn báo cáo kết quả", required=True),
            levels=levels,
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "campaigns/cycle_detail.html",
            _detail_context(request, cycle, posted=request.POST),
            status=422,
        )
    messages.success(request, "Đã cập nhật hạn của đợt kiểm điểm.")
    return redirect("cycle", pk=cycle.pk)


@require_POST
@login_required
def cycle_delegate(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        year = _int(request.POST.get("year"), "Năm")
        unit_pk = _int(request.POST.get("unit"), "Cấp ủy") if len(request.POST.get("unit", "")) < 10 else None
        if year is None or unit_pk is None:
            raise ActionError("Cần chọn cấp ủy và năm được ủy quyền.")
        unit = get_unit_for_user(request.user, unit_pk)
        actions.do_delegate_cycles(user=request.user, unit=unit, year=year)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Đã ủy quyền cho {unit.name} mở đợt kiểm điểm năm {year} cho phạm vi của mình."
        )
    return redirect("cycles")


def _detail_context(request: AuthenticatedHttpRequest, cycle: Cycle, *, posted=None) -> dict[str, object]:
    user = request.user
    visible = units_visible_to(user)
    groups = cycle.quota_groups.filter(scope_unit__in=visible).select_related("scope_unit")
    page = Paginator(groups, 50).get_page(request.GET.get("trang"))
    tops = [u for u in top_units_for(user) if u.path.startswith(cycle.unit.path)]
    if not tops and cycle.unit in visible:
        tops = [cycle.unit]
    show_names_as_of([cycle.unit, *tops], period_end(cycle.year, cycle.quarter))  # the period's names
    by_type = dict(
        Evaluation.objects.filter(cycle=cycle, unit__in=visible)
        .values_list("subject_type")
        .annotate(n=Count("pk"))
    )
    levels = dict(LevelDeadline.objects.filter(cycle=cycle).values_list("level", "review_deadline"))
    posted = posted or {}

    def shown(key: str, value: datetime.date | None) -> str:
        if key in posted:
            return posted[key]
        return value.strftime("%d/%m/%Y") if value else ""

    manager = can_open_cycle(user, cycle.unit, cycle.year)
    return {
        "cycle": cycle,
        "groups_page": page,
        "tops": tops,
        "counts": [(SubjectType(t).label, n) for t, n in sorted(by_type.items())],
        "total": sum(by_type.values()),
        "manager": manager,
        "dates": {
            "review_deadline": shown("review_deadline", cycle.review_deadline),
            "dossier_deadline": shown("dossier_deadline", cycle.dossier_deadline),
            "report_deadline": shown("report_deadline", cycle.report_deadline),
        },
        "levels": [
            (key, label, shown(f"level-{key}", levels.get(key)))
            for key, (label, _) in DEADLINE_LEVELS.items()
        ],
        "last_job": CycleJob.objects.filter(cycle=cycle).first(),
        "quarterly": quarterly.cycle_panel(user, cycle) if cycle.quarter else None,
    }


@require_GET
@login_required
def cycle_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, pk)
    return render(request, "campaigns/cycle_detail.html", _detail_context(request, cycle))


@require_GET
@login_required
def cycle_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = cycle_jobs.get_cycle_job_for_user(request.user, pk)
    return render(request, "campaigns/cycle_job.html", {"job": job, "cycle": job.cycle})


@require_GET
@login_required
def cycle_job_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    job = cycle_jobs.get_cycle_job_for_user(request.user, pk)
    return status_response(
        job, step=job.step, added=job.added, cycle_url=reverse("cycle", args=[job.cycle_id])
    )


@require_POST
@login_required
def designate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The committee designates a cadre (by code) for the year's quarterly reviews; the quarter then adds them."""
    from kiemdiem.orgs.queries import persons_visible_to, scope_roots

    cycle = get_cycle_for_user(request.user, pk)
    code = request.POST.get("person", "").strip()[:40]
    try:
        person = persons_visible_to(request.user).filter(code=code).first()
        if person is None:
            raise ActionError(f"Không tìm thấy cán bộ có mã “{code}” trong phạm vi của đồng chí.")
        roots = scope_roots(request.user)
        unit = next(
            (
                r
                for r in roots or []
                if cycle.unit.path.startswith(r.path) or r.path.startswith(cycle.unit.path)
            ),
            cycle.unit,
        )
        actions.do_designate_cadre(user=request.user, person=person, year=cycle.year, unit=unit)
        if cycle.is_open:
            actions.ensure_evaluations(cycle=cycle)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Đã chỉ định {person.full_name} đánh giá hằng quý năm {cycle.year}.")
    return redirect("cycle", pk=cycle.pk)


@require_POST
@login_required
def withdraw(request: AuthenticatedHttpRequest, pk: int, person_pk: int) -> HttpResponse:
    from kiemdiem.orgs.queries import get_person_for_user

    cycle = get_cycle_for_user(request.user, pk)
    person = get_person_for_user(request.user, person_pk)
    try:
        actions.do_withdraw_designation(user=request.user, person=person, year=cycle.year)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Đã bỏ chỉ định {person.full_name} đánh giá hằng quý năm {cycle.year}.")
    return redirect("cycle", pk=cycle.pk)
