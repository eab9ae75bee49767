"""Cycles in real Chromium: the province opens the 2026 cycle and watches its creation; a cadre's Q1 review shows in
the year's evaluation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns import actions, cycle_jobs
from kiemdiem.campaigns.models import Cycle, CycleJob, Evaluation
from kiemdiem.orgs.models import LeadershipCollective, Position, Role
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


def test_the_province_opens_the_2026_cycle_and_watches_its_creation(
    live_server, page, world, province_admin, monkeypatch
):
    for cell in (world.cell_na_hang, world.cell_lam_binh):
        make_members(cell, 12)
    monkeypatch.setattr(cycle_jobs, "INLINE_MAX_UNITS", 0)  # the small test tree takes the province's path
    monkeypatch.setattr(actions, "BATCH", 4)  # several batches, so the bar has steps to show
    login(page, live_server, "tinhuy")
    page.get_by_role("link", name="Đợt kiểm điểm").first.click()
    page.get_by_role("link", name="Mở đợt kiểm điểm mới").click()
    page.fill("input[name=year]", "2026")
    page.get_by_role("button", name="Xem chế độ và hạn mặc định").click()
    regime = page.locator("#regime").inner_text()
    assert "Quy định 366-QĐ/TW" in regime and "HD 43-HD/BTCTW" in regime
    assert page.input_value("input[name=review_deadline]") == "31/12/2026"
    assert page.input_value("input[name=report_deadline]") == "01/02/2027"
    page.fill("input[name=review_deadline]", "25/12/2026")
    shot(page, "cycle-open-2026")
    page.get_by_role("button", name="Mở đợt năm 2026").click()
    page.wait_for_url("**/dot/tao/*/")
    expect(page.locator("#job-status")).to_have_text("Đang chờ xử lý")  # no worker in the test: it waits
    # Record every value the bar takes while the worker runs.
    page.evaluate(
        """() => { window.seen = [];
        const bar = document.getElementById('job-progress');
        new MutationObserver(() => window.seen.push(Number(bar.value))).observe(bar, {childList: true}); }"""
    )
    job = CycleJob.objects.get()
    real = cycle_jobs.do_sync_cycle

    def slowly(**kwargs):  # type: ignore[no-untyped-def]
        inner = kwargs.pop("progress")

        def progress(pct: int, step: str) -> None:
            inner(pct, step)
            time.sleep(0.4)

        return real(**kwargs, progress=progress)

    monkeypatch.setattr(cycle_jobs, "do_sync_cycle", slowly)
    cycle_jobs.run_cycle_job(job.pk)  # the worker's turn; the page polls meanwhile
    page.wait_for_selector("#job-done", state="visible")
    seen = page.evaluate("window.seen")
    assert any(0 < value < 100 for value in seen), seen  # it moved through the creation, not only at the end
    assert page.locator("#job-progress").get_attribute("value") == "100"
    cycle = Cycle.objects.get(year=2026, quarter=None)
    total = Evaluation.objects.filter(cycle=cycle).count()
    assert f"{total} bản đánh giá" in page.locator("#job-added").inner_text()
    shot(page, "cycle-open-progress")
    page.get_by_role("link", name="Mở trang đợt kiểm điểm").click()
    expect(page.locator("#regime")).to_have_text("Quy định 366-QĐ/TW và Hướng dẫn 43-HD/BTCTW")
    assert page.locator("#cycle-total").inner_text().startswith(str(total))
    page.goto(live_server.url + "/dot/")
    assert "(đợt hiện hành)" in page.locator("#cycles tr", has_text="năm 2026").inner_text()
    # past cycles one click away
    expect(page.locator("#cycles tr", has_text="năm 2021 — Đảng bộ tỉnh")).to_be_visible()


def test_a_cadres_first_quarter_shows_in_the_year(
    live_server, page, world, district_officer, province_admin, member
):
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
    q1 = actions.do_open_cycle(unit=world.province, year=2026, quarter=1)
    year = actions.do_open_cycle(unit=world.province, year=2026)
    actions.do_sync_cycle(cycle=year)
    # The district designates its chairman for the quarterly reviews.
    login(page, live_server, "nahang")
    page.goto(f"{live_server.url}/dot/{q1.pk}/")
    page.fill("#designate input[name=person]", world.member_na_hang.code)
    page.get_by_role("button", name="Chỉ định đánh giá hằng quý").click()
    page.get_by_text("Đã chỉ định Ma Văn Hùng đánh giá hằng quý năm 2026.").wait_for()
    # The cadre's Mẫu 05 for quarter I is on screen (the page tests fill it in: tests/campaigns/test_quarterly.py).
    ev = Evaluation.objects.get(cycle=q1, person=world.member_na_hang)
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    expect(page.get_by_role("heading", name="Bản tự đánh giá cá nhân hằng quý")).to_be_visible()
    expect(page.locator("textarea[name=section-quarter_tasks]")).to_be_visible()
    actions.do_save_self_review(
        user=member,
        evaluation=ev,
        sections={
            "quarter_tasks": "Giải ngân 100% vốn đầu tư công quý I; 3 nhiệm vụ vượt tiến độ.",
            "quarter_conduct": "Giữ vững phẩm chất chính trị, đạo đức, lối sống.",
            "quarter_shortcomings": "Còn chậm giải quyết một hồ sơ đất đai.",
            "quarter_next": "Hoàn thành quy hoạch xã.",
        },
        score_general=28,
        score_results=65,
        self_rating="HTXS",
        submit=True,
    )
    # The same chain as the year: the meeting proposes, the board verifies, the committee decides.
    ev.refresh_from_db()
    actions.do_record_meeting(
        user=district_officer,
        evaluation=ev,
        comments="Thống nhất.",
        attendees=9,
        votes_for=9,
        proposed_rating="HTT",
    )
    actions.do_verify(user=province_admin, evaluation=ev, note="Đúng quy trình.")
    actions.do_decide_rating(user=district_officer, evaluation=ev, rating="HTT")
    # The year's evaluation shows quarter I, its tasks, and starts its proposal from it.
    page.context.clear_cookies()
    login(page, live_server, "nahang")
    year_ev = Evaluation.objects.get(cycle=year, person=world.member_na_hang, subject_type="leader")
    page.goto(f"{live_server.url}/danh-gia/{year_ev.pk}/")
    panel = page.locator("#quarters")
    assert "Giải ngân 100% vốn đầu tư công quý I" in panel.inner_text()
    assert "HTT" in panel.locator("tr", has_text="Quý 1").inner_text()
    assert "Mức tham chiếu từ 1 quý: HTT" in page.locator("#quarters-reference").inner_text()
    shot(page, "quarterly-in-the-year")
