"""Build the bundled Word templates of the documents (docxtpl: Jinja tags inside an ordinary .docx).

    .venv/bin/python -m kiemdiem.reports.document_templates.build

writes report.docx, decision.docx, list.docx, self_review.docx, minutes.docx and dossier.docx beside this file.
They are committed: an office replaces one by editing a copy in Word and putting it in the directory that
KIEMDIEM_DOCUMENT_TEMPLATES names (README, "Văn bản"); the variables each template reads are listed in
kiemdiem/reports/documents.py. Layout per HD 36-HD/VPTW: A4, Times New Roman 14, margins 20-20-30-15 mm.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)
TEXT_WIDTH_MM = 165  # A4 210 mm less the 30 + 15 mm margins


def _fonts(style, size: float) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def new_doc() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _fonts(doc.styles["Normal"], 14)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_after = Pt(6)
    normal.space_before = Pt(0)
    normal.line_spacing = 1.0
    return doc


def para(
    doc_or_cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align=None,
    size: float | None = None,
    keep: bool = False,
    indent: bool = False,
    first: bool = False,
    after: float | None = None,
):
    """A paragraph of one run (a Jinja tag must sit in one run to survive Word's editing)."""
    if first and doc_or_cell.paragraphs and not doc_or_cell.paragraphs[0].text:
        p = doc_or_cell.paragraphs[0]
    else:
        p = doc_or_cell.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    if keep:
        fmt.keep_with_next = True
    if indent:
        fmt.first_line_indent = Mm(10)
    if after is not None:
        fmt.space_after = Pt(after)
    return p


def tag(doc_or_cell, text: str):
    """A paragraph holding only a `{%p … %}` tag: docxtpl removes it when rendering."""
    return para(doc_or_cell, text, after=0)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _widths(table, widths_mm: Sequence[float]) -> None:
    """Fixed column widths: the grid, every cell, and a fixed layout so Word and LibreOffice keep them."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for idx, cell in enumerate(row.cells):
            if idx < len(widths_mm):
                cell.width = Mm(widths_mm[idx])


def _row_flags(row, *, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    tr_pr.append(cant)
    if header:
        el = OxmlElement("w:tblHeader")  # repeated at the top of every page the table runs onto
        tr_pr.append(el)


def letterhead(doc, *, with_number: bool = True) -> None:
    table = doc.add_table(rows=4, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [
        (("{{ lh.superior }}", False, False, False, 13), ("{{ lh.party }}", True, False, True, 14)),
        (("{{ lh.issuer }}", True, False, False, 13), ("", False, False, False, 14)),
        (("*", False, False, False, 13), ("", False, False, False, 14)),
        (
            ("{{ lh.number }}" if with_number else "", False, False, False, 13),
            ("{{ lh.place_date }}", False, True, False, 14),
        ),
    ]
    for r, pair in enumerate(rows):
        for c, (text, bold, italic, underline, size) in enumerate(pair):
            para(
                table.cell(r, c),
                text,
                bold=bold,
                italic=italic,
                underline=underline,
                align=CENTER,
                size=size,
                first=True,
                after=0,
            )
    _widths(table, [72, 93])
    para(doc, after=0)


def _rule(doc) -> None:
    """The short line under a document's title: a bottom border on an indented empty paragraph."""
    p = para(doc, keep=True, after=12)
    p.paragraph_format.left_indent = Mm(62)
    p.paragraph_format.right_indent = Mm(62)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def heading_block(doc, title: str, subtitle: str) -> None:
    para(doc, title, bold=True, align=CENTER, size=15, keep=True, after=0)
    para(doc, subtitle, bold=True, align=CENTER, keep=True, after=0)
    _rule(doc)


def grid_table(
    doc,
    *,
    headers: list[list[tuple[str, int]]],
    widths: Sequence[float],
    loop: str,
    cells: list[str],
    aligns: list,
    size: float = 11,
):
    """A bordered table: header rows (text, column span) repeated on each page, then one row per item of `loop`.

    Each data cell holds `{{r <expr> }}`, a RichText the code builds (bold for totals).
    """
    ncols = len(widths)
    table = doc.add_table(rows=0, cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    margins = OxmlElement("w:tblCellMar")  # narrow cell margins: figures fit their columns without wrapping
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "45")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    table._tbl.tblPr.append(margins)
    for header in headers:
        row = table.add_row()
        col = 0
        for text, span in header:
            cell = row.cells[col]
            if span > 1:
                cell = cell.merge(row.cells[col + span - 1])
            elif span == 0:  # merged with the cell above
                col += 1
                continue
            para(cell, text, bold=True, align=CENTER, size=size, first=True, after=0)
            col += max(span, 1)
        _row_flags(row, header=True)
    # Vertical merges: a header cell spanning down is marked with span 0 in the rows below it.
    for r, header in enumerate(headers[1:], start=1):
        col = 0
        for _text, span in header:
            if span == 0:
                above = table.rows[r - 1].cells[col]
                above.merge(table.rows[r].cells[col])
            col += max(span, 1)
    start = table.add_row()
    para(start.cells[0], f"{{%tr for row in {loop} %}}", first=True, after=0)
    data = table.add_row()
    for c, expr in enumerate(cells):
        para(data.cells[c], f"{{{{r {expr} }}}}", align=aligns[c], size=size, first=True, after=0)
    _row_flags(data)
    end = table.add_row()
    para(end.cells[0], "{%tr endfor %}", first=True, after=0)
    _widths(table, widths)
    return table


def signature(doc, *, left: str = "recipients", right: str = "signer") -> None:
    para(doc, after=0)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    lcell, rcell = table.cell(0, 0), table.cell(0, 1)
    if left == "recipients":
        para(
            lcell,
            "{% if lh.recipients %}Nơi nhận:{% endif %}",
            bold=True,
            italic=True,
            size=12,
            first=True,
            after=0,
        )
        tag(lcell, "{%p for line in lh.recipients %}")
        para(lcell, "{{ line }}", size=12, after=0)
        tag(lcell, "{%p endfor %}")
    elif left == "secretary":
        para(lcell, "THƯ KÝ HỘI NGHỊ", bold=True, align=CENTER, first=True, after=0)
        para(lcell, "(Ký, ghi rõ họ tên)", italic=True, align=CENTER, size=13, after=0)
    if right == "signer":
        para(rcell, "{{ lh.signing_body }}", bold=True, align=CENTER, first=True, after=0)
        para(rcell, "{{ lh.signer_title }}", bold=True, align=CENTER, after=0)
    elif right == "chair":
        para(rcell, "CHỦ TRÌ HỘI NGHỊ", bold=True, align=CENTER, first=True, after=0)
        para(rcell, "(Ký, ghi rõ họ tên)", italic=True, align=CENTER, size=13, after=0)
    elif right == "self":
        para(rcell, "{{ self_title }}", bold=True, align=CENTER, first=True, after=0)
        para(rcell, "{{ self_note }}", italic=True, align=CENTER, size=13, after=0)
    for _ in range(3):
        para(rcell, after=0)
    name = {"signer": "lh.signer_name", "chair": "chair_name", "self": "self_name"}[right]
    para(rcell, f"{{{{ {name} }}}}", bold=True, align=CENTER, after=0)
    _widths(table, [80, 85])


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


# -- The documents -------------------------------------------------------------------------------------------------

FIGURE_HEADERS = [
    [
        ("Loại", 1),
        ("Tổng số", 1),
        ("Được xếp loại", 1),
        ("HTXS", 2),
        ("HTT", 2),
        ("HT", 2),
        ("KHT", 2),
        ("Không xếp loại", 1),
    ],
    [
        ("", 0),
        ("", 0),
        ("", 0),
        ("Số lượng", 1),
        ("%", 1),
        ("Số lượng", 1),
        ("%", 1),
        ("Số lượng", 1),
        ("%", 1),
        ("Số lượng", 1),
        ("%", 1),
        ("", 0),
    ],
]
FIGURE_WIDTHS = [37, 12, 14, 11, 11, 11, 11, 11, 11, 11, 11, 14]


def report() -> DocxDocument:
    doc = new_doc()
    letterhead(doc)
    heading_block(doc, "BÁO CÁO", "{{ subtitle }}")
    tag(doc, "{%p for part in parts %}")
    para(doc, "{{ part.title }}", bold=True, keep=True)
    tag(doc, "{%p for text in part.paragraphs %}")
    para(doc, "{{ text }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for note in part.outline %}")
    para(doc, "{{ note }}", italic=True, align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for sec in part.sections %}")
    para(doc, "{{ sec.title }}", bold=True, keep=True)
    tag(doc, "{%p for text in sec.paragraphs %}")
    para(doc, "{{ text }}", align=JUSTIFY, indent=True, keep=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if sec.table %}")
    grid_table(
        doc,
        headers=FIGURE_HEADERS,
        widths=FIGURE_WIDTHS,
        loop="sec.table",
        cells=[f"row[{i}]" for i in range(12)],
        aligns=[LEFT] + [CENTER] * 11,
        size=9,
    )
    para(doc, after=0)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    signature(doc)
    return doc


LIST_HEADERS = [
    [("STT", 1), ("Họ và tên / tên tổ chức, tập thể", 1), ("Đơn vị", 1), ("Mức xếp loại", 1), ("Ghi chú", 1)]
]
LIST_WIDTHS = [12, 55, 50, 22, 26]


def _list_groups(doc) -> None:
    tag(doc, "{%p for group in groups %}")
    para(doc, "{{ group.title }}", bold=True, keep=True)
    tag(doc, "{%p if group.rows %}")
    grid_table(
        doc,
        headers=LIST_HEADERS,
        widths=LIST_WIDTHS,
        loop="group.rows",
        cells=[f"row[{i}]" for i in range(5)],
        aligns=[CENTER, LEFT, LEFT, CENTER, LEFT],
    )
    tag(doc, "{%p else %}")
    para(doc, "(Không có)", italic=True)
    tag(doc, "{%p endif %}")
    para(doc, "{{ group.total_text }}", italic=True)
    tag(doc, "{%p endfor %}")
    para(doc, "{{ total_text }}", bold=True)


def _decision_body(doc) -> None:
    """A decision's title, the body that issues it, its grounds, its articles and the signature (Mẫu 03 too)."""
    heading_block(doc, "QUYẾT ĐỊNH", "{{ subtitle }}")
    para(doc, "{{ lh.body }}", bold=True, align=CENTER, keep=True)
    tag(doc, "{%p for ground in grounds %}")
    para(doc, "{{ ground }}", italic=True, align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "QUYẾT ĐỊNH", bold=True, align=CENTER, keep=True)
    tag(doc, "{%p for article in articles %}")
    para(doc, "{{r article }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    signature(doc)


def decision() -> DocxDocument:
    doc = new_doc()
    letterhead(doc)
    _decision_body(doc)
    page_break(doc)
    para(doc, "DANH SÁCH", bold=True, align=CENTER, size=15, keep=True, after=0)
    para(doc, "{{ list_title }}", bold=True, align=CENTER, keep=True, after=0)
    para(doc, "{{ list_attached }}", italic=True, align=CENTER, keep=True)
    _list_groups(doc)
    return doc


def rerating() -> DocxDocument:
    """HD 43 Mẫu 03: the decision that annuls a rating and rates the subject again."""
    doc = new_doc()
    para(doc, "{{ form_code }}", italic=True, align=RIGHT, size=12, after=0)
    letterhead(doc)
    _decision_body(doc)
    return doc


def listing() -> DocxDocument:
    doc = new_doc()
    letterhead(doc, with_number=False)
    heading_block(doc, "DANH SÁCH", "{{ subtitle }}")
    _list_groups(doc)
    signature(doc)
    return doc


def self_review() -> DocxDocument:
    doc = new_doc()
    para(doc, "Mẫu {{ form.code }}", italic=True, align=RIGHT, size=12, after=0)
    letterhead(doc, with_number=False)
    heading_block(doc, "{{ form.heading }}", "{{ subtitle }}")
    tag(doc, "{%p for line in identity %}")
    para(doc, "{{ line }}", after=2)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for part in parts %}")
    para(doc, "{{ part.title }}", bold=True, keep=True)
    tag(doc, "{%p for sec in part.sections %}")
    para(doc, "{{ sec.title }}", bold=True, keep=True, align=JUSTIFY)
    tag(doc, "{%p for text in sec.lines %}")
    para(doc, "{{ text }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if criteria %}")
    para(doc, "{{ criteria_title }}", bold=True, keep=True)
    grid_table(
        doc,
        headers=[[("Tiêu chí", 1), ("Xuất sắc", 1), ("Tốt", 1), ("Trung bình", 1), ("Kém", 1)]],
        widths=[85, 20, 20, 20, 20],
        loop="criteria",
        cells=[f"row[{i}]" for i in range(5)],
        aligns=[LEFT, CENTER, CENTER, CENTER, CENTER],
        size=12,
    )
    para(doc, after=0)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if scores %}")
    para(doc, "{{ scores_title }}", bold=True, keep=True)
    grid_table(
        doc,
        headers=[[("Nhóm tiêu chí", 1), ("Điểm tối đa", 1), ("Tự chấm", 1), ("Cấp có thẩm quyền", 1)]],
        widths=[85, 25, 25, 30],
        loop="scores",
        cells=[f"row[{i}]" for i in range(4)],
        aligns=[LEFT, CENTER, CENTER, CENTER],
        size=12,
    )
    para(doc, after=0)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if tasks %}")
    para(doc, "{{ tasks_title }}", bold=True, keep=True)
    grid_table(
        doc,
        headers=[
            [
                ("STT", 1),
                ("Nhiệm vụ, sản phẩm", 1),
                ("Chỉ tiêu, yêu cầu", 1),
                ("Thời hạn", 1),
                ("Kết quả", 1),
                ("Xác nhận", 1),
            ]
        ],
        widths=[11, 50, 36, 20, 28, 20],
        loop="tasks",
        cells=[f"row[{i}]" for i in range(6)],
        aligns=[CENTER, LEFT, LEFT, CENTER, LEFT, LEFT],
    )
    para(doc, after=0)
    tag(doc, "{%p endif %}")
    para(doc, "{{ rating_title }}", bold=True, keep=True)
    tag(doc, "{%p for line in rating_lines %}")
    para(doc, "{{ line }}", indent=True, after=2)
    tag(doc, "{%p endfor %}")
    signature(doc, left="none", right="self")
    tag(doc, "{%p if review_title %}")
    para(doc, "{{ review_title }}", bold=True, keep=True)
    tag(doc, "{%p for line in review_lines %}")
    para(doc, "{{ line }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    signature(doc, left="none", right="signer")
    tag(doc, "{%p endif %}")
    para(doc, "{{ decision_title }}", bold=True, keep=True)
    tag(doc, "{%p for line in decision_lines %}")
    para(doc, "{{ line }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    return doc


def minutes() -> DocxDocument:
    doc = new_doc()
    letterhead(doc)
    heading_block(doc, "BIÊN BẢN", "{{ subtitle }}")
    tag(doc, "{%p for line in opening %}")
    para(doc, "{{ line }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    para(doc, "NỘI DUNG HỘI NGHỊ", bold=True, align=CENTER, keep=True)
    tag(doc, "{%p for sec in sections %}")
    para(doc, "{{ sec.title }}", bold=True, keep=True)
    tag(doc, "{%p for text in sec.lines %}")
    para(doc, "{{ text }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    para(doc, "{{ members_title }}", bold=True, keep=True)
    tag(doc, "{%p if members %}")
    grid_table(
        doc,
        headers=[
            [
                ("STT", 1),
                ("Họ và tên", 1),
                ("Ý kiến góp ý tại hội nghị", 1),
                ("Tự nhận mức", 1),
                ("Tán thành / có mặt", 1),
                ("Đề xuất mức", 1),
            ]
        ],
        widths=[11, 40, 56, 18, 20, 20],
        loop="members",
        cells=[f"row[{i}]" for i in range(6)],
        aligns=[CENTER, LEFT, LEFT, CENTER, CENTER, CENTER],
    )
    tag(doc, "{%p else %}")
    para(doc, "(Không có)", italic=True)
    tag(doc, "{%p endif %}")
    para(doc)
    tag(doc, "{%p for line in closing %}")
    para(doc, "{{ line }}", align=JUSTIFY, indent=True)
    tag(doc, "{%p endfor %}")
    signature(doc, left="secretary", right="chair")
    return doc


def dossier() -> DocxDocument:
    doc = new_doc()
    para(doc, "Mẫu 04-HD KĐ.ĐG 2025", italic=True, align=RIGHT, size=12, after=0)
    letterhead(doc)
    heading_block(doc, "DANH MỤC HỒ SƠ", "{{ subtitle }}")
    para(doc, "{{ intro }}", align=JUSTIFY, indent=True)
    grid_table(
        doc,
        headers=[[("STT", 1), ("Thành phần hồ sơ", 1), ("Số lượng", 1), ("Ghi chú", 1)]],
        widths=[12, 98, 20, 35],
        loop="items",
        cells=[f"row[{i}]" for i in range(4)],
        aligns=[CENTER, LEFT, CENTER, LEFT],
        size=12,
    )
    signature(doc)
    return doc


BUILDERS = {
    "report": report,
    "decision": decision,
    "list": listing,
    "rerating": rerating,
    "self_review": self_review,
    "minutes": minutes,
    "dossier": dossier,
}


def main() -> None:
    for name, build in BUILDERS.items():
        build().save(str(HERE / f"{name}.docx"))
        print(HERE / f"{name}.docx")


if __name__ == "__main__":
    main()
