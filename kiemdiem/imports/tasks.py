"""Background task: a worker (`kiemdiem db_worker`) runs queued imports; tests use the immediate backend."""

from __future__ import annotations

from django.tasks import task

from kiemdiem.imports.actions import run_import_job


@task()
def run_import(job_id: int) -> str:
    return run_import_job(job_id).status


# Small files are imported during the request; larger ones go to the background worker with a progress bar.
INLINE_MAX_BYTES = 256 * 1024


def start_job(job_id: int, size: int) -> None:
    if size <= INLINE_MAX_BYTES:
        run_import_job(job_id)
    else:
        run_import.enqueue(job_id)
