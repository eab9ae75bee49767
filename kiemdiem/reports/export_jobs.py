"""Exports of a large subtree made by the background worker, with their progress; small ones stay in the request.

One function builds every export (`build_export`), so a file downloaded at once and a file made by a job are the
same file. A job re-checks its user's scope when it runs: someone moved out of the subtree since gets no file.
"""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.campaigns.queries import get_cycle_and_unit_for_user
from kiemdiem.jobs import current_runner, runner_is_gone
from kiemdiem.orgs.models import GRASSROOTS_KINDS, Unit
from kiemdiem.orgs.queries import period_end, units_as_of
from kiemdiem.reports import exports
from kiemdiem.reports.models import ExportJob, ExportKind, ExportStatus, ReportSubmission
from kiemdiem.reports.queries import get_submission_for_user, rating_list, statistics

logger = logging.getLogger(__name__)

# Up to this many evaluations in the subtree an export is made in the request (a district: well under a second);
# above it (a whole province: ~7 s for the PDF, longer for the list of 140,000 ratings) it goes to the worker.
EXPORT_INLINE_MAX_SUBJECTS = 5_000
KEEP_JOBS = datetime.timedelta(days=7)

MIMES: dict[str, str] = {
    ExportKind.XLSX: exports.XLSX_MIME,
    ExportKind.DOCX: exports.DOCX_MIME,
    ExportKind.PDF: "application/pdf",
    ExportKind.RATINGS_XLSX: exports.XLSX_MIME,
    ExportKind.DECISIONS_ZIP: "application/zip",
}
PREFIXES: dict[str, str] = {
    ExportKind.XLSX: "bieu-thong-ke",
    ExportKind.DOCX: "bao-cao",
    ExportKind.PDF: "bao-cao",
    ExportKind.RATINGS_XLSX: "danh-sach-xep-loai",
    ExportKind.DECISIONS_ZIP: "quyet-dinh-cac-to-chuc-co-so",
}
EXTENSIONS: dict[str, str] = {ExportKind.RATINGS_XLSX: "xlsx", ExportKind.DECISIONS_ZIP: "zip"}
FAILED_MESSAGE = "Lỗi hệ thống khi tạo tệp; đề nghị tải lại sau ít phút hoặc báo quản trị viên."
NO_LONGER_IN_SCOPE = "Đồng chí không còn quyền xem số liệu của đơn vị này nên tệp không được tạo."

Progress = Callable[[int], None]


def subject_count(cycle: Cycle, unit: Unit) -> int:
    return Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path).count()


def submission_subject_count(sub: ReportSubmission) -> int:
    return int(sub.figures.get("progress", {}).get("total", 0))


def runs_in_background(subjects: int) -> bool:
    return subjects > EXPORT_INLINE_MAX_SUBJECTS


def file_name(kind: str, cycle: Cycle, unit: Unit, submission: ReportSubmission | None = None) -> str:
    prefix = PREFIXES[kind]
    if submission is not None:
        prefix = f"{prefix}-lan-{submission.pk}"
    ext = EXTENSIONS.get(kind, kind)
    return f"{prefix}-{slugify(unit.code) or unit.pk}-{cycle.year}.{ext}"


def _counted(rows: Iterable[dict[str, Any]], total: int, progress: Progress) -> Iterator[dict[str, Any]]:
    for done, row in enumerate(rows, start=1):
        if done % 2000 == 0:
            progress(5 + 85 * done // max(total, 1))
        yield row


def build_export(
    kind: str,
    cycle: Cycle,
    unit: Unit,
    submission: ReportSubmission | None = None,
    progress: Progress | None = None,
) -> tuple[bytes, str, str]:
    """(content, MIME type, file name) of one export: live figures, a submitted snapshot, or the ratings list."""
    report = progress or (lambda pct: None)
    name = file_name(kind, cycle, unit, submission)
    if kind == ExportKind.DECISIONS_ZIP:
        return decisions_zip(cycle, unit, report), MIMES[kind], name
    if kind == ExportKind.RATINGS_XLSX:
        period = f"quý {cycle.quarter} năm {cycle.year}" if cycle.quarter else f"năm {cycle.year}"
        rows = rating_list(cycle, unit).iterator(chunk_size=2000)
        if progress is not None:
            rows = _counted(rows, subject_count(cycle, unit), report)
        content = exports.ratings_xlsx(rows, exports.heading_for(unit, cycle.year), period)
        return content, exports.XLSX_MIME, name
    number, day = "", None
    if submission is not None:
        figures = submission.figures
        number, day = submission.number, submission.submitted_on
    else:
        report(5)
        figures = statistics(cycle, unit)
    heading = exports.heading_for(unit, cycle.year, number=number, day=day)
    report(50)
    if kind == ExportKind.XLSX:
        content = exports.statistics_xlsx(figures, heading)
    elif kind == ExportKind.DOCX:
        content = exports.report_docx(figures, unit, number=number, day=day)
    else:
        content = exports.report_pdf(figures, unit, number=number, day=day)
    return content, MIMES[kind], name


def decisions_zip(cycle: Cycle, unit: Unit, progress: Progress | None = None) -> bytes:
    """Every grassroots committee's decision (with its attached list) and its HTXS/KHT list, one folder each.

    A committee that has decided nothing yet is named in CHUA-QUYET-DINH.txt instead, so the zip says who is missing.
    """
    from kiemdiem.reports import documents

    report = progress or (lambda pct: None)
    committees = list(
        units_as_of(
            unit, period_end(cycle.year, cycle.quarter)
        )  # the committees of the period's end, once each
        .filter(kind__in=sorted(GRASSROOTS_KINDS))
        .order_by("path")
    )
    missing: list[str] = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, committee in enumerate(committees, start=1):
            folder = slugify(committee.code) or str(committee.pk)
            try:
                decision, _ = documents.build_document("decision", cycle, committee)
            except documents.DocumentError:
                missing.append(f"{committee.code}\t{committee.name}")
            else:
                listing, _ = documents.build_document("list", cycle, committee)
                archive.writestr(f"{folder}/quyet-dinh-{folder}-{cycle.year}.docx", decision)
                archive.writestr(f"{folder}/danh-sach-htxs-kht-{folder}-{cycle.year}.docx", listing)
            report(5 + 90 * done // max(len(committees), 1))
        if missing:
            archive.writestr(
                "CHUA-QUYET-DINH.txt",
                "Tổ chức cơ sở đảng chưa quyết định xếp loại đối tượng nào:\n" + "\n".join(missing) + "\n",
            )
    return out.getvalue()


def do_create_export_job(
    *,
    user: User,
    kind: str,
    cycle: Cycle,
    unit: Unit,
    submission: ReportSubmission | None = None,
    data_version: datetime.datetime | None = None,
) -> ExportJob:
    """Record an export for the worker (the caller has checked the scope); drop the user's week-old jobs."""
    ExportJob.objects.filter(user=user, created_at__lt=timezone.now() - KEEP_JOBS).delete()
    return ExportJob.objects.create(
        user=user,
        kind=kind,
        cycle=cycle,
        unit=unit,
        submission=submission,
        file_name=file_name(kind, cycle, unit, submission),
        data_version=data_version,
    )


def data_version(cycle: Cycle) -> datetime.datetime | None:
    """The cycle's data version, as the rating page reads it: the last change of any of its evaluations."""
    return Evaluation.objects.filter(cycle=cycle).aggregate(v=Max("updated_at"))["v"]


def do_start_export_job(
    *, user: User, kind: str, cycle: Cycle, unit: Unit, submission: ReportSubmission | None = None
) -> tuple[ExportJob, bool]:
    """(the job, whether it is new): the user's job still making the same file from the same data, or a new one.

    A submitted report is a snapshot: its data never changes. Live figures are the same while the cycle's data
    version is; a job asked for before a change is left to finish, and the new request makes a new file.
    """
    version = None if submission is not None else data_version(cycle)
    running = (
        ExportJob.objects.filter(
            user=user, kind=kind, cycle=cycle, unit=unit, submission=submission, data_version=version
        )
        .exclude(status__in=(ExportStatus.DONE, ExportStatus.FAILED))
        .defer("content")
        .order_by("-created_at", "-id")
        .first()
    )
    if running is not None and not do_reap_orphaned_export_jobs(jobs=ExportJob.objects.filter(pk=running.pk)):
        return running, False
    job = do_create_export_job(
        user=user, kind=kind, cycle=cycle, unit=unit, submission=submission, data_version=version
    )
    return job, True


def get_export_job_for_user(user: User, pk: int, *, with_content: bool = False) -> ExportJob:
    """A job is its starter's own: anyone else, a superuser too, gets the same 404 as for a job that is not there.

    A job whose maker is gone (kiemdiem/jobs.py) is marked failed first, so its page says so.
    """
    jobs = ExportJob.objects.filter(user_id=user.pk) if user.is_authenticated else ExportJob.objects.none()
    jobs = (jobs if with_content else jobs.defer("content")).select_related("cycle", "unit")
    try:
        job = jobs.get(pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404("Không tìm thấy lượt tải tệp.") from None
    if not job.is_finished and job.runner and do_reap_orphaned_export_jobs(jobs=jobs.filter(pk=pk)):
        job = jobs.get(pk=pk)
    return job


ORPHANED_MESSAGE = (
    "Tiến trình xử lý nền đã dừng đột ngột (máy chủ hoặc tiến trình kiemdiem db_worker bị tắt) khi đang tạo tệp "
    "({progress} %); tệp chưa được tạo. Đề nghị tải lại từ trang báo cáo; nếu lặp lại, báo quản trị viên."
)


def do_reap_orphaned_export_jobs(*, jobs: QuerySet[ExportJob] | None = None) -> int:
    """Mark failed the started exports whose maker is gone (kiemdiem/jobs.py); return how many."""
    now = timezone.now()
    started = (jobs if jobs is not None else ExportJob.objects.all()).exclude(
        status__in=(ExportStatus.DONE, ExportStatus.FAILED)
    )
    reaped = 0
    for pk, progress, runner, heartbeat in started.exclude(runner="").values_list(
        "pk", "progress", "runner", "heartbeat_at"
    ):
        if not runner_is_gone(runner, heartbeat, now):
            continue
        reaped += (
            ExportJob.objects.filter(pk=pk, runner=runner)
            .exclude(status__in=(ExportStatus.DONE, ExportStatus.FAILED))
            .update(
                status=ExportStatus.FAILED, error=ORPHANED_MESSAGE.format(progress=progress), finished_at=now
            )
        )
        logger.warning("export job %s orphaned by %s at %s%%: marked failed", pk, runner, progress)
    return reaped


def _in_scope(job: ExportJob) -> tuple[Cycle, Unit, ReportSubmission | None]:
    """The job's objects read again through the user's scope, as the export views read them."""
    if job.submission_id is not None:
        sub = get_submission_for_user(job.user, job.submission_id)
        return sub.cycle, sub.unit, sub
    cycle, unit = get_cycle_and_unit_for_user(job.user, job.cycle_id, job.unit_id)
    return cycle, unit, None


def run_export_job(job_id: int) -> ExportJob:
    """Make one queued export, recording its progress; any failure marks the job failed with a message."""
    job = ExportJob.objects.select_related("user").defer("content").get(pk=job_id)
    if job.is_finished:
        return job
    jobs = ExportJob.objects.filter(pk=job.pk)
    claimed = jobs.exclude(status__in=(ExportStatus.DONE, ExportStatus.FAILED)).update(
        status=ExportStatus.RUNNING, progress=1, runner=current_runner(), heartbeat_at=timezone.now()
    )
    if not claimed:  # reaped or finished since it was read
        return ExportJob.objects.defer("content").get(pk=job.pk)
    last = [1]

    def progress(pct: int) -> None:
        pct = max(1, min(pct, 99))
        if pct != last[-1]:
            last.append(pct)
            jobs.update(progress=pct, heartbeat_at=timezone.now())

    try:
        cycle, unit, sub = _in_scope(job)
        content, _, name = build_export(job.kind, cycle, unit, sub, progress)
    except Http404:
        jobs.update(status=ExportStatus.FAILED, error=NO_LONGER_IN_SCOPE, finished_at=timezone.now())
    except Exception:
        logger.exception("export job %s failed", job.pk)
        jobs.update(status=ExportStatus.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now())
    else:
        jobs.update(
            status=ExportStatus.DONE,
            progress=100,
            content=content,
            file_name=name,
            finished_at=timezone.now(),
        )
    return ExportJob.objects.defer("content").get(pk=job.pk)
