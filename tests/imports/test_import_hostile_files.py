"""Broken and hostile workbooks: each gets a clear Vietnamese error and leaves the database as it was."""

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from kiemdiem.imports import parsing
from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import CellError, ImportRefused, parse_text
from kiemdiem.orgs.models import Person
from tests.imports.helpers import HEADERS, person_row, snapshot, xlsx

pytestmark = pytest.mark.django_db


def refused(user, content, kind="people") -> list[str]:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=user, kind=kind, content=content, file_name="t.xlsx")
    assert snapshot() == before
    return caught.value.errors


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_it_refuses_an_empty_file(district_officer):
    assert refused(district_officer, b"") == ["Tệp rỗng (0 byte): không có dữ liệu để nhập."]


def test_it_refuses_a_file_that_is_not_a_workbook(district_officer):
    assert refused(district_officer, "Mã;Họ và tên\nDV9;Ai đó\n".encode()) == [
        "Tệp không phải là bảng tính Excel (.xlsx)."
    ]
    assert refused(district_officer, b"%PDF-1.7\n...") == ["Tệp không phải là bảng tính Excel (.xlsx)."]


def test_it_refuses_a_zip_that_is_not_a_workbook(district_officer):
    assert refused(district_officer, _zip({"readme.txt": b"hello"})) == [
        "Tệp không phải là bảng tính Excel (.xlsx): thiếu phần mô tả bảng tính."
    ]


def test_it_refuses_a_truncated_workbook(district_officer, world):
    content = xlsx("people", [person_row("NV1", "NH-001-01")])
    errors = refused(district_officer, content[: len(content) // 2])
    assert errors == ["Tệp không phải là bảng tính Excel (.xlsx) hoặc đã bị hỏng."]


def test_it_asks_for_xlsx_instead_of_an_old_xls(district_officer):
    errors = refused(district_officer, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert errors[0].startswith("Tệp theo định dạng Excel cũ (.xls)")


def test_it_refuses_an_oversized_upload(district_officer, monkeypatch):
    content = xlsx("people", [person_row("NV1", "NH-001-01")])
    monkeypatch.setattr(parsing, "MAX_UPLOAD_BYTES", len(content) - 1)
    errors = refused(district_officer, content)
    assert errors[0].startswith("Tệp dài 0 MB, vượt giới hạn 0 MB.")


def test_it_refuses_a_zip_bomb_by_its_compression_ratio(district_officer):
    bomb = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"<sheetData>" + b"0" * (8 * 1024 * 1024) + b"</sheetData>",
        }
    )
    assert len(bomb) < 20_000
    (error,) = refused(district_officer, bomb)
    assert "xl/worksheets/sheet1.xml" in error and "zip bomb" in error


def test_it_refuses_a_zip_bomb_by_its_declared_size(district_officer, monkeypatch):
    monkeypatch.setattr(parsing, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    content = xlsx("people", [person_row(f"NV{i}", "NH-001-01") for i in range(10)])
    big = _zip({**_members(content), "xl/media/padding.bin": bytes(range(256)) * 8192})
    (error,) = refused(district_officer, big)
    assert error == "Tệp khi giải nén dài 2 MB, vượt giới hạn 1 MB (nghi là tệp nén bất thường — zip bomb)."


def test_it_refuses_a_zip_whose_headers_lie_about_the_unpacked_size(district_officer, world):
    content = bytearray(xlsx("people", [person_row(f"NV{i}", "NH-001-01") for i in range(50)]))
    # Claim the sheet unpacks to 100 bytes, in the central directory and in the local header.
    at = content.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack("<H", content[at + 28 : at + 30])[0]
        if content[at + 46 : at + 46 + name_len].endswith(b"sheet1.xml"):
            struct.pack_into("<I", content, at + 24, 100)
            local = struct.unpack("<I", content[at + 42 : at + 46])[0]
            struct.pack_into("<I", content, local + 22, 100)
        at = content.find(b"PK\x01\x02", at + 4)
    (error,) = refused(district_officer, bytes(content))
    assert error.startswith("Tệp bị hỏng, không giải nén được")


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_it_refuses_a_formula_naming_the_cell_and_never_evaluates_it(district_officer, world):
    wb = Workbook()
    ws = wb.active
    ws.title = "Cá nhân"
    ws.append(HEADERS["people"])
    ws.append(person_row("NV1", "NH-001-01"))
    ws.append(person_row("NV2", "NH-001-01"))
    ws["B3"] = '=WEBSERVICE("http://127.0.0.1/")'
    ws["Q1"] = "=1+1"
    out = io.BytesIO()
    wb.save(out)
    (error,) = refused(district_officer, out.getvalue())
    assert error == (
        "Tệp có ô chứa công thức; hệ thống không tính công thức khi nhập. Đề nghị sao chép và dán dạng giá trị "
        "(Paste Values) rồi nhập lại: ô Q1 của trang “Cá nhân”; ô B3 của trang “Cá nhân”."
    )


def test_it_refuses_a_shared_formula_in_a_hand_written_sheet(district_officer, world):
    members = _members(xlsx("people", [person_row("NV1", "NH-001-01")]))
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace(
        "</sheetData>", '<row r="9"><c r="C9"><x:f t="shared" ref="C9:C10" si="0"/></c></row></sheetData>'
    )
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    (error,) = refused(district_officer, _zip(members))
    assert "ô C9 của trang “Cá nhân”" in error


def test_it_refuses_wrong_headers_listing_what_is_missing_and_unknown(district_officer, world):
    headers = ["Mã", "Ho ten", "Giới tính", "Mã", "Mã chi bộ"]
    errors = refused(
        district_officer, xlsx("people", [["NV1", "A", "Nam", "X", "NH-001-01"]], headers=headers)
    )
    assert errors[:4] == [
        "Dòng 1, cột B: tiêu đề «Ho ten» không có trong mẫu “Danh sách đảng viên, cán bộ”.",
        "Dòng 1, cột D: cột «Mã» bị lặp lại.",
        "Dòng 1: thiếu cột bắt buộc «Họ và tên».",
    ] + [errors[3]]
    assert errors[-1].startswith("Các cột của mẫu “Danh sách đảng viên, cán bộ”: «Mã», «Họ và tên»")


def test_it_says_when_the_file_follows_another_kinds_template(district_officer, world):
    errors = refused(district_officer, xlsx("people", [person_row("NV1", "NH-001-01")]), kind="units")
    assert errors[0] == (
        "Tệp này theo mẫu “Danh sách đảng viên, cán bộ”, nhưng loại dữ liệu đã chọn là "
        "“Danh sách đơn vị, tổ chức đảng”: đề nghị chọn lại loại dữ liệu."
    )


def test_it_accepts_headers_with_the_template_star_and_other_spacing(district_officer, world):
    headers = [h + " *" if h in ("Mã", "Họ và tên") else h.upper() for h in HEADERS["people"]]
    do_import_workbook(
        user=district_officer,
        kind="people",
        content=xlsx("people", [person_row("NV1", "NH-001-01")], headers=headers),
    )
    person = Person.objects.get(code="NV1")
    assert person.home_cell == world.cell_na_hang and person.full_name


def test_it_refuses_a_sheet_with_headers_only(district_officer):
    assert refused(district_officer, xlsx("people", [])) == [
        "Trang “Cá nhân” không có dòng dữ liệu nào (chỉ có dòng tiêu đề)."
    ]


def test_it_refuses_a_blank_sheet(district_officer):
    wb = Workbook()
    out = io.BytesIO()
    wb.save(out)
    (error,) = refused(district_officer, out.getvalue())
    assert error.startswith("Trang “Sheet” không có dòng tiêu đề ở dòng 1")


def test_it_refuses_too_many_rows(district_officer, world, monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ROWS", 3)
    content = xlsx("people", [person_row(f"NV{i}", "NH-001-01") for i in range(5)])
    assert refused(district_officer, content) == [
        "Trang “Cá nhân” có 5 dòng, vượt giới hạn 3 dòng mỗi lần nhập."
    ]


def test_it_refuses_an_overlong_cell(district_officer, world):
    rows = [person_row("NV1", "NH-001-01", **{"Họ và tên": "A" * 500})]
    assert refused(district_officer, xlsx("people", rows)) == [
        "Dòng 2, cột «Họ và tên»: dài 500 ký tự, vượt giới hạn 120 ký tự."
    ]


def test_it_refuses_control_characters_and_nul_in_text():
    for bad in ("NV2\x01", "NV\x00"):
        with pytest.raises(CellError, match="ký tự điều khiển"):
            parse_text(bad, limit=40)
