"""Creating a cycle's quota groups and evaluations in the background, with its progress (like the export jobs).

The page that opens (or re-syncs) a cycle records a CycleJob and queues `run_cycle_job`; the job's page polls its
progress. A district's cycle is small and is made in the request; a province's (165,000 subjects) goes to the worker.
"""

from __future__ import annotations

import logging

from django.http import Http404
from django.utils import timezone

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.actions import ActionError, do_sync_cycle
from kiemdiem.campaigns.models import Cycle, CycleJob, JobStatus
from kiemdiem.campaigns.queries import cycles_visible_to

logger = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "Lỗi hệ thống khi tạo bản đánh giá; đề nghị thử đồng bộ lại sau ít phút hoặc báo quản trị viên."
)
# Up to this many units in the subtree the groups and evaluations are made in the request (a district: ~1 s).
INLINE_MAX_UNITS = 400


def runs_in_background(cycle: Cycle) -> bool:
    from kiemdiem.orgs.models import Unit

    return Unit.objects.subtree_of(cycle.unit).count() > INLINE_MAX_UNITS


def do_create_cycle_job(*, user: User, cycle: Cycle) -> CycleJob:
    return CycleJob.objects.create(cycle=cycle, user=user, step="Đang chờ tiến trình chạy nền")


def get_cycle_job_for_user(user: User, pk: int) -> CycleJob:
    """A job is seen by its starter and by whoever manages its cycle (its counts are the whole subtree's); anyone
    else, a member of the subtree too, gets the same 404 as for a job that is not there."""
    from kiemdiem.campaigns.actions import can_open_cycle

    try:
        job = CycleJob.objects.select_related("cycle", "cycle__unit").get(
            pk=pk, cycle__in=cycles_visible_to(user)
        )
    except CycleJob.DoesNotExist:
        raise Http404("Không tìm thấy lượt tạo bản đánh giá.") from None
    if job.user_id != user.pk and not can_open_cycle(user, job.cycle.unit, job.cycle.year):
        raise Http404("Không tìm thấy lượt tạo bản đánh giá.")
    return job


def run_cycle_job(job_id: int) -> CycleJob:
    """Add what the cycle lacks, recording the progress; a refusal or a failure marks the job failed."""
    job = CycleJob.objects.select_related("cycle", "cycle__unit", "user").get(pk=job_id)
    if job.is_finished:
        return job
    jobs = CycleJob.objects.filter(pk=job.pk)
    jobs.update(status=JobStatus.RUNNING, progress=1, step="Bắt đầu")
    last = [1]

    def progress(pct: int, step: str) -> None:
        pct = max(1, min(pct, 99))
        if pct != last[-1]:
            last.append(pct)
            jobs.update(progress=pct, step=step)

    try:
        added = do_sync_cycle(cycle=job.cycle, user=job.user, progress=progress)
    except ActionError as exc:
        jobs.update(status=JobStatus.FAILED, error=str(exc), finished_at=timezone.now())
    except Exception:
        logger.exception("cycle job %s failed", job.pk)
        jobs.update(status=JobStatus.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now())
    else:
        jobs.update(
            status=JobStatus.DONE, progress=100, step="Đã xong", added=added, finished_at=timezone.now()
        )
    return CycleJob.objects.get(pk=job.pk)
