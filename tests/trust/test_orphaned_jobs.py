"""Jobs whose runner died (`kill -9` of db_worker, a server restart) end failed, with a message the user sees.

The runner here is a real process killed with SIGKILL; the end-to-end run (a real db_worker killed mid-import)
is in test_live_load.py.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kiemdiem.imports.models import ImportJob, JobStatus
from kiemdiem.jobs import LEASE, _host, _start_ticks, current_runner
from kiemdiem.management.commands import db_worker as worker_command
from kiemdiem.reports.models import ExportJob, ExportStatus


@pytest.fixture
def killed_runner() -> str:
    """The runner string of a process that took a job and was then killed with SIGKILL."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        runner = f"{_host()}:{proc.pid}:{_start_ticks(proc.pid)}"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    return runner


def _import_job(user, runner: str, **fields) -> ImportJob:  # type: ignore[no-untyped-def]
    return ImportJob.objects.create(
        user=user,
        kind="people",
        file_name="Danh sách đảng viên.xlsx",
        content=b"PK...",
        status=JobStatus.WRITING,
        progress=70,
        started_at=timezone.now(),
        runner=runner,
        heartbeat_at=timezone.now(),
        **fields,
    )


def _export_job(user, world, runner: str) -> ExportJob:  # type: ignore[no-untyped-def]
    return ExportJob.objects.create(
        user=user,
        kind="xlsx",
        cycle=world.cycle_na_hang,
        unit=world.na_hang,
        status=ExportStatus.RUNNING,
        progress=5,
        runner=runner,
        heartbeat_at=timezone.now(),
    )


def test_the_import_page_shows_a_job_whose_worker_was_killed_as_failed(
    world, district_officer, killed_runner
):
    job = _import_job(district_officer, killed_runner)
    client = Client()
    client.force_login(district_officer)
    body = client.get(f"/nhap-lieu/luot/{job.pk}/").content.decode()
    assert "dừng đột ngột" in body and "Đang ghi vào cơ sở dữ liệu" in body and "70 %" in body
    assert "Không có dòng nào được ghi" in body and 'http-equiv="refresh"' not in body
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None and bytes(job.content) == b""
    api = client.get(f"/api/imports/{job.pk}").json()
    assert api["status"] == "failed"


def test_the_export_page_shows_a_job_whose_worker_was_killed_as_failed(
    world, district_officer, killed_runner
):
    job = _export_job(district_officer, world, killed_runner)
    client = Client()
    client.force_login(district_officer)
    status = client.get(f"/bao-cao/tai-ve/{job.pk}/trang-thai/").json()
    assert status["status"] == "failed" and status["finished"] is True
    assert "dừng đột ngột" in status["error"] and "5 %" in status["error"]
    assert "dừng đột ngột" in client.get(f"/bao-cao/tai-ve/{job.pk}/").content.decode()


def test_the_worker_marks_orphaned_jobs_failed_when_it_starts(
    world, district_officer, killed_runner, monkeypatch
):
    imported = _import_job(district_officer, killed_runner)
    exported = _export_job(district_officer, world, killed_runner)
    # As Django's test client does: the worker's connection checks would close the test's own transaction.
    monkeypatch.setattr(worker_command, "close_old_connections", lambda: None)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for sig, handler in handlers.items():  # the worker installs its own; give pytest back its own
            signal.signal(sig, handler)
    imported.refresh_from_db()
    exported.refresh_from_db()
    assert imported.status == JobStatus.FAILED and "dừng đột ngột" in imported.errors[0]
    assert exported.status == ExportStatus.FAILED and "dừng đột ngột" in exported.error


def test_it_leaves_a_job_whose_runner_is_alive_running(world, district_officer):
    job = _import_job(district_officer, current_runner())
    client = Client()
    client.force_login(district_officer)
    body = client.get(f"/nhap-lieu/luot/{job.pk}/").content.decode()
    assert "dừng đột ngột" not in body and 'http-equiv="refresh"' in body
    job.refresh_from_db()
    assert job.status == JobStatus.WRITING


def test_a_runner_on_another_machine_holds_its_job_for_the_lease_only(world, district_officer):
    now = timezone.now()
    fresh = _import_job(district_officer, "may-chu-khac:4242:1")
    stale = _import_job(district_officer, "may-chu-khac:4243:1")
    ImportJob.objects.filter(pk=stale.pk).update(heartbeat_at=now - LEASE - datetime.timedelta(minutes=1))
    from kiemdiem.imports.actions import do_reap_orphaned_import_jobs

    assert do_reap_orphaned_import_jobs() == 1
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert fresh.status == JobStatus.WRITING and stale.status == JobStatus.FAILED


def test_a_queued_job_is_not_an_orphan(world, district_officer):
    job = ImportJob.objects.create(user=district_officer, kind="people", file_name="x.xlsx")
    from kiemdiem.imports.actions import do_reap_orphaned_import_jobs

    assert do_reap_orphaned_import_jobs() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
