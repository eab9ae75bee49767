"""The columns of each import, the cell parsers, and the in-memory validation of every row.

Validation reads what it needs from the database in a few bulk queries (dict lookups afterwards, never a query
per row) and collects every error as "Dòng 7, cột «Ngày vào Đảng»: …"; the writers run only on a clean plan.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kiemdiem.accounts.models import User
from kiemdiem.imports.parsing import MAX_CELL_CHARS, Sheet, normalise_header
from kiemdiem.orgs.models import (
    CELL_KINDS,
    CivilServiceStatus,
    CollectiveKind,
    Gender,
    LeadershipCollective,
    ManagementTier,
    MemberGroup,
    Membership,
    Person,
    Position,
    Role,
    Unit,
    UnitKind,
    UnitSector,
)
from kiemdiem.orgs.queries import persons_visible_to, scope_roots, units_visible_to
from kiemdiem.text import formula_sign
from kiemdiem.vietnamese import format_number

MAX_ERRORS = 5000  # kept and shown; the count of the rest is reported
IN_CHUNK = 5000  # keeps `code IN (…)` under every backend's parameter limit


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    hint: str = ""
    is_date: bool = False


@dataclass(frozen=True)
class Spec:
    kind: str
    sheet: str
    title: str
    columns: tuple[Column, ...]


def _choices_hint(choices: Iterable[tuple[str, str]]) -> str:
    return "; ".join(label for value, label in choices if value)


SPECS: dict[str, Spec] = {
    "units": Spec(
        "units",
        "Đơn vị",
        "Danh sách đơn vị, tổ chức đảng",
        (
            Column("Mã đơn vị", "code", True, "Mã duy nhất, tối đa 40 ký tự"),
            Column("Tên đơn vị", "name", True),
            Column("Loại", "kind", True, _choices_hint(UnitKind.choices)),
            Column(
                "Mã đơn vị cấp trên",
                "parent",
                True,
                "Mã một đơn vị đã có trong phạm vi quản lý, hoặc một đơn vị khai báo trong cùng tệp",
            ),
            Column("Hiệu lực từ", "valid_from", hint="dd/mm/yyyy; để trống = 01/01/2000", is_date=True),
            Column("Hiệu lực đến", "valid_to", hint="dd/mm/yyyy; để trống = còn hiệu lực", is_date=True),
            Column("Ngày thành lập", "established_on", hint="dd/mm/yyyy", is_date=True),
            Column(
                "Loại hình",
                "sector",
                hint=_choices_hint(UnitSector.choices) + " — tách dòng Biểu A; để trống = chưa phân loại",
            ),
        ),
    ),
    "people": Spec(
        "people",
        "Cá nhân",
        "Danh sách đảng viên, cán bộ",
        (
            Column("Mã", "code", True, "Mã duy nhất của cá nhân, tối đa 40 ký tự"),
            Column("Họ và tên", "full_name", True),
            Column("Giới tính", "gender", True, "Nam; Nữ"),
            Column("Ngày sinh", "birth_date", hint="dd/mm/yyyy", is_date=True),
            Column("Là đảng viên", "is_party_member", hint="Có; Không — để trống = Có"),
            Column("Ngày vào Đảng", "admitted_on", hint="dd/mm/yyyy; bắt buộc với đảng viên", is_date=True),
            Column("Loại đảng viên", "membership", hint=_choices_hint(Membership.choices)),
            Column("Mã chi bộ", "home_cell", hint="Mã chi bộ sinh hoạt; bắt buộc với đảng viên"),
            Column("Miễn sinh hoạt", "is_exempt", hint="Có; Không"),
            Column("Đình chỉ sinh hoạt", "is_suspended", hint="Có; Không"),
            Column(
                "Cán bộ, công chức, viên chức",
                "civil_service_status",
                hint=_choices_hint(CivilServiceStatus.choices),
            ),
            Column("Diện quản lý", "management_tier", hint=_choices_hint(ManagementTier.choices)),
            Column(
                "Mã cấp ủy quản lý", "managing_unit", hint="Mã đơn vị; bắt buộc với người không là đảng viên"
            ),
            Column(
                "Số thẻ đảng viên",
                "party_card_number",
                hint="Theo cơ sở dữ liệu đảng viên; khi có, dùng để nhận ra người đã có (kể cả khi đổi mã)",
            ),
            Column("Số lý lịch", "personal_record_number", hint="Số lý lịch đảng viên; không trùng"),
            Column(
                "Nơi làm việc của đảng viên",
                "member_group",
                hint=_choices_hint(MemberGroup.choices)
                + " — các dòng “Trong đó” của Biểu B; để trống = khác",
            ),
        ),
    ),
    "positions": Spec(
        "positions",
        "Chức vụ",
        "Chức vụ, vị trí trong tập thể lãnh đạo",
        (
            Column("Mã cá nhân", "person", True),
            Column("Mã đơn vị", "unit", True),
            Column("Tập thể lãnh đạo", "collective", hint="Tên tập thể; để trống nếu chỉ là chức danh"),
            Column(
                "Loại tập thể",
                "collective_kind",
                hint="Bắt buộc khi tập thể chưa có: " + _choices_hint(CollectiveKind.choices),
            ),
            Column("Chức vụ", "title", True),
            Column("Vai trò", "role", hint=_choices_hint(Role.choices) + " — để trống = Thành viên"),
            Column("Từ ngày", "valid_from", hint="dd/mm/yyyy; để trống = 01/01/2000", is_date=True),
            Column("Đến ngày", "valid_to", hint="dd/mm/yyyy; để trống = đang giữ", is_date=True),
        ),
    ),
    "ratings": Spec(
        "ratings",
        "Xếp loại",
        "Kết quả xếp loại chất lượng của đơn vị làm trên giấy",
        (
            Column(
                "Đối tượng",
                "subject_type",
                True,
                "Đảng viên; Tổ chức đảng; Cơ quan, đơn vị; Tập thể lãnh đạo, quản lý; Cán bộ lãnh đạo, quản lý",
            ),
            Column("Mã cá nhân", "person", hint="Với đảng viên, cán bộ lãnh đạo, quản lý"),
            Column("Mã đơn vị", "unit", hint="Với tổ chức đảng, cơ quan, đơn vị, tập thể lãnh đạo"),
            Column("Tập thể lãnh đạo", "collective", hint="Tên tập thể (với tập thể lãnh đạo, quản lý)"),
            Column("Mức xếp loại", "rating", hint="HTXS; HTT; HT; KHT — để trống khi không xếp loại"),
            Column("Ngày quyết định", "decided_on", True, "dd/mm/yyyy", is_date=True),
            Column("Lý do không xếp loại", "not_rated_reason"),
            Column(
                "Lý do",
                "reason",
                hint="Bắt buộc khi quyết định lại, hoặc khi cấp có thẩm quyền quyết định vượt tỷ lệ",
            ),
        ),
    ),
    "reorganisation": Spec(
        "reorganisation",
        "Sắp xếp tổ chức",
        "Sắp xếp tổ chức: hợp nhất, chia tách, giải thể, chuyển trực thuộc, đổi tên",
        (
            Column(
                "Loại thay đổi", "kind", True, "Hợp nhất; Chia tách; Giải thể; Chuyển trực thuộc; Đổi tên"
            ),
            Column("Ngày hiệu lực", "effective_on", True, "dd/mm/yyyy", is_date=True),
            Column("Mã đơn vị", "units", True, "Đơn vị thay đổi; hợp nhất: các mã cách nhau bởi dấu ;"),
            Column(
                "Mã đơn vị nhận",
                "target",
                hint="Chuyển: cấp trên mới; giải thể: đơn vị nhận các đơn vị trực thuộc (và đảng viên, nếu là chi "
                "bộ); hợp nhất vào một đơn vị đã có: đơn vị đó",
            ),
            Column(
                "Mã đơn vị mới",
                "new_code",
                hint="Hợp nhất thành đơn vị mới; chia tách: mỗi dòng một đơn vị mới",
            ),
            Column("Tên mới", "new_name", hint="Đơn vị mới; đổi tên: tên mới"),
            Column("Loại đơn vị mới", "new_kind", hint=_choices_hint(UnitKind.choices)),
            Column(
                "Mã cấp trên của đơn vị mới", "new_parent", hint="Để trống = cấp trên của đơn vị đầu tiên"
            ),
            Column(
                "Các đơn vị trực thuộc nhận",
                "children",
                hint="Chia tách: mã các đơn vị trực thuộc về đơn vị mới này",
            ),
            Column("Quyết định", "decision", hint="Số, ngày quyết định"),
        ),
    ),
}


class ImportRefused(Exception):
    """The file has errors; nothing was written. `errors` lists them by row and column, in Vietnamese."""

    def __init__(self, errors: list[str], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(errors[0] if errors else "Tệp không hợp lệ.")


class CellError(Exception):
    pass


# -- Cell parsers ------------------------------------------------------------------------------------------------


def _display(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(value: object, *, limit: int) -> str:
    if type(value) is str:  # nearly every cell: none of the checks below applies to a str
        text = value
    elif isinstance(value, bool):
        raise CellError(f"'{value}' không phải là văn bản")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise CellError(f"'{_display(value)}' là ngày giờ, cần nhập văn bản")
    else:
        text = str(value)
    text = unicodedata.normalize("NFC", text).strip()
    if _CONTROL.search(text):
        raise CellError("có ký tự điều khiển không hợp lệ")
    if formula_sign(text):  # the same rule as the admin and the forms (kiemdiem/text.py)
        raise CellError(
            f"'{_display(text)}' bắt đầu bằng dấu '{formula_sign(text)}' như một công thức; không được nhận"
        )
    if len(text) > min(limit, MAX_CELL_CHARS):
        raise CellError(f"dài {format_number(len(text))} ký tự, vượt giới hạn {format_number(limit)} ký tự")
    return text


_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def parse_date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0):
            raise CellError(f"'{_display(value)}' có cả giờ; cần ngày dạng dd/mm/yyyy")
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str):
        match = _DATE_TEXT.match(value.strip())
        if not match:
            raise CellError(f"'{_display(value)}' không phải là ngày hợp lệ (dạng dd/mm/yyyy)")
        d, m, y = (int(g) for g in match.groups())
        try:
            day = datetime.date(y, m, d)
        except ValueError:
            raise CellError(f"'{_display(value)}' không phải là ngày hợp lệ") from None
    else:
        raise CellError(f"'{_display(value)}' không phải là ngày hợp lệ (dạng dd/mm/yyyy)")
    if not 1900 <= day.year <= 2100:
        raise CellError(f"'{_display(value)}' nằm ngoài khoảng năm 1900–2100")
    return day


def _choice_index(choices: Iterable[tuple[str, str]], extra: dict[str, str] | None = None) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in choices:
        if value:
            index[normalise_header(value)] = value
            index[normalise_header(label)] = value
    for alias, value in (extra or {}).items():
        index[normalise_header(alias)] = value
    return index


def parse_choice(value: object, index: dict[str, str], allowed: str) -> str:
    key = normalise_header(_display(value))
    if key not in index:
        raise CellError(f"'{_display(value)}' không có trong danh mục ({allowed})")
    return index[key]


_YES = {"có", "co", "x", "1", "true", "yes"}
_NO = {"không", "khong", "0", "false", "no"}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    key = normalise_header(_display(value))
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(f"'{_display(value)}' không hợp lệ (chỉ Có hoặc Không)")


UNIT_KINDS = _choice_index(UnitKind.choices)
GENDERS = _choice_index(Gender.choices, {"nu": "f", "male": "m", "female": "f"})
MEMBERSHIPS = _choice_index(Membership.choices, {"chinh thuc": "full", "du bi": "probationary"})
CIVIL_SERVICE = _choice_index(CivilServiceStatus.choices)
MEMBER_GROUPS = _choice_index(MemberGroup.choices, {"llvt": "llvt", "ngoai he thong chinh tri": "ngoai_htct"})
SECTORS = _choice_index(UnitSector.choices, {"xa": "xa_phuong", "phuong": "xa_phuong", "llvt": "llvt"})
TIERS = _choice_index(ManagementTier.choices)
COLLECTIVE_KINDS = _choice_index(CollectiveKind.choices)
ROLES = _choice_index(Role.choices, {"đứng đầu": "head", "phó": "deputy"})


# -- Rows and errors ---------------------------------------------------------------------------------------------


@dataclass
class Errors:
    items: list[tuple[int, int, str]] = field(default_factory=list)
    total: int = 0

    def add(self, row: int, message: str, header: str | None = None) -> None:
        self.total += 1
        if len(self.items) < MAX_ERRORS:
            where = f"Dòng {row}, cột «{header}»" if header else f"Dòng {row}"
            self.items.append((row, self.total, f"{where}: {message}."))

    def refuse_if_any(self) -> None:
        """Raise with the errors in row order (checks that need the whole file run after the row checks)."""
        if self.total:
            raise ImportRefused([text for _, _, text in sorted(self.items)], self.total)


class Row:
    """One data row: reads cells by key, records cell errors against the row and column."""

    __slots__ = ("number", "values", "index", "headers", "errors", "ok")

    def __init__(
        self,
        number: int,
        values: Sequence[object],
        index: dict[str, int],
        headers: dict[str, str],
        errors: Errors,
    ):
        self.number = number
        self.values = values
        self.index = index
        self.headers = headers
        self.errors = errors
        self.ok = True

    # raw, get, text and choice run for every cell of a file (2.4 million for 140,000 people): is_blank inlined and
    # no parser closure per cell.
    def raw(self, key: str) -> object:
        at = self.index.get(key)
        values = self.values
        if at is None or at >= len(values):
            return None
        value = values[at]
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value

    def error(self, key: str | None, message: str) -> None:
        self.ok = False
        self.errors.add(self.number, message, self.headers.get(key) if key else None)

    def get[T](self, key: str, parse: Callable[[object], T], *, required: bool = False) -> T | None:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, "bắt buộc, không được để trống")
            return None
        try:
            return parse(value)
        except CellError as exc:
            self.error(key, str(exc))
            return None

    def text(self, key: str, limit: int, *, required: bool = False) -> str:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, "bắt buộc, không được để trống")
            return ""
        try:
            return parse_text(value, limit=limit) or ""
        except CellError as exc:
            self.error(key, str(exc))
            return ""

    def date(self, key: str, *, required: bool = False) -> datetime.date | None:
        return self.get(key, parse_date, required=required)

    def choice(self, key: str, index: dict[str, str], allowed: str, *, required: bool = False) -> str:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, "bắt buộc, không được để trống")
            return ""
        try:
            return parse_choice(value, index, allowed) or ""
        except CellError as exc:
            self.error(key, str(exc))
            return ""

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.get(key, parse_bool)
        return default if value is None else bool(value)


def iter_rows(sheet: Sheet, spec: Spec, errors: Errors) -> Iterator[Row]:
    index = header_index(sheet, spec)
    headers = {c.key: c.header for c in spec.columns}
    for number, values in sheet.rows:
        yield Row(number, values, index, headers, errors)


def header_index(sheet: Sheet, spec: Spec) -> dict[str, int]:
    """Map column keys to positions; refuse missing, unknown or repeated headers (row 1)."""
    known = {normalise_header(c.header): c for c in spec.columns}
    index: dict[str, int] = {}
    problems: list[str] = []
    for at, header in enumerate(sheet.headers):
        if not header:
            problems.append(f"Dòng 1, cột {_column_letter(at)}: tiêu đề cột để trống.")
            continue
        column = known.get(normalise_header(header))
        if column is None:
            problems.append(
                f"Dòng 1, cột {_column_letter(at)}: tiêu đề «{header}» không có trong mẫu “{spec.title}”."
            )
        elif column.key in index:
            problems.append(f"Dòng 1, cột {_column_letter(at)}: cột «{column.header}» bị lặp lại.")
        else:
            index[column.key] = at
    for column in spec.columns:
        if column.required and column.key not in index:
            problems.append(f"Dòng 1: thiếu cột bắt buộc «{column.header}».")
    if problems:
        given = {normalise_header(h) for h in sheet.headers if h}
        for other in SPECS.values():
            if other.kind != spec.kind and all(
                normalise_header(c.header) in given for c in other.columns if c.required
            ):
                problems.insert(
                    0,
                    f"Tệp này theo mẫu “{other.title}”, nhưng loại dữ liệu đã chọn là “{spec.title}”: "
                    "đề nghị chọn lại loại dữ liệu.",
                )
                break
        problems.append(
            f"Các cột của mẫu “{spec.title}”: " + ", ".join(f"«{c.header}»" for c in spec.columns) + "."
        )
        raise ImportRefused(problems)
    return index


def _column_letter(at: int) -> str:
    letters = ""
    at += 1
    while at:
        at, rem = divmod(at - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def chunked(items: list[str], size: int = IN_CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def in_chunks(qs: QuerySet, field: str, values: Iterable[str], *fields: str) -> list[tuple]:
    """The rows of `qs` whose `field` is one of `values`, as `fields` tuples.

    On PostgreSQL in one query whose values travel as one array parameter (`IN (SELECT unnest(%s))`): a
    140,000-row people file looked up by `code IN (…)` in chunks of 5,000 spent about 1.5 s of CPU building and
    quoting the SQL on the client, and as long again for PostgreSQL to parse it. Elsewhere in chunks (SQLite's
    parameter limit)."""
    out: list[tuple] = []
    wanted = sorted(set(values))
    if not wanted:
        return out
    if connections[qs.db].vendor == "postgresql":
        array = RawSQL("SELECT unnest(%s::text[])", (wanted,))
        return list(qs.filter(**{f"{field}__in": array}).values_list(*fields))
    for chunk in chunked(wanted):
        out.extend(qs.filter(**{f"{field}__in": chunk}).values_list(*fields))
    return out


# -- The scope: which units the user may import into -------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    kind: str
    path: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class UnitIndex:
    """Units the user reaches, by code (the current one when a code was reused over time)."""

    def __init__(self, user: User) -> None:
        self.is_global = scope_roots(user) is None
        self.by_code: dict[str, UnitRef] = {}
        rows = units_visible_to(user).values_list("id", "code", "kind", "path", "valid_from", "valid_to")
        for ref in sorted((UnitRef(*r) for r in rows), key=lambda u: (u.valid_to is None, u.valid_from)):
            self.by_code[ref.code.casefold()] = ref

    def get(self, code: str) -> UnitRef | None:
        return self.by_code.get(code.casefold())


def not_found_unit(code: str) -> str:
    # The same words for a unit that does not exist and one outside the user's subtree: nothing leaks.
    return f"không tìm thấy đơn vị mã '{code}' trong phạm vi quản lý của đồng chí"


def not_found_person(code: str) -> str:
    return f"không tìm thấy cá nhân mã '{code}' trong phạm vi quản lý của đồng chí"


Tick = Callable[[int], None]


def _each(rows: Iterable[Row], tick: Tick | None) -> Iterator[Row]:
    for i, row in enumerate(rows, start=1):
        if tick and i % 5000 == 0:
            tick(i)
        yield row


# -- Units -------------------------------------------------------------------------------------------------------


@dataclass
class UnitPlan:
    units: list[tuple[int, Unit, str | None]]  # row, the new unit, the key of its parent when in the file
    parent_paths: dict[int, str] = field(default_factory=dict)  # existing parents: id → path


def validate_units(sheet: Sheet, user: User, tick: Tick | None = None) -> UnitPlan:
    spec = SPECS["units"]
    errors = Errors()
    index = UnitIndex(user)
    seen: dict[str, int] = {}
    parsed: list[tuple[Row, Unit, str]] = []
    for row in _each(iter_rows(sheet, spec, errors), tick):
        code = row.text("code", 40, required=True)
        name = row.text("name", 255, required=True)
        kind = row.choice("kind", UNIT_KINDS, "xem trang Hướng dẫn", required=True)
        parent_code = row.text("parent", 40, required=not index.is_global)
        valid_from = row.date("valid_from") or datetime.date(2000, 1, 1)
        valid_to = row.date("valid_to")
        established = row.date("established_on")
        sector = row.choice("sector", SECTORS, _choices_hint(UnitSector.choices))
        if valid_to and valid_to < valid_from:
            row.error("valid_to", f"ngày {valid_to:%d/%m/%Y} trước ngày hiệu lực từ {valid_from:%d/%m/%Y}")
        if code:
            key = code.casefold()
            if key in seen:
                row.error("code", f"mã '{code}' trùng với dòng {seen[key]}")
            else:
                seen[key] = row.number
        unit = Unit(
            code=code,
            name=name,
            kind=kind,
            valid_from=valid_from,
            valid_to=valid_to,
            established_on=established,
            sector=sector,
        )
        parsed.append((row, unit, parent_code))
    # Codes already in use over an overlapping period (the code is the unit's identity in files and forms).
    existing: dict[str, list[tuple[datetime.date, datetime.date | None]]] = {}
    for code, start, end in in_chunks(
        Unit.objects.all(), "code", [u.code for _, u, _ in parsed if u.code], "code", "valid_from", "valid_to"
    ):
        existing.setdefault(code.casefold(), []).append((start, end))
    plan = UnitPlan(units=[])
    for row, unit, parent_code in parsed:
        for start, end in existing.get(unit.code.casefold(), []):
            if (end is None or end >= unit.valid_from) and (unit.valid_to is None or unit.valid_to >= start):
                # Nothing about the other unit: it may lie outside the user's subtree.
                row.error(
                    "code", f"mã '{unit.code}' đã được dùng trong cùng thời gian hiệu lực; chọn mã khác"
                )
                break
        in_file = None
        if parent_code:
            if parent_code.casefold() in seen:
                in_file = parent_code.casefold()
                if in_file == unit.code.casefold():
                    row.error("parent", "đơn vị không thể là cấp trên của chính nó")
            else:
                ref = index.get(parent_code)
                if ref is None:
                    row.error("parent", not_found_unit(parent_code))
                else:
                    unit.parent_id = ref.id
                    plan.parent_paths[ref.id] = ref.path
        plan.units.append((row.number, unit, in_file))
    # A loop of in-file parents (A under B under A) can never be written.
    parent_of = {u.code.casefold(): p for _, u, p in plan.units if u.code}
    row_of = {u.code.casefold(): n for n, u, _ in plan.units if u.code}
    original = {u.code.casefold(): u.code for _, u, _ in plan.units if u.code}
    for code in parent_of:
        trail: list[str] = []
        at: str | None = code
        while at is not None and at not in trail:
            trail.append(at)
            at = parent_of.get(at)
        if at == code:
            loop = [original[c] for c in [*trail, code]]
            errors.add(row_of[code], "các đơn vị cấp trên khai báo vòng tròn: " + " → ".join(loop))
    errors.refuse_if_any()
    return plan


# -- People ------------------------------------------------------------------------------------------------------


def _years_between(start: datetime.date, end: datetime.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


# What a people row sets, in the order the diff shows them (the code last: it changes only when matched by card).
PERSON_FIELDS = (
    ("full_name", "full_name"),
    ("gender", "gender"),
    ("birth_date", "birth_date"),
    ("is_party_member", "is_party_member"),
    ("admitted_on", "admitted_on"),
    ("membership", "membership"),
    ("home_cell_id", "home_cell"),
    ("is_exempt", "is_exempt"),
    ("is_suspended", "is_suspended"),
    ("civil_service_status", "civil_service_status"),
    ("management_tier", "management_tier"),
    ("managing_unit_id", "managing_unit"),
    ("party_card_number", "party_card_number"),
    ("personal_record_number", "personal_record_number"),
    ("member_group", "member_group"),
    ("code", "code"),
)


@dataclass
class PeoplePlan:
    """The file against the database: new people, changed people (field by field), unchanged, missing."""

    new: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # row, Person values by attname
    changed: list[tuple[int, int, dict[str, object]]] = field(
        default_factory=list
    )  # row, person id, new values
    before: dict[int, dict[str, object]] = field(default_factory=dict)  # person id → stored values
    unchanged: int = 0
    missing: list[tuple[str, str]] = field(
        default_factory=list
    )  # code, name of people in scope not in the file


def validate_people(sheet: Sheet, user: User, tick: Tick | None = None) -> PeoplePlan:
    """Match each row to a person by code (or by party card number), then sort the rows into new and changed."""
    spec = SPECS["people"]
    errors = Errors()
    index = UnitIndex(user)
    today = timezone.localdate()
    seen: dict[str, int] = {}
    seen_numbers: dict[tuple[str, str], int] = {}
    people: list[tuple[Row, dict[str, object]]] = []
    cs_hint, tier_hint = spec.columns[10].hint, spec.columns[11].hint
    group_hint = _choices_hint(MemberGroup.choices)
    for row in _each(iter_rows(sheet, spec, errors), tick):
        code = row.text("code", 40, required=True)
        p: dict[str, object] = {
            "code": code,
            "full_name": row.text("full_name", 120, required=True),
            "gender": row.choice("gender", GENDERS, "Nam; Nữ", required=True),
            "birth_date": row.date("birth_date"),
            "is_party_member": row.flag("is_party_member", default=True),
            "is_exempt": row.flag("is_exempt"),
            "is_suspended": row.flag("is_suspended"),
            "admitted_on": row.date("admitted_on"),
            "membership": row.choice("membership", MEMBERSHIPS, "Chính thức; Dự bị"),
            "civil_service_status": row.choice("civil_service_status", CIVIL_SERVICE, cs_hint),
            "management_tier": row.choice("management_tier", TIERS, tier_hint),
            "home_cell_id": None,
            "managing_unit_id": None,
            "party_card_number": row.text("party_card_number", 20),
            "personal_record_number": row.text("personal_record_number", 20),
            "member_group": row.choice("member_group", MEMBER_GROUPS, group_hint),
        }
        if code:
            key = code.casefold()
            if key in seen:
                row.error("code", f"mã '{code}' trùng với dòng {seen[key]}")
            else:
                seen[key] = row.number
        for number_field, label in (
            ("party_card_number", "số thẻ đảng viên"),
            ("personal_record_number", "số lý lịch"),
        ):
            number = str(p[number_field])
            if number:
                if (number_field, number) in seen_numbers:
                    row.error(
                        number_field,
                        f"{label} '{number}' trùng với dòng {seen_numbers[number_field, number]}",
                    )
                else:
                    seen_numbers[number_field, number] = row.number
        birth, admitted = p["birth_date"], p["admitted_on"]
        # both from row.date() above: a date or None
        assert isinstance(birth, datetime.date | None) and isinstance(admitted, datetime.date | None)
        for key, label, day in (
            ("birth_date", "ngày sinh", birth),
            ("admitted_on", "ngày vào Đảng", admitted),
        ):
            if day and day > today:
                row.error(key, f"{label} {day:%d/%m/%Y} ở tương lai")
        if p["is_party_member"]:
            if admitted is None and row.raw("admitted_on") is None:
                row.error("admitted_on", "bắt buộc với đảng viên")
            if row.raw("home_cell") is None:
                row.error("home_cell", "bắt buộc với đảng viên")
            if admitted and birth and _years_between(birth, admitted) < 18:
                # Điều lệ Đảng, Điều 1: công dân từ mười tám tuổi trở lên.
                row.error("admitted_on", "đảng viên vào Đảng khi chưa đủ 18 tuổi (Điều lệ Đảng, Điều 1)")
        elif admitted or p["membership"]:
            row.error(
                "is_party_member", "người không là đảng viên thì không có ngày vào Đảng, loại đảng viên"
            )
        cell_code = row.text("home_cell", 40)
        if cell_code:
            ref = index.get(cell_code)
            if ref is None:
                row.error("home_cell", not_found_unit(cell_code))
            elif ref.kind not in CELL_KINDS:
                row.error("home_cell", f"đơn vị mã '{cell_code}' không phải là chi bộ")
            else:
                p["home_cell_id"] = ref.id
        managing_code = row.text("managing_unit", 40)
        if managing_code:
            ref = index.get(managing_code)
            if ref is None:
                row.error("managing_unit", not_found_unit(managing_code))
            else:
                p["managing_unit_id"] = ref.id
        elif not p["is_party_member"] and row.raw("managing_unit") is None:
            row.error("managing_unit", "bắt buộc với người không là đảng viên")
        people.append((row, p))
    return _match_people(people, user, errors)


def _match_people(people: list[tuple[Row, dict[str, object]]], user: User, errors: Errors) -> PeoplePlan:
    """Find each row's person: by code, else by party card number; in the user's reach, or refused."""
    visible = set(persons_visible_to(user).values_list("pk", flat=True))
    attnames = [a for a, _ in PERSON_FIELDS]
    by_code: dict[str, int] = {}
    by_card: dict[str, int] = {}
    by_record: dict[str, int] = {}
    stored: dict[int, dict[str, object]] = {}

    def load(qs: QuerySet, field_name: str, values: list[str]) -> None:
        for values_row in in_chunks(qs, field_name, values, "pk", *attnames):
            pk, *rest = values_row
            stored[pk] = dict(zip(attnames, rest, strict=True))

    load(Person.objects.all(), "code", [str(p["code"]) for _, p in people if p["code"]])
    load(
        Person.objects.all(),
        "party_card_number",
        [str(p["party_card_number"]) for _, p in people if p["party_card_number"]],
    )
    load(
        Person.objects.all(),
        "personal_record_number",
        [str(p["personal_record_number"]) for _, p in people if p["personal_record_number"]],
    )
    for stored_pk, values in stored.items():
        by_code[str(values["code"]).casefold()] = stored_pk
        if values["party_card_number"]:
            by_card[str(values["party_card_number"])] = stored_pk
        if values["personal_record_number"]:
            by_record[str(values["personal_record_number"])] = stored_pk
    plan = PeoplePlan()
    matched: dict[int, int] = {}
    for row, p in people:
        code = str(p["code"])
        card = str(p["party_card_number"])
        record = str(p["personal_record_number"])
        pk = by_code.get(code.casefold()) if code else None
        card_pk = by_card.get(card) if card else None
        if pk is not None and pk not in visible:
            row.error("code", f"mã '{code}' đã có trong hệ thống")
            continue
        if card_pk is not None and card_pk != pk:
            if card_pk not in visible:  # nothing about a person outside the user's reach
                row.error("party_card_number", f"số thẻ đảng viên '{card}' đã có trong hệ thống")
                continue
            if pk is not None:
                owner = stored[card_pk]["code"]
                row.error("party_card_number", f"số thẻ đảng viên '{card}' đã thuộc về người mã '{owner}'")
                continue
            pk = card_pk
        record_pk = by_record.get(record) if record else None
        if record_pk is not None and record_pk != pk:
            row.error("personal_record_number", f"số lý lịch '{record}' đã thuộc về người khác")
            continue
        if pk is not None and pk in matched:
            row.error("code", f"cùng một người với dòng {matched[pk]} (trùng mã hoặc số thẻ đảng viên)")
            continue
        if not row.ok:
            continue
        if pk is None:
            plan.new.append((row.number, p))
            continue
        matched[pk] = row.number
        present = set(row.index) | {"code"}
        before = stored[pk]
        changes = {
            attname: p[attname]
            for attname, key in PERSON_FIELDS
            if key in present and p[attname] != before[attname]
        }
        if changes:
            plan.changed.append((row.number, pk, changes))
            plan.before[pk] = before
        else:
            plan.unchanged += 1
    errors.refuse_if_any()
    in_file = set(matched)
    plan.missing = [
        (code, name)
        for pk, code, name in persons_visible_to(user).order_by("code").values_list("pk", "code", "full_name")
        if pk not in in_file
    ]
    return plan


# -- Positions ---------------------------------------------------------------------------------------------------


@dataclass
class PositionPlan:
    positions: list[Position]
    new_collectives: dict[tuple[int, str], LeadershipCollective]  # (unit id, name key) → unsaved collective
    position_collective: dict[int, tuple[int, str]]  # index in positions → key of a new collective


def _name_key(name: str) -> str:
    return normalise_header(name)


def validate_positions(sheet: Sheet, user: User, tick: Tick | None = None) -> PositionPlan:
    spec = SPECS["positions"]
    errors = Errors()
    index = UnitIndex(user)
    rows = list(iter_rows(sheet, spec, errors))
    codes = [
        parse_text(r.raw("person"), limit=40)
        for r in rows
        if r.raw("person") is not None and _safe_text(r.raw("person"))
    ]
    persons = {c.casefold(): pk for c, pk in in_chunks(persons_visible_to(user), "code", codes, "code", "id")}
    collectives: dict[tuple[int, str], int] = {}
    for pk, unit_id, name in LeadershipCollective.objects.filter(
        unit_id__in=_involved_units(rows, index)
    ).values_list("id", "unit_id", "name"):
        collectives[(unit_id, _name_key(name))] = pk
    current_heads = set(
        Position.objects.filter(
            collective_id__in=set(collectives.values()), role=Role.HEAD, valid_to__isnull=True
        ).values_list("collective_id", flat=True)
    )
    plan = PositionPlan(positions=[], new_collectives={}, position_collective={})
    heads_in_file: dict[object, int] = {}
    seen: dict[tuple[object, ...], int] = {}
    for row in _each(rows, tick):
        person_code = row.text("person", 40, required=True)
        unit_code = row.text("unit", 40, required=True)
        collective_name = row.text("collective", 255)
        collective_kind = row.choice("collective_kind", COLLECTIVE_KINDS, "xem trang Hướng dẫn")
        title = row.text("title", 160, required=True)
        role = row.choice("role", ROLES, "Người đứng đầu; Cấp phó; Thành viên") or Role.MEMBER
        valid_from = row.date("valid_from") or datetime.date(2000, 1, 1)
        valid_to = row.date("valid_to")
        if valid_to and valid_to < valid_from:
            row.error("valid_to", f"ngày {valid_to:%d/%m/%Y} trước ngày bắt đầu {valid_from:%d/%m/%Y}")
        person_id = persons.get(person_code.casefold()) if person_code else None
        if person_code and person_id is None:
            row.error("person", not_found_person(person_code))
        ref = index.get(unit_code) if unit_code else None
        if unit_code and ref is None:
            row.error("unit", not_found_unit(unit_code))
        # None only on a row refused above (no such person or unit): refuse_if_any() then saves nothing.
        position = Position(  # type: ignore[misc]  # an unsaved Position may hold the None of a refused row
            person_id=person_id,
            unit_id=ref.id if ref else None,
            title=title,
            role=role,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        collective_key: object = None
        if collective_name and ref is not None:
            key = (ref.id, _name_key(collective_name))
            if key in collectives:
                position.collective_id = collectives[key]
                collective_key = collectives[key]
            elif key in plan.new_collectives:
                plan.position_collective[len(plan.positions)] = key
                collective_key = key
            elif not collective_kind:
                row.error(
                    "collective_kind",
                    f"tập thể “{collective_name}” chưa có ở đơn vị '{unit_code}': cần ghi loại tập thể để tạo mới",
                )
            else:
                plan.new_collectives.setdefault(
                    key, LeadershipCollective(unit_id=ref.id, kind=collective_kind, name=collective_name)
                )
                plan.position_collective[len(plan.positions)] = key
                collective_key = key
        elif role != Role.MEMBER and not collective_name:
            row.error("collective", "người đứng đầu, cấp phó phải thuộc một tập thể lãnh đạo")
        if role == Role.HEAD and valid_to is None and collective_key is not None:
            if collective_key in current_heads:
                row.error("role", f"tập thể “{collective_name}” đã có người đứng đầu đương nhiệm")
            elif collective_key in heads_in_file:
                row.error(
                    "role",
                    f"tập thể “{collective_name}” đã có người đứng đầu ở dòng {heads_in_file[collective_key]}",
                )
            else:
                heads_in_file[collective_key] = row.number
        identity = (person_id, position.unit_id, collective_key, _name_key(title), valid_from)
        if row.ok and identity in seen:
            row.error(None, f"trùng với dòng {seen[identity]}")
        seen.setdefault(identity, row.number)
        plan.positions.append(position)
    errors.refuse_if_any()
    return plan


def _safe_text(value: object) -> bool:
    if value is None:
        return False
    try:
        parse_text(value, limit=40)
    except CellError:
        return False
    return True


def _involved_units(rows: list[Row], index: UnitIndex) -> list[int]:
    ids: set[int] = set()
    for row in rows:
        raw = row.raw("unit")
        if raw is not None and _safe_text(raw):
            ref = index.get(parse_text(raw, limit=40))
            if ref is not None:
                ids.add(ref.id)
    return sorted(ids)
