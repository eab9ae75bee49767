"""PostgreSQL races on the rules that hold both ways: the HTXS cap and the head/deputy ceiling (issues 16, 21)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import RuleViolation, ensure_evaluations
from kiemdiem.campaigns.models import Evaluation, SubjectType
from tests.campaigns.helpers import propose, submit_self_review
from tests.campaigns.test_ratings_both_ways import leadership
from tests.conftest import make_members
from tests.trust.test_concurrency import run_together, slowed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises every write anyway")


@pytest.mark.parametrize("raised_first", [True, False])
def test_a_htt_lowered_while_another_is_raised_never_leaves_the_group_over_its_cap(
    world, cell_secretary, monkeypatch, raised_first
):
    make_members(world.cell_na_hang, 11)
    ensure_evaluations(cycle=world.cycle_na_hang)
    members = list(
        Evaluation.objects.filter(cycle=world.cycle_na_hang, subject_type=SubjectType.PARTY_MEMBER).order_by(
            "pk"
        )
    )
    assert len(members) == 12
    submit_self_review(cell_secretary, members[0], "HTXS")
    submit_self_review(cell_secretary, members[1], "HTXS")
    for ev in members:
        propose(cell_secretary, ev, "HTT")
    propose(cell_secretary, members[0], "HTXS")
    # 11 HTT and 1 HTXS, cap 2. Raising one more HTXS alone is fine (10 HTT, 2 HTXS, cap 2); lowering a HTT alone
    # is fine (10 HTT, 1 HTXS, cap 1); both together leave 9 HTT under 2 HTXS, cap 1.
    slowed(monkeypatch, "_refuse_rule_breaks")

    def save(ev, rating, delay):  # type: ignore[no-untyped-def]
        def job():  # type: ignore[no-untyped-def]
            time.sleep(delay)  # the other one reaches the lock first; this one's check must see its change
            return actions.do_record_meeting(
                user=cell_secretary,
                evaluation=ev,
                comments="",
                attendees=10,
                votes_for=9,
                proposed_rating=rating,
            )

        return job

    first, second = (0, 0.1) if raised_first else (0.1, 0)
    results = run_together(save(members[1], "HTXS", first), save(members[5], "HT", second))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], RuleViolation) and {f.code for f in refused[0].findings} == {
        "QUOTA_EXCELLENT"
    }
    ratings = list(
        Evaluation.objects.filter(
            cycle=world.cycle_na_hang, subject_type=SubjectType.PARTY_MEMBER
        ).values_list("proposed_rating", flat=True)
    )
    excellent, good = ratings.count("HTXS"), ratings.count("HTT")
    assert (
        excellent * 120 <= 20 * (excellent + good) + 100 * 0 or excellent <= (20 * (excellent + good)) // 120
    )
    assert excellent <= 20 * (excellent + good) // 120


@pytest.mark.parametrize("round_", range(3))
def test_two_deputies_decided_against_the_collectives_re_decision_never_end_above_it(
    world, district_officer, monkeypatch, round_
):
    unit, coll, deps = leadership(world, district_officer, deputies=2)
    slowed(monkeypatch, "_refuse_rule_breaks", 0.3)

    def decide(ev, rating, reason=""):  # type: ignore[no-untyped-def]
        return lambda: actions.do_decide_rating(
            user=district_officer, evaluation=ev, rating=rating, reason=reason
        )

    results = run_together(
        decide(deps[0], "HTT"),
        decide(coll, "HT", "Xếp loại lại theo kết luận kiểm tra."),
        decide(deps[1], "HTT"),
    )
    coll.refresh_from_db()
    rank = {"KHT": 0, "HT": 1, "HTT": 2, "HTXS": 3}
    for ev in deps:
        ev.refresh_from_db()
        if ev.decided_rating:
            assert rank[ev.decided_rating] <= rank[coll.decided_rating], (
                results,
                ev.decided_rating,
                coll.decided_rating,
            )
    assert all(r is None or not isinstance(r, Exception) or isinstance(r, RuleViolation) for r in results), (
        results
    )
