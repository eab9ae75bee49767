"""Background task: a worker (`kiemdiem db_worker`) creates a cycle's groups and evaluations; tests run it at once."""

from __future__ import annotations

from django.tasks import task

from kiemdiem.campaigns.cycle_jobs import run_cycle_job


@task()
def run_cycle_sync(job_id: int) -> str:
    return run_cycle_job(job_id).status
