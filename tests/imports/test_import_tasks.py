"""Big uploads go to the task queue (django-tasks-db); the worker runs them to the end."""

import io

import pytest
from django.core.management import call_command

from kiemdiem.imports import tasks
from kiemdiem.imports.models import ImportJob
from kiemdiem.orgs.models import Person
from tests.imports.helpers import person_row, xlsx

pytestmark = pytest.mark.django_db


def test_a_big_upload_waits_for_the_worker_then_is_imported(
    client, district_officer, world, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(tasks, "INLINE_MAX_BYTES", 100)
    # The worker recycles connections between tasks; in a test that would drop the test transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    monkeypatch.setattr("kiemdiem.management.commands.db_worker.close_old_connections", lambda: None)
    client.force_login(district_officer)
    f = io.BytesIO(xlsx("people", [person_row(f"Q{i}", "NH-001-01") for i in range(30)]))
    f.name = "lon.xlsx"
    response = client.post("/nhap-lieu/", {"kind": "people", "file": f})
    job = ImportJob.objects.get()
    assert job.status == "queued"
    page = client.get(response.url).content.decode()
    assert "Đang chờ xử lý" in page and '<meta http-equiv="refresh" content="2">' in page
    call_command("db_worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.summary["people"], job.total_rows) == ("previewed", 30, 30)
    assert not Person.objects.filter(code__startswith="Q").exists()
    client.post(f"/nhap-lieu/luot/{job.pk}/ap-dung/")
    job.refresh_from_db()
    assert job.status == "queued"
    call_command("db_worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.summary["people"], job.total_rows) == ("done", 30, 30)
    assert Person.objects.filter(code__startswith="Q").count() == 30
