"""Scoped reads of import jobs: a user sees the jobs they started (a superuser sees all)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kiemdiem.accounts.models import User
from kiemdiem.imports.models import ImportJob


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    if not user.is_authenticated:
        return ImportJob.objects.none()
    qs = ImportJob.objects.defer("content")
    return qs if user.is_superuser else qs.filter(user=user)


def get_job_for_user(user: User, pk: int) -> ImportJob:
    """The job, marked failed first if the process running it is gone (its page then says so)."""
    from kiemdiem.imports.actions import do_reap_orphaned_import_jobs

    jobs = jobs_visible_to(user).select_related("cycle", "cycle__unit")
    try:
        job = jobs.get(pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404("Không tìm thấy lượt nhập.") from None
    if not job.is_finished and job.runner and do_reap_orphaned_import_jobs(jobs=jobs.filter(pk=pk)):
        job = jobs.get(pk=pk)
    return job
