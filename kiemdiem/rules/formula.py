"""The province's formula: results points derived from the task register's percentages (HD 43 tiết 7.12).

QĐ 366 judges on concrete products and HD 43 tiết 7.12 lets the upper committee specify how points are given. A
province states, per item of a framework's results group, how the item's points follow from the register's
shares — done, done on time, exceeded, late, not done — as data: either a linear formula
(``25 - 0,5 × chậm - 1 × không hoàn thành``) or a table of steps (``vượt mức ≥ 30: 20; vượt mức ≥ 20: 15; còn lại:
10``). This module parses that text into a plain dict (stored as JSON on the criterion, never evaluated as code),
writes it back as text, and computes the points. The shares are read from the same percentages the rules read
(``task_completion_pct``, ``tasks_overdue_pct``, ``tasks_exceeded_pct``), so a point never follows from a figure
the conditions of QĐ 366 Điều 11 do not also see. docs/decisions.md, "The province's results formula".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from .citations import HD43, QD366, Citation
from .errors import BadInput

# The rule that lets a province state a formula at all: HD 43 Mục 7 tiết 7.12 (digest 366-HD43.md §7, ✅ [N20]).
CITATION = Citation(HD43, "Mục 7", "tiết 7.12")
VERIFIED = True
# How the derived points enter the three steps of QĐ 366 Điều 12 is this project's reading (docs/decisions.md):
# they fill a blank self-score and stand beside every stage's score; nothing in the digest states it.
FILL_CITATION = Citation(QD366, "Điều 12", "khoản 1 (tự đánh giá, thẩm định, quyết định)")
FILL_VERIFIED = False

# The register's shares a formula may read, in percent of the listed tasks: (key, how it is written, meaning).
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("done", "hoàn thành", "nhiệm vụ hoàn thành (đúng hạn, vượt mức hoặc chậm tiến độ)"),
    ("on_time", "đúng hạn", "nhiệm vụ hoàn thành đúng hạn (kể cả vượt mức)"),
    ("exceeded", "vượt mức", "nhiệm vụ hoàn thành vượt mức"),
    ("late", "chậm", "nhiệm vụ hoàn thành nhưng chậm tiến độ"),
    ("not_done", "không hoàn thành", "nhiệm vụ không hoàn thành (kể cả chưa có kết quả)"),
)
_WRITTEN = {key: written for key, written, _ in VARIABLES}
_OPS = {">=": ">=", "≥": ">=", ">": ">", "<=": "<=", "≤": "<=", "<": "<"}
_OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_ELSE_WORDS = frozenset({"con_lai", "khac", "truong_hop_khac"})
_CENT = Decimal("0.01")
MAX_TEXT = 1000
MAX_ROWS = 20


def _slug(text: str) -> str:
    """'Không hoàn thành' → 'khong_hoan_thanh': without diacritics, lower case, words joined by '_'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return "_".join(re.split(r"[\s_]+", bare.strip().lower()))


_ALIASES = {
    **{_slug(written): key for key, written, _ in VARIABLES},
    **{key: key for key, _, _ in VARIABLES},
    "cham_tien_do": "late",
    "hoan_thanh_dung_han": "on_time",
    "hoan_thanh_vuot_muc": "exceeded",
    "vuot_muc_chi_tieu": "exceeded",
}


@dataclass(frozen=True, slots=True)
class Shares:
    """The register's shares in percent (0–100); `done` = `on_time` + `late`, `not_done` = 100 − `done`."""

    done: Decimal
    on_time: Decimal
    exceeded: Decimal
    late: Decimal
    not_done: Decimal

    def get(self, key: str) -> Decimal:
        value: Decimal = getattr(self, key)
        return value

    def to_dict(self) -> dict[str, float]:
        return {key: float(self.get(key)) for key, _, _ in VARIABLES}


def shares_from_facts(facts: Mapping[str, object]) -> Shares | None:
    """The shares from the percentages the rules read; None when the register lists nothing (no percentages).

    Those percentages are already rounded so that rounding never helps (done and exceeded down, late up); the shares
    derived from them keep that: on time = done − late, not done = 100 − done.
    """
    if facts.get("task_completion_pct") is None:
        return None
    done = _pct(facts.get("task_completion_pct"), "task_completion_pct")
    late = _pct(facts.get("tasks_overdue_pct", 0), "tasks_overdue_pct")
    exceeded = _pct(facts.get("tasks_exceeded_pct", 0), "tasks_exceeded_pct")
    on_time = max(done - late, Decimal(0))
    return Shares(done, on_time, min(exceeded, on_time), min(late, done), Decimal(100) - done)


def _pct(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadInput(f"{name}: phải là số phần trăm từ 0 đến 100, nhận {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(f"{name}: phải là số phần trăm từ 0 đến 100, nhận {value!r}") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise BadInput(f"{name}: phải là số phần trăm từ 0 đến 100, nhận {value!r}")
    return number


def _number(text: str, where: str) -> Decimal:
    raw = text.strip().replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?", raw):
        raise BadInput(f"{where}: “{text.strip()}” không phải là số")
    return Decimal(raw)


def _variable(text: str, where: str) -> str:
    key = _ALIASES.get(_slug(text))
    if key is None:
        known = ", ".join(f"“{w}”" for _, w, _ in VARIABLES)
        raise BadInput(f"{where}: “{text.strip()}” không phải là tỷ lệ của danh mục nhiệm vụ (dùng {known})")
    return key


def parse(text: str, *, max_points: Decimal, label: str = "Công thức") -> dict[str, Any] | None:
    """Parse a formula as written on the framework page; None for an empty one (the item is scored by hand).

    Steps (rows separated by ';' or new lines, the first row met gives the points):
        ``vượt mức ≥ 30: 20; vượt mức ≥ 20: 15; còn lại: 10``
    Linear (a constant and percentages with their weights, each percentage 0–100):
        ``0,25 × hoàn thành`` or ``15 - 0,5 × chậm - 1 × không hoàn thành``
    The points are kept between 0 and `max_points`; steps must give at most `max_points`.
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise BadInput(f"{label}: dài quá {MAX_TEXT} ký tự")
    if ":" in text:
        return _parse_steps(text, max_points, label)
    return _parse_linear(text, label)


_TERM = re.compile(r"\s*([+\-−])?\s*([^+\-−]+)")


def _parse_linear(text: str, label: str) -> dict[str, Any]:
    base = Decimal(0)
    weights: dict[str, Decimal] = {}
    body = text.strip()
    pos = 0
    first = True
    while pos < len(body):
        match = _TERM.match(body, pos)
        if match is None or not match.group(2).strip():
            raise BadInput(f"{label}: không đọc được “{body[pos:].strip()}”")
        sign_text, term = match.group(1), match.group(2).strip()
        if sign_text is None and not first:
            raise BadInput(f"{label}: thiếu dấu + hoặc - trước “{term}”")
        sign = Decimal(-1) if sign_text in ("-", "−") else Decimal(1)
        pos, first = match.end(), False
        parts = re.split(r"\s*[*×]\s*", term)
        if len(parts) == 1:
            if re.fullmatch(r"[\d.,]+", parts[0]):
                base += sign * _number(parts[0], label)
                continue
            coef, name = Decimal(1), parts[0]
        elif len(parts) == 2:
            left, right = parts
            if re.fullmatch(r"[\d.,]+", left):
                coef, name = _number(left, label), right
            else:
                coef, name = _number(right, label), left
        else:
            raise BadInput(f"{label}: “{term}” — mỗi số hạng chỉ nhân một hệ số với một tỷ lệ")
        key = _variable(name, label)
        weights[key] = weights.get(key, Decimal(0)) + sign * coef
    weights = {k: v for k, v in weights.items() if v}
    if not weights:
        raise BadInput(f"{label}: công thức phải dùng ít nhất một tỷ lệ của danh mục nhiệm vụ")
    order = [key for key, _, _ in VARIABLES]
    return {
        "kind": "linear",
        "base": _plain(base),
        "terms": [[k, _plain(weights[k])] for k in order if k in weights],
    }


def _parse_steps(text: str, max_points: Decimal, label: str) -> dict[str, Any]:
    rows: list[list[str]] = []
    otherwise = Decimal(0)
    has_else = False
    lines = [line.strip() for line in re.split(r"[;\n]", text) if line.strip()]
    if len(lines) > MAX_ROWS:
        raise BadInput(f"{label}: nhiều quá {MAX_ROWS} bậc")
    for number, line in enumerate(lines, start=1):
        where = f"{label}, bậc {number}"
        if line.count(":") != 1:
            raise BadInput(f"{where}: “{line}” phải có dạng “tỷ lệ ≥ ngưỡng: điểm”")
        condition, points_text = (part.strip() for part in line.split(":"))
        points = _number(points_text, where)
        if points > max_points:
            raise BadInput(
                f"{where}: {_plain(points)} điểm vượt điểm tối đa {_plain(max_points)} của tiêu chí"
            )
        if _slug(condition) in _ELSE_WORDS:
            if has_else or number != len(lines):
                raise BadInput(f"{where}: “còn lại” chỉ viết một lần, ở bậc cuối")
            otherwise, has_else = points, True
            continue
        match = re.fullmatch(r"(.+?)\s*(>=|≥|<=|≤|>|<)\s*([\d.,]+)\s*%?", condition)
        if match is None:
            raise BadInput(f"{where}: “{condition}” phải có dạng “tỷ lệ ≥ ngưỡng” (≥, >, ≤, <)")
        key = _variable(match.group(1), where)
        threshold = _number(match.group(3), where)
        if threshold > 100:
            raise BadInput(f"{where}: ngưỡng {_plain(threshold)}% vượt 100%")
        rows.append([key, _OPS[match.group(2)], _plain(threshold), _plain(points)])
    if not rows:
        raise BadInput(f"{label}: cần ít nhất một bậc có điều kiện")
    return {"kind": "steps", "rows": rows, "else": _plain(otherwise)}


def _plain(value: Decimal) -> str:
    """A number as stored and shown: no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def _vn(value: str) -> str:
    return value.replace(".", ",")


def validate(data: object, *, max_points: Decimal, label: str = "Công thức") -> dict[str, Any]:
    """Check a stored formula (from JSON) by writing it back as text and parsing it again."""
    if not isinstance(data, dict) or data.get("kind") not in ("linear", "steps"):
        raise BadInput(f"{label}: công thức không hợp lệ")
    parsed = parse(to_text(data), max_points=max_points, label=label)
    assert parsed is not None
    return parsed


def to_text(data: Mapping[str, Any]) -> str:
    """The formula as people write it on the framework page (Vietnamese decimal commas)."""
    try:
        if data["kind"] == "steps":
            parts = [f"{_WRITTEN[k]} {_OP_TEXT[op]} {_vn(t)}: {_vn(p)}" for k, op, t, p in data["rows"]]
            return "; ".join([*parts, f"còn lại: {_vn(str(data['else']))}"])
        out = []
        base = Decimal(str(data["base"]))
        if base:
            out.append(_vn(_plain(base)))
        for key, weight_text in data["terms"]:
            weight = Decimal(str(weight_text))
            sign = "-" if weight < 0 else "+"
            coef = "" if abs(weight) == 1 else f"{_vn(_plain(abs(weight)))} × "
            out.append(f"{sign} {coef}{_WRITTEN[key]}")
        text = " ".join(out)
        return text[2:] if text.startswith("+ ") else text
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise BadInput("Công thức không hợp lệ") from None


def points(data: Mapping[str, Any], shares: Shares, *, max_points: Decimal) -> Decimal:
    """The item's points: the formula on the shares, kept within 0 … `max_points`, rounded down to 0.01."""
    if data["kind"] == "steps":
        value = Decimal(str(data["else"]))
        for key, op, threshold_text, points_text in data["rows"]:
            share, threshold = shares.get(key), Decimal(threshold_text)
            met = {
                ">=": share >= threshold,
                ">": share > threshold,
                "<=": share <= threshold,
                "<": share < threshold,
            }[op]
            if met:
                value = Decimal(points_text)
                break
    else:
        value = Decimal(str(data["base"])) + sum(
            (Decimal(w) * shares.get(k) for k, w in data["terms"]), Decimal(0)
        )
    value = min(max(value, Decimal(0)), max_points)
    return value.quantize(_CENT, rounding=ROUND_FLOOR)


def derive_json(data: object) -> dict[str, Any]:
    """The contract of `kiemdiem rules formula` and POST /api/rules/formula.

    In: {"facts": {"task_completion_pct", "tasks_overdue_pct", "tasks_exceeded_pct"},
         "items": [{"code", "max_points", "formula"}]} (formula as text, or as the stored dict).
    Out: each item's points (null for an item without a formula), the derived sum, the shares, the citation.
    """
    if not isinstance(data, dict):
        raise BadInput("dữ liệu vào phải là một đối tượng JSON")
    unknown = set(data) - {"facts", "items"}
    if unknown:
        raise BadInput(f"trường không hợp lệ: {', '.join(sorted(unknown))}")
    facts = data.get("facts")
    items = data.get("items")
    if not isinstance(facts, dict):
        raise BadInput("facts: phải là một đối tượng (các tỷ lệ của danh mục nhiệm vụ)")
    if not isinstance(items, list) or not items or len(items) > 200:
        raise BadInput("items: phải là danh sách từ 1 đến 200 tiêu chí")
    shares = shares_from_facts(facts)
    out_items: list[dict[str, Any]] = []
    total = Decimal(0)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise BadInput(f"items[{number}]: phải là một đối tượng")
        code = str(item.get("code", number))
        where = f"Tiêu chí {code}"
        top = _number(str(item.get("max_points", "")), f"{where}, điểm tối đa")
        raw = item.get("formula")
        if isinstance(raw, dict):
            formula: dict[str, Any] | None = validate(raw, max_points=top, label=where)
        elif raw is None or isinstance(raw, str):
            formula = parse(raw or "", max_points=top, label=where)
        else:
            raise BadInput(f"{where}: formula phải là chuỗi hoặc đối tượng")
        value = points(formula, shares, max_points=top) if formula and shares else None
        if value is not None:
            total += value
        out_items.append(
            {
                "code": code,
                "max_points": float(top),
                "formula": to_text(formula) if formula else None,
                "points": float(value) if value is not None else None,
            }
        )
    return {
        "shares": shares.to_dict() if shares else None,
        "items": out_items,
        "derived_points": float(total),
        "citation": CITATION.to_dict(),
        "verified": VERIFIED,
    }
