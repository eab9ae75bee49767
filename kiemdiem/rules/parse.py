"""Turn the contract's JSON object into a Scenario; anything malformed raises BadInput."""

from __future__ import annotations

import json
import math
import re
from datetime import date

from ._gc import paused_gc
from .errors import BadInput
from .levels import Grade, Rating, Role, SubjectType
from .model import DEFAULT_FACTS, Criteria, Facts, QuotaGroupSettings, Scenario, Subject
from .regimes import PROVINCES, coerce_option, effective_parameters, overlay_for, regime_for_year

TOP_FIELDS = frozenset({"year", "options", "subjects", "quota_groups", "quarter"})
COMMON_FIELDS = frozenset({"id", "type", "rating", "quota_group", "facts", "score", "criteria"})
TYPE_FIELDS = {
    SubjectType.PARTY_MEMBER: COMMON_FIELDS,
    SubjectType.AGENCY: COMMON_FIELDS,
    SubjectType.PARTY_ORGANIZATION: COMMON_FIELDS | {"children"},
    SubjectType.LEADERSHIP_COLLECTIVE: COMMON_FIELDS | {"unit"},
    SubjectType.LEADER: COMMON_FIELDS | {"role", "collective", "unit"},
}
_TYPES = {t.value: t for t in SubjectType}
_ROLES = {r.value: r for r in Role}
_RATINGS = {r.code: r for r in (Rating.EXCELLENT, Rating.GOOD, Rating.PASS, Rating.FAIL)}

# kind of every fact: bool | pct | days | date | rating
FACT_KINDS = {
    "reviewed": "bool",
    "exempt": "bool",
    "suspended": "bool",
    "admitted_on": "date",
    "founded_on": "date",
    "disciplined_in_year": "bool",
    "discipline_self_remedied": "bool",
    "discipline_related_to_duties": "bool",
    "member_disciplined_in_year": "bool",
    "member_disciplined_warning_or_above": "bool",
    "member_discipline_self_remedied": "bool",
    "children_disciplined_pct": "pct",
    "subordinate_corruption_disciplined": "bool",
    "subordinate_corruption_self_remedied": "bool",
    "degradation_concluded": "bool",
    "conduct_violation": "bool",
    "member_degradation_concluded": "bool",
    "internal_disunity_concluded": "bool",
    "sick_leave_days": "days",
    "civil_service_rating": "rating",
    "newly_transferred": "bool",
    "transfer_unrelated_to_shortcomings": "bool",
    "task_completion_pct": "pct",
    "key_targets_missed": "bool",
    "force_majeure": "bool",
    "tasks_exceeded_pct": "pct",
    "tasks_overdue_pct": "pct",
    "remediation_pct": "pct",
    "kt_xh_targets_missed": "bool",
    "led_unit_rating": "rating",
    "led_unit_task_completion_pct": "pct",
    "led_unit_key_targets_missed": "bool",
    "led_units_failed_pct": "pct",
    "low_confidence_pct": "pct",
    "same_level_bodies_min_rating": "rating",
}
_NULLABLE_FACTS = frozenset(
    {
        "admitted_on",
        "founded_on",
        "civil_service_rating",
        "led_unit_rating",
        "same_level_bodies_min_rating",
        "children_disciplined_pct",
        "tasks_exceeded_pct",
        "remediation_pct",
        "led_unit_task_completion_pct",
        "led_units_failed_pct",
        "low_confidence_pct",
    }
)


class _Where:
    """Names a subject in an error message; formatted only when an error is raised."""

    __slots__ = ("index", "sid")

    def __init__(self, index: int, sid: object) -> None:
        self.index, self.sid = index, sid

    def __str__(self) -> str:
        return _who(self.index, self.sid)

    def __format__(self, spec: str) -> str:
        return str(self)


def _who(index: int, sid: object) -> str:
    return f'subjects[{index}] (id "{sid}")' if isinstance(sid, str) else f"subjects[{index}]"


def _fact(where: object, key: str, value: object) -> object:
    kind = FACT_KINDS[key]
    if value is None and key in _NULLABLE_FACTS:
        return None
    if kind == "bool":
        if value is True or value is False:
            return value
        raise BadInput(f"{where}: facts.{key} phải là true hoặc false, nhận {value!r}")
    if kind == "pct":
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100:
            return value
        raise BadInput(f"{where}: facts.{key} phải là số từ 0 đến 100, nhận {value!r}")
    if kind == "days":
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 366:
            return value
        raise BadInput(f"{where}: facts.{key} phải là số ngày nguyên từ 0 đến 366, nhận {value!r}")
    if kind == "date":
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise BadInput(f"{where}: facts.{key} phải là ngày dạng YYYY-MM-DD, nhận {value!r}")
    rating = _RATINGS.get(value) if isinstance(value, str) else None
    if rating is None:
        raise BadInput(
            f"{where}: facts.{key} = {value!r} không phải mức xếp loại hợp lệ (HTXS, HTT, HT, KHT)"
        )
    return rating


def _facts(where: object, raw: object) -> Facts:
    if raw is None:
        return DEFAULT_FACTS
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: facts phải là một đối tượng JSON")
    if not raw:
        return DEFAULT_FACTS
    values: dict[str, object] = {}
    kinds = FACT_KINDS
    for key, value in raw.items():
        kind = kinds.get(key)
        if kind is None:
            unknown = sorted(map(str, raw.keys() - kinds.keys()))
            raise BadInput(f"{where}: facts có trường không được hỗ trợ: {', '.join(unknown)}")
        if kind == "bool" and (value is True or value is False):
            values[key] = value
        elif kind == "pct" and type(value) is int and 0 <= value <= 100:
            values[key] = value
        else:
            values[key] = _fact(where, key, value)
    return Facts.from_values(values)


def _criteria(where: object, raw: object, regime_scale: object) -> Criteria:
    if regime_scale != "grades":
        raise BadInput(
            f"{where}: criteria (cấp độ tiêu chí) không dùng từ năm 2025 — chế độ QĐ 366 chấm điểm (score)"
        )
    if not isinstance(raw, dict) or not raw.keys() <= {"results", "others"}:
        raise BadInput(f'{where}: criteria phải có dạng {{"results": [...], "others": [...]}}')
    out: dict[str, tuple[Grade, ...]] = {}
    for key in ("results", "others"):
        values = raw.get(key, [])
        if not isinstance(values, list):
            raise BadInput(f"{where}: criteria.{key} phải là danh sách")
        try:
            out[key] = tuple(Grade.parse(v) for v in values)
        except BadInput as exc:
            raise BadInput(f"{where}: criteria.{key}: {exc}") from None
    if not out["results"] and not out["others"]:
        raise BadInput(f"{where}: criteria cần ít nhất một cấp độ tiêu chí")
    return Criteria(out["results"], out["others"])


def _optional_str(where: object, raw: dict[str, object], key: str) -> str | None:
    value = raw.get(key)
    if value is None or (type(value) is str and value):
        return value
    if not isinstance(value, str) or not value:
        raise BadInput(f"{where}: {key} phải là chuỗi khác rỗng, nhận {value!r}")
    return value


# -- The parsing boundary: bad input is bad input (HTTP 400 / exit 2), whatever its shape ----------------------------
# The contract's deepest object is a few levels (scenario → subjects → subject → facts/criteria); 100,000 brackets
# would exhaust the recursion of any decoder. Numbers of thousands of digits cost seconds to convert (Python caps
# them at 4,300 digits and raises ValueError); no field needs more than a handful. Years stop where dates do.
MAX_INPUT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40
LAST_YEAR = 2100
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        digits = f"{len(text):,}".replace(",", ".")
        raise BadInput(f"số nguyên dài {digits} chữ số, vượt giới hạn {MAX_NUMBER_CHARS} chữ số")
    return int(text)


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise BadInput(f"số {text[:20]}{'…' if len(text) > 20 else ''} quá lớn")
    return value


def _constant(text: str) -> object:
    raise BadInput(f"{text} không phải là giá trị JSON hợp lệ")


def _depth(text: str) -> int:
    deepest = depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
    return deepest


def load_json(text: str | bytes, *, max_bytes: int | None = MAX_INPUT_BYTES) -> object:
    """Decode a scenario's JSON text, refusing with BadInput what no scenario looks like (size, depth, numbers)."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise BadInput(f"dữ liệu vào dài {size:,} byte, vượt giới hạn {max_bytes:,} byte".replace(",", "."))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("dữ liệu vào không phải văn bản UTF-8") from None
    if _depth(text) > MAX_DEPTH:
        raise BadInput(f"JSON lồng nhau quá sâu (quá {MAX_DEPTH} cấp ngoặc)")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise BadInput(f"JSON không hợp lệ (dòng {exc.lineno}, cột {exc.colno}): {exc.msg}") from None
    except RecursionError:
        raise BadInput(f"JSON lồng nhau quá sâu (quá {MAX_DEPTH} cấp ngoặc)") from None


def check_year(value: object) -> None:
    """Refuse a year the calendar cannot hold; the regimes say which of the others are supported."""
    if isinstance(value, int) and not isinstance(value, bool) and value > LAST_YEAR:
        shown = f"năm {value}" if value < 10**12 else "số năm quá lớn"
        raise BadInput(f"year: {shown} nằm ngoài khoảng hỗ trợ (chỉ hỗ trợ đến năm {LAST_YEAR})")


def parse_scenario(data: object) -> Scenario:
    """Validate the contract's JSON object and build the Scenario; raise BadInput naming the bad field."""
    with paused_gc():
        return _parse(data)


def _parse(data: object) -> Scenario:
    if not isinstance(data, dict):
        raise BadInput("dữ liệu vào phải là một đối tượng JSON (có year, subjects)")
    unknown = data.keys() - TOP_FIELDS
    if unknown:
        raise BadInput(f"trường không được hỗ trợ ở cấp ngoài cùng: {', '.join(sorted(map(str, unknown)))}")
    if "year" not in data:
        raise BadInput("thiếu trường year")
    year = data["year"]
    check_year(year)
    regime = regime_for_year(year)

    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise BadInput("options phải là một đối tượng JSON")
    province = options.get("province", "tuyen-quang")
    if province is not None and province not in PROVINCES:
        raise BadInput(
            f"options.province: tỉnh {province!r} chưa được hỗ trợ (chỉ có {', '.join(PROVINCES)})"
        )
    overlay = overlay_for(year, province) if province else None
    params = effective_parameters(regime, overlay)
    settings: dict[str, object] = {k: p.value for k, p in params.items()}
    for key, value in options.items():
        if key == "province":
            continue
        if key not in params:
            raise BadInput(f"options.{key}: tùy chọn không được hỗ trợ")
        settings[key] = coerce_option(params[key], value)

    quarter = data.get("quarter")
    if quarter is not None:
        if not regime.value("quarterly_reviews"):
            raise BadInput(f"quarter: chế độ {regime.code} không có đánh giá hằng quý")
        if quarter not in (1, 2, 3) or isinstance(quarter, bool):
            raise BadInput(
                f"quarter: chỉ nhận 1, 2 hoặc 3 (quý IV gộp vào đánh giá cả năm), nhận {quarter!r}"
            )

    groups_raw = data.get("quota_groups") or {}
    if not isinstance(groups_raw, dict):
        raise BadInput("quota_groups phải là một đối tượng JSON")
    quota_groups: dict[str, QuotaGroupSettings] = {}
    for name, spec in groups_raw.items():
        if not isinstance(spec, dict) or not spec.keys() <= {"exception"}:
            raise BadInput(f'quota_groups.{name}: chỉ nhận {{"exception": true|false}}')
        exception = spec.get("exception", False)
        if not isinstance(exception, bool):
            raise BadInput(f"quota_groups.{name}.exception phải là true hoặc false")
        if exception and not settings["quota_exception_ratio_pct"]:
            raise BadInput(
                f"quota_groups.{name}.exception: chế độ {regime.code} không có ngoại lệ 25% "
                "(chỉ có từ QĐ 366)"
            )
        quota_groups[name] = QuotaGroupSettings(exception)

    raw_subjects = data.get("subjects")
    if not isinstance(raw_subjects, list):
        raise BadInput("subjects phải là một danh sách")
    scale = regime.value("criteria_scale")
    subjects: list[Subject] = []
    types: dict[str, SubjectType] = {}
    for i, raw in enumerate(raw_subjects):
        if not isinstance(raw, dict):
            raise BadInput(f"subjects[{i}]: phải là một đối tượng JSON")
        sid = raw.get("id")
        where = _Where(i, sid)
        if not isinstance(sid, str) or not sid:
            raise BadInput(f"{where}: thiếu id hoặc id không phải chuỗi")
        if sid in types:
            raise BadInput(f"{where}: id {sid!r} bị trùng")
        raw_type = raw.get("type")
        stype = _TYPES.get(raw_type) if isinstance(raw_type, str) else None
        if stype is None:
            raise BadInput(
                f"{where}: loại đối tượng {raw.get('type')!r} không hợp lệ (chỉ nhận {', '.join(_TYPES)})"
            )
        if not raw.keys() <= TYPE_FIELDS[stype]:
            unknown = raw.keys() - TYPE_FIELDS[stype]
            raise BadInput(
                f"{where}: trường không được hỗ trợ cho {stype.value}: {', '.join(sorted(map(str, unknown)))}"
            )
        code = raw.get("rating")
        rating = None
        if code is not None:
            rating = _RATINGS.get(code) if isinstance(code, str) else None
            if rating is None:
                raise BadInput(
                    f"{where}: mức xếp loại {code!r} không hợp lệ (chỉ nhận HTXS, HTT, HT, KHT hoặc null)"
                )
        role = None
        if stype is SubjectType.LEADER:
            raw_role = raw.get("role")
            role = _ROLES.get(raw_role) if isinstance(raw_role, str) else None
            if role is None:
                raise BadInput(f"{where}: role phải là head, deputy hoặc member, nhận {raw.get('role')!r}")
        children: tuple[str, ...] = ()
        if "children" in raw:
            ch = raw["children"]
            if not isinstance(ch, list) or not all(isinstance(c, str) and c for c in ch):
                raise BadInput(f"{where}: children phải là danh sách id (chuỗi)")
            children = tuple(ch)
            if len(set(children)) != len(children):
                raise BadInput(f"{where}: children có id lặp lại")
        score = raw.get("score")
        if score is not None:
            if scale != "points":
                raise BadInput(f"{where}: score (thang 100 điểm) chỉ dùng từ năm 2025 (QĐ 366)")
            if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
                raise BadInput(f"{where}: score phải là số từ 0 đến 100, nhận {score!r}")
        criteria = _criteria(where, raw["criteria"], scale) if raw.get("criteria") is not None else None
        subjects.append(
            Subject(
                sid,
                stype,
                rating,
                _optional_str(where, raw, "quota_group"),
                role,
                _optional_str(where, raw, "collective"),
                _optional_str(where, raw, "unit"),
                children,
                score,
                criteria,
                _facts(where, raw.get("facts")),
            )
        )
        types[sid] = stype

    _check_references(subjects, types)
    return Scenario(year, regime, overlay, settings, tuple(subjects), quota_groups, quarter)


_UNIT_TYPES = (SubjectType.AGENCY, SubjectType.PARTY_ORGANIZATION)
_CHILD_TYPES = (SubjectType.PARTY_MEMBER, SubjectType.PARTY_ORGANIZATION)


def _check_references(subjects: list[Subject], types: dict[str, SubjectType]) -> None:
    for i, s in enumerate(subjects):
        if s.collective is not None:
            t = types.get(s.collective)
            if t is None:
                raise BadInput(f"{_who(i, s.id)}: collective {s.collective!r} không có trong subjects")
            if t is not SubjectType.LEADERSHIP_COLLECTIVE:
                raise BadInput(
                    f"{_who(i, s.id)}: collective {s.collective!r} không phải leadership_collective"
                )
        if s.unit is not None:
            t = types.get(s.unit)
            if t is None:
                raise BadInput(f"{_who(i, s.id)}: unit {s.unit!r} không có trong subjects")
            if t not in _UNIT_TYPES:
                raise BadInput(f"{_who(i, s.id)}: unit {s.unit!r} phải là agency hoặc party_organization")
        for c in s.children:
            t = types.get(c)
            if t is None:
                raise BadInput(f"{_who(i, s.id)}: children: {c!r} không có trong subjects")
            if c == s.id or t not in _CHILD_TYPES:
                raise BadInput(
                    f"{_who(i, s.id)}: children: {c!r} phải là party_member hoặc party_organization khác"
                )


def parse_facts(raw: object, where: object = "facts") -> Facts:
    """Validate and convert one subject's facts, as the contract's parser does."""
    return _facts(where, raw)


def make_scenario(
    year: int,
    subjects: list[Subject] | tuple[Subject, ...],
    *,
    quota_groups: dict[str, QuotaGroupSettings] | None = None,
    quarter: int | None = None,
    province: str | None = "tuyen-quang",
) -> Scenario:
    """Build a scenario from subjects a caller made itself (the database side), with the year's parameters.

    The caller vouches for references between subjects; unknown references would only make rules not apply.
    """
    regime = regime_for_year(year)
    overlay = overlay_for(year, province) if province else None
    settings: dict[str, object] = {k: p.value for k, p in effective_parameters(regime, overlay).items()}
    return Scenario(year, regime, overlay, settings, tuple(subjects), quota_groups or {}, quarter)
