"""`kiemdiem db_worker`: django-tasks-db's worker, made polite to the embedded SQLite and aware of orphaned jobs.

django-tasks-db's loop opens an EXCLUSIVE transaction at every poll (each second), even when the queue is empty:
on SQLite that takes the write lock while idle, and pages that save at that moment wait or fail. This worker
first looks for a ready task with a plain read (which never blocks and is never blocked under WAL) and takes the
lock only to claim one; a lock it cannot get in time is waited out and retried, never a crash. It also marks failed
the import and export jobs whose runner died (a `kill -9` of an earlier worker; kiemdiem/jobs.py), when it starts
and then every minute.
"""

from __future__ import annotations

import logging
import time

from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker as upstream
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from kiemdiem.imports.actions import do_reap_orphaned_import_jobs
from kiemdiem.reports.export_jobs import do_reap_orphaned_export_jobs

logger = logging.getLogger("django_tasks_db")

REAP_EVERY_SECONDS = 60.0


def reap_orphaned_jobs() -> int:
    """Fail the imports and exports whose runner is gone; a locked database only postpones it."""
    try:
        return do_reap_orphaned_import_jobs() + do_reap_orphaned_export_jobs()
    except OperationalError as exc:
        if is_locked_database_exception(exc):
            return 0
        raise


class Worker(upstream.Worker):
    def _ready(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def _claim(self):
        """(whether the queue could be read, the claimed task or None)."""
        tasks = self._ready()
        try:
            if not tasks.exists():  # a plain read: no lock taken while the queue is empty
                return True, None
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                return True, task_result
        except OperationalError as exc:
            if is_locked_database_exception(exc):  # someone else is writing: wait and try again
                return False, None
            raise

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        close_old_connections()
        if reaped := reap_orphaned_jobs():
            logger.warning("Marked %d orphaned job(s) failed", reaped)
        last_reap = time.monotonic()
        while self.running:
            close_old_connections()
            retrieved, task_result = self._claim()
            if task_result is not None:
                self.run_task(task_result)
            if self.batch and retrieved and task_result is None:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return
            if time.monotonic() - last_reap > REAP_EVERY_SECONDS:
                reap_orphaned_jobs()
                last_reap = time.monotonic()
            close_old_connections()
            if self.running and not task_result:
                time.sleep(self.interval)


class Command(upstream.Command):
    help = "Run the background worker for imports and exports (waits for SQLite's write lock, never holds it idle)"

    def handle(self, **options):
        # the upstream handle() builds `Worker` from its module; mypy refuses rebinding a class: it is the point here
        upstream.Worker = Worker  # type: ignore[misc]  # patched for this handle() only, restored below
        try:
            return super().handle(**options)
        finally:
            upstream.Worker = _UpstreamWorker  # type: ignore[misc]  # restoring the class patched above


_UpstreamWorker = upstream.Worker
