"""Pages of the Excel import: upload, the job's progress and errors, the templates to download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.campaigns.models import CycleState
from kiemdiem.campaigns.queries import cycles_visible_to, get_cycle_for_user
from kiemdiem.imports.actions import can_import, do_apply_import_job, do_create_import_job
from kiemdiem.imports.models import ImportKind
from kiemdiem.imports.parsing import size_error
from kiemdiem.imports.queries import get_job_for_user, jobs_visible_to
from kiemdiem.imports.tasks import start_job
from kiemdiem.imports.validation import SPECS, ImportRefused
from kiemdiem.imports.workbook_templates import template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_importer(request: AuthenticatedHttpRequest) -> None:
    if not can_import(request.user):
        raise PermissionDenied("Đồng chí không có quyền nhập dữ liệu.")


@require_http_methods(["GET", "POST"])
@login_required
def import_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_importer(request)
    user = request.user
    errors: list[str] = []
    posted = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        cycle = None
        if kind == ImportKind.RATINGS:
            raw = request.POST.get("cycle", "")
            if not raw.isdigit():
                errors.append("Nhập kết quả xếp loại cần chọn đợt kiểm điểm.")
            else:
                cycle = get_cycle_for_user(user, int(raw))
        if upload is None:
            errors.append("Chưa chọn tệp Excel để nhập.")
        if not errors and upload is not None:
            try:
                if too_big := size_error(upload.size or 0):
                    raise ImportRefused([too_big])
                job = do_create_import_job(
                    user=user,
                    kind=kind,
                    file_name=upload.name or "",
                    content=upload.read(),
                    cycle=cycle,
                    preview=True,  # people and reorganisations are shown before they are written
                )
            except ImportRefused as exc:
                errors.extend(exc.errors)
            else:
                start_job(job.pk, job.size)
                return redirect("imports:job", pk=job.pk)
    context = {
        "kinds": [(k, label, SPECS[k]) for k, label in ImportKind.choices],
        "cycles": cycles_visible_to(user).filter(state=CycleState.OPEN).select_related("unit"),
        "jobs": jobs_visible_to(user)[:20],
        "errors": errors,
        "posted": posted,
    }
    return render(request, "imports/import_home.html", context, status=400 if errors else 200)


@require_GET
@login_required
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    return render(request, "imports/job_detail.html", {"job": job})


@require_POST
@login_required
def apply_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write what the preview showed: the file is read and checked again, then written all or nothing."""
    job = get_job_for_user(request.user, pk)  # someone else's job: 404, as to read it
    _require_importer(request)
    try:
        job = do_apply_import_job(user=request.user, job=job)
    except ImportRefused as exc:
        return render(
            request, "imports/job_detail.html", {"job": job, "apply_errors": exc.errors}, status=409
        )
    start_job(job.pk, job.size)
    return redirect("imports:job", pk=job.pk)


@require_GET
@login_required
def download_template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    _require_importer(request)
    if kind not in SPECS:
        raise Http404("Không có mẫu này.")
    response = HttpResponse(template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.xlsx"'
    return response
