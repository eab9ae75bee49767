"""Pages of the reports: the dashboard of a unit in a cycle, reporting upward, and the downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Cycle
from kiemdiem.campaigns.queries import cycles_visible_to, get_cycle_for_user, progress_by_child
from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import get_unit_for_user, visible_ancestors
from kiemdiem.reports import exports
from kiemdiem.reports.actions import can_submit_report, do_submit_report
from kiemdiem.reports.charts import distribution_chart, progress_chart
from kiemdiem.reports.models import ReportSubmission
from kiemdiem.reports.queries import (
    current_submission,
    get_submission_for_user,
    rating_list,
    report_units_for,
    rule_findings,
    statistics,
    submission_history,
    submission_status,
)

# The rules pass over a whole province takes seconds (~2.6 s for 158,000 subjects): the page runs it for a subtree
# up to this size; above it, the findings are in the exports and in every submitted report.
FINDINGS_ON_PAGE_LIMIT = 20_000


def _cycle_and_unit(request: HttpRequest, cycle_pk: int, unit_pk: int) -> tuple[Cycle, Unit]:
    cycle = get_cycle_for_user(request.user, cycle_pk)  # type: ignore[arg-type]
    unit = get_unit_for_user(request.user, unit_pk)  # type: ignore[arg-type]
    if not unit.path.startswith(cycle.unit.path):
        raise Http404("Đơn vị không thuộc phạm vi đợt kiểm điểm này.")
    return cycle, unit


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The cycles the user reaches, each with the units whose reports they may open."""
    entries = []
    for cycle in cycles_visible_to(request.user).select_related("unit"):  # type: ignore[arg-type]
        units = report_units_for(request.user, cycle)  # type: ignore[arg-type]
        if units:
            entries.append({"cycle": cycle, "units": units})
    return render(request, "reports/index.html", {"entries": entries})


def _figures_changed(figures: dict[str, Any], submission: ReportSubmission | None) -> bool:
    return submission is not None and submission.figures.get("forms") != figures["forms"]


@require_GET
@login_required
def dashboard(request: HttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Progress against the deadlines, the distribution by level and type, drill-down by the tree, reporting."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    figures = statistics(cycle, unit, with_findings=False)
    if figures["progress"]["total"] <= FINDINGS_ON_PAGE_LIMIT:
        figures["compliance"]["findings"] = rule_findings(cycle, unit)
    progress = {row["unit"].pk: row for row in progress_by_child(cycle, unit)}
    children = [{**c, "progress": progress.get(c["id"])} for c in figures["children"]]
    submission = current_submission(cycle, unit)
    ancestors = [a for a in visible_ancestors(request.user, unit) if a.path.startswith(cycle.unit.path)]  # type: ignore[arg-type]
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
            "can_submit": can_submit_report(request.user, unit),  # type: ignore[arg-type]
            "over_groups": [g for g in figures["compliance"]["quota_groups"] if g["is_over"]][:50],
        },
    )


@require_POST
@login_required
def submit(request: HttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    try:
        sub = do_submit_report(
            user=request.user,  # type: ignore[arg-type]
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
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_submission_for_user(request.user, pk)  # type: ignore[arg-type]
    return render(
        request,
        "reports/submission.html",
        {
            "sub": sub,
            "figures": sub.figures,
            "distribution_svg": distribution_chart(sub.figures["forms"]),
            "superseded_by": sub.superseded_by,
        },
    )


# -- Downloads ---------------------------------------------------------------------------------------------------


def _download(content: bytes, mime: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _name(prefix: str, unit: Unit, cycle: Cycle, ext: str) -> str:
    return f"{prefix}-{slugify(unit.code) or unit.pk}-{cycle.year}.{ext}"


def _render(kind: str, figures: dict[str, Any], heading: exports.Heading) -> tuple[bytes, str]:
    if kind == "xlsx":
        return exports.statistics_xlsx(figures, heading), exports.XLSX_MIME
    if kind == "docx":
        return exports.report_docx(figures, heading), exports.DOCX_MIME
    return exports.report_pdf(figures, heading), "application/pdf"


PREFIXES = {"xlsx": "bieu-thong-ke", "docx": "bao-cao", "pdf": "bao-cao"}


@require_GET
@login_required
def export_live(request: HttpRequest, cycle_pk: int, unit_pk: int, kind: str) -> HttpResponse:
    """The live figures as the forms (XLSX) or the report (DOCX, PDF), dated today, number left blank."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    figures = statistics(cycle, unit)
    content, mime = _render(kind, figures, exports.heading_for(unit, cycle.year))
    return _download(content, mime, _name(PREFIXES[kind], unit, cycle, kind))


@require_GET
@login_required
def export_submission(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A submitted report exactly as it was sent: its snapshot, its number and its date."""
    sub = get_submission_for_user(request.user, pk)  # type: ignore[arg-type]
    heading = exports.heading_for(sub.unit, sub.cycle.year, number=sub.number, day=sub.submitted_on)
    content, mime = _render(kind, sub.figures, heading)
    return _download(content, mime, _name(f"{PREFIXES[kind]}-lan-{sub.pk}", sub.unit, sub.cycle, kind))


@require_GET
@login_required
def export_ratings(request: HttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Each subject's decided rating, in tree order."""
    cycle, unit = _cycle_and_unit(request, cycle_pk, unit_pk)
    period = f"quý {cycle.quarter} năm {cycle.year}" if cycle.quarter else f"năm {cycle.year}"
    content = exports.ratings_xlsx(
        rating_list(cycle, unit).iterator(chunk_size=2000), exports.heading_for(unit, cycle.year), period
    )
    return _download(content, exports.XLSX_MIME, _name("danh-sach-xep-loai", unit, cycle, "xlsx"))
