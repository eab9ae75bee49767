"""The exports read back: XLSX with openpyxl, DOCX with python-docx, PDF with pdftotext; figures match the database."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import UnitKind
from kiemdiem.reports.actions import do_submit_report
from kiemdiem.reports.queries import LEVEL_LABELS
from tests.campaigns.helpers import propose
from tests.reports.conftest import decide

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LEVEL_COLUMNS = {"HTXS": 7, "HTT": 9, "HT": 11, "KHT": 13}  # count columns of a form sheet; % is the next one


def _get(client, user, url: str) -> bytes:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content


def _url(name: str, cycle, unit) -> str:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    return reverse(f"reports:{name}", args=[cycle.pk, unit.pk])


def _db(cycle, unit, subject_type: str, **filters) -> int:  # type: ignore[no-untyped-def]
    return Evaluation.objects.filter(
        cycle=cycle, unit__path__startswith=unit.path, subject_type=subject_type, **filters
    ).count()


def _total_row(ws) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "Tổng cộng")


def test_the_xlsx_has_one_sheet_per_form_with_the_official_heading_and_merged_headers(
    client, world, rated, district_officer
):
    wb = load_workbook(io.BytesIO(_get(client, district_officer, _url("xlsx", rated.cycle, world.na_hang))))
    assert wb.sheetnames[:5] == [
        "Biểu A - Tổ chức đảng",
        "Biểu B - Đảng viên",
        "Biểu C - Tập thể LĐQL",
        "Biểu D - Cán bộ LĐQL",
        "Biểu Đ - Cơ quan, đơn vị",
    ]
    ws = wb["Biểu B - Đảng viên"]
    assert ws["A1"].value == "ĐẢNG BỘ TỈNH TUYÊN QUANG"
    assert ws["A2"].value == "HUYỆN ỦY NA HANG"  # the committee issues for its organisation (HD 36-HD/VPTW)
    assert ws["A3"].value.startswith("Số") and ws["A3"].value.endswith("-BC/HU")
    right = [ws.cell(row=1, column=c).value for c in range(1, ws.max_column + 1)]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in right
    assert ws["A5"].value == "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN NĂM 2021"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A8:A9", "G8:H8", "I8:J8", "K8:L8", "M8:N8"} <= merged
    assert ws["G8"].value == "Hoàn thành xuất sắc nhiệm vụ" and ws["G9"].value == "Số lượng"
    assert ws["A8"].font.name == "Times New Roman"


def test_the_xlsx_figures_equal_the_database(client, world, rated, district_officer):
    wb = load_workbook(io.BytesIO(_get(client, district_officer, _url("xlsx", rated.cycle, world.na_hang))))
    for sheet, subject_type in (
        ("Biểu B - Đảng viên", "party_member"),
        ("Biểu A - Tổ chức đảng", "party_organization"),
    ):
        ws = wb[sheet]
        row = _total_row(ws)
        assert ws.cell(row=row, column=3).value == _db(rated.cycle, world.na_hang, subject_type)
        rated_n = _db(rated.cycle, world.na_hang, subject_type, decided_rating__gt="")
        assert ws.cell(row=row, column=6).value == rated_n
        for level, col in LEVEL_COLUMNS.items():
            n = _db(rated.cycle, world.na_hang, subject_type, decided_rating=level)
            assert ws.cell(row=row, column=col).value == n, (sheet, level)
            assert ws.cell(row=row, column=col + 1).value == (
                round(100 * n / rated_n, 2) if rated_n else None
            )
    assert wb["Biểu B - Đảng viên"].cell(row=_total_row(wb["Biểu B - Đảng viên"]), column=9).value == 10


def test_the_xlsx_never_holds_a_formula_even_for_a_name_that_looks_like_one(
    client, world, rated, district_officer
):
    do_create_unit(
        code="NH-EVIL", name='=HYPERLINK("http://x","bấm")', kind=UnitKind.CELL, parent=world.go_na_hang
    )
    actions.ensure_evaluations(cycle=rated.cycle)
    wb = load_workbook(
        io.BytesIO(_get(client, district_officer, _url("xlsx", rated.cycle, world.go_na_hang)))
    )
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == '=HYPERLINK("http://x","bấm")' for c in cells)


def test_the_list_of_ratings_gives_each_subject_its_decided_rating(client, world, rated, district_officer):
    wb = load_workbook(
        io.BytesIO(_get(client, district_officer, _url("ratings_xlsx", rated.cycle, world.na_hang)))
    )
    ws = wb.active
    header = next(r for r in range(1, 12) if ws.cell(row=r, column=1).value == "STT")
    # The filter covers the header and every row; the page prints one width, landscape, the header on each page.
    first, last = ws.auto_filter.ref.split(":")
    assert first == f"A{header}"
    last_row = int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert ws.print_title_rows == f"$${header}:$${header}".replace("$$", "$")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["F"].width >= 25
    assert any(ws.cell(row=r, column=2).value == "NGƯỜI LẬP BIỂU" for r in range(last_row, ws.max_row + 1))
    exported = {
        (ws.cell(row=r, column=5).value or ws.cell(row=r, column=6).value): ws.cell(row=r, column=9).value
        or ""
        for r in range(header + 1, last_row + 1)
    }
    expected = {
        (ev.person.code if ev.person_id else ev.subject_name): LEVEL_LABELS.get(ev.decided_rating, "")
        for ev in Evaluation.objects.filter(
            cycle=rated.cycle, unit__path__startswith=world.na_hang.path
        ).select_related("person", "unit", "collective")
    }
    assert exported == expected
    assert list(exported.values()).count("Hoàn thành xuất sắc nhiệm vụ") == 2


def test_the_docx_is_a4_times_new_roman_14_with_the_party_heading_and_the_figures(
    client, world, rated, district_officer
):
    doc = Document(io.BytesIO(_get(client, district_officer, _url("docx", rated.cycle, world.na_hang))))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    head = doc.tables[0]
    assert head.cell(0, 0).text == "ĐẢNG BỘ TỈNH TUYÊN QUANG"
    assert head.cell(1, 0).text == "HUYỆN ỦY NA HANG"
    assert head.cell(2, 0).text == "*"
    assert head.cell(0, 1).text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert head.cell(3, 0).text.endswith("-BC/HU")
    assert head.cell(3, 1).text.startswith("Na Hang, ngày ")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm 2021" in text
    total = _db(rated.cycle, world.na_hang, "party_member")
    assert f"Tổng số đảng viên: {total}; được đánh giá, xếp loại: 13; không xếp loại: 1" in text
    members_table = next(
        t
        for t in doc.tables[1:]
        if any(c.text == "Tổng cộng" for c in t.columns[0].cells)
        and t.cell(2, 0).text.startswith("Đảng viên")
    )
    last = members_table.rows[-1].cells
    # Count and percentage in separate cells, so the table pastes into a spreadsheet.
    assert [c.text for c in last[:7]] == ["Tổng cộng", "14", "13", "2", "15,38", "10", "76,92"]


@pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("soffice"),
    reason="poppler-utils or LibreOffice is not installed (make browsers)",
)
def test_the_pdf_reads_back_with_the_heading_and_the_figures_and_renders_a_page(
    client, world, rated, district_officer, tmp_path
):
    pdf = _get(client, district_officer, _url("pdf", rated.cycle, world.na_hang))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for expected in (
        "ĐẢNG BỘ TỈNH TUYÊN QUANG",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "HUYỆN ỦY NA HANG",
        "-BC/HU",
        "BÁO CÁO",
        "kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm 2021",
        "Tổng số đảng viên: 14",
        "hoàn thành tốt nhiệm vụ: 10 (76,92%)",
    ):
        assert expected in " ".join(text.split()), expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "LiberationSerif" in fonts.replace(
        "-", ""
    )  # Times New Roman's metric twin, with every Vietnamese glyph
    ARTEFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(ARTEFACTS / "report-pdf-page1"),
        ],
        check=True,
    )
    assert (ARTEFACTS / "report-pdf-page1.png").stat().st_size > 10_000


def test_a_submitted_report_exports_its_snapshot_its_number_and_its_date(
    client, world, rated, district_officer, cell_secretary, grassroots_officer
):
    from django.urls import reverse

    sub = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang, number="125")
    actions.do_order(
        user=district_officer, evaluation=rated.member_evals[0], kind="rerating", reason="Xem lại."
    )
    propose(cell_secretary, rated.member_evals[0], "HT")
    decide(grassroots_officer, rated.member_evals[0], "HT", reason="Xếp loại lại.")
    wb = load_workbook(io.BytesIO(_get(client, district_officer, reverse("reports:sub_xlsx", args=[sub.pk]))))
    ws = wb["Biểu B - Đảng viên"]
    assert ws["A3"].value == "Số 125-BC/HU"
    assert ws.cell(row=_total_row(ws), column=LEVEL_COLUMNS["HT"]).value == 1  # as sent, not the 2 of today
    doc = Document(io.BytesIO(_get(client, district_officer, reverse("reports:sub_docx", args=[sub.pk]))))
    day = sub.submitted_on
    assert (
        doc.tables[0].cell(3, 1).text
        == f"Na Hang, ngày {day.day:02d} tháng {day.month if day.month > 2 else f'{day.month:02d}'} năm {day.year}"
    )


def test_a_quarterly_report_names_its_quarter(client, world, district_officer):
    cycle = actions.do_open_cycle(
        unit=world.na_hang, year=2026, quarter=1
    )  # quarters exist from QĐ 366 (2025) on
    doc = Document(io.BytesIO(_get(client, district_officer, _url("docx", cycle, world.na_hang))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"xếp loại chất lượng quý {cycle.quarter} năm {cycle.year}" in text
