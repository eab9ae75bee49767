"""From self-review to decision, with the rules and the permissions of each step."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import ActionError, RuleViolation
from kiemdiem.campaigns.models import AuditRecord, Evaluation, EvaluationState
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


@pytest.fixture
def cell_evals(world):  # type: ignore[no-untyped-def]
    people = make_members(world.cell_na_hang, 12)
    actions.ensure_evaluations(cycle=world.cycle_province)
    evs = list(
        Evaluation.objects.filter(cycle=world.cycle_province, person__in=people).order_by("person__code")
    )
    assert len(evs) == 12
    return evs


def test_it_creates_one_evaluation_per_subject_with_its_quota_group(world, cell_evals):
    ev = cell_evals[0]
    assert ev.quota_group.code == "dv-NH-001"
    assert ev.form_code == "02-HD KĐ.ĐG 2019"
    assert (
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_organization"
        ).count()
        == 1
    )
    assert actions.ensure_evaluations(cycle=world.cycle_province) == 0  # idempotent


def test_a_member_submits_their_own_self_review(world, cell_evals, member):
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    with pytest.raises(ActionError, match="còn thiếu"):
        actions.do_save_self_review(
            user=member, evaluation=ev, sections={"politics": "Vững vàng."}, self_rating="HTT", submit=True
        )
    submit_self_review(member, ev)
    ev.refresh_from_db()
    assert ev.state == EvaluationState.SELF_REVIEWED and ev.self_rating == "HTT"
    other = cell_evals[0]
    with pytest.raises(PermissionDenied):
        submit_self_review(member, other)


def test_the_quota_refuses_a_third_htxs_on_ten_htt(world, cell_evals, cell_secretary):
    for ev in cell_evals[:10]:
        propose(cell_secretary, ev, "HTT")
    propose(cell_secretary, cell_evals[10], "HTXS")
    propose(cell_secretary, cell_evals[11], "HTXS")
    extra = make_members(world.cell_na_hang, 1, prefix="X")[0]
    actions.ensure_evaluations(cycle=world.cycle_province)
    third = Evaluation.objects.get(cycle=world.cycle_province, person=extra)
    with pytest.raises(RuleViolation) as info:
        propose(cell_secretary, third, "HTXS")
    assert info.value.findings[0].code == "QUOTA_EXCELLENT"
    assert "21-HD/BTCTW" in str(info.value)
    third.refresh_from_db()
    assert third.proposed_rating == ""


def test_a_bulk_proposal_is_all_or_nothing(world, cell_evals, cell_secretary):
    for number, ev in enumerate(cell_evals):
        submit_self_review(cell_secretary, ev, "HTT" if number < 9 else "HTXS")
    rows = [(ev, "HTT", 8, None) for ev in cell_evals[:9]] + [(ev, "HTXS", 8, None) for ev in cell_evals[9:]]
    with pytest.raises(ActionError, match="Dòng 11"):
        actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=12)
    assert (
        not Evaluation.objects.filter(pk__in=[e.pk for e in cell_evals]).exclude(proposed_rating="").exists()
    )
    rows = [(ev, "HTT", 8, None) for ev in cell_evals[:10]] + [
        (ev, "HTXS", 8, None) for ev in cell_evals[10:]
    ]
    assert actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=12) == 12


def test_a_secretary_cannot_decide_what_the_grassroots_committee_decides(
    world, cell_evals, cell_secretary, grassroots_officer
):
    ev = propose(cell_secretary, cell_evals[0], "HTT")
    with pytest.raises(PermissionDenied):
        actions.do_decide_rating(user=cell_secretary, evaluation=ev, rating="HTT")
    ev = actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTT")
    assert ev.state == EvaluationState.DECIDED and ev.deciding_unit == world.go_na_hang


def test_the_grassroots_committee_cannot_decide_its_own_rating(
    world, cell_evals, grassroots_officer, district_officer
):
    ev = Evaluation.objects.get(
        cycle=world.cycle_province, unit=world.go_na_hang, subject_type="party_organization"
    )
    propose(grassroots_officer, ev, "HTT")
    with pytest.raises(PermissionDenied):
        actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTT")
    assert (
        actions.do_decide_rating(user=district_officer, evaluation=ev, rating="HTT").decided_rating == "HTT"
    )


def test_a_refused_decision_can_be_overridden_with_a_reason_for_the_quota_only(
    world, cell_evals, cell_secretary, grassroots_officer
):
    for ev in cell_evals[:4]:  # four HTT: 20% of 4 rounds down to no HTXS at all
        actions.do_decide_rating(
            user=grassroots_officer, evaluation=propose(cell_secretary, ev, "HTT"), rating="HTT"
        )
    submit_self_review(cell_secretary, cell_evals[5], "HTXS")
    ev = propose(cell_secretary, cell_evals[5], "HTT")
    with pytest.raises(RuleViolation) as info:
        actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTXS")
    assert info.value.overridable
    ev = actions.do_decide_rating(
        user=grassroots_officer,
        evaluation=ev,
        rating="HTXS",
        override_reason="Thành tích đột xuất được Tỉnh ủy khen.",
    )
    record = AuditRecord.objects.filter(evaluation=ev, field="decided_rating").last()
    assert (
        record.new_value == "HTXS"
        and "Thành tích đột xuất" in record.reason
        and "QUOTA_EXCELLENT" in record.reason
    )


def test_discipline_is_never_overridable(world, cell_evals, cell_secretary, grassroots_officer):
    ev = cell_evals[0]
    submit_self_review(cell_secretary, ev)
    actions.do_update_facts(user=cell_secretary, evaluation=ev, facts={"disciplined_in_year": True})
    with pytest.raises(RuleViolation) as info:
        propose(cell_secretary, ev, "HT")
    assert info.value.findings[0].code == "DISCIPLINED_IN_YEAR"
    assert not info.value.overridable
    propose(cell_secretary, ev, "KHT")


def test_a_stale_form_gets_a_conflict_not_a_lost_update(world, cell_evals, cell_secretary):
    ev = cell_evals[0]
    version = ev.version
    submit_self_review(cell_secretary, ev)
    with pytest.raises(actions.ConflictError, match="vừa được người khác cập nhật"):
        actions.do_save_self_review(user=cell_secretary, evaluation=ev, sections={}, version=version)


def test_the_upper_committee_orders_a_rerating_and_the_history_keeps_it(
    world, cell_evals, cell_secretary, grassroots_officer, district_officer
):
    ev = actions.do_decide_rating(
        user=grassroots_officer, evaluation=propose(cell_secretary, cell_evals[0], "HTT"), rating="HTT"
    )
    order = actions.do_order(
        user=district_officer, evaluation=ev, kind="rerating", reason="Chưa hoàn thành chỉ tiêu được giao."
    )
    ev.refresh_from_db()
    assert ev.state == EvaluationState.REVIEWED and ev.decided_rating == "" and order.previous_rating == "HTT"
    trail = list(
        AuditRecord.objects.filter(evaluation=ev).values_list("action", "field", "old_value", "new_value")
    )
    assert ("decide", "decided_rating", "", "HTT") in trail
    assert ("rerating", "decided_rating", "HTT", "") in trail
    ev = actions.do_record_meeting(
        user=cell_secretary,
        evaluation=ev,
        comments="Xếp loại lại.",
        attendees=10,
        votes_for=10,
        proposed_rating="HT",
    )
    ev = actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HT")
    order.refresh_from_db()
    assert order.resolved_at is not None


def test_an_inspector_cannot_decide_or_order_and_a_member_cannot_order(
    world, cell_evals, cell_secretary, inspector, member
):
    ev = propose(cell_secretary, cell_evals[0], "HTT")
    with pytest.raises(PermissionDenied):
        actions.do_decide_rating(user=inspector, evaluation=ev, rating="HTT")
    with pytest.raises(PermissionDenied):
        actions.do_order(user=inspector, evaluation=ev, kind="rereview", reason="x")
    with pytest.raises(PermissionDenied):
        actions.do_order(user=member, evaluation=ev, kind="rereview", reason="x")


def test_audit_records_cannot_be_edited_or_deleted(world, cell_evals, cell_secretary):
    ev = propose(cell_secretary, cell_evals[0], "HTT")
    record = AuditRecord.objects.filter(evaluation=ev).first()
    record.reason = "sửa"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
