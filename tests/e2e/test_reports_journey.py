"""In real Chromium: a district officer opens the reports dashboard, drills down, downloads the forms and the report."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

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
    expect(page.locator("h1")).to_have_text("Kết quả xếp loại năm 2021 — Đảng bộ huyện Na Hang")
    members = page.locator('#distribution tr[data-form="B"] td')
    assert members.nth(1).inner_text() == "14" and members.nth(5).inner_text() == "10"  # total, HTT
    expect(page.locator("svg.chart").first).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "reports-dashboard.png"), full_page=True)

    # Drill down to the grassroots committee, then back up through the breadcrumbs.
    page.locator("#children").get_by_role("link", name="Đảng bộ thị trấn Na Hang").click()
    expect(page.locator("h1")).to_have_text("Kết quả xếp loại năm 2021 — Đảng bộ thị trấn Na Hang")
    expect(page.locator("#children").get_by_text("Chi bộ tổ dân phố số 1")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "reports-drill-down.png"), full_page=True)
    page.locator(".crumbs").get_by_role("link", name="Đảng bộ huyện Na Hang").click()

    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="Tải biểu thống kê (XLSX)").click()
    xlsx = xlsx_info.value
    assert xlsx.suggested_filename == "bieu-thong-ke-nh-2021.xlsx"
    wb = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    assert wb["Biểu B - Đảng viên"]["A2"].value == "HUYỆN ỦY NA HANG"  # the committee issues (HD 36-HD/VPTW)

    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Tải báo cáo (PDF)").click()
    pdf = pdf_info.value
    assert pdf.suggested_filename == "bao-cao-nh-2021.pdf"
    content = Path(pdf.path()).read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 5000
    (ARTEFACTS / "reports-journey.pdf").write_bytes(content)


def test_a_large_export_shows_its_progress_bar_and_downloads_when_the_worker_is_done(
    live_server, page, world, district_officer, cell_secretary, grassroots_officer, monkeypatch
):
    from kiemdiem.reports import export_jobs
    from kiemdiem.reports.models import ExportJob

    build_rated(world, cell_secretary, grassroots_officer)
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SUBJECTS", 0)  # Na Hang counts as a whole province
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", "nahang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server.url + f"/bao-cao/dot/{world.cycle_province.pk}/don-vi/{world.na_hang.pk}/")
    page.get_by_role(
        "button", name="Tạo danh sách xếp loại từng đối tượng (XLSX)"
    ).click()  # a job starts by POST
    page.wait_for_url("**/bao-cao/tai-ve/*/")
    expect(page.locator("#job-status")).to_have_text("Đang chờ xử lý")  # no worker in the test: it waits
    expect(page.locator("#job-progress")).to_be_visible()
    expect(page.locator("#job-ready")).to_be_hidden()
    job = ExportJob.objects.get(user=district_officer)
    with page.expect_download() as info:
        export_jobs.run_export_job(job.pk)  # the worker's turn; the page's poll sees it done and downloads
    download = info.value
    assert download.suggested_filename == "danh-sach-xep-loai-nh-2021.xlsx"
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert any(row[8] == "Hoàn thành xuất sắc nhiệm vụ" for row in ws.iter_rows(values_only=True))
    expect(page.locator("#job-status")).to_have_text("Đã tạo xong")
    assert page.locator("#job-progress").get_attribute("value") == "100"
    expect(page.get_by_role("link", name="Tải tệp danh-sach-xep-loai-nh-2021.xlsx")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "reports-export-job.png"), full_page=True)
