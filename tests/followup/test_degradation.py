"""Signs of degradation: the self-review relates to the 27 signs; a competent body's conclusion is a fact the rules
read (HD 21 tiết 2; QĐ 124 Đ12 k4; QĐ 366 Đ11 k4: KHT)."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.campaigns.actions import ActionError, RuleViolation
from kiemdiem.followup import actions, queries
from kiemdiem.followup.models import SignRelation
from kiemdiem.followup.signs import GROUPS, SIGNS
from tests.campaigns.helpers import propose, submit_self_review
from tests.followup.helpers import member_evaluation, open_year


@pytest.fixture
def ev(world):  # type: ignore[no-untyped-def]
    return member_evaluation(world, open_year(world, 2021))


def test_the_catalogue_has_three_groups_of_nine():
    assert len(SIGNS) == 27
    assert {g: sum(1 for s in SIGNS if s.group == g) for g in GROUPS} == {"TTCT": 9, "DDLS": 9, "TDB": 9}


def test_the_self_review_lists_the_27_signs_to_relate_to(ev, member):
    panel = queries.panel_for(member, ev)
    assert len(panel["signs"]) == 27 and panel["can_relate"]
    relations = {s.code: (False, "") for s in SIGNS}
    relations["TTCT-5"] = (True, "Có lúc còn nể nang trong phê bình đồng chí cùng chi bộ.")
    assert actions.do_relate_signs(user=member, evaluation=ev, relations=relations) == 27
    assert list(SignRelation.objects.filter(evaluation=ev, has_sign=True).values_list("code", flat=True)) == [
        "TTCT-5"
    ]
    # Relating oneself to a sign is not a conclusion: the rules see nothing.
    ev.refresh_from_db()
    assert "degradation_concluded" not in ev.facts


def test_a_sign_admitted_needs_an_explanation_and_codes_must_exist(ev, member):
    with pytest.raises(ActionError, match="TTCT-5: đã tự nhận có biểu hiện"):
        actions.do_relate_signs(user=member, evaluation=ev, relations={"TTCT-5": (True, "")})
    with pytest.raises(ActionError, match="XYZ-1"):
        actions.do_relate_signs(user=member, evaluation=ev, relations={"XYZ-1": (False, "")})
    assert not SignRelation.objects.filter(evaluation=ev).exists()  # refused whole: nothing written
    # With the explanation, the same sign is recorded.
    actions.do_relate_signs(user=member, evaluation=ev, relations={"TTCT-5": (True, "Còn nể nang.")})
    assert SignRelation.objects.get(evaluation=ev, code="TTCT-5").has_sign


def test_a_conclusion_by_a_competent_body_becomes_the_fact_the_rules_read(
    ev, cell_secretary, grassroots_officer
):
    submit_self_review(cell_secretary, ev)
    actions.do_record_degradation_conclusion(
        user=grassroots_officer,
        evaluation=ev,
        body="Ủy ban Kiểm tra Huyện ủy Na Hang",
        reference="12-KL/UBKTHU",
        concluded_on="15/12/2021",
        signs=["DDLS-5"],
    )
    ev.refresh_from_db()
    assert ev.facts["degradation_concluded"] is True
    assert ev.audit_records.filter(action="facts").exists()
    with pytest.raises(RuleViolation) as info:
        propose(cell_secretary, ev, "HT")
    assert info.value.findings[0].code == "DEGRADATION_CONCLUDED"
    assert propose(cell_secretary, ev, "KHT").proposed_rating == "KHT"


def test_the_conclusion_keeps_the_facts_already_recorded(ev, grassroots_officer):
    from kiemdiem.campaigns.actions import do_update_facts

    do_update_facts(user=grassroots_officer, evaluation=ev, facts={"sick_leave_days": 100})
    actions.do_record_degradation_conclusion(
        user=grassroots_officer, evaluation=ev, body="UBKT", reference="1-KL", concluded_on="01/12/2021"
    )
    ev.refresh_from_db()
    assert ev.facts == {"sick_leave_days": 100, "degradation_concluded": True}


def test_a_member_cannot_record_a_conclusion_against_themselves_or_others(ev, member, outsider):
    for user in (member, outsider):
        with pytest.raises(PermissionDenied):
            actions.do_record_degradation_conclusion(
                user=user, evaluation=ev, body="UBKT", reference="1-KL", concluded_on="01/12/2021"
            )
