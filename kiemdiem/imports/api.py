"""JSON API of the imports app; mounted in kiemdiem/api.py at /api/imports."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.campaigns.queries import get_cycle_for_user
from kiemdiem.imports.actions import can_import, do_apply_import_job, do_create_import_job
from kiemdiem.imports.models import ImportJob, ImportKind
from kiemdiem.imports.parsing import size_error
from kiemdiem.imports.queries import get_job_for_user
from kiemdiem.imports.tasks import start_job
from kiemdiem.imports.validation import SPECS, ImportRefused
from kiemdiem.imports.workbook_templates import template_workbook

router = Router(tags=["Nhập Excel"])


class JobOut(Schema):
    id: int
    kind: str
    cycle_id: int | None
    file_name: str
    status: str
    status_label: str
    progress: int
    errors: list[str]
    error_total: int
    # Counts when written; for a preview (status "previewed") also the diff the page shows: new_rows,
    # changed_rows (field by field: [label, now, in the file]), missing_rows; or a reorganisation's lines,
    # counts and the units that end and begin.
    summary: dict[str, Any]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


class ErrorsOut(Schema):
    detail: str
    errors: list[str] = []


def _out(job: ImportJob) -> JobOut:
    return JobOut(
        id=job.pk,
        kind=job.kind,
        cycle_id=job.cycle_id,
        file_name=job.file_name,
        status=job.status,
        status_label=job.get_status_display(),
        progress=job.progress,
        errors=job.errors,
        error_total=job.error_total,
        summary=job.summary,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post("/", response={201: JobOut, 400: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut})
def create_import(
    request: AuthenticatedHttpRequest,
    file: File[UploadedFile],
    kind: Form[ImportKind],
    cycle_id: Form[int | None] = None,
):
    """Upload a workbook to import; poll GET /api/imports/{id} for progress, errors and the result.

    People and reorganisation files are checked and previewed, never written at once: the job ends as
    "previewed" with the changes in `summary`; POST /api/imports/{id}/apply writes them (as the page's button).
    """
    user = request.user
    if not can_import(user):
        return Status(403, {"detail": "Đồng chí không có quyền nhập dữ liệu."})
    try:
        cycle = get_cycle_for_user(user, cycle_id) if cycle_id is not None else None
    except Http404:
        return Status(404, {"detail": "Không tìm thấy đợt kiểm điểm."})
    if too_big := size_error(file.size or 0):
        return Status(400, {"detail": too_big})
    try:
        job = do_create_import_job(
            user=user,
            kind=str(kind.value if hasattr(kind, "value") else kind),
            file_name=file.name or "",
            content=file.read(),
            cycle=cycle,
            preview=True,  # people and reorganisations: shown before written, as on the page
        )
    except ImportRefused as exc:
        return Status(400, {"detail": exc.errors[0], "errors": exc.errors})
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    start_job(job.pk, job.size)
    job.refresh_from_db()
    return Status(201, _out(job))


@router.post("/{int:job_id}/apply", response={202: JobOut, 403: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut})
def apply_import(request: AuthenticatedHttpRequest, job_id: int):
    """Write a previewed job: the same file is checked again, then written all or nothing (as the page)."""
    job = get_job_for_user(request.user, job_id)  # another's job: 404
    try:
        job = do_apply_import_job(user=request.user, job=job)
    except ImportRefused as exc:
        return Status(409, {"detail": exc.errors[0], "errors": exc.errors})
    start_job(job.pk, job.size)
    job.refresh_from_db()
    return Status(202, _out(job))


@router.get("/{int:job_id}", response={200: JobOut, 404: ErrorsOut})
def get_import(request: AuthenticatedHttpRequest, job_id: int):
    return _out(get_job_for_user(request.user, job_id))


@router.get("/templates/{kind}", response={200: None, 403: ErrorsOut, 404: ErrorsOut})
def get_template(request: AuthenticatedHttpRequest, kind: str):
    """The blank workbook (.xlsx) for one kind of import."""
    if not can_import(request.user):
        return Status(403, {"detail": "Đồng chí không có quyền nhập dữ liệu."})
    if kind not in SPECS:
        return Status(404, {"detail": "Không có mẫu này."})
    response = HttpResponse(
        template_workbook(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.xlsx"'
    return response
