"""In real Chromium: a district officer opens the reports dashboard, drills down, downloads the forms and the report."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.reports.conftest import build_rated

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "mat-khau-thu-nghiem"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_district_officer_reads_the_dashboard_drills_down_and_downloads_the_report(
    live_server, page, world, district_officer, cell_secretary, grassroots_officer
):
    build_rated(world, cell_secretary, grassroots_officer)
    ARTEFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", "nahang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    yearly = page.locator(".card", has_text="Kiểm điểm năm 2021 — Đảng bộ tỉnh Tuyên Quang")
    yearly.get_by_role("link", name="Bảng điều khiển — Đảng bộ huyện Na Hang").click()
    assert page.locator("h1").inner_text() == "Kết quả xếp loại năm 2021 — Đảng bộ huyện Na Hang"
    members = page.locator('#distribution tr[data-form="B"] td')
    assert members.nth(1).inner_text() == "14" and members.nth(5).inner_text() == "10"  # total, HTT
    assert page.locator("svg.chart").first.is_visible()
    page.screenshot(path=str(ARTEFACTS / "reports-dashboard.png"), full_page=True)

    # Drill down to the grassroots committee, then back up through the breadcrumbs.
    page.locator("#children").get_by_role("link", name="Đảng bộ thị trấn Na Hang").click()
    assert page.locator("h1").inner_text() == "Kết quả xếp loại năm 2021 — Đảng bộ thị trấn Na Hang"
    assert page.locator("#children").get_by_text("Chi bộ tổ dân phố số 1").is_visible()
    page.screenshot(path=str(ARTEFACTS / "reports-drill-down.png"), full_page=True)
    page.locator(".crumbs").get_by_role("link", name="Đảng bộ huyện Na Hang").click()

    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="Tải biểu thống kê (XLSX)").click()
    xlsx = xlsx_info.value
    assert xlsx.suggested_filename == "bieu-thong-ke-nh-2021.xlsx"
    wb = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    assert wb["Biểu B - Đảng viên"]["A2"].value == "ĐẢNG BỘ HUYỆN NA HANG"

    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Tải báo cáo (PDF)").click()
    pdf = pdf_info.value
    assert pdf.suggested_filename == "bao-cao-nh-2021.pdf"
    content = Path(pdf.path()).read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 5000
    (ARTEFACTS / "reports-journey.pdf").write_bytes(content)
