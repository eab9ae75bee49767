"""A large export starts only from the page's own form (POST with its CSRF token), and asking again for the same
file from the same data reuses the job already making it: a third-party page cannot start province-wide exports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kiemdiem.campaigns.actions import do_update_facts, ensure_evaluations
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.reports import export_jobs
from kiemdiem.reports.models import ExportJob


@pytest.fixture
def large(world, monkeypatch):  # type: ignore[no-untyped-def]
    """Every subtree counts as large; the database task backend queues the job and nothing runs it."""
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SUBJECTS", 0)
    ensure_evaluations(cycle=world.cycle_province)


def _url(name: str, world) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"reports:{name}", args=[world.cycle_province.pk, world.province.pk])


@pytest.mark.parametrize("name", ["xlsx", "docx", "pdf", "ratings_xlsx"])
def test_a_link_to_a_large_export_starts_nothing(world, province_admin, large, name):
    client = Client()
    client.force_login(province_admin)
    page = client.get(_url(name, world))  # what an <img src> or a link on another site would send
    assert page.status_code == 200
    body = page.content.decode()
    assert '<form method="post" id="export-start">' in body and "csrfmiddlewaretoken" in body
    assert not ExportJob.objects.exists()


def test_a_post_from_another_site_without_the_token_is_refused(world, province_admin, large):
    client = Client(enforce_csrf_checks=True)
    client.force_login(province_admin)
    assert client.post(_url("pdf", world)).status_code == 403
    assert not ExportJob.objects.exists()


def test_the_dashboard_offers_buttons_that_post(world, province_admin, large):
    client = Client()
    client.force_login(province_admin)
    body = client.get(_url("dashboard", world)).content.decode()
    for name in ("xlsx", "docx", "pdf", "ratings_xlsx"):
        assert f'<form method="post" action="{_url(name, world)}" class="inline">' in body
        assert f'<a href="{_url(name, world)}"' not in body


def test_asking_again_for_the_same_file_from_the_same_data_reuses_the_running_job(
    world, province_admin, large
):
    client = Client()
    client.force_login(province_admin)
    first = client.post(_url("pdf", world))
    again = client.post(_url("pdf", world))
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert ExportJob.objects.count() == 1
    client.post(_url("xlsx", world))  # another file: another job
    assert ExportJob.objects.count() == 2
    # The data changed: the next request makes a new file; the earlier job is left to finish.
    ev = Evaluation.objects.filter(cycle=world.cycle_province, person=world.member_na_hang).first()
    do_update_facts(user=province_admin, evaluation=ev, facts={"sick_leave_days": 12})
    after_change = client.post(_url("pdf", world))
    assert after_change["Location"] != first["Location"] and ExportJob.objects.count() == 3
    # A finished (or failed) job is not reused.
    ExportJob.objects.update(status="done")
    assert client.post(_url("pdf", world))["Location"] != after_change["Location"]
    assert ExportJob.objects.count() == 4


def test_another_user_never_gets_someone_elses_job(world, province_admin, inspector, large):
    mine, theirs = Client(), Client()
    mine.force_login(province_admin)
    theirs.force_login(inspector)
    assert mine.post(_url("pdf", world))["Location"] != theirs.post(_url("pdf", world))["Location"]
    assert ExportJob.objects.count() == 2
