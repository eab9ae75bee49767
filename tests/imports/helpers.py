"""Build workbooks in memory and take a count of every table an import may write."""

from __future__ import annotations

import io

from django.core.management import ManagementUtility
from openpyxl import Workbook

from kiemdiem.imports.validation import SPECS

HEADERS = {kind: [c.header for c in spec.columns] for kind, spec in SPECS.items()}


def xlsx(
    kind: str,
    rows: list[list[object]],
    *,
    headers: list[str] | None = None,
    sheet: str | None = None,
    as_text: tuple[str, ...] = (),
) -> bytes:
    """A workbook with one sheet; cells named in `as_text` are stored as text even when they start with '='."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet or SPECS[kind].sheet
    ws.append(headers if headers is not None else HEADERS[kind])
    for row in rows:
        ws.append(row)
    for ref in as_text:
        ws[ref].data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    from kiemdiem.campaigns.models import AuditRecord, Evaluation
    from kiemdiem.orgs.models import LeadershipCollective, Person, Position, Unit

    return {
        m.__name__: m.objects.count()
        for m in (Unit, Person, Position, LeadershipCollective, Evaluation, AuditRecord)
    }


def person_row(code: str, cell: str, **over: object) -> list[object]:
    values = {
        "Mã": code,
        "Họ và tên": f"Nguyễn Văn {code}",
        "Giới tính": "Nam",
        "Ngày sinh": "02/09/1980",
        "Là đảng viên": "Có",
        "Ngày vào Đảng": "19/05/2005",
        "Loại đảng viên": "Chính thức",
        "Mã chi bộ": cell,
    }
    values.update(over)  # type: ignore[arg-type]
    return [values.get(h) for h in HEADERS["people"]]


def run_import(*argv: str) -> int:
    """`kiemdiem import …` in the test's process and transaction (with the `keep_test_connection` fixture of
    tests/imports/conftest.py): its exit code."""
    try:
        ManagementUtility(["kiemdiem", "import", *argv]).execute()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
