"""Excel imports: validate every row first, write all or nothing in one transaction, record the job."""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, QuerySet
from django.utils import timezone

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.models import Cycle
from kiemdiem.campaigns.permissions import RECORDING_ROLES
from kiemdiem.imports.models import FINISHED, PREVIEWED_KINDS, ImportJob, ImportKind, JobStatus
from kiemdiem.imports.parsing import WorkbookError, read_sheet, size_error
from kiemdiem.imports.ratings import import_ratings
from kiemdiem.imports.reorganisation import parse_reorganisations, run_reorganisations
from kiemdiem.imports.validation import (
    SPECS,
    ImportRefused,
    PeoplePlan,
    PositionPlan,
    UnitPlan,
    validate_people,
    validate_positions,
    validate_units,
)
from kiemdiem.jobs import current_runner, runner_is_gone
from kiemdiem.orgs.actions import do_create_units, do_update_people
from kiemdiem.orgs.models import LeadershipCollective, Person, Position, Unit, search_text_of
from kiemdiem.vietnamese import name_sort_key

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


def can_import(user: User) -> bool:
    """Accounts that record data for a subtree; inspectors read, members and standing members do not import."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (user.role in RECORDING_ROLES and user.unit_id is not None)


def do_create_import_job(
    *,
    user: User,
    kind: str,
    file_name: str,
    content: bytes,
    cycle: Cycle | None = None,
    preview: bool = False,
) -> ImportJob:
    """Record an upload to import; refuse at once what no one may import or what is too big to keep."""
    if not can_import(user):
        raise PermissionDenied("Đồng chí không có quyền nhập dữ liệu.")
    if kind not in ImportKind.values:
        raise ImportRefused([f"Loại dữ liệu “{kind}” không được hỗ trợ."])
    if kind == ImportKind.RATINGS and cycle is None:
        raise ImportRefused(["Nhập kết quả xếp loại cần chọn đợt kiểm điểm."])
    if too_big := size_error(len(content)):
        raise ImportRefused([too_big])
    return ImportJob.objects.create(
        user=user,
        kind=kind,
        cycle=cycle if kind == ImportKind.RATINGS else None,
        file_name=os.path.basename(file_name or "")[:255] or "tệp không tên.xlsx",
        size=len(content),
        content=content,
        preview=preview and kind in PREVIEWED_KINDS,
    )


def do_apply_import_job(*, user: User, job: ImportJob) -> ImportJob:
    """Queue a previewed job to be written: the same file is checked again and written all or nothing."""
    if not can_import(user) or (job.user_id != user.pk and not user.is_superuser):
        raise PermissionDenied("Đồng chí không có quyền áp dụng lượt nhập này.")
    updated = ImportJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEWED, preview=True).update(
        preview=False, status=JobStatus.QUEUED, progress=0, finished_at=None
    )
    if not updated:
        raise ImportRefused(
            ["Lượt nhập này không còn ở trạng thái chờ áp dụng (đã áp dụng hoặc bị từ chối)."]
        )
    job.refresh_from_db()
    return job


def do_import_workbook(
    *,
    user: User,
    kind: str,
    content: bytes,
    file_name: str = "",
    cycle: Cycle | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> dict[str, object]:
    """Read, validate every row, then write it all in one transaction; raise ImportRefused listing the errors.

    Reading and validation happen outside the transaction (their progress is visible to the job page); the
    write is one `transaction.atomic` block, so a failure or a killed process leaves the database as it was.
    """
    if not can_import(user):
        raise PermissionDenied("Đồng chí không có quyền nhập dữ liệu.")
    report = progress or (lambda status, pct: None)
    spec = SPECS[kind]
    report(JobStatus.READING, 1)
    try:
        sheet = read_sheet(content, preferred=spec.sheet, progress=lambda pct: report(JobStatus.READING, pct))
    except WorkbookError as exc:
        raise ImportRefused([str(exc)]) from None
    total = len(sheet.rows)
    report(JobStatus.VALIDATING, 30)

    def tick(done: int) -> None:
        report(JobStatus.VALIDATING, 30 + round(40 * done / max(total, 1)))

    try:
        if kind == ImportKind.RATINGS:
            if cycle is None:
                raise ImportRefused(["Nhập kết quả xếp loại cần chọn đợt kiểm điểm."])
            written = import_ratings(
                user=user,
                cycle=cycle,
                sheet=sheet,
                file_name=file_name,
                tick=tick,
                before_write=lambda: report(JobStatus.WRITING, 70),
            )
            return {**written, "rows": total}
        if kind == ImportKind.REORGANISATION:
            steps = parse_reorganisations(sheet, tick)
            report(JobStatus.WRITING, 70)
            return run_reorganisations(steps, user, dry_run=dry_run) | {"rows": total}
        if kind == ImportKind.UNITS:
            plan = validate_units(sheet, user, tick)
            report(JobStatus.WRITING, 70)
            return {**_write_units(plan), "rows": total}
        if kind == ImportKind.PEOPLE:
            people = validate_people(sheet, user, tick)
            if dry_run:
                return people_preview(people) | {"rows": total}
            report(JobStatus.WRITING, 70)
            return {**_write_people(people), "rows": total}
        plan_positions = validate_positions(sheet, user, tick)
        report(JobStatus.WRITING, 70)
        return {**_write_positions(plan_positions), "rows": total}
    except IntegrityError as exc:
        # Someone wrote the same codes between validation and the write: nothing of ours was kept.
        logger.warning("import refused by a database constraint: %s", exc)
        raise ImportRefused(
            [
                "Dữ liệu vừa bị thay đổi trong lúc nhập (trùng mã hoặc trùng người đứng đầu); "
                "không có dòng nào được ghi. Đề nghị nhập lại."
            ]
        ) from None


def _write_units(plan: UnitPlan) -> dict[str, int]:
    """The tree's one writer inserts them: parents before children, paths in bulk."""
    by_key = {unit.code.casefold(): unit for _, unit, _ in plan.units}
    for _, unit, key in plan.units:
        if key is not None:
            unit.parent = by_key[key]
        elif unit.parent_id:
            unit.parent = Unit(pk=unit.parent_id, path=plan.parent_paths[unit.parent_id])
    do_create_units(units=[unit for _, unit, _ in plan.units])
    return {"units": len(by_key)}


@transaction.atomic
def _write_people(plan: PeoplePlan) -> dict[str, int]:
    new = [p for _, p in plan.new]
    for row in new:  # the raw INSERT skips Person.save: fill the search and sort columns here
        row["search_text"] = search_text_of(str(row["full_name"]))
        row["sort_key"] = name_sort_key(str(row["full_name"]))
    _insert_rows(Person, new)
    do_update_people(updates=[(pk, changes) for _, pk, changes in plan.changed], on=timezone.localdate())
    return _people_counts(plan)


def _people_counts(plan: PeoplePlan) -> dict[str, int]:
    return {
        "people": len(plan.new),
        "updated": len(plan.changed),
        "unchanged": plan.unchanged,
        "missing": len(plan.missing),
    }


PREVIEW_ROWS = 1000  # rows of each list the preview keeps; the counts are always complete


def _show(attname: str, value: object, codes: dict[int, str]) -> str:
    if value is None or value == "":
        return "(trống)"
    if attname in ("home_cell_id", "managing_unit_id"):
        return codes.get(value, str(value)) if isinstance(value, int) else str(value)  # the keys are ints
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    field = Person._meta.get_field(attname)
    assert isinstance(field, Field)  # PERSON_FIELDS are the model's own columns, never a reverse relation
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def people_preview(plan: PeoplePlan) -> dict[str, object]:
    """The diff a clerk reads before applying: new, changed field by field, unchanged, missing from the file."""
    ids: set[object] = set()
    for _, _, changes in plan.changed:
        ids.update(changes.get(a) for a in ("home_cell_id", "managing_unit_id"))
    for before in plan.before.values():
        ids.update({before["home_cell_id"], before["managing_unit_id"]})
    codes = dict(Unit.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "code"))
    labels = {f.attname: str(f.verbose_name) for f in Person._meta.fields}
    changed = []
    for number, pk, changes in plan.changed[:PREVIEW_ROWS]:
        before = plan.before[pk]
        changed.append(
            {
                "row": number,
                "code": before["code"],
                "name": before["full_name"],
                "fields": [
                    [labels[a].capitalize(), _show(a, before[a], codes), _show(a, v, codes)]
                    for a, v in changes.items()
                ],
            }
        )
    return {
        **_people_counts(plan),
        "preview": True,
        "new_rows": [
            {"row": n, "code": p["code"], "name": p["full_name"]} for n, p in plan.new[:PREVIEW_ROWS]
        ],
        "changed_rows": changed,
        "missing_rows": [{"code": c, "name": n} for c, n in plan.missing[:PREVIEW_ROWS]],
    }


def _insert_rows(model: type[Model], rows: list[dict[str, object]], *, chunk: int = 5000) -> None:
    """INSERT validated rows with executemany: bulk_create's SQL compiler costs ~10 s per 140,000 people.

    Values are already clean (validated above); dates go through the backend's own adapter, every field the
    rows leave out takes its model default, and constraints still hold in the database.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # type: ignore[arg-type]  # concrete: a column each
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    defaults = {f.attname: f.get_default() for f in fields}
    dates = {f.attname for f in fields if f.get_internal_type() == "DateField"}
    adapt = connection.ops.adapt_datefield_value
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: 140,000 rows in about a second, where executemany takes ~15 s.
            columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[arg-type]  # concrete: a column each
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    values = {**defaults, **row}
                    copy.write_row([values[n] for n in names])
            return
        for start in range(0, len(rows), chunk):
            params = []
            for row in rows[start : start + chunk]:
                values = {**defaults, **row}
                params.append(tuple(adapt(values[n]) if n in dates else values[n] for n in names))
            cursor.executemany(sql, params)


@transaction.atomic
def _write_positions(plan: PositionPlan) -> dict[str, int]:
    new = list(plan.new_collectives.values())
    LeadershipCollective.objects.bulk_create(new, batch_size=2000)
    for at, key in plan.position_collective.items():
        plan.positions[at].collective_id = plan.new_collectives[key].pk
    Position.objects.bulk_create(plan.positions, batch_size=2000)
    return {"positions": len(plan.positions), "collectives": len(new)}


def run_import_job(job_id: int, *, echo: Callable[[str], None] | None = None) -> ImportJob:
    """Run one queued job to the end, recording its progress, errors and result on the job row."""
    job = ImportJob.objects.select_related("user", "cycle", "cycle__unit").get(pk=job_id)
    if job.is_finished:
        return job
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=job.pk)
        .exclude(status__in=FINISHED)
        .update(status=JobStatus.READING, started_at=now, runner=current_runner(), heartbeat_at=now)
    )
    if not claimed:  # reaped or finished since it was read
        job.refresh_from_db()
        return job
    last: list[tuple[str, int]] = []

    def progress(status: str, pct: int) -> None:
        if last and last[-1] == (status, pct):
            return
        if echo and (not last or last[-1][0] != status):
            echo(f"{JobStatus(status).label}…")
        last.append((status, pct))
        ImportJob.objects.filter(pk=job.pk).update(
            status=status, progress=min(pct, 99), heartbeat_at=timezone.now()
        )

    finished: dict[str, object] = {"finished_at": timezone.now(), "content": b""}
    try:
        summary = do_import_workbook(
            user=job.user,
            kind=job.kind,
            content=bytes(job.content),
            file_name=job.file_name,
            cycle=job.cycle,
            progress=progress,
            dry_run=job.preview,
        )
    except ImportRefused as exc:
        finished |= {"status": JobStatus.REFUSED, "errors": exc.errors, "error_total": exc.total}
    except PermissionDenied as exc:
        finished |= {"status": JobStatus.REFUSED, "errors": [str(exc)], "error_total": 1}
    except Exception:
        logger.exception("import job %s failed", job.pk)
        finished |= {
            "status": JobStatus.FAILED,
            "errors": ["Lỗi hệ thống khi nhập; không có dòng nào được ghi. Đề nghị báo quản trị viên."],
            "error_total": 1,
        }
    else:
        rows = int(summary.get("rows", 0))  # type: ignore[call-overload]  # do_import_workbook puts the int there
        finished |= {"status": JobStatus.DONE, "progress": 100, "summary": summary, "total_rows": rows}
        if job.preview:  # the file is kept until the changes shown are applied
            finished |= {"status": JobStatus.PREVIEWED}
            del finished["content"]
    finished["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**finished)
    job.refresh_from_db()
    return job


def _orphan_message(status: str, progress: int) -> str:
    return (
        f"Tiến trình xử lý nền đã dừng đột ngột (máy chủ hoặc tiến trình kiemdiem db_worker bị tắt) khi tệp "
        f"đang ở bước «{JobStatus(status).label}», {progress} %. Không có dòng nào được ghi. "
        "Đề nghị nhập lại tệp; nếu lặp lại, báo quản trị viên."
    )


def do_reap_orphaned_import_jobs(*, jobs: QuerySet[ImportJob] | None = None) -> int:
    """Mark failed the started jobs whose runner is gone (kiemdiem/jobs.py); return how many.

    The import wrote nothing (one transaction, rolled back with the dead process), so the job says so; the
    upload is dropped, as for any finished job.
    """
    now = timezone.now()
    started = (
        (jobs if jobs is not None else ImportJob.objects.all())
        .exclude(status__in=FINISHED)
        .exclude(runner="")
    )
    reaped = 0
    for pk, status, progress, runner, heartbeat in started.values_list(
        "pk", "status", "progress", "runner", "heartbeat_at"
    ):
        if not runner_is_gone(runner, heartbeat, now):
            continue
        message = _orphan_message(status, progress)
        reaped += (
            ImportJob.objects.filter(pk=pk, runner=runner)
            .exclude(status__in=FINISHED)
            .update(status=JobStatus.FAILED, errors=[message], error_total=1, finished_at=now, content=b"")
        )
        logger.warning("import job %s orphaned by %s at %s %s%%: marked failed", pk, runner, status, progress)
    return reaped
