"""Open an uploaded workbook safely, then read one sheet's values with calamine.

Order matters: the size of the upload and of every zip member is checked before anything parses XML, and the
sheets are scanned for formulas (calamine returns cached values only, so it would hide them). Formulas are
never evaluated: a cell that holds one refuses the whole file.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from python_calamine import CalamineError, CalamineWorkbook

from kiemdiem.vietnamese import format_number

MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # a 140,000-row people workbook is about 8 MB
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # what the members of the zip may unpack to, in total
MAX_MEMBER_RATIO = 250  # ordinary sheet XML compresses 5–30×; a zip bomb compresses thousands of times
MAX_ZIP_MEMBERS = 2000
MAX_ROWS = 200_000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 2000

_CHUNK = 1 << 20
# A formula element in sheet XML: <f>, <f t="shared" …/>, or with a namespace prefix (<x:f>).
_CELL_OR_FORMULA = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"|<(?:\w+:)?f[\s>/]')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"')
_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ENTRY_ALT = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL_ENTRY = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_ENTRY_ALT = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


class WorkbookError(Exception):
    """The file as a whole cannot be imported; the message (Vietnamese) says why."""


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, Sequence[object]]]  # (Excel row number, cell values)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def size_error(size: int) -> str | None:
    """The one message for a file over the limit, wherever it arrives (page, API, command line, job)."""
    if size <= MAX_UPLOAD_BYTES:
        return None
    return (
        f"Tệp dài {_mb(size)}, vượt giới hạn {_mb(MAX_UPLOAD_BYTES)}. Đề nghị chia thành nhiều tệp nhỏ hơn."
    )


def open_container(content: bytes) -> zipfile.ZipFile:
    """Refuse what is too big, not a workbook, or a zip bomb, before any XML is parsed."""
    if not content:
        raise WorkbookError("Tệp rỗng (0 byte): không có dữ liệu để nhập.")
    if too_big := size_error(len(content)):
        raise WorkbookError(too_big)
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise WorkbookError(
            "Tệp theo định dạng Excel cũ (.xls) hoặc được đặt mật khẩu: đề nghị lưu lại thành .xlsx (Excel 2007 trở lên)."
        )
    if content[:2] != b"PK":
        raise WorkbookError("Tệp không phải là bảng tính Excel (.xlsx).")
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise WorkbookError("Tệp không phải là bảng tính Excel (.xlsx) hoặc đã bị hỏng.") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise WorkbookError(
            f"Tệp chứa {format_number(len(infos))} thành phần, bất thường đối với một bảng tính Excel."
        )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise WorkbookError("Tệp không phải là bảng tính Excel (.xlsx): thiếu phần mô tả bảng tính.")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(
            f"Tệp khi giải nén dài {_mb(declared)}, vượt giới hạn {_mb(MAX_UNCOMPRESSED_BYTES)} "
            "(nghi là tệp nén bất thường — zip bomb)."
        )
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_MEMBER_RATIO * max(info.compress_size, 1):
            raise WorkbookError(
                f"Thành phần “{info.filename}” nén với tỷ lệ {format_number(info.file_size // max(info.compress_size, 1))}:1, "
                "bất thường đối với bảng tính (nghi là tệp nén bất thường — zip bomb)."
            )
    return zf


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map each worksheet's part name (xl/worksheets/sheet1.xml) to its name in the workbook."""
    try:
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {rid: target for rid, target in _REL_ENTRY.findall(rels)}
    targets.update({rid: target for target, rid in _REL_ENTRY_ALT.findall(rels)})
    entries = [(name, rid) for name, rid in _SHEET_ENTRY.findall(workbook)]
    entries += [(name, rid) for rid, name in _SHEET_ENTRY_ALT.findall(workbook)]
    result: dict[str, str] = {}
    for name, rid in entries:
        target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        result[part] = _xml_unescape(name.decode("utf-8", "replace"))
    return result


def _xml_unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def scan_members(zf: zipfile.ZipFile, *, limit: int = 10) -> list[str]:
    """Unpack every member with a byte budget (declared sizes can lie) and list the cells holding formulas."""
    budget = MAX_UNCOMPRESSED_BYTES
    names = _sheet_names(zf)
    found: list[str] = []
    for info in zf.infolist():
        is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        last_cell = "?"
        tail = b""
        try:
            with zf.open(info) as stream:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    budget -= len(chunk)
                    if budget < 0:
                        raise WorkbookError(
                            f"Tệp khi giải nén vượt giới hạn {_mb(MAX_UNCOMPRESSED_BYTES)} "
                            "(nghi là tệp nén bất thường — zip bomb)."
                        )
                    if not is_sheet or len(found) >= limit:
                        continue
                    buffer = tail + chunk
                    cut = buffer.rfind(b"<")
                    if cut <= 0 or len(buffer) - cut > 4096:
                        cut = len(buffer)
                    # One fast search per chunk; the cells are located only where a formula is.
                    if _FORMULA.search(buffer, 0, cut):
                        for match in _CELL_OR_FORMULA.finditer(buffer, 0, cut):
                            if match.group(1):
                                last_cell = match.group(1).decode()
                            elif len(found) < limit:
                                sheet = names.get(info.filename, info.filename)
                                found.append(f"ô {last_cell} của trang “{sheet}”")
                    else:
                        refs = _CELL_REF.findall(buffer, max(0, cut - 4096), cut)
                        last_cell = refs[-1].decode() if refs else last_cell
                    tail = buffer[cut:]
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
            raise WorkbookError(f"Tệp bị hỏng, không giải nén được ({type(exc).__name__}).") from None
    return found


@functools.lru_cache(maxsize=4096)
def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("*", "").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


def normalise_header(value: object) -> str:
    """Compare headers and list values ignoring case, spacing, Unicode form and the template's '*'."""
    return _normalise(str(value))


def read_sheet(
    content: bytes,
    *,
    preferred: str,
    progress: Callable[[int], None] | None = None,
) -> Sheet:
    """Check the container, refuse formulas, and return the rows of the sheet to import."""
    zf = open_container(content)
    formulas = scan_members(zf)
    if formulas:
        more = " (và có thể còn ô khác)" if len(formulas) >= 10 else ""
        raise WorkbookError(
            "Tệp có ô chứa công thức; hệ thống không tính công thức khi nhập. Đề nghị sao chép và dán dạng "
            f"giá trị (Paste Values) rồi nhập lại: {'; '.join(formulas)}{more}."
        )
    if progress:
        progress(10)
    try:
        wb = CalamineWorkbook.from_object(io.BytesIO(content))
        wanted = normalise_header(preferred)
        sheet_name = next((n for n in wb.sheet_names if normalise_header(n) == wanted), None)
        if sheet_name is None:
            sheet_name = wb.sheet_names[0] if wb.sheet_names else None
        if sheet_name is None:
            raise WorkbookError("Bảng tính không có trang nào.")
        sheet = wb.get_sheet_by_name(sheet_name)
        if sheet.height > MAX_ROWS + 1:
            raise WorkbookError(
                f"Trang “{sheet_name}” có {format_number(sheet.height - 1)} dòng, vượt giới hạn {format_number(MAX_ROWS)} dòng mỗi lần nhập."
            )
        if sheet.width > MAX_COLUMNS:
            raise WorkbookError(
                f"Trang “{sheet_name}” có {sheet.width} cột, vượt giới hạn {MAX_COLUMNS} cột."
            )
        values = sheet.to_python(skip_empty_area=False)
    except WorkbookError:
        raise
    except (CalamineError, Exception) as exc:  # calamine raises its own family and plain ValueErrors
        raise WorkbookError(
            f"Không đọc được bảng tính: tệp bị hỏng hoặc không đúng định dạng ({exc})."
        ) from None
    if progress:
        progress(30)
    if not values or not any(_filled(v) for v in values[0]):
        raise WorkbookError(
            f"Trang “{sheet_name}” không có dòng tiêu đề ở dòng 1: đề nghị dùng tệp mẫu tải từ hệ thống."
        )
    headers = [str(v).strip() if _filled(v) else "" for v in values[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows: list[tuple[int, Sequence[object]]] = [
        (i + 1, row) for i, row in enumerate(values[1:], start=1) if any(_filled(v) for v in row)
    ]
    if not rows:
        raise WorkbookError(f"Trang “{sheet_name}” không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
    return Sheet(name=sheet_name, headers=headers, rows=rows)


def _filled(value: object) -> bool:
    return not (value is None or (isinstance(value, str) and not value.strip()))
