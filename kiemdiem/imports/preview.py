"""The preview of a people or reorganisation file as lines of text, for the command line.

It reads the same summary the page shows (imports/people_diff.html, imports/reorganisation_preview.html), which
`do_import_workbook(dry_run=True)` computes: new people, changes field by field, unchanged, missing from the file;
or the steps of a reorganisation with the units that end and begin.
"""

from __future__ import annotations

from typing import Any

from kiemdiem.vietnamese import format_number


def _n(summary: dict[str, Any], key: str) -> str:
    return format_number(int(summary.get(key) or 0))


def preview_lines(summary: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if summary.get("changed_rows") is not None:
        lines += [
            f"Người mới: {_n(summary, 'people')}",
            f"Người thay đổi thông tin: {_n(summary, 'updated')}",
            f"Người không đổi: {_n(summary, 'unchanged')}",
            f"Có trong phạm vi quản lý nhưng không có trong tệp (không bị xóa): {_n(summary, 'missing')}",
        ]
        changed = summary["changed_rows"]
        if changed:
            lines.append("Thay đổi theo từng người:")
            for row in changed:
                lines.append(f"  Dòng {row['row']}: {row['code']} — {row['name']}")
                lines += [f"    {label}: {old} → {new}" for label, old, new in row["fields"]]
            if int(summary.get("updated") or 0) > len(changed):
                lines.append(f"  (hiển thị {format_number(len(changed))} người đầu tiên)")
        if summary.get("new_rows"):
            lines.append("Người mới:")
            lines += [f"  Dòng {n['row']}: {n['code']} — {n['name']}" for n in summary["new_rows"]]
        if summary.get("missing_rows"):
            lines.append("Không có trong tệp:")
            lines += [f"  {n['code']} — {n['name']}" for n in summary["missing_rows"]]
    if summary.get("lines"):
        lines += [f"{i}. {line}" for i, line in enumerate(summary["lines"], start=1)]
        counts = summary.get("counts") or {}
        lines += [
            f"Đơn vị kết thúc: {_n(counts, 'units_ended')}",
            f"Đơn vị bắt đầu (mới hoặc phiên bản mới): {_n(counts, 'units_begun')}",
            f"Đảng viên chuyển sinh hoạt: {_n(counts, 'members_moved')}",
            f"Chức vụ chuyển theo: {_n(counts, 'positions_moved')}; "
            f"tập thể lãnh đạo chuyển theo: {_n(counts, 'collectives_moved')}",
        ]
        for title, key in (("Đơn vị kết thúc:", "ended"), ("Đơn vị bắt đầu:", "begun")):
            if summary.get(key):
                lines.append(title)
                lines += [
                    f"  {u['name']} ({u['code']})" + (f", thuộc {u['parent']}" if u.get("parent") else "")
                    for u in summary[key]
                ]
    return lines
