"""Members alike are judged once: the check gives exactly what judging each member on their own gives.

A province's members share a few dozen Facts objects (the task register's percentages), so the engine judges one
member per (facts, level, score, criteria) and gives the same findings under each other member's name, and a rule
concludes once per facts object what a task register allows. Here random members and other subjects share facts
objects (some have equal facts in distinct objects), and the result (every finding's code, subjects, message,
citation and verified flag, in order, and every quota plan) is compared with the check that judges every member
apart, each with a facts object of their own: the path the engine took before.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemdiem import rules
from kiemdiem.rules import checks
from kiemdiem.rules.levels import Grade, Rating, SubjectType
from kiemdiem.rules.model import Criteria, Subject

RATINGS = [None, Rating.HTXS, Rating.HTT, Rating.HT, Rating.KHT]
# Mostly members; a few others of every type, sharing the same facts objects (judged apart, as before).
TYPES = [SubjectType.PARTY_MEMBER] * 4 + [
    SubjectType.LEADER,
    SubjectType.PARTY_ORGANIZATION,
    SubjectType.LEADERSHIP_COLLECTIVE,
    SubjectType.AGENCY,
]

facts_dicts = st.fixed_dictionaries(
    {},
    optional={
        "reviewed": st.booleans(),
        "exempt": st.booleans(),
        "suspended": st.booleans(),
        "disciplined_in_year": st.booleans(),
        "discipline_self_remedied": st.booleans(),
        "discipline_related_to_duties": st.booleans(),
        "sick_leave_days": st.integers(0, 200),
        "civil_service_rating": st.sampled_from(["HTXS", "HTT", "HT", "KHT"]),
        "task_completion_pct": st.sampled_from([40, 75.5, 90, 100]),
        "key_targets_missed": st.booleans(),
        "tasks_exceeded_pct": st.sampled_from([0, 10, 30, 55.5]),
        "tasks_overdue_pct": st.sampled_from([0, 10, 20, 35.5]),
        "remediation_pct": st.sampled_from([50, 100]),
        "degradation_concluded": st.booleans(),
        "conduct_violation": st.booleans(),
        "admitted_on": st.sampled_from(["2000-01-01", "2021-09-01", "2026-10-01"]),
    },
)


@st.composite
def scenarios(draw: st.DrawFn) -> rules.Scenario:
    year = draw(st.sampled_from([2021, 2025, 2026]))
    pool = [rules.parse_facts(d) for d in draw(st.lists(facts_dicts, min_size=1, max_size=4))]
    subjects = []
    for i in range(draw(st.integers(1, 30))):
        which = draw(st.integers(0, len(pool) - 1))
        # Mostly the shared object; sometimes an equal object of its own (same findings, another memo entry).
        facts = pool[which] if draw(st.booleans()) else rules.parse_facts(draw(facts_dicts))
        score = draw(st.sampled_from([None, None, 45.0, 72.5, 95.0])) if year >= 2025 else None
        criteria = None
        if year < 2025 and draw(st.booleans()):
            grades = st.lists(st.sampled_from(list(Grade)), min_size=1, max_size=3).map(tuple)
            criteria = Criteria(draw(grades), draw(grades))
        subjects.append(
            Subject(
                f"m{i}",
                draw(st.sampled_from(TYPES)),
                draw(st.sampled_from(RATINGS)),
                draw(st.sampled_from([None, "g1", "g2"])),
                score=score,
                criteria=criteria,
                facts=facts,
            )
        )
    return rules.make_scenario(year, subjects)


def _apart(monkeypatch: pytest.MonkeyPatch, scenario: rules.Scenario) -> rules.Result:
    """Each member judged on their own, each with a Facts object of their own (equal to the shared one): nothing
    the engine concludes for one subject can serve another."""
    own = [s._replace(facts=copy.copy(s.facts)) for s in scenario.subjects]
    assert all(
        a.facts == b.facts and a.facts is not b.facts for a, b in zip(own, scenario.subjects, strict=True)
    )
    with monkeypatch.context() as m:
        m.setattr(checks, "_judge_as_template", lambda ctx, subject, rank: None)
        return rules.check(dataclasses.replace(scenario, subjects=tuple(own)))


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios())
def test_members_judged_once_give_what_each_judged_apart_gives(scenario: rules.Scenario) -> None:
    mp = pytest.MonkeyPatch()
    try:
        apart = _apart(mp, scenario)
    finally:
        mp.undo()
    together = rules.check(scenario)
    assert together == apart
    assert together.to_dict() == apart.to_dict()


def test_a_province_of_members_alike_is_judged_as_each_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 members in eight kinds of facts under QĐ 366: thousands of findings, each under its member's name."""
    pool = [
        rules.parse_facts({"task_completion_pct": pct, "tasks_overdue_pct": late, "tasks_exceeded_pct": more})
        for pct, late, more in [(100, 0, 40), (100, 10, 20), (90, 0, 0), (100, 30, 10)]
    ] + [rules.parse_facts({"disciplined_in_year": True}), rules.parse_facts({"exempt": True})]
    levels = [Rating.HTXS, Rating.HTT, Rating.HT, Rating.KHT]
    subjects = [
        Subject(f"e{i}", SubjectType.PARTY_MEMBER, levels[i % 4], f"g{i % 7}", facts=pool[i % len(pool)])
        for i in range(2000)
    ]
    scenario = rules.make_scenario(2026, subjects)
    together = rules.check(scenario)
    assert len(together.findings) > 1000
    assert {f.code for f in together.findings} >= {"BAND_CONDITIONS", "EXCELLENT_CONDITIONS", "NOT_RATABLE"}
    assert together == _apart(monkeypatch, scenario)
    named = [f for f in together.findings if f.code == "BAND_CONDITIONS"]
    assert all(f.message.startswith(f'"{f.subjects[0]}" ') for f in named)
