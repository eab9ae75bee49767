"""The rating campaign in real Chromium: self-review, meeting and quota, decision, head last, re-rating."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import LeadershipCollective, Position, Role
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "mat-khau-thu-nghiem"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_a_member_writes_a_self_review(live_server, page, world, member):
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    login(page, live_server, "dangvien")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    expect(page.get_by_text("Chưa thể nộp bản tự kiểm điểm, còn thiếu")).to_be_visible()
    for textarea in page.locator("textarea[name^=section-]").all():
        textarea.fill("Luôn giữ vững lập trường, tham gia đầy đủ sinh hoạt chi bộ.")
    for select in page.locator("select[name^=criterion-]").all():
        select.select_option("T")
    page.select_option("#self_rating", "HTT")
    shot(page, "self-review-form")
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    expect(page.get_by_text("Đã nộp bản tự kiểm điểm.")).to_be_visible()
    expect(page.locator("#state")).to_have_text("Đã tự kiểm điểm")


def test_a_secretary_proposes_for_a_cell_and_the_quota_refuses_a_third_htxs(
    live_server, page, world, cell_secretary
):
    make_members(world.cell_na_hang, 12)  # with Ma Văn Hùng, thirteen members
    actions.ensure_evaluations(cycle=world.cycle_province)
    evs = list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_member"
        )
        .select_related("person")
        .order_by("person__code")
    )
    for number, ev in enumerate(evs):
        submit_self_review(cell_secretary, ev, "HTXS" if number >= 10 else "HTT")
    login(page, live_server, "chibo")
    page.goto(f"{live_server.url}/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    page.fill("input[name=attendees]", "13")
    for number, ev in enumerate(evs):
        page.select_option(f"select[name=rating-{ev.pk}]", "HTXS" if number >= 10 else "HTT")
        page.fill(f"input[name=votes-{ev.pk}]", "12")
    page.get_by_role("button", name="Ghi mức đề xuất của hội nghị").click()
    error = page.locator(".messages li.error")
    assert "Không thể xếp mức HTXS" in error.inner_text() and "21-HD/BTCTW" in error.inner_text()
    assert not Evaluation.objects.filter(pk__in=[e.pk for e in evs]).exclude(proposed_rating="").exists()
    shot(page, "rating-page-quota-refused")
    # Nothing to retype: the form keeps what was entered; the secretary changes one row and sends it again.
    assert page.locator(f"select[name=rating-{evs[12].pk}]").input_value() == "HTXS"
    assert page.locator("input[name=attendees]").input_value() == "13"
    page.select_option(f"select[name=rating-{evs[10].pk}]", "HTT")
    page.get_by_role("button", name="Ghi mức đề xuất của hội nghị").click()
    expect(page.get_by_text("Đã ghi mức đề xuất của 13 đảng viên.")).to_be_visible()
    assert "đã hết suất HTXS" in page.locator(".meter").first.inner_text()
    shot(page, "rating-page-quota-full")


def test_the_grassroots_committee_decides(live_server, page, world, cell_secretary, grassroots_officer):
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = propose(
        cell_secretary, Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang), "HTT"
    )
    login(page, live_server, "chibo")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    assert page.get_by_role("button", name="Ghi quyết định").count() == 0  # not the secretary's to decide
    page.get_by_role("link", name="Đăng xuất").count()
    page.context.clear_cookies()
    login(page, live_server, "danguy")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    page.select_option("#rating", "HTT")
    page.fill("input[name=decided_on]", "08/01/2022")
    page.get_by_role("button", name="Ghi quyết định").click()
    expect(page.get_by_text("Đã ghi quyết định xếp loại.")).to_be_visible()
    assert "Hoàn thành tốt nhiệm vụ" in page.locator("#decided").inner_text()
    assert "08/01/2022" in page.locator("#decided").inner_text()
    shot(page, "evaluation-decided")


def test_a_head_cannot_be_decided_above_the_collective(live_server, page, world, district_officer):
    head = world.member_na_hang
    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="lanh_dao_co_quan", name="Tập thể lãnh đạo UBND huyện Na Hang"
    )
    Position.objects.create(
        person=head, unit=world.agency_na_hang, collective=collective, title="Chủ tịch", role=Role.HEAD
    )
    actions.ensure_evaluations(cycle=world.cycle_province)
    agency = Evaluation.objects.get(
        cycle=world.cycle_province, unit=world.agency_na_hang, subject_type="agency"
    )
    col = Evaluation.objects.get(cycle=world.cycle_province, collective=collective)
    leader = Evaluation.objects.get(cycle=world.cycle_province, person=head, subject_type="leader")
    actions.do_decide_rating(
        user=district_officer, evaluation=propose(district_officer, agency, "HTT"), rating="HTT"
    )
    login(page, live_server, "nahang")
    propose(district_officer, leader, "HTT")
    actions.do_verify(user=district_officer, evaluation=leader, note="Đã thẩm định hồ sơ.")
    page.goto(f"{live_server.url}/danh-gia/{leader.pk}/")
    expect(page.get_by_text("Cần quyết định trước")).to_be_visible()
    expect(page.get_by_role("link", name="Tập thể lãnh đạo UBND huyện Na Hang")).to_be_visible()
    shot(page, "head-waits-for-collective")
    actions.do_decide_rating(
        user=district_officer, evaluation=propose(district_officer, col, "HT"), rating="HT"
    )
    page.goto(f"{live_server.url}/danh-gia/{leader.pk}/")
    page.select_option("#rating", "HTT")
    page.fill("input[name=decided_on]", "08/01/2022")
    page.get_by_role("button", name="Ghi quyết định").click()
    error = page.locator(".messages li.error").inner_text()
    assert "HEAD_ABOVE_COLLECTIVE" in error or "tập thể" in error
    leader.refresh_from_db()
    assert leader.decided_rating == ""
    page.select_option("#rating", "HT")
    page.fill("input[name=decided_on]", "08/01/2022")
    page.get_by_role("button", name="Ghi quyết định").click()
    expect(page.get_by_text("Đã ghi quyết định xếp loại.")).to_be_visible()
    shot(page, "head-decided")


def test_the_upper_committee_orders_a_rerating_and_the_history_shows_it(
    live_server, page, world, cell_secretary, grassroots_officer, district_officer
):
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    actions.do_decide_rating(
        user=grassroots_officer, evaluation=propose(cell_secretary, ev, "HTT"), rating="HTT"
    )
    login(
        page, live_server, "nahang"
    )  # Na Hang's committee office: QĐ 366 Điều 13 (the inspector only reads)
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    assert page.get_by_role("button", name="Ghi quyết định").count() == 0
    page.select_option("select[name=kind]", "rerating")
    page.fill("#order-reason", "Kết quả thực hiện nhiệm vụ chưa tương xứng với mức xếp loại.")
    page.get_by_role("button", name="Ra yêu cầu").click()
    expect(page.get_by_text("Đã ra yêu cầu xếp loại lại.")).to_be_visible()
    expect(page.locator("#state")).to_have_text("Đã kiểm điểm tại hội nghị")
    history = page.locator(".order").first.inner_text()
    assert "Xếp loại lại" in history and "chưa thực hiện" in history and "HTT" in history
    assert "HTT → —" in page.locator("table.history").inner_text()
    shot(page, "rerating-history")
