"""Biểu B from the member tallies: every row and column is what a straight count of the evaluations gives, on a
built province, before and after each kind of write that moves one of them (a person's group, exemption,
suspension, admission date or civil-service status; a discipline recorded in the year; a rating; a leader's
evaluation coming, going or changing person, which moves a member of another unit in or out of the leaders' row).

The straight count below is written with plain ORM filters, one per figure, independent of the tallies' SQL.
"""

from __future__ import annotations

import datetime
from typing import Any

from kiemdiem.campaigns.models import AuditRecord, Cycle, Evaluation
from kiemdiem.orgs.models import Person, Unit
from kiemdiem.reports import tally
from kiemdiem.reports.models import MemberTally
from kiemdiem.reports.queries import MEMBER_COLUMNS, MEMBER_DETAIL_ROWS, statistics

LEVELS = ("HTXS", "HTT", "HT", "KHT")
# The 2021 yearly cycle's period ends on 31/12/2021: admitted after 30/06/2021 is under 6 months.
CUTOFF = datetime.date(2021, 6, 30)


def _straight(cycle: Cycle, unit: Unit) -> dict[str, dict[str, int]]:
    """Biểu B's figures per row key, each counted on its own over the evaluations."""
    members = Evaluation.objects.filter(
        cycle=cycle, subject_type="party_member", unit__path__startswith=unit.path
    )
    leaders = Evaluation.objects.filter(cycle=cycle, subject_type="leader").values("person_id")
    rows = {
        "cbccvc": members.filter(person__civil_service_status__gt=""),
        "khac": members.exclude(person__civil_service_status__gt=""),
        "total": members,
        "llvt": members.filter(person__member_group="llvt"),
        "nghi_huu": members.filter(person__member_group="nghi_huu"),
        "ngoai_htct": members.filter(person__member_group="ngoai_htct"),
        "lanh_dao": members.filter(person_id__in=leaders),
    }
    figures = {}
    for key, qs in rows.items():
        f = {
            "total": qs.count(),
            "exempt": qs.filter(person__is_exempt=True).count(),
            "suspended": qs.filter(person__is_suspended=True).count(),
            "new_lt_6m": qs.filter(person__admitted_on__gt=CUTOFF).count(),
            "disciplined": qs.filter(facts__disciplined_in_year=True).count(),
            "not_rated": qs.filter(decided_rating="").exclude(not_rated_reason="").count(),
            "pending": qs.filter(decided_rating="", not_rated_reason="").count(),
        }
        f.update({level: qs.filter(decided_rating=level).count() for level in LEVELS})
        figures[key] = f
    return figures


def _shown(cycle: Cycle, unit: Unit) -> dict[str, dict[str, Any]]:
    form = next(f for f in statistics(cycle, unit, with_findings=False)["forms"] if f["code"] == "B")
    return {row["key"]: row for row in [*form["rows"], form["total"]]}


def _units() -> list[Unit]:
    province = Unit.objects.get(parent=None)
    district = Unit.objects.filter(parent=province).order_by("code").first()
    assert district is not None
    cell = Unit.objects.get(
        pk=Evaluation.objects.filter(subject_type="party_member", unit__path__startswith=district.path)
        .order_by("unit__code")
        .values_list("unit_id", flat=True)
        .first()
    )
    return [province, district, cell]


def assert_biểu_b_is_the_straight_count(cycle: Cycle) -> None:
    for unit in _units():
        shown, expected = _shown(cycle, unit), _straight(cycle, unit)
        assert set(shown) == set(expected), unit.code
        for key, figures in expected.items():
            row = shown[key]
            columns = [k for k, _ in MEMBER_COLUMNS] + (
                ["total", *LEVELS, "not_rated", "pending"]
                if key in {k for k, _ in MEMBER_DETAIL_ROWS}
                else []
            )
            for column in columns:
                assert row[column] == figures[column], (unit.code, key, column)
            assert row["extra"] == [figures[k] for k, _ in MEMBER_COLUMNS], (unit.code, key)
    assert MemberTally.objects.filter(cycle_id=cycle.pk).exists()  # read from the tallies, not counted again


def _member(cycle: Cycle, n: int, **where: Any) -> Evaluation:
    return Evaluation.objects.filter(cycle=cycle, subject_type="party_member", **where).order_by("id")[n]


def test_biểu_b_read_from_the_member_tallies_is_the_straight_count_after_every_write(demo):
    cycle = demo
    assert_biểu_b_is_the_straight_count(cycle)
    province = Unit.objects.get(parent=None)
    assert tally.refresh(cycle, province) == 0
    leading = Evaluation.objects.filter(cycle=cycle, subject_type="leader").values("person_id")
    in_cell = (
        Evaluation.objects.filter(
            cycle=cycle, subject_type="party_member", unit__path__startswith=_units()[1].path
        )
        .exclude(person_id__in=leading)
        .order_by("id")
    )
    people = [ev.person_id for ev in in_cell[:6]]
    assert len(people) == 6
    # What a person's record says: each column and "in which" row moves.
    Person.objects.filter(pk=people[0]).update(member_group="llvt")
    Person.objects.filter(pk=people[1]).update(member_group="nghi_huu", is_exempt=True)
    Person.objects.filter(pk=people[2]).update(member_group="ngoai_htct", is_suspended=True)
    Person.objects.filter(pk=people[3]).update(admitted_on=datetime.date(2021, 9, 1))
    Person.objects.filter(pk=people[4]).update(civil_service_status="cong_chuc")
    assert_biểu_b_is_the_straight_count(cycle)
    # What the evaluation says: a discipline recorded in the year, a rating decided, a reason for not rating.
    Evaluation.objects.filter(cycle=cycle, person_id=people[0], subject_type="party_member").update(
        facts={"disciplined_in_year": True}, decided_rating="HT", state="decided", not_rated_reason=""
    )
    Evaluation.objects.filter(cycle=cycle, person_id=people[5], subject_type="party_member").update(
        decided_rating="", not_rated_reason="Ốm đau dài ngày"
    )
    assert_biểu_b_is_the_straight_count(cycle)
    figures = _straight(cycle, _units()[1])
    for column in ("exempt", "suspended", "new_lt_6m", "disciplined"):
        assert figures["total"][column] >= 1, column
    for key in ("llvt", "nghi_huu", "ngoai_htct"):
        assert figures[key]["total"] >= 1, key
    # The leaders' row: a leader's evaluation hangs on a committee, the same person's member evaluation on a cell.
    leader = Evaluation.objects.filter(
        cycle=cycle,
        subject_type="leader",
        person__evaluations__cycle=cycle,
        person__evaluations__subject_type="party_member",
    ).order_by("id")[0]
    member_unit = Evaluation.objects.get(
        cycle=cycle, subject_type="party_member", person_id=leader.person_id
    ).unit
    assert member_unit.pk != leader.unit_id  # a write elsewhere must move this unit's figures
    before = _straight(cycle, province)["lanh_dao"]["total"]
    assert before >= 1
    Evaluation.objects.filter(pk=leader.pk).update(person_id=people[5])  # another person leads
    assert_biểu_b_is_the_straight_count(cycle)
    assert (
        _shown(cycle, member_unit)["lanh_dao"]["total"] == _straight(cycle, member_unit)["lanh_dao"]["total"]
    )
    leader.refresh_from_db()
    AuditRecord.objects.filter(evaluation=leader).delete()  # its history, protected otherwise
    leader.delete()  # no longer a leader
    assert_biểu_b_is_the_straight_count(cycle)
    assert _straight(cycle, province)["lanh_dao"]["total"] == before - 1
    Evaluation.objects.bulk_create(  # a leader again, as the cycle's creation writes them
        [
            Evaluation(
                cycle=cycle,
                subject_type="leader",
                unit=leader.unit,
                person_id=people[1],
                role=leader.role,
                leader_collective_id=leader.leader_collective_id,
            )
        ]
    )
    assert_biểu_b_is_the_straight_count(cycle)
    assert _straight(cycle, province)["lanh_dao"]["total"] == before


def test_the_triggers_are_needed_for_nothing_but_speed(demo):
    """Without the triggers Biểu B is counted straight from the evaluations, and says the same."""
    from unittest import mock

    province = Unit.objects.get(parent=None)
    with_tallies = _shown(demo, province)
    with mock.patch.object(tally, "installed_triggers", return_value={}):
        directly = _shown(demo, province)
        assert tally.member_rows(demo, province)  # counted directly
    assert with_tallies == directly
