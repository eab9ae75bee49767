"""Exports of the statistics: the forms as XLSX, the report as DOCX and PDF, the list of decided ratings.

Every export reads the figures dict of queries.statistics (live) or of a submitted snapshot, so a downloaded
report says exactly what the dashboard and the upper level saw. No spreadsheet formula is ever written.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from kiemdiem.campaigns.models import EvaluationState, SubjectType
from kiemdiem.orgs.models import Role, Unit, UnitKind
from kiemdiem.reports.queries import FORMS, LEVEL_LABELS, LEVELS, subject_name

NBSP = "\u00a0"
FONT_NAME = "Times New Roman"  # the Party's document format; Liberation Serif 2 stands in for it in PDFs
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Abbreviation of the issuing committee in the document number (Số …-BC/HU).
SYMBOLS = {
    UnitKind.PROVINCE_COMMITTEE: "TU",
    UnitKind.DISTRICT_COMMITTEE: "HU",
    UnitKind.AFFILIATED_COMMITTEE: "ĐU",
    UnitKind.GRASSROOTS_COMMITTEE: "ĐU",
    UnitKind.SUB_COMMITTEE: "ĐU",
    UnitKind.GRASSROOTS_CELL: "CB",
    UnitKind.CELL: "CB",
}
TERRITORIAL_PREFIXES = (
    "Đảng bộ tỉnh ",
    "Đảng bộ thành phố ",
    "Đảng bộ huyện ",
    "Đảng bộ thị xã ",
    "Đảng bộ thị trấn ",
    "Đảng bộ phường ",
    "Đảng bộ xã ",
)


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


def _place(name: str) -> str | None:
    for prefix in TERRITORIAL_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return None


def vn_date(day: datetime.date) -> str:
    # Days below 10 and the months January and February keep a leading zero in official dates.
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def heading_for(unit: Unit, year: int, *, number: str = "", day: datetime.date | None = None) -> Heading:
    root = Unit.objects.filter(pk=unit.ancestor_ids[0]).first() if unit.ancestor_ids else unit
    root = root or unit
    place = _place(unit.name) or _place(root.name) or root.name
    symbol = SYMBOLS.get(unit.kind, "BC")  # type: ignore[call-overload]
    number = number.strip()
    if "-BC" in number:
        number_line = f"Số {number}"
    else:
        number_line = f"Số {number or NBSP * 6}-BC/{symbol}"  # blank for the office to fill in
    return Heading(
        top=root.name.upper(),
        issuer="TỈNH ỦY"
        if unit.pk == root.pk and unit.kind == UnitKind.PROVINCE_COMMITTEE
        else unit.name.upper(),
        number=number_line,
        party="ĐẢNG CỘNG SẢN VIỆT NAM",
        place_date=f"{place}, {vn_date(day or timezone.localdate())}",
        title="BÁO CÁO",
        subtitle=f"kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm {year}",
        year=year,
        unit_name=unit.name,
    )


def fmt_pct(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def fmt_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


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


def _put(ws, row: int, col: int, value: Any, *, bold: bool = False, italic: bool = False, size: int = 12):  # type: ignore[no-untyped-def]
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
    return cell


def _sheet_heading(ws, heading: Heading, ncols: int, title: str, subtitle: str) -> int:  # type: ignore[no-untyped-def]
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
    ncols = len(FORM_COLUMNS)
    period = _period(figures)
    r = _sheet_heading(
        ws, heading, ncols, f"{form['title']} {period.upper()}", f"(Kèm theo báo cáo của {heading.unit_name})"
    )
    # Two header rows: a level's label spans its count and percentage; the other headers span both rows.
    col = 1
    while col <= ncols:
        header, sub, _, _ = FORM_COLUMNS[col - 1]
        if sub is None:
            ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
            _put(ws, r, col, header, bold=True)
            col += 1
        else:
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + 1)
            _put(ws, r, col, header, bold=True)
            _put(ws, r + 1, col, sub, bold=True)
            _put(ws, r + 1, col + 1, FORM_COLUMNS[col][1], bold=True)
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
        if not row["is_subtotal"] and not is_total:
            number += 1
        for c, (_, _, key, is_pct) in enumerate(FORM_COLUMNS, start=1):
            if key == "stt":
                value: Any = "" if (is_total or row["is_subtotal"]) else number
            else:
                value = row[key]
            cell = _put(ws, r, c, value, bold=is_total or row["is_subtotal"])
            cell.border = BOX
            if is_pct:
                cell.number_format = "0.00"
            if c > 2:
                cell.alignment = Alignment(horizontal="right")
        r += 1
    if form["not_rated_reasons"]:
        r += 1
        _put(ws, r, 1, "Lý do không xếp loại:", bold=True)
        for reason in form["not_rated_reasons"]:
            r += 1
            _put(ws, r, 2, reason["reason"])
            _put(ws, r, 3, reason["n"])
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 38
    for c in range(3, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.freeze_panes = ws.cell(row=11, column=3)


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
                _put(ws, r, col, totals[key]).border = BOX
                col += 1
        r += 1
    ws.column_dimensions["B"].width = 40


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
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 44
    for c in "CDEFG":
        ws.column_dimensions[c].width = 13


def statistics_xlsx(figures: dict[str, Any], heading: Heading) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
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


def ratings_xlsx(rows: Iterable[dict[str, Any]], heading: Heading, period: str) -> bytes:
    """Each subject's decided rating, one row each; written in write-only mode so a province fits in memory."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách xếp loại")
    types = dict(SubjectType.choices)
    roles = dict(Role.choices)
    states = dict(EvaluationState.choices)

    def cell(value: Any, *, bold: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"
        c.font = Font(name=FONT_NAME, size=12, bold=bold)
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
                f"DANH SÁCH KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG {period.upper()} — {heading.unit_name.upper()}",
                bold=True,
            )
        ]
    )
    ws.append([])
    ws.append([cell(h, bold=True) for h in RATING_LIST_HEADERS])

    def text(value: str) -> Any:
        # Plain values for the data rows (a styled cell each costs ~20x); only text that looks like a formula is
        # wrapped, so that it stays text.
        return cell(value) if value.startswith("=") else value

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
                row["decided_rating"],
                text(row["not_rated_reason"]),
                decided_on.strftime("%d/%m/%Y") if decided_on else "",
                text(row["deciding_unit__name"] or ""),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- The report's text, shared by DOCX and PDF -------------------------------------------------------------------

SECTION_TITLES = {
    "A": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC ĐẢNG",
    "B": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG VIÊN",
    "C": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI TẬP THỂ LÃNH ĐẠO, QUẢN LÝ",
    "D": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CÁN BỘ LÃNH ĐẠO, QUẢN LÝ",
    "Đ": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CƠ QUAN, ĐƠN VỊ",
}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
TABLE_HEADERS = ("Loại", "Tổng số", "Được xếp loại", "HTXS", "HTT", "HT", "KHT", "Không xếp loại")


def _summary(form: dict[str, Any]) -> str:
    t = form["total"]
    noun = form["subject_label"].lower()
    text = f"Tổng số {noun}: {fmt_int(t['total'])}; được đánh giá, xếp loại: {fmt_int(t['rated'])}"
    if t["not_rated"]:
        reasons = "; ".join(f"{r['reason']}: {fmt_int(r['n'])}" for r in form["not_rated_reasons"])
        text += f"; không xếp loại: {fmt_int(t['not_rated'])} ({reasons})"
    if t["pending"]:
        text += f"; chưa có quyết định: {fmt_int(t['pending'])}"
    text += ". Trong số được xếp loại: " + "; ".join(
        f"{LEVEL_LABELS[lv].lower()}: {fmt_int(t[lv])} ({fmt_pct(t[f'pct_{lv}'])})" for lv in LEVELS
    )
    return text + f". Tỷ lệ hoàn thành tốt nhiệm vụ trở lên: {fmt_pct(t['pct_good_or_better'])}."


def _table(form: dict[str, Any]) -> list[list[str]]:
    body = []
    for row in [*form["rows"], form["total"]]:
        body.append(
            [
                row["label"],
                fmt_int(row["total"]),
                fmt_int(row["rated"]),
                *(f"{fmt_int(row[lv])} ({fmt_pct(row[f'pct_{lv}'])})" for lv in LEVELS),
                fmt_int(row["not_rated"]),
            ]
        )
    return body


def report_sections(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's body: one section per subject type with a sentence of figures and a table, then compliance."""
    sections = []
    number = 0
    for form in figures["forms"]:
        if not form["total"]["total"]:
            continue
        sections.append(
            {
                "title": f"{ROMAN[number]}. {SECTION_TITLES[form['code']]}",
                "paragraphs": [_summary(form)],
                "table": _table(form),
            }
        )
        number += 1
    comp, progress = figures["compliance"], figures["progress"]
    over = [g for g in comp["quota_groups"] if g["is_over"]]
    paragraphs = [
        f"Tiến độ: đã có quyết định xếp loại {fmt_int(progress['decided'])}/{fmt_int(progress['to_rate'])} đối tượng "
        f"phải xếp loại ({fmt_pct(progress['pct_decided'])}); {fmt_int(progress['not_rated'])} đối tượng không "
        "xếp loại.",
        f"Số nhóm vượt tỷ lệ HTXS: {len(over)}"
        + (
            ": " + "; ".join(f"{g['name']} ({g['excellent']}/{g['max_excellent']})" for g in over)
            if over
            else ""
        )
        + ".",
        f"Số quyết định vượt cảnh báo có ghi lý do của cấp có thẩm quyền: {fmt_int(comp['overrides_total'])}.",
        f"Yêu cầu kiểm điểm lại: {comp['orders']['rereview']['total']}; yêu cầu xếp loại lại: "
        f"{comp['orders']['rerating']['total']} (chưa hoàn thành: "
        f"{comp['orders']['rereview']['open'] + comp['orders']['rerating']['open']}).",
    ]
    sections.append(
        {
            "title": f"{ROMAN[number]}. TIẾN ĐỘ VÀ VIỆC CHẤP HÀNH QUY ĐỊNH",
            "paragraphs": paragraphs,
            "table": None,
        }
    )
    return sections


# -- DOCX --------------------------------------------------------------------------------------------------------


def _docx_font(style, size: int) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = FONT_NAME
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)


def _no_borders(table) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(borders.makeelement(qn(f"w:{edge}"), {qn("w:val"): "nil"}))
    tbl_pr.append(borders)


def _with_period(heading: Heading, figures: dict[str, Any]) -> Heading:
    """The report's title names its period: the year, or the quarter of a quarterly cycle (QĐ 366)."""
    return replace(heading, subtitle=f"kết quả kiểm điểm, đánh giá, xếp loại chất lượng {_period(figures)}")


def report_docx(figures: dict[str, Any], heading: Heading) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    heading = _with_period(heading, figures)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _docx_font(doc.styles["Normal"], 14)
    doc.styles["Normal"].paragraph_format.space_after = Pt(6)

    def para(text: str, *, bold=False, italic=False, align=None, size=None, underline=False):  # type: ignore[no-untyped-def]
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        return p

    head = doc.add_table(rows=3, cols=2)
    _no_borders(head)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = [
        ((heading.top, False, False, False), (heading.party, True, False, True)),
        ((heading.issuer, True, False, False), ("", False, False, False)),
        ((heading.number, False, False, False), (heading.place_date, False, True, False)),
    ]
    for r, pair in enumerate(cells):
        for c, (text, bold, italic, underline) in enumerate(pair):
            p = head.cell(r, c).paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(text)
            run.bold, run.italic, run.underline = bold, italic, underline
            run.font.size = Pt(13 if c == 0 or r == 0 else 14)
    para("")
    para(heading.title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=15)
    para(heading.subtitle, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para("-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    for sec in report_sections(figures):
        para(sec["title"], bold=True)
        for text in sec["paragraphs"]:
            p = para(text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            p.paragraph_format.first_line_indent = Mm(10)
        if sec["table"]:
            table = doc.add_table(rows=1, cols=len(TABLE_HEADERS))
            table.style = "Table Grid"
            for c, text in enumerate(TABLE_HEADERS):
                run = table.rows[0].cells[c].paragraphs[0].add_run(text)
                run.bold, run.font.size = True, Pt(11)
            for values in sec["table"]:
                cells_ = table.add_row().cells
                for c, text in enumerate(values):
                    run = cells_[c].paragraphs[0].add_run(text)
                    run.font.size = Pt(11)
                    run.bold = values[0] == "Tổng cộng"
            para("")
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    left = sign.cell(0, 0).paragraphs[0]
    run = left.add_run("Nơi nhận:")
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for line in ("- Cấp ủy cấp trên (b/c),", "- Lưu văn phòng cấp ủy."):
        run = sign.cell(0, 0).add_paragraph().add_run(line)
        run.font.size = Pt(11)
    right = sign.cell(0, 1).paragraphs[0]
    right.alignment = WD_ALIGN_PARAGRAPH.CENTER
    right.add_run("T/M BAN THƯỜNG VỤ").bold = True
    p = sign.cell(0, 1).add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("(Ký, ghi rõ họ tên)").italic = True
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- PDF ---------------------------------------------------------------------------------------------------------


def report_html(figures: dict[str, Any], heading: Heading) -> str:
    return render_to_string(
        "reports/report_pdf.html",
        {
            "heading": _with_period(heading, figures),
            "sections": report_sections(figures),
            "table_headers": TABLE_HEADERS,
        },
    )


def report_pdf(figures: dict[str, Any], heading: Heading) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(figures, heading)).write_pdf()  # type: ignore[no-any-return]
