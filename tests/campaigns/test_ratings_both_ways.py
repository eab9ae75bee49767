"""The ceilings and the HTXS cap hold in both directions: lowering what caps others is refused too (issues 16, 21)."""

import pytest

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import RuleViolation
from kiemdiem.campaigns.models import AuditRecord, Evaluation, EvaluationState
from kiemdiem.orgs.models import LeadershipCollective, Position, Role
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


@pytest.fixture
def cell_evals(world):  # type: ignore[no-untyped-def]
    people = make_members(world.cell_na_hang, 12)
    actions.ensure_evaluations(cycle=world.cycle_province)
    return list(
        Evaluation.objects.filter(cycle=world.cycle_province, person__in=people).order_by("person__code")
    )


def at_the_cap(user, evs):  # type: ignore[no-untyped-def]
    """10 HTT and 2 HTXS: exactly the cap of a pool of 12 (20 % of the HTT, rounded down)."""
    for ev in evs[:2]:
        submit_self_review(user, ev, "HTXS")
    for ev in evs[2:]:
        propose(user, ev, "HTT")
    for ev in evs[:2]:
        propose(user, ev, "HTXS")


def test_it_refuses_a_htt_lowered_to_ht_that_pushes_the_group_over_its_cap(world, cell_evals, cell_secretary):
    at_the_cap(cell_secretary, cell_evals)
    with pytest.raises(RuleViolation) as info:
        propose(cell_secretary, cell_evals[5], "HT")
    message = str(info.value)
    assert [f.code for f in info.value.findings] == ["QUOTA_EXCELLENT"]
    assert "có 2 HTXS và 9 HTT: vượt trần 1 HTXS" in message and "vượt 1 suất" in message
    for ev in cell_evals[:2]:  # who the HTXS are
        assert ev.subject_name in message
    cell_evals[5].refresh_from_db()
    assert cell_evals[5].proposed_rating == "HTT"


def test_lowering_a_htxs_or_a_htt_in_a_group_with_room_is_accepted(world, cell_evals, cell_secretary):
    at_the_cap(cell_secretary, cell_evals)
    assert (
        propose(cell_secretary, cell_evals[0], "HTT").proposed_rating == "HTT"
    )  # 11 HTT, 1 HTXS: room again
    assert propose(cell_secretary, cell_evals[5], "HT").proposed_rating == "HT"  # 10 HTT, 1 HTXS: cap 1


def test_the_deciding_body_may_lower_a_htt_over_the_cap_only_with_a_written_reason(
    world, cell_evals, cell_secretary, grassroots_officer
):
    at_the_cap(cell_secretary, cell_evals)
    with pytest.raises(RuleViolation) as info:
        actions.do_decide_rating(user=grassroots_officer, evaluation=cell_evals[5], rating="HT")
    assert info.value.overridable and "ghi rõ lý do" in str(info.value)
    ev = actions.do_decide_rating(
        user=grassroots_officer,
        evaluation=cell_evals[5],
        rating="HT",
        override_reason="Đồng chí bị nhắc nhở cuối năm; Đảng ủy giữ nguyên hai HTXS đã đề xuất.",
    )
    assert ev.decided_rating == "HT" and ev.override_reason.startswith(
        "Quyết định vượt cảnh báo (QUOTA_EXCELLENT)"
    )
    record = AuditRecord.objects.get(evaluation=ev, field="decided_rating")
    assert "giữ nguyên hai HTXS" in record.reason


def test_a_bulk_save_of_one_changed_row_writes_one_row_and_one_audit_record(
    world, cell_evals, cell_secretary
):
    for ev in cell_evals:
        submit_self_review(cell_secretary, ev, "HTT")
    rows = [(ev, "HTT", 8, None) for ev in cell_evals]
    assert actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=12) == 12
    versions = dict(Evaluation.objects.filter(pk__in=[e.pk for e in cell_evals]).values_list("pk", "version"))
    audits = AuditRecord.objects.count()
    rows = [(ev, "HT" if i == 3 else "HTT", 8, versions[ev.pk]) for i, ev in enumerate(cell_evals)]
    assert actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=12) == 1
    after = dict(Evaluation.objects.filter(pk__in=[e.pk for e in cell_evals]).values_list("pk", "version"))
    assert {pk for pk in after if after[pk] != versions[pk]} == {cell_evals[3].pk}
    assert AuditRecord.objects.count() == audits + 1
    record = AuditRecord.objects.latest("id")
    assert (record.evaluation_id, record.old_value, record.new_value) == (cell_evals[3].pk, "HTT", "HT")


def test_a_bulk_save_that_resends_an_unchanged_htxs_is_not_blocked_by_it(world, cell_evals, cell_secretary):
    at_the_cap(cell_secretary, cell_evals)
    # The group went over its cap (a decision passed it over, with a reason): 2 HTXS, 9 HTT, cap 1.
    Evaluation.objects.filter(pk=cell_evals[11].pk).update(proposed_rating="HT")
    for ev in cell_evals:
        ev.refresh_from_db()
    # The page re-sends every row as it is, with one change that does not make things worse.
    rows = [(ev, ev.proposed_rating, 9, ev.version) for ev in cell_evals]
    rows[4] = (cell_evals[4], "HTT", 8, cell_evals[4].version)
    assert actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=10) == 1


def test_the_bulk_proposal_judges_the_batch_as_it_will_be_saved(world, cell_evals, cell_secretary):
    at_the_cap(cell_secretary, cell_evals)
    # One HTT lowered and one HTXS lowered in the same save: 10 HTT, 1 HTXS, within the cap.
    rows = [(cell_evals[0], "HTT", 0, None), (cell_evals[5], "HT", 0, None)]
    assert actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=0) == 2
    # Two HTT lowered and one raised: 7 HTT, 2 HTXS, cap 1: refused, naming the rows that moved it.
    rows = [(cell_evals[3], "HTXS", 0, None), (cell_evals[6], "HT", 0, None), (cell_evals[7], "HT", 0, None)]
    with pytest.raises(RuleViolation, match="Dòng 1 .*Dòng 2 .*Dòng 3 "):
        actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=0)


# -- Heads and deputies under their collective and unit ------------------------------------------------------


def leadership(world, user, deputies: int = 2):  # type: ignore[no-untyped-def]
    """The agency (UBND huyện Na Hang), its leadership collective and deputies, proposed HTT and decided where
    the rule lets them be: unit and collective HTT, deputies verified (ready to be decided)."""
    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="lanh_dao_co_quan", name="Tập thể lãnh đạo UBND huyện Na Hang"
    )
    people = make_members(world.cell_na_hang, deputies, prefix="P")
    for person in people:
        Position.objects.create(
            person=person,
            unit=world.agency_na_hang,
            collective=collective,
            title="Phó Chủ tịch",
            role=Role.DEPUTY,
        )
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    unit = Evaluation.objects.get(cycle=cycle, unit=world.agency_na_hang, subject_type="agency")
    coll = Evaluation.objects.get(cycle=cycle, collective=collective)
    deps = list(
        Evaluation.objects.filter(cycle=cycle, subject_type="leader", person__in=people).order_by("pk")
    )
    for ev in (unit, coll):
        actions.do_decide_rating(user=user, evaluation=propose(user, ev, "HTT"), rating="HTT")
    for ev in deps:
        propose(user, ev, "HTT")
        actions.do_verify(user=user, evaluation=ev, note="Đủ điều kiện.")
    return unit, coll, deps


def refresh(*evs):  # type: ignore[no-untyped-def]
    for ev in evs:
        ev.refresh_from_db()
    return evs


def test_it_refuses_to_lower_a_collective_below_a_decided_deputy_and_names_who_first(world, district_officer):
    unit, coll, deps = leadership(world, district_officer)
    actions.do_decide_rating(user=district_officer, evaluation=deps[0], rating="HTT")
    with pytest.raises(RuleViolation) as info:
        actions.do_decide_rating(user=district_officer, evaluation=coll, rating="HT", reason="Xếp loại lại.")
    message = str(info.value)
    assert "Cần quyết định lại trước" in message and deps[0].subject_name in message
    assert deps[1].subject_name not in message  # proposed only: decided after the collective anyway
    assert not info.value.overridable
    (coll,) = refresh(coll)
    assert coll.decided_rating == "HTT"
    # Re-decide the deputy first, then the collective may come down.
    actions.do_decide_rating(user=district_officer, evaluation=deps[0], rating="HT", reason="Theo tập thể.")
    assert (
        actions.do_decide_rating(
            user=district_officer, evaluation=coll, rating="HT", reason="Xếp loại lại."
        ).decided_rating
        == "HT"
    )


def test_it_refuses_to_lower_a_unit_below_its_decided_collective(world, district_officer):
    unit, coll, _ = leadership(world, district_officer, deputies=0)
    with pytest.raises(RuleViolation) as info:
        actions.do_decide_rating(user=district_officer, evaluation=unit, rating="HT", reason="Xếp loại lại.")
    assert coll.subject_name in str(info.value) and "COLLECTIVE_ABOVE_UNIT" in {
        f.code for f in info.value.findings
    }
    (unit,) = refresh(unit)
    assert (unit.decided_rating, unit.state) == ("HTT", EvaluationState.DECIDED)


def test_ensuring_a_subtree_does_not_rate_a_leader_twice(world):
    """An import ensures the evaluations of its anchor only: a leader rated at a post outside it is rated already."""
    (person,) = make_members(world.cell_na_hang, 1, prefix="L")
    Position.objects.create(person=person, unit=world.agency_na_hang, title="Chủ tịch", role=Role.HEAD)
    actions.ensure_evaluations(cycle=world.cycle_province)
    Position.objects.create(person=person, unit=world.cell_na_hang, title="Bí thư chi bộ", role=Role.HEAD)
    actions.ensure_evaluations(cycle=world.cycle_province, unit=world.cell_na_hang)
    assert (
        Evaluation.objects.filter(cycle=world.cycle_province, person=person, subject_type="leader").count()
        == 1
    )


def test_a_paper_batch_reads_every_rows_deciding_body_in_one_query(world, district_officer):
    """A district's file names hundreds of cells: their deciding committees are read at once, not one query per
    cell while the batch holds its groups' locks (issue 21: 11 s of the import's write at load)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import UnitKind

    cells = [world.cell_na_hang] + [
        do_create_unit(
            code=f"NH-001-0{i}", name=f"Chi bộ tổ dân phố số {i}", kind=UnitKind.CELL, parent=world.go_na_hang
        )
        for i in (2, 3, 4)
    ]
    people = [p for cell in cells for p in make_members(cell, 1)]
    actions.ensure_evaluations(cycle=world.cycle_province)
    evs = list(Evaluation.objects.filter(cycle=world.cycle_province, person__in=people).order_by("pk"))
    for ev in evs:
        propose(district_officer, ev, "HT")
    rows = [actions.Decision(ev, "HT", source="tệp.xlsx, dòng 2") for ev in evs]
    with CaptureQueriesContext(connection) as queries:
        assert actions.do_enter_paper_decisions(user=district_officer, rows=rows) == 4
    unit_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "orgs_unit"')]
    assert len(unit_reads) == 1, unit_reads
    for ev in evs:
        ev.refresh_from_db()
        assert (ev.state, ev.deciding_unit_id) == (EvaluationState.DECIDED, world.go_na_hang.pk)
