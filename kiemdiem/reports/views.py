"""Pages of the reports: the dashboard of a unit in a cycle, reporting upward, and the downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Field
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Cycle
from kiemdiem.campaigns.queries import (
    cycles_visible_to,
    get_cycle_and_unit_for_user,
    get_evaluation_for_user,
    progress_by_child,
)
from kiemdiem.jobs import status_response
from kiemdiem.orgs.models import Unit, UnitKind
from kiemdiem.orgs.queries import get_unit_for_user, visible_ancestors
from kiemdiem.reports import documents, export_jobs
from kiemdiem.reports.actions import can_submit_report, do_save_document_settings, do_submit_report
from kiemdiem.reports.charts import distribution_chart, progress_chart
from kiemdiem.reports.export_jobs import get_export_job_for_user
from kiemdiem.reports.letterhead import letterhead_for
from kiemdiem.reports.models import DocumentSettings, ExportKind, ExportStatus, ReportSubmission
from kiemdiem.reports.queries import (
    current_submission,
    get_submission_for_user,
    report_units_for,
    rule_findings,
    statistics,
    submission_history,
    submission_status,
)
from kiemdiem.reports.tasks import run_export

# The rules pass over a whole province takes seconds (~2.6 s for 158,000 subjects): the page runs it for a subtree
# up to this size; above it, the findings are in the exports and in every submitted report.
FINDINGS_ON_PAGE_LIMIT = 20_000


def _cycle_and_unit(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> tuple[Cycle, Unit]:
    return get_cycle_and_unit_for_user(request.user, cycle_pk, unit_pk)


@require_GET
@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cycles the user reaches, each with the units whose reports they may open."""
    entries = []
    for cycle in cycles_visible_to(request.user).select_related("unit"):
        units = report_units_for(request.user, cycle)
        if units:
            entries.append({"cycle": cycle, "units": units})
    return render(request, "reports/index.html", {"entries": entries})


def _figures_changed(figures: dict[str, Any], submission: ReportSubmission | None) -> bool:
    return submission is not None and submission.figures.get("forms") != figures["forms"]


@require_GET
@login_required
def dashboard(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Progress against the deadlines, the distribution by level and type, drill-down by the tree, reporting."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    figures = statistics(cycle, unit, with_findings=False)
    if figures["progress"]["total"] <= FINDINGS_ON_PAGE_LIMIT:
        figures["compliance"]["findings"] = rule_findings(cycle, unit)
    progress = {row["unit"].pk: row for row in progress_by_child(cycle, unit)}
    children = [{**c, "progress": progress.get(c["id"])} for c in figures["children"]]
    submission = current_submission(cycle, unit)
    ancestors = [a for a in visible_ancestors(request.user, unit) if a.path.startswith(cycle.unit.path)]
    return render(
        request,
        "reports/dashboard.html",
        {
            "cycle": cycle,
            "unit": unit,
            "ancestors": ancestors,
            "figures": figures,
            "children": children,
            "distribution_svg": distribution_chart(figures["forms"]),
            "progress_svg": progress_chart([c for c in figures["children"] if not c["is_own"]]),
            "submission": submission,
            "changed_since_submission": _figures_changed(figures, submission),
            "history": submission_history(cycle, unit)[:10],
            "status_rows": submission_status(cycle, unit),
            "can_submit": can_submit_report(request.user, unit),
            "over_groups": [g for g in figures["compliance"]["quota_groups"] if g["is_over"]][:50],
            "exports_in_background": export_jobs.runs_in_background(figures["progress"]["total"]),
            "documents": _document_links(cycle, unit),
            "background_exports": BACKGROUND_EXPORTS,
        },
    )


BACKGROUND_EXPORTS = (
    ("reports:xlsx", "Tạo biểu thống kê (XLSX)"),
    ("reports:docx", "Tạo báo cáo (DOCX)"),
    ("reports:pdf", "Tạo báo cáo (PDF)"),
    ("reports:ratings_xlsx", "Tạo danh sách xếp loại từng đối tượng (XLSX)"),
)


def _document_links(cycle: Cycle, unit: Unit) -> list[dict[str, str]]:
    """The documents of the unit the dashboard offers, by what the unit issues at its level."""
    links = []
    for slug, (kind, label) in DOCUMENT_SLUGS.items():
        if kind == "dossier" and cycle.regime != "QD366_HD43":
            continue
        if kind == "decision" and unit.kind == UnitKind.CELL:
            continue  # a cell proposes; its grassroots committee decides (a grassroots cell decides for itself)
        links.append({"slug": slug, "label": label})
    return links


@require_POST
@login_required
def submit(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    try:
        sub = do_submit_report(
            user=request.user,
            cycle=cycle,
            unit=unit,
            number=request.POST.get("number", ""),
            note=request.POST.get("note", ""),
        )
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Đã khóa số liệu và gửi báo cáo của {unit.name} lúc {sub.submitted_at:%H:%M %d/%m/%Y}."
        )
    return redirect("reports:dashboard", cycle.pk, unit.pk)


@require_GET
@login_required
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sub = get_submission_for_user(request.user, pk)
    return render(
        request,
        "reports/submission.html",
        {
            "sub": sub,
            "figures": sub.figures,
            "distribution_svg": distribution_chart(sub.figures["forms"]),
            "superseded_by": sub.superseded_by,
            "exports_in_background": export_jobs.runs_in_background(
                export_jobs.submission_subject_count(sub)
            ),
        },
    )


# -- Downloads ---------------------------------------------------------------------------------------------------
# A small subtree's export is made in the request; a large one becomes an ExportJob for the background worker and
# the link leads to the job's page, whose progress bar polls `export_status` and offers the file when it is made.


def _download(content: bytes, mime: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _export(
    request: AuthenticatedHttpRequest,
    kind: str,
    cycle: Cycle,
    unit: Unit,
    subjects: int,
    submission: ReportSubmission | None = None,
) -> HttpResponse:
    if export_jobs.runs_in_background(subjects):
        if request.method != "POST":
            # A job is a write: a link (GET) only shows the button that starts it.
            return render(
                request,
                "reports/export_start.html",
                {"kind_label": ExportKind(kind).label, "cycle": cycle, "unit": unit, "subjects": subjects},
            )
        # The same file asked for again from the same data while its job runs: that job, not a second one.
        job, created = export_jobs.do_start_export_job(
            user=request.user,
            kind=kind,
            cycle=cycle,
            unit=unit,
            submission=submission,
        )
        if created:
            run_export.enqueue(job.pk)
        return redirect("reports:export_job", pk=job.pk)
    return _download(*export_jobs.build_export(kind, cycle, unit, submission))


@require_http_methods(["GET", "POST"])
@login_required
def export_live(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int, kind: str) -> HttpResponse:
    """The live figures as the forms (XLSX) or the report (DOCX, PDF), dated today, number left blank."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    return _export(request, kind, cycle, unit, export_jobs.subject_count(cycle, unit))


@require_http_methods(["GET", "POST"])
@login_required
def export_submission(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """A submitted report exactly as it was sent: its snapshot, its number and its date."""
    sub = get_submission_for_user(request.user, pk)
    return _export(request, kind, sub.cycle, sub.unit, export_jobs.submission_subject_count(sub), sub)


@require_http_methods(["GET", "POST"])
@login_required
def export_ratings(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Each subject's decided rating, in tree order."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    return _export(request, ExportKind.RATINGS_XLSX, cycle, unit, export_jobs.subject_count(cycle, unit))


@require_GET
@login_required
def export_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A background export: its progress bar while the worker makes it, then the file or what went wrong."""
    job = get_export_job_for_user(request.user, pk)
    return render(request, "reports/export_job.html", {"job": job})


@require_GET
@login_required
def export_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """What the job page polls: status, progress in %, the error, the download link once the file is made."""
    job = get_export_job_for_user(request.user, pk)
    done = job.status == ExportStatus.DONE
    return status_response(
        job, download_url=reverse("reports:export_download", args=[job.pk]) if done else None
    )


@require_GET
@login_required
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_export_job_for_user(request.user, pk, with_content=True)
    if job.status != ExportStatus.DONE:
        return redirect("reports:export_job", pk=job.pk)
    return _download(bytes(job.content), export_jobs.MIMES[job.kind], job.file_name)


# -- The documents a committee files -----------------------------------------------------------------------------

DOCUMENT_SLUGS = {
    "quyet-dinh": ("decision", "Quyết định công nhận kết quả xếp loại, kèm danh sách"),
    "danh-sach": ("list", "Danh sách hoàn thành xuất sắc / không hoàn thành nhiệm vụ"),
    "bien-ban": ("minutes", "Biên bản hội nghị kiểm điểm"),
    "mau-04": ("dossier", "Danh mục hồ sơ (Mẫu 04)"),
}
DOCUMENT_FORMATS = ("docx", "pdf")


@require_GET
@login_required
def document(
    request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int, slug: str, fmt: str
) -> HttpResponse:
    """One document of the unit, as DOCX or as the PDF converted from it."""
    if slug not in DOCUMENT_SLUGS or fmt not in DOCUMENT_FORMATS:
        raise Http404("Không có văn bản này.")
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    try:
        content, mime = documents.build_document(DOCUMENT_SLUGS[slug][0], cycle, unit, fmt=fmt)
    except documents.DocumentError as exc:
        messages.error(request, str(exc))
        return redirect("reports:dashboard", cycle.pk, unit.pk)
    return _download(content, mime, f"{slug}-{slugify(unit.code) or unit.pk}-{cycle.year}.{fmt}")


@require_GET
@login_required
def evaluation_document(
    request: AuthenticatedHttpRequest, evaluation_pk: int, fmt: str, kind: str
) -> HttpResponse:
    """One subject's document: its self-review (a person's form, or a collective's report) in the form of the
    cycle's regime, to print and sign; or the re-rating decision (HD 43 Mẫu 03) once it was rated again."""
    if fmt not in DOCUMENT_FORMATS:
        raise Http404("Không có định dạng này.")
    ev = get_evaluation_for_user(request.user, evaluation_pk)
    try:
        content, mime = documents.build_document(kind, ev.cycle, ev.unit, fmt=fmt, evaluation=ev)
    except documents.DocumentError as exc:
        messages.error(request, str(exc))
        return redirect("evaluation", ev.pk)
    who = slugify(ev.person.code) if ev.person else f"tap-the-{ev.pk}"
    prefix = "ban-kiem-diem" if kind == "self-review" else "quyet-dinh-xep-loai-lai"
    return _download(content, mime, f"{prefix}-{who}-{ev.cycle.year}.{fmt}")


@require_POST
@login_required
def decisions_zip(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Every grassroots committee's decision and list under the unit, in one zip made by the worker."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    job, created = export_jobs.do_start_export_job(
        user=request.user,
        kind=ExportKind.DECISIONS_ZIP,
        cycle=cycle,
        unit=unit,
    )
    if created:
        run_export.enqueue(job.pk)
    return redirect("reports:export_job", pk=job.pk)


def _settings_label(name: str) -> str:
    """The label of one of SETTINGS_FIELDS: the model field's verbose name."""
    field = DocumentSettings._meta.get_field(name)
    assert isinstance(field, Field)  # SETTINGS_FIELDS are the model's own columns, never a reverse relation
    return str(field.verbose_name)


@require_http_methods(["GET", "POST"])
@login_required
def document_settings(request: AuthenticatedHttpRequest, unit_pk: int) -> HttpResponse:
    """The office's own letterhead values (place, abbreviation, who signs, Nơi nhận); blank keeps what is derived."""
    unit = get_unit_for_user(request.user, unit_pk)
    current = DocumentSettings.objects.filter(unit=unit).first() or DocumentSettings(unit=unit)
    values = {f: getattr(current, f) for f in SETTINGS_FIELDS}
    can_edit = can_submit_report(request.user, unit)
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in SETTINGS_FIELDS}
        try:
            do_save_document_settings(user=request.user, unit=unit, **values)
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Đã lưu thể thức văn bản của {unit.name}.")
            return redirect("reports:document_settings", unit.pk)
    derived = letterhead_for(unit, kind="report", with_settings=False)
    fields = [{"name": f, "label": _settings_label(f), "value": values[f]} for f in SETTINGS_FIELDS]
    return render(
        request,
        "reports/document_settings.html",
        {"unit": unit, "fields": fields, "derived": derived, "can_edit": can_edit},
    )


SETTINGS_FIELDS = (
    "place",
    "superior_name",
    "issuer_name",
    "symbol",
    "signing_body",
    "signer_title",
    "signer_name",
    "recipients",
)
