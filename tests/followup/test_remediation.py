"""Remediation plans: made after the decision, tracked by the upper committee, marked in next year's self-review,
and under the 2025 regime HTXS needs 100% remedied (QĐ 366-QĐ/TW Điều 11)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.campaigns import actions as campaign_actions
from kiemdiem.campaigns.actions import ActionError, RuleViolation
from kiemdiem.followup import actions, queries
from kiemdiem.followup.models import RemediationItem
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members
from tests.followup.helpers import decide, member_evaluation, open_year

PLAN = [
    {
        "shortcoming": "Chưa tích cực phát biểu trong sinh hoạt chi bộ",
        "owner": "Ma Văn Hùng",
        "due_on": "30/06/2022",
    },
    {
        "shortcoming": "Chậm nộp đảng phí quý II",
        "measure": "Nộp đúng hạn",
        "owner": "Ma Văn Hùng",
        "due_on": "31/03/2022",
    },
]


@pytest.fixture
def decided(world, cell_secretary, grassroots_officer):  # type: ignore[no-untyped-def]
    ev = member_evaluation(world, open_year(world, 2021))
    return decide(cell_secretary, grassroots_officer, ev, "HTT")


def test_it_makes_the_plan_only_after_the_decision(world, member, cell_secretary):
    ev = member_evaluation(world, open_year(world, 2021))
    with pytest.raises(ActionError, match="chưa có quyết định xếp loại"):
        actions.do_add_remediation_items(user=member, evaluation=ev, items=PLAN)


def test_a_plan_is_all_or_nothing_and_names_the_row(decided, member):
    bad = [PLAN[0], {"shortcoming": "Thiếu người chịu trách nhiệm", "owner": "", "due_on": "01/02/2022"}]
    with pytest.raises(ActionError, match="Dòng 2: Người chịu trách nhiệm: chưa nhập"):
        actions.do_add_remediation_items(user=member, evaluation=decided, items=bad)
    with pytest.raises(ActionError, match="Dòng 1: Thời hạn 01/01/2021 trước ngày quyết định"):
        actions.do_add_remediation_items(
            user=member, evaluation=decided, items=[{**PLAN[0], "due_on": "01/01/2021"}]
        )
    assert not RemediationItem.objects.exists()
    assert actions.do_add_remediation_items(user=member, evaluation=decided, items=PLAN) == 2
    assert list(decided.remediation_items.values_list("number", "due_on")) == [
        (1, datetime.date(2022, 6, 30)),
        (2, datetime.date(2022, 3, 31)),
    ]


def test_an_outsider_cannot_plan_for_someone_else(decided, outsider):
    with pytest.raises(PermissionDenied):
        actions.do_add_remediation_items(user=outsider, evaluation=decided, items=PLAN)


def test_next_years_self_review_opens_with_last_years_items(world, decided, member, cell_secretary):
    actions.do_add_remediation_items(user=member, evaluation=decided, items=PLAN)
    next_ev = member_evaluation(world, open_year(world, 2022))
    assert queries.previous_evaluation(next_ev) == decided
    panel = queries.panel_for(member, next_ev)
    assert [i.shortcoming for i in panel["prev_items"]] == [p["shortcoming"] for p in PLAN]
    assert panel["can_assess"]
    first, second = panel["prev_items"]
    # The member's own marks wait for the committee to confirm them into the rating facts.
    pct = actions.do_assess_remediation(
        user=member,
        evaluation=next_ev,
        outcomes={first.pk: ("remedied", ""), second.pk: ("partly", "Còn chậm 1 tháng")},
    )
    assert pct == 50.0
    next_ev.refresh_from_db()
    assert "remediation_pct" not in next_ev.facts
    assert queries.panel_for(member, next_ev)["pct_unsynced"]
    actions.do_assess_remediation(
        user=cell_secretary, evaluation=next_ev, outcomes={second.pk: ("remedied", "")}
    )
    next_ev.refresh_from_db()
    assert next_ev.facts["remediation_pct"] == 100.0
    assert next_ev.audit_records.filter(action="facts").exists()
    first.refresh_from_db()
    assert first.assessed_in == next_ev and first.status == "remedied"


def test_it_refuses_a_status_outside_the_list(world, decided, member):
    actions.do_add_remediation_items(user=member, evaluation=decided, items=PLAN[:1])
    next_ev = member_evaluation(world, open_year(world, 2022))
    item = decided.remediation_items.get()
    with pytest.raises(ActionError, match="không hợp lệ"):
        actions.do_assess_remediation(user=member, evaluation=next_ev, outcomes={item.pk: ("gần xong", "")})


def _scored_self_review(user, ev, rating):  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns.review_forms import form_for, required_sections

    form = form_for(regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=False)
    return campaign_actions.do_save_self_review(
        user=user,
        evaluation=ev,
        sections={
            k: f"Nội dung đầy đủ của mục {k}, có sản phẩm và số liệu cụ thể." for k in required_sections(form)
        },
        score_general=28,
        score_results=65,
        self_rating=rating,
        submit=True,
    )


def test_under_the_2025_regime_htxs_needs_every_item_remedied(
    world, cell_secretary, grassroots_officer, member
):
    last = decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2024)), "HTT")
    actions.do_add_remediation_items(
        user=member, evaluation=last, items=[{**p, "due_on": "30/06/2025"} for p in PLAN]
    )
    others = make_members(world.cell_na_hang, 5)
    cycle = open_year(world, 2025)
    for person in others:  # five HTT make room for one HTXS under the 20% cap
        propose(cell_secretary, member_evaluation(world, cycle, person), "HTT")
    ev = member_evaluation(world, cycle)
    first, second = last.remediation_items.all()
    actions.do_assess_remediation(
        user=cell_secretary, evaluation=ev, outcomes={first.pk: ("remedied", ""), second.pk: ("not", "")}
    )
    _scored_self_review(member, ev, "HTXS")
    with pytest.raises(RuleViolation) as info:
        campaign_actions.do_record_meeting(
            user=cell_secretary, evaluation=ev, comments="", attendees=6, votes_for=6, proposed_rating="HTXS"
        )
    assert "khắc phục 50% hạn chế kỳ trước (cần 100%)" in str(info.value)
    actions.do_assess_remediation(user=cell_secretary, evaluation=ev, outcomes={second.pk: ("remedied", "")})
    ev = campaign_actions.do_record_meeting(
        user=cell_secretary, evaluation=ev, comments="", attendees=6, votes_for=6, proposed_rating="HTXS"
    )
    assert ev.proposed_rating == "HTXS"


def test_the_upper_committee_tracks_plans_and_pending_rereviews(
    client, world, decided, member, district_officer, cell_secretary, grassroots_officer
):
    actions.do_add_remediation_items(user=member, evaluation=decided, items=PLAN)
    person = make_members(world.cell_na_hang, 1)[0]
    other = member_evaluation(world, open_year(world, 2021), person)
    submit_self_review(cell_secretary, other)
    campaign_actions.do_order(
        user=district_officer, evaluation=other, kind="rereview", reason="Kiểm điểm qua loa."
    )
    t = queries.tracking(district_officer, decided.cycle, world.na_hang, today=datetime.date(2022, 4, 1))
    assert dict(t["by_status"])["Chưa đánh giá"] == 2
    assert [i.shortcoming for i in t["overdue"]] == ["Chậm nộp đảng phí quý II"]
    assert [o.evaluation for o in t["rereviews"]] == [other]
    client.force_login(district_officer)
    page = client.get(f"/theo-doi/dot/{decided.cycle.pk}/don-vi/{world.na_hang.pk}/").content.decode()
    assert "Kiểm điểm qua loa." in page
    # Once re-reviewed and decided again, it leaves the list.
    submit_self_review(cell_secretary, other)
    propose(cell_secretary, other, "HTT")
    t = queries.tracking(district_officer, decided.cycle, world.na_hang)
    assert len(t["rereviews"]) == 1
    campaign_actions.do_decide_rating(user=grassroots_officer, evaluation=other, rating="HTT")
    assert queries.tracking(district_officer, decided.cycle, world.na_hang)["rereviews"] == []


def test_an_outsider_cannot_open_the_tracking_page(client, world, outsider, district_officer):
    # The same addresses open for Na Hang's own officer: the 404 below is the scope, not a broken URL.
    client.force_login(district_officer)
    assert (
        client.get(f"/theo-doi/dot/{world.cycle_province.pk}/don-vi/{world.na_hang.pk}/").status_code == 200
    )
    assert (
        client.get(f"/api/followup/cycles/{world.cycle_province.pk}/units/{world.na_hang.pk}").status_code
        == 200
    )
    client.force_login(outsider)
    assert (
        client.get(f"/theo-doi/dot/{world.cycle_province.pk}/don-vi/{world.na_hang.pk}/").status_code == 404
    )
    assert (
        client.get(f"/api/followup/cycles/{world.cycle_province.pk}/units/{world.na_hang.pk}").status_code
        == 404
    )
