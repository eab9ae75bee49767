"""The campaign pages: the rating page with findings and the quota meter, forms, progress, scoping."""

import pytest
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, EvaluationState
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def evs(world):  # type: ignore[no-untyped-def]
    make_members(world.cell_na_hang, 11)  # with Ma Văn Hùng: twelve members in the cell
    actions.ensure_evaluations(cycle=world.cycle_province)
    return list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_member"
        )
        .select_related("person")
        .order_by("person__code")
    )


def test_the_rating_page_shows_members_and_the_quota_meter(world, evs, cell_secretary):
    for ev in evs[:6]:
        propose(cell_secretary, ev, "HTT")
    body = (
        login(cell_secretary)
        .get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
        .content.decode()
    )
    assert "Đảng viên M00" in body and "Ma Văn Hùng" in body
    # Six at HTT or better: one may be HTXS, since 1 ≤ 20% of the five left at HTT.
    assert "còn 1 suất HTXS" in body


def test_a_rule_break_is_shown_next_to_the_subject_with_its_article(
    world, evs, cell_secretary, grassroots_officer
):
    ev = propose(cell_secretary, evs[0], "HTT")
    actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTT")
    # A discipline recorded after the decision: the decided HTT now breaks HD 21 and the page must say so.
    actions.do_update_facts(user=cell_secretary, evaluation=ev, facts={"disciplined_in_year": True})
    body = (
        login(cell_secretary)
        .get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
        .content.decode()
    )
    assert "DISCIPLINED_IN_YEAR" in body and "21-HD/BTCTW" in body
    page = login(cell_secretary).get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "Vi phạm quy định" in page and "DISCIPLINED_IN_YEAR" in page


def test_the_bulk_form_refuses_a_third_htxs_and_saves_nothing(world, evs, cell_secretary):
    for number, ev in enumerate(evs):
        submit_self_review(cell_secretary, ev, "HTXS" if number >= 9 else "HTT")
    data = {"attendees": "12", "comments": "Hội nghị chi bộ tháng 12"}
    for number, ev in enumerate(evs):
        data[f"rating-{ev.pk}"] = "HTXS" if number >= 9 else "HTT"
        data[f"votes-{ev.pk}"] = "11"
    client = login(cell_secretary)
    response = client.post(
        f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/de-xuat/", data, follow=True
    )
    body = response.content.decode()
    assert "QUOTA_EXCELLENT" in body or "vượt" in body
    assert not Evaluation.objects.filter(pk__in=[e.pk for e in evs], state=EvaluationState.PROPOSED).exists()
    data[f"rating-{evs[9].pk}"] = "HTT"
    response = client.post(
        f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/de-xuat/", data, follow=True
    )
    assert "Đã ghi mức đề xuất của 12 đảng viên" in response.content.decode()
    assert "đã hết suất HTXS" in response.content.decode()


def test_a_member_writes_their_own_self_review_in_the_form(world, evs, member):
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    client = login(member)
    assert client.get(f"/danh-gia/{ev.pk}/").status_code == 200
    data = {
        f"section-{k}": "Nội dung."
        for k in [
            "politics",
            "ethics",
            "discipline",
            "style",
            "duties",
            "commitment",
            "direction",
            "shortcomings",
        ]
    }
    data.update(
        {f"criterion-{k}": "T" for k in ["politics", "ethics", "discipline", "style", "duties", "remedy"]}
    )
    data.update({"self_rating": "HTT", "submit": "1", "version": str(ev.version)})
    response = client.post(f"/danh-gia/{ev.pk}/tu-kiem-diem/", data, follow=True)
    assert "Đã nộp bản tự kiểm điểm" in response.content.decode()
    ev.refresh_from_db()
    assert ev.state == EvaluationState.SELF_REVIEWED
    other = evs[1]  # evs[0] is the member's own
    assert client.get(f"/danh-gia/{other.pk}/").status_code == 404


def test_a_stale_form_shows_a_conflict_message(world, evs, cell_secretary):
    ev = evs[0]
    submit_self_review(cell_secretary, ev)
    response = login(cell_secretary).post(
        f"/danh-gia/{ev.pk}/hoi-nghi/",
        {"version": "1", "proposed_rating": "HTT", "attendees": "5", "votes_for": "5"},
        follow=True,
    )
    assert "vừa được người khác cập nhật" in response.content.decode()


def test_who_may_decide_is_enforced_by_the_page(world, evs, cell_secretary, inspector, grassroots_officer):
    ev = propose(cell_secretary, evs[0], "HTT")
    assert login(cell_secretary).post(f"/danh-gia/{ev.pk}/quyet-dinh/", {"rating": "HTT"}).status_code == 403
    assert login(inspector).post(f"/danh-gia/{ev.pk}/quyet-dinh/", {"rating": "HTT"}).status_code == 403
    response = login(grassroots_officer).post(
        f"/danh-gia/{ev.pk}/quyet-dinh/", {"rating": "HTT", "decided_on": "08/01/2022"}, follow=True
    )
    assert "Đã ghi quyết định xếp loại" in response.content.decode()
    ev.refresh_from_db()
    assert ev.decided_rating == "HTT" and ev.decided_on.isoformat() == "2022-01-08"


def test_an_other_district_gets_404_on_campaign_pages(world, evs, outsider):
    client = login(outsider)
    assert client.get(f"/danh-gia/{evs[0].pk}/").status_code == 404
    assert client.get(f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/").status_code == 404
    assert client.get(f"/dot/{world.cycle_province.pk}/tien-do/{world.na_hang.pk}/").status_code == 404
    assert (
        client.post(f"/danh-gia/{evs[0].pk}/yeu-cau/", {"kind": "rereview", "reason": "x"}).status_code == 404
    )


def test_the_progress_page_shows_who_is_late(world, evs, province_admin):
    body = (
        login(province_admin)
        .get(f"/dot/{world.cycle_province.pk}/tien-do/{world.province.pk}/")
        .content.decode()
    )
    # It is long past 10/01/2022 and nothing in Na Hang is decided.
    assert "Đảng bộ huyện Na Hang" in body and "Chậm tiến độ" in body and "10/01/2022" in body


def test_a_refused_save_gives_back_every_field_as_typed(world, evs, member):
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    client = login(member)
    long_text = "Đ" * 20_001  # one character over the section's limit
    data = {
        "section-politics": long_text,
        "section-ethics": "Giữ gìn đạo đức, lối sống giản dị.",
        "criterion-politics": "T",
        "self_rating": "HTT",
        "save": "1",
        "version": str(ev.version),
    }
    response = client.post(f"/danh-gia/{ev.pk}/tu-kiem-diem/", data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "vượt giới hạn 20.000 ký tự" in body or "vượt giới hạn 20,000 ký tự" in body
    assert long_text in body  # the whole text is back in its field
    assert "Giữ gìn đạo đức, lối sống giản dị." in body
    assert 'value="T" selected' in body and 'value="HTT" selected' in body
    assert 'maxlength="20000"' in body  # and the field carries its limit
    ev.refresh_from_db()
    assert ev.self_review == {} and ev.self_rating == ""  # nothing was written


def test_a_refused_order_keeps_its_reason(world, evs, cell_secretary, province_admin):
    ev = submit_self_review(cell_secretary, evs[0])  # reviewed, not decided: a re-rating is refused
    response = login(province_admin).post(
        f"/danh-gia/{ev.pk}/yeu-cau/", {"kind": "rerating", "reason": "Chưa hoàn thành chỉ tiêu được giao."}
    )
    body = response.content.decode()
    assert response.status_code == 422 and "Chỉ yêu cầu xếp loại lại khi" in body
    assert "Chưa hoàn thành chỉ tiêu được giao.</textarea>" in body
