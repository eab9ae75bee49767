"""The blank workbook to download for each import: the data sheet with its headers, and a sheet of guidance."""

from __future__ import annotations

import functools
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from kiemdiem.imports.validation import SPECS
from kiemdiem.orgs.models import CollectiveKind, UnitKind

_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_LISTS = {
    # short lists fit an in-cell drop-down (Excel limits the formula to 255 characters)
    "gender": '"Nam,Nữ"',
    "is_party_member": '"Có,Không"',
    "is_exempt": '"Có,Không"',
    "is_suspended": '"Có,Không"',
    "membership": '"Chính thức,Dự bị"',
    "role": '"Người đứng đầu,Cấp phó,Thành viên"',
    "rating": '"HTXS,HTT,HT,KHT"',
}


@functools.cache  # the same for everyone (the columns and lists are constants): built once per kind and process
def template_workbook(kind: str) -> bytes:
    spec = SPECS[kind]
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = spec.sheet
    for at, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=at, value=column.header + (" *" if column.required else ""))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(14, min(40, len(column.header) + 6))
        # Text format keeps dates as typed (dd/mm/yyyy whatever Excel's locale) and leading zeros in codes.
        for row in range(2, 1002):
            ws.cell(row=row, column=at).number_format = "@"
        if column.key in _LISTS:
            dv = DataValidation(type="list", formula1=_LISTS[column.key], allow_blank=True)
            dv.add(f"{letter}2:{letter}1001")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 12
    guide.column_dimensions["C"].width = 90
    guide.append([spec.title])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append(
        [
            "Nhập từ dòng 2 của trang “" + spec.sheet + "”; không đổi tên cột. Ngày ghi dạng dd/mm/yyyy. "
            "Không dùng công thức: tệp có công thức sẽ bị từ chối. Tệp có lỗi thì không dòng nào được ghi."
        ]
    )
    guide.append([])
    guide.append(["Cột", "Bắt buộc", "Cách ghi"])
    for cell in guide[4]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        guide.append([column.header, "Có" if column.required else "", column.hint])
    if kind == "units":
        guide.append([])
        guide.append(["Loại đơn vị", "", "Mã (có thể ghi tên hoặc mã)"])
        for value, label in UnitKind.choices:
            guide.append([label, "", value])
    if kind == "positions":
        guide.append([])
        guide.append(["Loại tập thể", "", "Mã (có thể ghi tên hoặc mã)"])
        for value, label in CollectiveKind.choices:
            guide.append([label, "", value])
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
