"""The engine's subjects of a cycle's rows: members made on the fast path equal what the general path makes.

`subjects_for` makes a plain member's subject without the general path (their Facts looked up by what `_facts`
reads of the row). Here every row of a built province, with members exempt, suspended, newly admitted,
disciplined, with task registers and without, is made both ways and compared, as are the check's findings.
"""

from __future__ import annotations

import datetime

import pytest

from kiemdiem import rules
from kiemdiem.campaigns import compliance
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.demo.province import build_demo_province
from kiemdiem.orgs.models import Person


@pytest.fixture
def cycle(empty_db):  # type: ignore[no-untyped-def]
    build_demo_province(members=300, seed=5, with_accounts=False, leaders_per_collective=2, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    members = list(
        Evaluation.objects.filter(cycle=cycle, subject_type="party_member")
        .order_by("id")
        .values_list("pk", "person_id")
    )
    for i, (pk, _person) in enumerate(members[:120]):
        if i % 4 == 0:  # a register: a few sets of percentages, shared by many members
            Evaluation.objects.filter(pk=pk).update(
                task_completion_pct=[100.0, 90.0, 80.0][i % 3],
                tasks_overdue_pct=[0.0, 10.0][i % 2],
                tasks_exceeded_pct=[30.0, 0.0, 10.0][i % 3],
            )
        if i % 7 == 0:
            Evaluation.objects.filter(pk=pk).update(facts={"disciplined_in_year": True})
    people = [person_id for _, person_id in members]
    Person.objects.filter(pk__in=people[:5]).update(is_exempt=True)
    Person.objects.filter(pk__in=people[5:8]).update(is_suspended=True)
    Person.objects.filter(pk__in=people[8:12]).update(admitted_on=datetime.date(2021, 10, 1))
    return cycle


def test_members_on_the_fast_path_are_the_subjects_the_general_path_makes(cycle) -> None:  # type: ignore[no-untyped-def]
    rows = compliance._cycle_rows(cycle, "")
    subjects, groups = compliance.subjects_for(rows, cycle.regime, year=cycle.year)
    sids = [compliance.subject_id(r.id) for r in rows]
    links = compliance._links(rows, sids)
    old = f"{cycle.year - 1}-01-01"
    expected = [
        compliance._subject(
            r, sid, r.decided_rating or r.proposed_rating or None, cycle.regime, links, {}, old
        )
        for r, sid in zip(rows, sids, strict=True)
    ]
    assert subjects == expected
    members = [s for s in subjects if s.type is rules.SubjectType.PARTY_MEMBER]
    assert len(members) >= 300
    assert len({id(s.facts) for s in members}) < len(members) / 5  # shared, as the fast path means them to be
    assert {s.facts.exempt for s in members} == {True, False}
    assert any(s.facts.task_completion_pct == 80.0 for s in members)
    assert any(s.facts.disciplined_in_year for s in members)
    scenario = rules.make_scenario(cycle.year, subjects, quota_groups=groups)
    reference = rules.make_scenario(cycle.year, expected, quota_groups=groups)
    found = rules.check(scenario)
    assert found == rules.check(reference)
    assert found.findings  # the built province breaks some rules: the comparison compares something
