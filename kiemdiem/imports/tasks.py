"""Background task: a worker (`kiemdiem db_worker`) runs queued imports; tests use the immediate backend."""

from __future__ import annotations

from django.tasks import task

from kiemdiem.imports.actions import run_import_job


@task()
def run_import(job_id: int) -> str:
    return run_import_job(job_id).status
