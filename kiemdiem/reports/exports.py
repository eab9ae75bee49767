"""Exports of the statistics: the forms as XLSX, the report as DOCX and PDF, the list of decided ratings.

Every export reads the figures dict of queries.statistics (live) or of a submitted snapshot, so a downloaded
report says exactly what the dashboard and the upper level saw. No spreadsheet formula is ever written.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from kiemdiem.campaigns.models import EvaluationState, SubjectType
from kiemdiem.orgs.models import Role, Unit
from kiemdiem.reports.letterhead import letterhead_for
from kiemdiem.reports.queries import FORMS, LEVEL_LABELS, LEVELS, subject_name
from kiemdiem.vietnamese import format_number

FONT_NAME = "Times New Roman"  # the Party's document format; Liberation Serif 2 stands in for it in PDFs
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Heading:
    """The heading block of a Party document (HD 36-HD/VPTW layout): issuer left, Party name and date right."""

    top: str
    issuer: str
    number: str
    party: str
    place_date: str
    title: str
    subtitle: str
    year: int
    unit_name: str
    signing_body: str = ""
    signer_title: str = ""
    signer_name: str = ""


def heading_for(unit: Unit, year: int, *, number: str = "", day: datetime.date | None = None) -> Heading:
    """The letterhead of the unit's report (reports/letterhead.py), as the sheets and lists print it."""
    lh = letterhead_for(unit, kind="report", number=number, day=day or timezone.localdate())
    return Heading(
        top=lh.superior,
        issuer=lh.issuer,
        number=lh.number,
        party=lh.party,
        place_date=lh.place_date,
        title="BÁO CÁO",
        subtitle=f"kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm {year}",
        year=year,
        unit_name=unit.name,
        signing_body=lh.signing_body,
        signer_title=lh.signer_title,
        signer_name=lh.signer_name,
    )


def fmt_pct(value: float | None) -> str:
    if value is None:
        return "—"
    return format_number(round(value, 2)) + "%"


def fmt_int(value: int) -> str:
    return format_number(value)


# -- XLSX: one sheet per form ------------------------------------------------------------------------------------

FORM_COLUMNS = (
    # (header, sub-header or None, key, is_pct)
    ("STT", None, "stt", False),
    ("Loại", None, "label", False),
    ("Tổng số", None, "total", False),
    ("Không xếp loại", None, "not_rated", False),
    ("Chưa quyết định", None, "pending", False),
    ("Được đánh giá, xếp loại", None, "rated", False),
    *(
        item
        for level in LEVELS
        for item in (
            (LEVEL_LABELS[level], "Số lượng", level, False),
            (LEVEL_LABELS[level], "Tỷ lệ (%)", f"pct_{level}", True),
        )
    ),
    ("HTT trở lên (%)", None, "pct_good_or_better", True),
    ("HTXS so với HTT (%)", None, "ratio_xs_over_t", True),
    ("HTXS so với HTT trở lên (%)", None, "ratio_xs_over_good", True),
)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _put(ws, row: int, col: int, value: Any, *, bold: bool = False, italic: bool = False, size: int = 12):
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
    return cell


def print_setup(ws, *, title_rows: str | None = None, landscape: bool = True) -> None:
    """A4, landscape, every column on one page width (as many pages down as needed), the header on each page."""
    ws.page_setup.paperSize = "9"  # A4 (ECMA-376 paper size code)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = FONT_NAME


def _signature_rows(ws, heading: Heading, row: int, ncols: int) -> int:
    """Who made the form (left) and who signs for the committee (right), under the table."""
    left = max(2, round(ncols * 0.38))
    right_from = max(left + 1, ncols - left + 1)
    lines = [
        ("NGƯỜI LẬP BIỂU", heading.signing_body, True),
        ("(Ký, ghi rõ họ tên)", heading.signer_title, False),
        ("", "", False),
        ("", "", False),
        ("", heading.signer_name, True),
    ]
    for i, (text_left, text_right, bold) in enumerate(lines):
        r = row + i
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=left)
        _put(ws, r, 1, text_left, bold=bold, italic=not bold and bool(text_left)).alignment = CENTER
        ws.merge_cells(start_row=r, start_column=right_from, end_row=r, end_column=ncols)
        _put(ws, r, right_from, text_right, bold=True).alignment = CENTER
    return row + len(lines)


def _sheet_heading(ws, heading: Heading, ncols: int, title: str, subtitle: str) -> int:
    """Write the official heading and the form's title; return the next free row."""
    left = max(2, round(ncols * 0.38))
    right_from = max(left + 1, ncols - left + 1)
    for row, (text_left, text_right, bold_left, bold_right, italic_right) in enumerate(
        [
            (heading.top, heading.party, False, True, False),
            (heading.issuer, "", True, False, False),
            (heading.number, heading.place_date, False, False, True),
        ],
        start=1,
    ):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=left)
        _put(ws, row, 1, text_left, bold=bold_left).alignment = CENTER
        ws.merge_cells(start_row=row, start_column=right_from, end_row=row, end_column=ncols)
        _put(ws, row, right_from, text_right, bold=bold_right, italic=italic_right).alignment = CENTER
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=ncols)
    _put(ws, 5, 1, title, bold=True, size=14).alignment = CENTER
    ws.merge_cells(start_row=6, start_column=1, end_row=6, end_column=ncols)
    _put(ws, 6, 1, subtitle, italic=True).alignment = CENTER
    return 8


def _form_sheet(wb: Workbook, form: dict[str, Any], heading: Heading, figures: dict[str, Any]) -> None:
    ws = wb.create_sheet(form["sheet"][:31])
    # Biểu B adds the members not rated for each reason and those disciplined in the year (report-forms.md §5.1).
    columns = [*FORM_COLUMNS, *((c["label"], None, c["key"], False) for c in form.get("extra_columns", []))]
    ncols = len(columns)
    period = _period(figures)
    r = _sheet_heading(
        ws, heading, ncols, f"{form['title']} {period.upper()}", f"(Kèm theo báo cáo của {heading.unit_name})"
    )
    # Two header rows: a level's label spans its count and percentage; the other headers span both rows.
    col = 1
    while col <= ncols:
        header, sub, _, _ = columns[col - 1]
        if sub is None:
            ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
            _put(ws, r, col, header, bold=True)
            col += 1
        else:
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + 1)
            _put(ws, r, col, header, bold=True)
            _put(ws, r + 1, col, sub, bold=True)
            _put(ws, r + 1, col + 1, columns[col][1], bold=True)
            col += 2
    for c in range(1, ncols + 1):
        _put(ws, r + 2, c, f"({c})", italic=True)
        for rr in (r, r + 1, r + 2):
            ws.cell(row=rr, column=c).alignment = CENTER
            ws.cell(row=rr, column=c).border = BOX
    ws.row_dimensions[r].height = 48
    r += 3
    number = 0
    for row in [*form["rows"], form["total"]]:
        is_total = row["key"] == "total"
        is_detail = row.get("is_detail", False)  # an "in which" row: not numbered, not added to the total
        if not row["is_subtotal"] and not is_total and not is_detail:
            number += 1
        for c, (_, _, key, is_pct) in enumerate(columns, start=1):
            if key == "stt":
                value: Any = "" if (is_total or row["is_subtotal"] or is_detail) else number
            else:
                value = row.get(key, 0)
            cell = _put(ws, r, c, value, bold=is_total or row["is_subtotal"], italic=is_detail)
            cell.border = BOX
            if c > 2:
                cell.number_format = "0.00" if is_pct else "#,##0"
                cell.alignment = Alignment(horizontal="right")
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        r += 1
    if form["not_rated_reasons"]:
        r += 1
        _put(ws, r, 1, "Lý do không xếp loại:", bold=True)
        for reason in form["not_rated_reasons"]:
            r += 1
            _put(ws, r, 2, reason["reason"])
            _put(ws, r, 3, reason["n"]).number_format = "#,##0"
    _signature_rows(ws, heading, r + 2, ncols)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 34
    for c in range(3, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 10
    ws.freeze_panes = ws.cell(row=11, column=3)
    print_setup(ws, title_rows="8:10")


def _period(figures: dict[str, Any]) -> str:
    cycle = figures["cycle"]
    return f"quý {cycle['quarter']} năm {cycle['year']}" if cycle.get("quarter") else f"năm {cycle['year']}"


CHILD_KEYS = (
    ("total", "Tổng số"),
    *((lv, lv) for lv in LEVELS),
    ("not_rated", "Không XL"),
    ("pending", "Chưa QĐ"),
)


def _children_sheet(wb: Workbook, figures: dict[str, Any], heading: Heading) -> None:
    ws = wb.create_sheet("Đơn vị trực thuộc")
    ncols = 2 + len(FORMS) * len(CHILD_KEYS)
    r = _sheet_heading(
        ws,
        heading,
        ncols,
        f"KẾT QUẢ XẾP LOẠI THEO ĐƠN VỊ TRỰC THUỘC {_period(figures).upper()}",
        f"(Kèm theo báo cáo của {heading.unit_name})",
    )
    for c, text in ((1, "STT"), (2, "Đơn vị")):
        ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        _put(ws, r, c, text, bold=True)
    col = 3
    for form in FORMS:
        ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + len(CHILD_KEYS) - 1)
        _put(ws, r, col, SubjectType(form.subject_type).label, bold=True)
        for i, (_, label) in enumerate(CHILD_KEYS):
            _put(ws, r + 1, col + i, label, bold=True)
        col += len(CHILD_KEYS)
    for rr in (r, r + 1):
        for c in range(1, ncols + 1):
            ws.cell(row=rr, column=c).alignment = CENTER
            ws.cell(row=rr, column=c).border = BOX
    r += 2
    for number, child in enumerate(figures["children"], start=1):
        _put(ws, r, 1, number).border = BOX
        _put(ws, r, 2, child["name"]).border = BOX
        col = 3
        for form in FORMS:
            totals = child["totals"][form.code]
            for key, _ in CHILD_KEYS:
                cell = _put(ws, r, col, totals[key])
                cell.border, cell.number_format = BOX, "#,##0"
                col += 1
        r += 1
    _signature_rows(ws, heading, r + 1, ncols)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 36
    for c in range(3, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 7
    ws.freeze_panes = ws.cell(row=10, column=3)
    print_setup(ws, title_rows="8:9")


def _compliance_sheet(wb: Workbook, figures: dict[str, Any], heading: Heading) -> None:
    ws = wb.create_sheet("Biểu E - Tuân thủ, tiến độ")
    comp, progress = figures["compliance"], figures["progress"]
    ncols = 7
    r = _sheet_heading(
        ws,
        heading,
        ncols,
        f"TUÂN THỦ QUY ĐỊNH VÀ TIẾN ĐỘ {_period(figures).upper()}",
        f"(Kèm theo báo cáo của {heading.unit_name})",
    )
    _put(ws, r, 1, "I. Sử dụng tỷ lệ HTXS theo nhóm (trên mức đã quyết định)", bold=True)
    r += 1
    headers = ("Mã nhóm", "Tên nhóm", "Số HTXS", "Số HTT", "Tối đa HTXS", "Còn lại", "Ghi chú")
    for c, text in enumerate(headers, start=1):
        cell = _put(ws, r, c, text, bold=True)
        cell.border, cell.alignment = BOX, CENTER
    for g in comp["quota_groups"]:
        r += 1
        values = (
            g["code"],
            g["name"],
            g["excellent"],
            g["good"],
            g["max_excellent"],
            g["remaining"],
            g["message"],
        )
        for c, value in enumerate(values, start=1):
            _put(ws, r, c, value, bold=g["is_over"]).border = BOX
    r += 2
    _put(ws, r, 1, "II. Quyết định vượt cảnh báo (có ghi lý do)", bold=True)
    _put(ws, r, 5, comp["overrides_total"])
    for stype, n in comp["overrides"].items():
        r += 1
        _put(ws, r, 2, SubjectType(stype).label)
        _put(ws, r, 5, n)
    r += 2
    _put(ws, r, 1, "III. Yêu cầu kiểm điểm lại, xếp loại lại", bold=True)
    for kind, label in (("rereview", "Kiểm điểm lại"), ("rerating", "Xếp loại lại")):
        r += 1
        _put(ws, r, 2, label)
        _put(ws, r, 4, "tổng số")
        _put(ws, r, 5, comp["orders"][kind]["total"])
        _put(ws, r, 6, "chưa xong")
        _put(ws, r, 7, comp["orders"][kind]["open"])
    if comp.get("findings") is not None:
        r += 2
        _put(ws, r, 1, "IV. Cảnh báo quy tắc trên mức hiện tại (quyết định, hoặc đề xuất)", bold=True)
        for f in comp["findings"] or [{"code": "", "label": "Không có", "n": 0}]:
            r += 1
            _put(ws, r, 1, f["code"])
            _put(ws, r, 2, f["label"])
            _put(ws, r, 5, f["n"])
    r += 2
    _put(ws, r, 1, "V. Tiến độ", bold=True)
    for state, n in progress["states"].items():
        r += 1
        _put(ws, r, 2, progress["state_labels"][state])
        _put(ws, r, 5, n)
    r += 1
    _put(ws, r, 2, "Tổng số đối tượng", bold=True)
    _put(ws, r, 5, progress["total"], bold=True)
    _signature_rows(ws, heading, r + 2, ncols)
    print_setup(ws, landscape=False)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 44
    for column in "CDEFG":
        ws.column_dimensions[column].width = 13


def statistics_xlsx(figures: dict[str, Any], heading: Heading) -> bytes:
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # one sheet per form below, none left blank
    for form in figures["forms"]:
        _form_sheet(wb, form, heading, figures)
    _children_sheet(wb, figures, heading)
    _compliance_sheet(wb, figures, heading)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


RATING_LIST_HEADERS = (
    "STT",
    "Mã đơn vị",
    "Đơn vị",
    "Đối tượng",
    "Mã cá nhân",
    "Họ và tên / tên tập thể, tổ chức",
    "Vai trò",
    "Trạng thái",
    "Mức xếp loại",
    "Lý do không xếp loại",
    "Ngày quyết định",
    "Cấp quyết định",
)


RATING_LIST_WIDTHS = (6, 12, 30, 18, 11, 28, 14, 20, 26, 24, 12, 28)


def ratings_xlsx(rows: Iterable[dict[str, Any]], heading: Heading, period: str, *, title: str = "") -> bytes:
    """Each subject's decided rating, one row each; written in write-only mode so a province fits in memory.

    Printed landscape on one page width with the header row on every page; filters on the header; levels in words.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách xếp loại")
    types = dict(SubjectType.choices)
    roles = dict(Role.choices)
    states = dict(EvaluationState.choices)
    # Column widths, frozen header and page setup come before the rows in the file: set them first.
    for c, width in enumerate(RATING_LIST_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A8"
    print_setup(ws, title_rows="7:7")

    def cell(value: Any, *, bold: bool = False, italic: bool = False) -> Cell:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"
        c.font = Font(name=FONT_NAME, size=12, bold=bold, italic=italic)
        return c

    ws.append([cell(heading.top), None, None, None, None, None, None, None, cell(heading.party, bold=True)])
    ws.append(
        [cell(heading.issuer, bold=True), None, None, None, None, None, None, None, cell(heading.place_date)]
    )
    ws.append([cell(heading.number)])
    ws.append([])
    ws.append(
        [
            cell(
                title
                or f"DANH SÁCH KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG {period.upper()} — {heading.unit_name.upper()}",
                bold=True,
            )
        ]
    )
    ws.append([])
    header = []
    for h in RATING_LIST_HEADERS:
        head = cell(h, bold=True)
        head.alignment, head.border = CENTER, BOX
        header.append(head)
    ws.append(header)

    def text(value: str) -> Any:
        # Plain values for the data rows (a styled cell each costs ~20x); only text that looks like a formula is
        # wrapped, so that it stays text.
        return cell(value) if value.startswith("=") else value

    last = 7
    for number, row in enumerate(rows, start=1):
        decided_on = row["decided_on"]
        ws.append(
            [
                number,
                text(row["unit__code"]),
                text(row["unit__name"]),
                types.get(row["subject_type"], row["subject_type"]),
                text(row["person__code"] or ""),
                text(subject_name(row)),
                roles.get(row["role"], ""),
                states.get(row["state"], row["state"]),
                LEVEL_LABELS.get(row["decided_rating"], row["decided_rating"]),
                text(row["not_rated_reason"]),
                decided_on.strftime("%d/%m/%Y") if decided_on else "",
                text(row["deciding_unit__name"] or ""),
            ]
        )
        last = 7 + number
    ws.auto_filter.ref = f"A7:{get_column_letter(len(RATING_LIST_HEADERS))}{last}"
    ws.append([])
    ws.append(
        [
            None,
            cell("NGƯỜI LẬP BIỂU", bold=True),
            None,
            None,
            None,
            None,
            None,
            None,
            cell(heading.signing_body, bold=True),
        ]
    )
    ws.append(
        [
            None,
            cell("(Ký, ghi rõ họ tên)", italic=True),
            None,
            None,
            None,
            None,
            None,
            None,
            cell(heading.signer_title, bold=True),
        ]
    )
    ws.append([])
    ws.append([])
    ws.append([None, None, None, None, None, None, None, None, cell(heading.signer_name, bold=True)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- The report as DOCX and PDF (reports/documents.py: a Word template, the PDF converted from the same DOCX) -------


def report_docx(
    figures: dict[str, Any], unit: Unit, *, number: str = "", day: datetime.date | None = None
) -> bytes:
    from kiemdiem.reports.documents import report_document

    return report_document(figures, unit, number=number, day=day)


def report_pdf(
    figures: dict[str, Any], unit: Unit, *, number: str = "", day: datetime.date | None = None
) -> bytes:
    from kiemdiem.reports.documents import docx_to_pdf, report_document

    return docx_to_pdf(report_document(figures, unit, number=number, day=day))
