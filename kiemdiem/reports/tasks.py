"""Background task: a worker (`kiemdiem db_worker`) makes queued exports; tests use the immediate backend."""

from __future__ import annotations

from django.tasks import task

from kiemdiem.reports.export_jobs import run_export_job


@task()
def run_export(job_id: int) -> str:
    return run_export_job(job_id).status
