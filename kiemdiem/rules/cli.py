"""`kiemdiem rules check FILE|-`, `kiemdiem rules formula FILE|-` and `kiemdiem rules show YEAR`, without Django."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from .checks import check
from .errors import BadInput
from .formula import derive_json
from .parse import check_year, load_json, parse_scenario
from .regimes import DEADLINE_LABELS, deadline_sources, effective_parameters, overlay_for, regime_for_year

USAGE = (
    "Cách dùng:\n"
    "  kiemdiem rules check FILE.json   (dùng - để đọc từ stdin)\n"
    "  kiemdiem rules formula FILE.json (điểm kết quả theo công thức của tỉnh từ tỷ lệ nhiệm vụ)\n"
    "  kiemdiem rules show NĂM          (chế độ, tham số và thời hạn của năm)\n"
)


def main(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run a rules command; return 0 (valid / shown), 1 (findings) or 2 (bad input or usage)."""
    if len(argv) == 2 and argv[0] == "check":
        return _check(argv[1], stdin, stdout, stderr)
    if len(argv) == 2 and argv[0] == "formula":
        return _formula(argv[1], stdin, stdout, stderr)
    if len(argv) >= 2 and argv[0] == "show" and len(argv) <= 3:
        return _show(argv[1], argv[2] if len(argv) == 3 else "tuyen-quang", stdout, stderr)
    stderr.write(USAGE)
    return 2


def _read(path: str, stdin: TextIO, stderr: TextIO) -> str | None:
    try:
        if path == "-":
            return stdin.read()
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        stderr.write(f"Lỗi dữ liệu vào: không đọc được tệp {path!r}: {exc.strerror or exc}\n")
    except UnicodeDecodeError:
        stderr.write(f"Lỗi dữ liệu vào: tệp {path!r} không phải văn bản UTF-8\n")
    return None


def _formula(path: str, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Each item's points under its formula from the register's percentages (the API's POST /api/rules/formula)."""
    text = _read(path, stdin, stderr)
    if text is None:
        return 2
    try:
        answer = derive_json(load_json(text, max_bytes=None))
    except BadInput as exc:
        stderr.write(f"Lỗi dữ liệu vào: {exc}\n")
        return 2
    json.dump(answer, stdout, ensure_ascii=False, indent=2)
    stdout.write("\n")
    return 0


def _check(path: str, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    text = _read(path, stdin, stderr)
    if text is None:
        return 2
    try:
        # A local file has no size limit; its depth and numbers do (deep nesting, huge integers: exit 2).
        result = check(parse_scenario(load_json(text, max_bytes=None)))
    except BadInput as exc:
        stderr.write(f"Lỗi dữ liệu vào: {exc}\n")
        return 2
    json.dump(result.to_dict(), stdout, ensure_ascii=False, indent=2)
    stdout.write("\n")
    return 0 if result.valid else 1


def _yes(flag: bool) -> str:
    return "đã xác minh" if flag else "CHƯA XÁC MINH"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


def _show(year_text: str, province: str, stdout: TextIO, stderr: TextIO) -> int:
    try:
        year = int(year_text)
    except ValueError:
        stderr.write(f"Lỗi dữ liệu vào: năm {year_text!r} không phải số nguyên\n")
        return 2
    try:
        check_year(year)
        regime = regime_for_year(year)
        deadlines = deadline_sources(year, province)
    except BadInput as exc:
        stderr.write(f"Lỗi dữ liệu vào: {exc}\n")
        return 2
    overlay = overlay_for(year, province)
    last = regime.last_year if regime.last_year is not None else "nay"
    out = [
        f"Năm {year}: chế độ {regime.code} — {regime.name} (áp dụng {regime.first_year}–{last})",
        "Văn bản:",
        *[f"  - {d}" for d in regime.documents],
    ]
    if overlay is not None:
        out += [
            f"Văn bản địa phương: {overlay.code} — {overlay.name}",
            *[f"  - {d}" for d in overlay.documents],
            f"  Cấp phó không cao hơn tập thể, đơn vị (cap_deputies): {_value(overlay.cap_deputies)}",
        ]
    else:
        out.append(f"Văn bản địa phương: không có cho {province} năm {year}")
    out.append("Thời hạn:")
    for key, (when, cite) in deadlines.items():
        label = DEADLINE_LABELS.get(key, key)
        out.append(f"  - {label} ({key}): trước {when.strftime('%d/%m/%Y')} — {cite.text}")
    out.append("Tham số (giá trị; xác minh; căn cứ; ghi chú):")
    overridden = {p.key for p in overlay.parameters} if overlay else set()
    for key, p in effective_parameters(regime, overlay).items():
        mark = " [văn bản địa phương]" if key in overridden else ""
        note = f" — {p.note}" if p.note else ""
        out.append(f"  - {key} = {_value(p.value)}; {_yes(p.verified)}; {p.citation.text}{mark}{note}")
    stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout, sys.stderr))
