"""Quarterly reviews of designated cadres (KL 198-KL/TW; HD 43-HD/BTCTW): Mẫu 05, the same decision chain, and the
year's evaluation that shows the quarters and proposes from them."""

from __future__ import annotations

import pytest
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import CycleError
from kiemdiem.campaigns.models import Evaluation, QuarterlyDesignation
from kiemdiem.campaigns.quarterly import reference_level
from kiemdiem.orgs.models import LeadershipCollective, Position, Role
from tests.campaigns.helpers import propose, submit_self_review


@pytest.mark.parametrize(
    ("quarters", "expected"),
    [
        (["HTXS", "HTXS", "HTT"], "HTXS"),
        (["HTXS", "HTT"], "HTT"),  # a tie goes down
        (["HTT", "HTT", "KHT"], "HT"),  # one level above the weakest quarter at most
        (["HTXS", "HTXS", "HT"], "HTT"),
        (["HT"], "HT"),
        ([], None),
    ],
)
def test_the_reference_level_of_the_quarters(quarters, expected):
    assert reference_level(quarters) == expected


@pytest.fixture
def cadre(world):  # type: ignore[no-untyped-def]
    """The chairman of Na Hang's people's committee, head of its leadership."""
    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="lanh_dao_co_quan", name="Lãnh đạo UBND huyện Na Hang"
    )
    Position.objects.create(
        person=world.member_na_hang,
        unit=world.agency_na_hang,
        collective=collective,
        title="Chủ tịch UBND huyện",
        role=Role.HEAD,
    )
    return world.member_na_hang


def test_a_designated_cadre_is_reviewed_each_quarter_and_the_year_shows_it(
    world, cadre, district_officer, province_admin
):
    with pytest.raises(CycleError, match="không có đánh giá hằng quý"):
        actions.do_designate_cadre(user=district_officer, person=cadre, year=2021, unit=world.na_hang)
    actions.do_designate_cadre(user=district_officer, person=cadre, year=2026, unit=world.na_hang)
    with pytest.raises(CycleError, match="đã được Đảng bộ huyện Na Hang chỉ định"):
        actions.do_designate_cadre(user=province_admin, person=cadre, year=2026, unit=world.province)
    q1 = actions.do_open_cycle(unit=world.province, year=2026, quarter=1)
    actions.do_sync_cycle(cycle=q1)
    ev = Evaluation.objects.get(cycle=q1)
    assert (ev.person, ev.subject_type, ev.role) == (cadre, "leader", "head")
    assert ev.form_code == "05-HD KĐ.ĐG 2025"
    assert actions.do_sync_cycle(cycle=q1)["evaluations"] == 0
    # Mẫu 05 on screen, then the same chain: meeting, verification, decision by the managing committee.
    client = Client()
    client.force_login(district_officer)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "Bản tự đánh giá cá nhân hằng quý" in page and 'name="section-quarter_tasks"' in page
    response = client.post(
        f"/danh-gia/{ev.pk}/tu-kiem-diem/",
        {
            "section-quarter_tasks": "Hoàn thành 12/12 nhiệm vụ quý I; 4 nhiệm vụ vượt tiến độ.",
            "section-quarter_conduct": "Giữ vững phẩm chất chính trị.",
            "section-quarter_shortcomings": "Còn chậm ở một hồ sơ đất đai.",
            "section-quarter_next": "Tập trung giải ngân đầu tư công.",
            "score_general": "27",
            "score_results": "64",
            "self_rating": "HTT",
            "submit": "1",
            "version": str(ev.version),
        },
    )
    assert response.status_code == 302
    ev.refresh_from_db()
    assert ev.state == "self_reviewed" and float(ev.score) == 91.0
    # Mẫu 05's own headings are what the review is checked against, not the year's form.
    assert "I.1. Tư tưởng chính trị" not in client.get(f"/danh-gia/{ev.pk}/").content.decode()
    propose(district_officer, ev, "HTT")
    actions.do_verify(user=province_admin, evaluation=ev, note="Đúng quy trình.")
    actions.do_decide_rating(
        user=district_officer, evaluation=ev, rating="HTT"
    )  # the committee above the agency
    ev.refresh_from_db()
    assert ev.decided_rating == "HTT"
    # The year's evaluation of the same cadre shows the quarter, its tasks, and proposes from them.
    year = actions.do_open_cycle(unit=world.province, year=2026)
    actions.do_sync_cycle(cycle=year)
    year_ev = Evaluation.objects.get(cycle=year, person=cadre, subject_type="leader")
    submit_self_review(district_officer, year_ev, "HTXS")
    page = client.get(f"/danh-gia/{year_ev.pk}/").content.decode()
    assert "Kết quả đánh giá hằng quý năm 2026" in page
    assert "Hoàn thành 12/12 nhiệm vụ quý I" in page
    assert "Mức tham chiếu từ 1 quý: <strong>HTT</strong>" in page
    assert '<option value="HTT" selected>' in page  # the proposal starts from the quarters
    member_ev = Evaluation.objects.get(cycle=year, person=cadre, subject_type="party_member")
    assert "Kết quả đánh giá hằng quý" in client.get(f"/danh-gia/{member_ev.pk}/").content.decode()
    other = Evaluation.objects.get(cycle=year, person=world.member_lam_binh)
    province = Client()
    province.force_login(province_admin)
    assert "Kết quả đánh giá hằng quý" not in province.get(f"/danh-gia/{other.pk}/").content.decode()


def test_designation_on_the_quarter_page_adds_the_cadre_and_is_scoped(
    world, cadre, district_officer, outsider
):
    q1 = actions.do_open_cycle(unit=world.province, year=2026, quarter=1)
    client = Client()
    client.force_login(outsider)
    client.post(f"/dot/{q1.pk}/can-bo-hang-quy/", {"person": cadre.code})
    assert not QuarterlyDesignation.objects.exists()  # Na Hang's cadre is not Lâm Bình's to designate
    client.force_login(district_officer)
    client.post(f"/dot/{q1.pk}/can-bo-hang-quy/", {"person": cadre.code})
    designation = QuarterlyDesignation.objects.get()
    assert designation.unit == world.na_hang and designation.year == 2026
    assert Evaluation.objects.filter(cycle=q1, person=cadre).count() == 1
    page = client.get(f"/dot/{q1.pk}/").content.decode()
    assert "Cán bộ đánh giá hằng quý năm 2026" in page and cadre.full_name in page
    client.post(f"/dot/{q1.pk}/can-bo-hang-quy/{cadre.pk}/bo/")
    assert not QuarterlyDesignation.objects.exists() and not Evaluation.objects.filter(cycle=q1).exists()
