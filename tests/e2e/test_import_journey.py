"""In real Chromium: a district officer downloads the template, imports members, then sees a bad file refused."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from kiemdiem.demo.province import DEMO_PASSWORD, build_demo_province
from kiemdiem.orgs.models import Person

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fill(template: bytes, rows: list[list[object]]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb["Cá nhân"]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_district_officer_imports_members_from_the_template(empty_db, live_server, page, tmp_path):
    build_demo_province(members=400, seed=5)
    ARTEFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/")
    page.fill("#id_username", "nahang")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/don-vi/*/")
    page.get_by_role("link", name="Nhập Excel").click()
    expect(page.locator("h1")).to_have_text("Nhập dữ liệu từ Excel")
    with page.expect_download() as download_info:
        page.locator("tr", has_text="Cá nhân, đảng viên").get_by_role("link", name="Tải mẫu").click()
    template = Path(download_info.value.path()).read_bytes()
    good = tmp_path / "dang-vien-moi.xlsx"
    good.write_bytes(
        _fill(
            template,
            [
                ["NHX001", "Ma Thị Hoa", "Nữ", "12/03/1990", "Có", "19/05/2015", "Chính thức", "NH-001-001"],
                [
                    "NHX002",
                    "Hoàng Văn Nam",
                    "Nam",
                    "01/01/1985",
                    "Có",
                    "03/02/2010",
                    "Chính thức",
                    "NH-001-001",
                ],
            ],
        )
    )
    page.select_option("#id_kind", "people")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    page.wait_for_url("**/nhap-lieu/luot/*/")
    # People are shown first (new, changed, unchanged, missing), then written when the clerk applies them.
    expect(page.locator("#job-status")).to_have_text("Đã kiểm tra: xem trước, chờ áp dụng")
    assert "2 người mới" in page.locator("#diff-new").inner_text()
    page.get_by_role("button", name="Áp dụng các thay đổi").click()
    page.wait_for_url("**/nhap-lieu/luot/*/")
    expect(page.locator("#job-status")).to_have_text("Đã nhập xong")
    assert page.locator("#job-progress").get_attribute("value") == "100"
    page.screenshot(path=str(ARTEFACTS / "import-done.png"), full_page=True)
    assert Person.objects.filter(code__in=["NHX001", "NHX002"]).count() == 2

    bad = tmp_path / "co-loi.xlsx"
    bad.write_bytes(
        _fill(
            template,
            [
                ["NHX003", "Lý Thị Mai", "Nữ", "12/03/1990", "Có", "31/02/2020", "Chính thức", "NH-001-001"],
                [
                    "NHX004",
                    "Triệu Văn Đức",
                    "Nam",
                    "01/01/1985",
                    "Có",
                    "03/02/2010",
                    "Chính thức",
                    "LB-001-001",
                ],
            ],
        )
    )
    page.goto(live_server.url + "/nhap-lieu/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    page.wait_for_url("**/nhap-lieu/luot/*/")
    # Left on the first kind of data, the file is refused with a hint to choose "people".
    assert "Tệp này theo mẫu “Danh sách đảng viên, cán bộ”" in page.locator("#job-errors").inner_text()
    page.goto(live_server.url + "/nhap-lieu/")
    page.select_option("#id_kind", "people")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    page.wait_for_url("**/nhap-lieu/luot/*/")
    errors = page.locator("#job-errors")
    assert "Không nhập: 2 lỗi. Không có dòng nào được ghi." in errors.inner_text()
    assert "Dòng 2, cột «Ngày vào Đảng»: '31/02/2020' không phải là ngày hợp lệ." in errors.inner_text()
    assert "Dòng 3, cột «Mã chi bộ»: không tìm thấy đơn vị mã 'LB-001-001'" in errors.inner_text()
    page.screenshot(path=str(ARTEFACTS / "import-refused.png"), full_page=True)
    assert not Person.objects.filter(code__in=["NHX003", "NHX004"]).exists()
