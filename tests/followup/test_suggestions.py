"""Review suggestions: issued by the upper committee point by point, answered in the self-review, concluded by the
standing-committee member assigned to attend (CV 854-CV/TU mục 2(4))."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.campaigns import actions as campaign_actions
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import EvaluationState
from kiemdiem.followup import actions
from kiemdiem.followup.models import Notice
from tests.campaigns.helpers import submit_self_review
from tests.followup.helpers import member_evaluation, open_year

ITEMS = [
    "Làm rõ trách nhiệm trong việc chậm triển khai nghị quyết chi bộ về xây dựng nông thôn mới.",
    "Giải trình ý kiến phản ánh về việc không tham gia sinh hoạt chi bộ 3 tháng liền.",
]


@pytest.fixture
def ev(world):  # type: ignore[no-untyped-def]
    return member_evaluation(world, open_year(world, 2021))


def issue(district_officer, ev, standing_member=None):  # type: ignore[no-untyped-def]
    return actions.do_issue_suggestion(
        user=district_officer, evaluation=ev, items=ITEMS, attendee=standing_member, reference="45-CV/HU"
    )


def test_it_issues_a_suggestion_item_by_item_with_the_attendee(ev, district_officer, standing_member, member):
    s = issue(district_officer, ev, standing_member)
    assert [i.number for i in s.items.all()] == [1, 2]
    assert s.issuing_unit.name == "Đảng bộ huyện Na Hang"
    assert s.attendee == standing_member
    assert Notice.objects.filter(user=member, key=f"suggestion-{s.pk}").exists()
    assert Notice.objects.filter(user=standing_member, key=f"suggestion-attend-{s.pk}").exists()


def test_it_refuses_a_suggestion_from_the_cell_itself_or_without_content(
    ev, cell_secretary, district_officer
):
    with pytest.raises(PermissionDenied):
        actions.do_issue_suggestion(user=cell_secretary, evaluation=ev, items=ITEMS)
    with pytest.raises(ActionError, match="ít nhất một nội dung"):
        actions.do_issue_suggestion(user=district_officer, evaluation=ev, items=["  ", ""])


def test_it_refuses_an_attendee_not_assigned_to_the_unit(world, ev, district_officer, standing_member):
    standing_member.assigned_units.set([world.lam_binh])
    with pytest.raises(ActionError, match="không phải ủy viên Ban Thường vụ được phân công"):
        issue(district_officer, ev, standing_member)


def test_the_self_review_cannot_be_submitted_until_every_item_is_answered(ev, district_officer, member):
    s = issue(district_officer, ev)
    first, second = s.items.all()
    with pytest.raises(ActionError, match="giải trình nội dung gợi ý số 1 của Đảng bộ huyện Na Hang"):
        submit_self_review(member, ev)
    actions.do_answer_suggestions(
        user=member, evaluation=ev, answers={first.pk: "Đã nhận trách nhiệm, khắc phục."}
    )
    with pytest.raises(ActionError) as info:
        submit_self_review(member, ev)
    assert "số 2" in str(info.value) and "số 1" not in str(info.value)
    actions.do_answer_suggestions(user=member, evaluation=ev, answers={second.pk: "Do đi công tác dài ngày."})
    assert submit_self_review(member, ev).state == EvaluationState.SELF_REVIEWED


def test_a_member_cannot_answer_someone_elses_suggestion(world, ev, district_officer, province_admin, member):
    other = member_evaluation(world, ev.cycle, world.member_lam_binh)
    s = actions.do_issue_suggestion(user=province_admin, evaluation=other, items=ITEMS)
    with pytest.raises(PermissionDenied):
        actions.do_answer_suggestions(user=member, evaluation=other, answers={s.items.first().pk: "x"})
    mine = issue(district_officer, ev)
    with pytest.raises(ActionError, match="không thuộc đối tượng này"):
        actions.do_answer_suggestions(
            user=member, evaluation=ev, answers={mine.items.first().pk: "a", s.items.first().pk: "b"}
        )


def test_only_the_assigned_member_records_the_conclusion_after_the_self_review(
    ev, district_officer, standing_member, member
):
    s = issue(district_officer, ev, standing_member)
    with pytest.raises(ActionError, match="chưa nộp bản tự kiểm điểm"):
        actions.do_record_suggestion_conclusion(user=standing_member, suggestion=s, conclusion="Đạt yêu cầu.")
    actions.do_answer_suggestions(
        user=member, evaluation=ev, answers={i.pk: "Đã giải trình." for i in s.items.all()}
    )
    submit_self_review(member, ev)
    with pytest.raises(PermissionDenied):
        actions.do_record_suggestion_conclusion(user=district_officer, suggestion=s, conclusion="Đạt.")
    s = actions.do_record_suggestion_conclusion(
        user=standing_member,
        suggestion=s,
        conclusion="Kiểm điểm nghiêm túc, làm rõ được trách nhiệm cá nhân.",
    )
    assert s.concluded_by == standing_member and s.concluded_at is not None


def test_no_suggestion_once_the_meeting_has_reviewed(ev, district_officer, cell_secretary):
    submit_self_review(cell_secretary, ev)
    campaign_actions.do_record_meeting(
        user=cell_secretary, evaluation=ev, comments="", attendees=10, votes_for=9, proposed_rating="HTT"
    )
    with pytest.raises(ActionError, match="gợi ý phải gửi trước khi kiểm điểm"):
        issue(district_officer, ev)


def test_the_pages_issue_answer_and_show_the_suggestion(
    client, ev, district_officer, standing_member, member
):
    client.force_login(district_officer)
    response = client.post(
        f"/theo-doi/danh-gia/{ev.pk}/goi-y/",
        {"items": "\n".join(ITEMS), "attendee": standing_member.pk, "reference": "45-CV/HU"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/danh-gia/{ev.pk}/#theo-doi"
    )
    client.force_login(member)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "Gợi ý của Đảng bộ huyện Na Hang (số 45-CV/HU)" in page
    assert "Còn 2 nội dung gợi ý chưa giải trình" in page
    item = ev.suggestions.get().items.get(number=1)
    client.post(f"/theo-doi/danh-gia/{ev.pk}/giai-trinh/", {f"answer-{item.pk}": "Đã khắc phục."})
    item.refresh_from_db()
    assert item.answer == "Đã khắc phục."


def test_an_outsider_gets_404_on_every_followup_form(client, ev, outsider):
    client.force_login(outsider)
    for path in (
        "goi-y",
        "giai-trinh",
        "ket-luan-goi-y",
        "ke-hoach",
        "ket-qua-khac-phuc",
        "lien-he",
        "ket-luan-suy-thoai",
        "dot-pha",
        "ket-qua-dot-pha",
    ):
        assert client.post(f"/theo-doi/danh-gia/{ev.pk}/{path}/", {"items": "x"}).status_code == 404, path
    assert client.get(f"/api/followup/evaluations/{ev.pk}").status_code == 404
    assert not ev.suggestions.exists()


def test_without_an_attendee_the_upper_office_records_the_conclusion(
    ev, district_officer, cell_secretary, member
):
    s = issue(district_officer, ev)
    actions.do_answer_suggestions(
        user=member, evaluation=ev, answers={i.pk: "Đã giải trình." for i in s.items.all()}
    )
    submit_self_review(member, ev)
    with pytest.raises(PermissionDenied):
        actions.do_record_suggestion_conclusion(user=cell_secretary, suggestion=s, conclusion="Đạt.")
    s = actions.do_record_suggestion_conclusion(
        user=district_officer, suggestion=s, conclusion="Đạt yêu cầu."
    )
    assert s.concluded_by == district_officer
