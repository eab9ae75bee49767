"""The bench profile's task register is drawn within what each subject's level allows, as the app's actions would
have it (QĐ 366 Điều 11): no HTT or HTXS with a task late or not done, no HTXS with under 30 % exceeded, no level
above KHT with more than half not done. The earlier draw ignored the level: 77,332 of the profile's 86,877
findings were levels no action would have let through."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from kiemdiem import rules
from kiemdiem.assessments.actions import task_facts
from kiemdiem.assessments.models import Task
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.demo.province import build_demo_province
from kiemdiem.rules.levels import Rating, SubjectType

REGISTER_CODES = {"BAND_CONDITIONS", "EXCELLENT_CONDITIONS", "TASKS_BELOW_THRESHOLD"}


def _bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import run

    return run


def _findings_of_the_register(cycle: Cycle) -> Counter[str]:
    """The rules of 2026 on each subject's level and its register's percentages (as `_facts` reads them)."""
    subjects = []
    for pk, decided, proposed, done, late, exceeded in Evaluation.objects.filter(cycle=cycle).values_list(
        "pk",
        "decided_rating",
        "proposed_rating",
        "task_completion_pct",
        "tasks_overdue_pct",
        "tasks_exceeded_pct",
    ):
        level = decided or proposed
        facts = rules.parse_facts(
            {"task_completion_pct": done, "tasks_overdue_pct": late, "tasks_exceeded_pct": exceeded}
        )
        subjects.append(
            rules.Subject(f"e{pk}", SubjectType.PARTY_MEMBER, Rating(level) if level else None, facts=facts)
        )
    result = rules.check(rules.make_scenario(2026, subjects))
    return Counter(f.code for f in result.findings if f.code in REGISTER_CODES)


@pytest.mark.django_db
def test_the_register_allows_every_level_it_is_drawn_for(empty_db) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the bench writes its register in PostgreSQL's SQL")
    run = _bench()
    build_demo_province(members=400, seed=5, with_accounts=False, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    from kiemdiem.accounts.models import User

    user = User.objects.create(username="bench-tasks", role="province_admin")
    with connection.cursor() as cur:
        run.write_task_register(cur, cycle, user.pk)
    evaluations = Evaluation.objects.filter(cycle=cycle)
    assert Task.objects.count() == run.TASKS_PER_SUBJECT * evaluations.count()
    levels = Counter(ev.decided_rating or ev.proposed_rating for ev in evaluations)
    assert all(levels[level] for level in ("HTXS", "HTT", "HT", "KHT", ""))
    results = Counter(Task.objects.values_list("result", flat=True))
    assert all(
        results[r] for r in ("on_time", "exceeded", "late", "not_done")
    )  # a year's spread, not all on time
    for ev in evaluations.order_by("id")[::25]:  # the percentages are what the register's actions compute
        expected = task_facts(Task.objects.filter(evaluation=ev).values_list("result", flat=True))
        assert {k: getattr(ev, k) for k in expected} == expected
    assert _findings_of_the_register(cycle) == Counter()

    # The draw before ignored the level: the same rules then find what the profile of today found.
    with connection.cursor() as cur, pytest.MonkeyPatch.context() as mp:
        mp.setattr(run, "TASK_RESULT_SQL", run.TASK_RESULT_SQL.split("ELSE\n", 1)[1].rsplit("END", 1)[0])
        run.write_task_register(cur, cycle, user.pk)
    assert _findings_of_the_register(cycle)["BAND_CONDITIONS"] > 0
