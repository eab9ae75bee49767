"""In real Chromium: a suggestion issued, answered in the self-review, concluded by the standing-committee member,
the remediation plan made after the decision, and next year's self-review showing it."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from tests.campaigns.helpers import propose

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "mat-khau-thu-nghiem"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_a_suggestion_runs_through_the_review_into_next_years_self_review(
    live_server, page, world, district_officer, member, standing_member, cell_secretary, grassroots_officer
):
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    url = f"{live_server.url}/danh-gia/{ev.pk}/"

    # The district committee issues a suggestion with two points and assigns the standing-committee member.
    login(page, live_server, "nahang")
    page.goto(url)
    page.get_by_text("Gửi gợi ý kiểm điểm").click()
    page.fill(
        "#suggestion-items", "Làm rõ việc vắng sinh hoạt chi bộ 3 tháng.\nGiải trình việc chậm nộp đảng phí."
    )
    page.fill("input[name=reference]", "45-CV/HU")
    page.select_option("#suggestion-attendee", label="btv")
    page.get_by_role("button", name="Gửi gợi ý").click()
    expect(page.get_by_text("Đã gửi gợi ý kiểm điểm gồm 2 nội dung.")).to_be_visible()

    # The member cannot submit until both points are answered.
    login(page, live_server, "dangvien")
    page.goto(live_server.url + "/theo-doi/")
    expect(page.get_by_text("gợi ý kiểm điểm 2 nội dung đối với Ma Văn Hùng")).to_be_visible()
    page.goto(url)
    for textarea in page.locator("textarea[name^=section-]").all():
        textarea.fill(
            "Luôn giữ vững lập trường, tham gia đầy đủ sinh hoạt chi bộ, hoàn thành nhiệm vụ được giao."
        )
    for select in page.locator("select[name^=criterion-]").all():
        select.select_option("T")
    page.select_option("#self_rating", "HTT")
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    expect(page.get_by_text("giải trình nội dung gợi ý số 1 của Đảng bộ huyện Na Hang")).to_be_visible()
    answers = page.locator("textarea[name^=answer-]")
    answers.nth(0).fill("Do đi điều trị dài ngày; đã báo cáo chi ủy, nay sinh hoạt đầy đủ.")
    answers.nth(1).fill("Đã nộp bổ sung đủ đảng phí ngày 20/12/2021.")
    page.get_by_role("button", name="Lưu giải trình gợi ý").click()
    expect(page.get_by_text("Đã lưu phần giải trình các nội dung được gợi ý.")).to_be_visible()
    for textarea in page.locator("textarea[name^=section-]").all():
        textarea.fill(
            "Luôn giữ vững lập trường, tham gia đầy đủ sinh hoạt chi bộ, hoàn thành nhiệm vụ được giao."
        )
    for select in page.locator("select[name^=criterion-]").all():
        select.select_option("T")
    page.select_option("#self_rating", "HTT")
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    expect(page.locator("#state")).to_have_text("Đã tự kiểm điểm")
    shot(page, "followup-suggestion-answered")

    # The standing-committee member who attended records the meeting's conclusion.
    login(page, live_server, "btv")
    page.goto(url)
    page.fill("textarea[name=conclusion]", "Kiểm điểm nghiêm túc, làm rõ trách nhiệm cá nhân.")
    page.get_by_role("button", name="Ghi kết luận").click()
    assert page.locator(".conclusion").inner_text().startswith("Kết luận của đồng chí btv")

    # The meeting and the decision (the campaign's own journeys test these pages).
    ev = propose(cell_secretary, ev, "HTT")
    actions.do_decide_rating(
        user=grassroots_officer, evaluation=ev, rating="HTT", decided_on=datetime.date(2022, 1, 5)
    )

    # Right after the decision, the member makes the remediation plan.
    login(page, live_server, "dangvien")
    page.goto(url)
    page.fill("input[name=shortcoming-1]", "Chưa đều đặn sinh hoạt chi bộ")
    page.fill("input[name=measure-1]", "Báo cáo chi ủy trước mỗi lần vắng")
    page.fill("input[name=owner-1]", "Ma Văn Hùng")
    page.fill("input[name=due_on-1]", "30/06/2022")
    page.get_by_role("button", name="Thêm vào kế hoạch khắc phục").click()
    expect(page.get_by_text("Đã thêm 1 nội dung vào kế hoạch khắc phục.")).to_be_visible()
    assert page.locator("tr.plan-item").count() == 1
    shot(page, "followup-plan")

    # Next year: the self-review opens with last year's item in its section on remedying earlier shortcomings.
    cycle_2022 = actions.do_open_cycle(unit=world.province, year=2022)
    actions.ensure_evaluations(cycle=cycle_2022)
    nxt = Evaluation.objects.get(cycle=cycle_2022, person=world.member_na_hang)
    page.goto(f"{live_server.url}/danh-gia/{nxt.pk}/")
    section = page.locator("#khac-phuc-ky-truoc")
    assert "kỳ trước (2021)" in section.locator("h2").inner_text()
    expect(section.get_by_text("Chưa đều đặn sinh hoạt chi bộ")).to_be_visible()
    section.locator("select[name^=status-]").select_option("remedied")
    page.get_by_role("button", name="Lưu kết quả khắc phục").click()
    expect(page.get_by_text("Đã lưu kết quả khắc phục: 100% nội dung đã khắc phục.")).to_be_visible()
    expect(page.locator("#remediation-pct")).to_have_text("100%")
    shot(page, "followup-next-year")
