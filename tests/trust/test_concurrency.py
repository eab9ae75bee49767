"""Concurrency on PostgreSQL, with real threads and separate connections: the quota holds, no update is lost."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import ConflictError, RuleViolation, ensure_evaluations
from kiemdiem.campaigns.models import Evaluation, SubjectType
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises every write anyway")


def run_together(*jobs):  # type: ignore[no-untyped-def]
    """Run the jobs in threads that start at the same moment; return each one's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def runner(i: int, job) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def slowed(monkeypatch, name: str, seconds: float = 0.4) -> None:  # type: ignore[no-untyped-def]
    """Hold the transaction open after the check, so that without a lock both would check before either saves."""
    original = getattr(actions, name)

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(actions, name, slow)


def test_it_keeps_the_quota_when_two_decisions_land_at_the_same_moment(
    world, grassroots_officer, monkeypatch
):
    make_members(world.cell_na_hang, 9)
    ensure_evaluations(cycle=world.cycle_na_hang)
    members = list(
        Evaluation.objects.filter(cycle=world.cycle_na_hang, subject_type=SubjectType.PARTY_MEMBER).order_by(
            "pk"
        )
    )
    assert len(members) == 10
    for ev in members[:2]:  # the two contenders graded themselves excellent on every criterion
        submit_self_review(grassroots_officer, ev, "HTXS")
    for ev in members:
        propose(grassroots_officer, ev, "HTT")
    # 10 HTT: one may become HTXS (9 HTT → cap 1); a second (8 HTT, 2 HTXS) breaks 20% of HTT.
    slowed(monkeypatch, "_refuse_rule_breaks")

    def decide(ev):  # type: ignore[no-untyped-def]
        return lambda: actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTXS")

    results = run_together(decide(members[0]), decide(members[1]))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], RuleViolation) and "QUOTA_EXCELLENT" in {
        f.code for f in refused[0].findings
    }
    decided = Evaluation.objects.filter(cycle=world.cycle_na_hang, decided_rating="HTXS").count()
    assert decided == 1


def test_it_refuses_the_second_of_two_simultaneous_edits_with_a_clear_message(
    world, grassroots_officer, monkeypatch
):
    ensure_evaluations(cycle=world.cycle_na_hang)
    ev = Evaluation.objects.get(cycle=world.cycle_na_hang, person=world.member_na_hang)
    opened = ev.version  # both officers opened the same form
    slowed(monkeypatch, "_lock")

    def edit(days: int):  # type: ignore[no-untyped-def]
        return lambda: actions.do_update_facts(
            user=grassroots_officer, evaluation=ev, facts={"sick_leave_days": days}, version=opened
        )

    results = run_together(edit(10), edit(120))
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    saved = [r for r in results if isinstance(r, Evaluation)]
    assert len(conflicts) == 1 and len(saved) == 1, results
    assert "vừa được người khác cập nhật" in str(conflicts[0]) and "tải lại trang" in str(conflicts[0])
    ev.refresh_from_db()
    assert ev.version == opened + 1
    assert ev.facts == saved[0].facts  # what is stored is exactly what the winner saved, nothing merged
    assert ev.audit_records.filter(action="facts").count() == 1


def test_it_shows_the_conflict_on_the_page_and_keeps_the_first_edit(world, grassroots_officer, client):
    ensure_evaluations(cycle=world.cycle_na_hang)
    ev = Evaluation.objects.get(cycle=world.cycle_na_hang, person=world.member_na_hang)
    client.force_login(grassroots_officer)
    url = f"/danh-gia/{ev.pk}/du-kien/"
    results = run_together(
        lambda: client.post(url, {"sick_leave_days": "10", "version": str(ev.version)}, follow=True),
        lambda: _other_client(grassroots_officer).post(
            url, {"sick_leave_days": "120", "version": str(ev.version)}, follow=True
        ),
    )
    bodies = [r.content.decode() for r in results]  # type: ignore[attr-defined]
    assert sum("vừa được người khác cập nhật" in b for b in bodies) == 1
    ev.refresh_from_db()
    assert ev.facts["sick_leave_days"] in (10, 120) and ev.version == 2


def _other_client(user):  # type: ignore[no-untyped-def]
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c
