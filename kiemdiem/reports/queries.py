"""Statistics of a unit's subtree for one cycle, computed with grouped SQL, and the scoped reads of reports.

The figures are a plain JSON-able dict: the dashboard, the exports, the API and the frozen snapshot of a
submitted report all read the same structure (report-forms.md §5.1 proposes its columns).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kiemdiem import rules
from kiemdiem.accounts.models import User
from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState, Order, QuotaGroup, SubjectType
from kiemdiem.campaigns.queries import effective_option, progress_pct
from kiemdiem.orgs.models import (
    SEGMENT_WIDTH,
    CollectiveKind,
    ManagementTier,
    MemberGroup,
    Unit,
    UnitKind,
    UnitSector,
)
from kiemdiem.orgs.queries import children_of, period_end, scope_roots, under_roots, units_visible_to
from kiemdiem.reports import tally
from kiemdiem.reports.models import ReportSubmission

FIGURES_VERSION = 1
LEVELS = ("HTXS", "HTT", "HT", "KHT")
LEVEL_LABELS = {
    "HTXS": "Hoàn thành xuất sắc nhiệm vụ",
    "HTT": "Hoàn thành tốt nhiệm vụ",
    "HT": "Hoàn thành nhiệm vụ",
    "KHT": "Không hoàn thành nhiệm vụ",
}
COUNT_KEYS = ("total", "pending", "not_rated", *LEVELS)


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    always: bool = True  # shown even when empty, so every unit's form has the same rows
    parts: tuple[str, ...] = ()  # a subtotal row: the sum of these keys


@dataclass(frozen=True)
class FormSpec:
    code: str
    sheet: str
    title: str
    subject_type: str
    rows: tuple[RowSpec, ...]


def _kind(kind: UnitKind, always: bool = True) -> RowSpec:
    return RowSpec(kind.value, kind.label, always)


FORMS: tuple[FormSpec, ...] = (
    FormSpec(
        "A",
        "Biểu A - Tổ chức đảng",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG TỔ CHỨC ĐẢNG",
        SubjectType.PARTY_ORGANIZATION,
        (
            _kind(UnitKind.PROVINCE_COMMITTEE, False),
            _kind(UnitKind.DISTRICT_COMMITTEE, False),
            _kind(UnitKind.AFFILIATED_COMMITTEE, False),
            _kind(UnitKind.GRASSROOTS_COMMITTEE),
            _kind(UnitKind.GRASSROOTS_CELL),
            RowSpec(
                "tccs",
                "Cộng tổ chức cơ sở đảng",
                parts=(UnitKind.GRASSROOTS_COMMITTEE.value, UnitKind.GRASSROOTS_CELL.value),
            ),
            _kind(UnitKind.SUB_COMMITTEE),
            _kind(UnitKind.CELL),
        ),
    ),
    FormSpec(
        "B",
        "Biểu B - Đảng viên",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN",
        SubjectType.PARTY_MEMBER,
        (
            RowSpec("cbccvc", "Đảng viên là cán bộ, công chức, viên chức"),
            RowSpec("khac", "Đảng viên khác"),
        ),
    ),
    FormSpec(
        "C",
        "Biểu C - Tập thể LĐQL",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG TẬP THỂ LÃNH ĐẠO, QUẢN LÝ",
        SubjectType.LEADERSHIP_COLLECTIVE,
        tuple(RowSpec(k.value, k.label) for k in CollectiveKind),
    ),
    FormSpec(
        "D",
        "Biểu D - Cán bộ LĐQL",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÁN BỘ LÃNH ĐẠO, QUẢN LÝ",
        SubjectType.LEADER,
        (
            RowSpec(ManagementTier.CENTRAL.value, ManagementTier.CENTRAL.label, False),
            RowSpec(ManagementTier.PROVINCE_STANDING.value, ManagementTier.PROVINCE_STANDING.label),
            RowSpec(ManagementTier.DISTRICT_STANDING.value, ManagementTier.DISTRICT_STANDING.label),
            RowSpec(ManagementTier.GRASSROOTS.value, ManagementTier.GRASSROOTS.label),
            RowSpec("khac", "Cán bộ lãnh đạo, quản lý khác"),
        ),
    ),
    FormSpec(
        "Đ",
        "Biểu Đ - Cơ quan, đơn vị",
        "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CƠ QUAN, ĐƠN VỊ",
        SubjectType.AGENCY,
        tuple(
            _kind(k)
            for k in (
                UnitKind.PARTY_AGENCY,
                UnitKind.GOVERNMENT,
                UnitKind.STATE_AGENCY,
                UnitKind.FRONT_MASS_ORG,
                UnitKind.PUBLIC_SERVICE_UNIT,
                UnitKind.STATE_ENTERPRISE,
            )
        ),
    ),
)

FINDING_LABELS = {
    "QUOTA_EXCELLENT": "Vượt tỷ lệ HTXS của nhóm",
    "HEAD_ABOVE_COLLECTIVE": "Người đứng đầu xếp cao hơn tập thể, đơn vị",
    "COLLECTIVE_ABOVE_UNIT": "Tập thể xếp cao hơn đơn vị",
    "DISCIPLINED_IN_YEAR": "Bị kỷ luật trong năm nhưng xếp vượt mức cho phép",
    "SICK_LEAVE_CAP": "Nghỉ ốm từ 3 tháng nhưng xếp trên HT",
    "NOT_RATABLE": "Không thuộc diện xếp loại nhưng đã xếp loại",
    "CIVIL_SERVICE_MISMATCH": "Không khớp xếp loại cán bộ, công chức, viên chức",
    "TASKS_BELOW_THRESHOLD": "Hoàn thành nhiệm vụ dưới ngưỡng nhưng xếp trên KHT",
    "DEGRADATION_CONCLUDED": "Bị kết luận có biểu hiện suy thoái nhưng xếp trên KHT",
    "ORG_EXCELLENT_CONDITIONS": "Tổ chức đảng HTXS chưa đủ điều kiện",
    "COLLECTIVE_MEMBER_DISCIPLINED": "Tập thể có thành viên bị kỷ luật nhưng xếp trên KHT",
    "LEADER_UNIT_FAILED": "Đơn vị do cán bộ trực tiếp phụ trách KHT",
    "SCORE_BAND": "Mức xếp loại cao hơn khung điểm",
}


# -- Scope -------------------------------------------------------------------------------------------------------


def report_units_for(user: User, cycle: Cycle) -> list[Unit]:
    """Where the user's reports of a cycle start: the cycle's unit if they reach it, else their roots inside it."""
    roots = scope_roots(user)
    if roots is None or under_roots(cycle.unit, roots):
        return [cycle.unit]
    return sorted((r for r in roots if r.path.startswith(cycle.unit.path)), key=lambda u: u.path)


def submissions_visible_to(user: User) -> QuerySet[ReportSubmission]:
    return ReportSubmission.objects.filter(unit__in=units_visible_to(user))


def get_submission_for_user(user: User, pk: int) -> ReportSubmission:
    try:
        return submissions_visible_to(user).select_related("cycle", "unit", "submitted_by").get(pk=pk)
    except ReportSubmission.DoesNotExist:
        raise Http404("Không tìm thấy báo cáo.") from None


def current_submission(cycle: Cycle, unit: Unit) -> ReportSubmission | None:
    return (
        ReportSubmission.objects.filter(cycle=cycle, unit=unit, superseded_by__isnull=True)
        .select_related("submitted_by")
        .first()
    )


def submission_history(cycle: Cycle, unit: Unit) -> QuerySet[ReportSubmission]:
    return ReportSubmission.objects.filter(cycle=cycle, unit=unit).select_related("submitted_by")


# -- Statistics --------------------------------------------------------------------------------------------------


def _pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 2) if d else None


def finish_row(counts: dict[str, int], *, key: str = "", label: str = "", subtotal: bool = False) -> dict:
    """Counts of one row of a form, with what is derived from them: rated, percentages, HTXS ratios."""
    row: dict[str, Any] = {"key": key, "label": label, "is_subtotal": subtotal, "is_detail": False}
    row.update({k: counts.get(k, 0) for k in COUNT_KEYS})
    rated = sum(row[level] for level in LEVELS)
    row["rated"] = rated
    for level in LEVELS:
        row[f"pct_{level}"] = _pct(row[level], rated)
    row["pct_good_or_better"] = _pct(row["HTXS"] + row["HTT"], rated)
    # Two readings of the 20% cap (report-forms.md §5.1): HTXS over HTT, and HTXS over HTT-or-better.
    row["ratio_xs_over_t"] = _pct(row["HTXS"], row["HTT"])
    row["ratio_xs_over_good"] = _pct(row["HTXS"], row["HTXS"] + row["HTT"])
    return row


def _form(spec: FormSpec, counts: dict[str, Counter[str]], reasons: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    total: Counter[str] = Counter()
    known = {r.key for r in spec.rows if not r.parts}
    for key, kind_counts in counts.items():
        if key not in known:  # a kind the form has no row for still counts in the total
            total.update(kind_counts)
    for r in spec.rows:
        c: Counter[str]
        if r.parts:
            c = Counter()
            for part in r.parts:
                c.update(counts.get(part, Counter()))
        else:
            c = counts.get(r.key, Counter())
            total.update(c)
        if r.always or c.get("total"):
            rows.append(finish_row(c, key=r.key, label=r.label, subtotal=bool(r.parts)))
    return {
        "code": spec.code,
        "sheet": spec.sheet,
        "title": spec.title,
        "subject_type": spec.subject_type,
        "subject_label": SubjectType(spec.subject_type).label,
        "rows": rows,
        "total": finish_row(total, key="total", label="Tổng cộng"),
        "not_rated_reasons": reasons,
    }


def statistics(cycle: Cycle, unit: Unit, *, with_findings: bool = True) -> dict[str, Any]:
    """Every form for the unit's subtree, rolled up under each child, with compliance and progress."""
    child_len = len(unit.path) + SEGMENT_WIDTH
    # One pass over the subtree's counts: under each child (by path prefix), per subject type, row key and rating
    # bucket; with what the other figures read of the same rows (state, the quota group of a decided HTXS/HTT,
    # the reason for not rating, a decision that overrode a warning). The unit's own evaluations have a shorter
    # path: their prefix is the unit's path.
    tallies = tally.in_use()
    grouped = tally.grouped_rows(cycle, unit, child_len, tallies=tallies)
    by_form: dict[str, dict[str, Counter[str]]] = {f.subject_type: {} for f in FORMS}
    by_prefix: dict[str, dict[str, Counter[str]]] = {}
    reason_counts: Counter[tuple[str, str]] = Counter()
    states: Counter[str] = Counter()
    not_rated = decided = 0
    quota_counts: dict[int, Counter[str]] = {}
    overrides: Counter[str] = Counter()
    for prefix, stype, key, rating, reason, state, quota, overridden, n in grouped:
        bucket = rating or ("not_rated" if reason else "pending")
        # get() before setdefault(): 4,916 groups would otherwise build 15,000 Counters to throw away.
        form_rows = by_form.get(stype) or by_form.setdefault(stype, {})
        c = form_rows.get(key) or form_rows.setdefault(key, Counter())
        c["total"] += n
        c[bucket] += n
        per_type = by_prefix.get(prefix) or by_prefix.setdefault(prefix, {})
        p = per_type.get(stype) or per_type.setdefault(stype, Counter())
        p["total"] += n
        p[bucket] += n
        states[state] += n
        if reason:
            reason_counts[stype, reason] += n
            not_rated += n
        elif state == EvaluationState.DECIDED:
            decided += n
        if quota is not None:
            (quota_counts.get(quota) or quota_counts.setdefault(quota, Counter()))[rating] += n
        if overridden:
            overrides[stype] += n
    reasons: dict[str, list[dict[str, Any]]] = {}
    for (stype, reason), n in sorted(
        reason_counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1])
    ):
        reasons.setdefault(stype, []).append({"reason": reason, "n": n})
    forms = [
        _form(spec, by_form.get(spec.subject_type, {}), reasons.get(spec.subject_type, [])) for spec in FORMS
    ]
    _add_member_details(forms, tally.member_rows(cycle, unit, tallies=tallies, refreshed=True))
    _add_sector_split(forms, tally.sector_rows(cycle, unit, tallies=tallies, refreshed=True))
    children = []
    kids = children_of(unit, on=period_end(cycle.year, cycle.quarter))  # the tree as it stood in the period
    for child in sorted(kids, key=lambda u: (not u.is_party_org, u.sort_key)):  # party organisations first
        children.append(_child_entry(child, by_prefix.get(child.path, {})))
    if unit.path in by_prefix:
        own = _child_entry(unit, by_prefix[unit.path])
        own["is_own"] = True
        own["name"] = f"{unit.name} (tổ chức, tập thể, cán bộ của cấp này)"
        children.insert(0, own)
    total = sum(states.values())
    today = timezone.localdate()
    return {
        "version": FIGURES_VERSION,
        "cycle": {
            "id": cycle.pk,
            "year": cycle.year,
            "quarter": cycle.quarter,
            "regime": cycle.regime,
            "review_deadline": cycle.review_deadline.isoformat(),
            "report_deadline": cycle.report_deadline.isoformat(),
        },
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind},
        "computed_at": timezone.localtime().isoformat(timespec="seconds"),
        "forms": forms,
        "children": children,
        "progress": {  # one definition (campaigns.queries.progress_pct): decided of those to be rated
            "total": total,
            "to_rate": total - not_rated,
            "decided": decided,
            "not_rated": not_rated,
            "pct_decided": progress_pct(decided, total - not_rated),
            "states": {s.value: states.get(s.value, 0) for s in EvaluationState},
            "state_labels": {s.value: s.label for s in EvaluationState},
            "days_to_review_deadline": (cycle.review_deadline - today).days,
            "days_to_report_deadline": (cycle.report_deadline - today).days,
        },
        "compliance": compliance(
            cycle, unit, quota_counts=quota_counts, overrides=overrides, with_findings=with_findings
        ),
    }


# -- Biểu B's columns and "in which" rows, Biểu A's split by kind of unit (report-forms.md §5.1) -----------------

MEMBER_COLUMNS = (
    ("exempt", "Miễn công tác và sinh hoạt đảng"),
    ("suspended", "Đình chỉ sinh hoạt đảng"),
    ("new_lt_6m", "Mới kết nạp chưa đủ 6 tháng"),
    ("disciplined", "Bị kỷ luật trong năm"),
)
MEMBER_DETAIL_ROWS = (
    (MemberGroup.ARMED_FORCES.value, "Trong đó: đảng viên trong lực lượng vũ trang"),
    (MemberGroup.RETIRED.value, "Trong đó: đảng viên nghỉ hưu"),
    (MemberGroup.OUTSIDE_SYSTEM.value, "Trong đó: đảng viên không làm việc trong hệ thống chính trị"),
    ("lanh_dao", "Trong đó: đảng viên là cán bộ lãnh đạo, quản lý"),
)
_TERRITORIAL_NAMES = (
    "đảng bộ xã ",
    "đảng bộ phường ",
    "đảng bộ thị trấn ",
    "chi bộ xã ",
    "chi bộ phường ",
    "chi bộ thị trấn ",
)


def _add_member_details(forms: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
    """Biểu B: members exempt, suspended, admitted under 6 months, disciplined in the year, per row; then the rows
    of members in the armed forces, retired, outside the political system and holding a leader's post ("in which").

    `rows` are the subtree's members counted by these (tally.member_rows)."""
    form = next(f for f in forms if f["code"] == "B")
    columns: dict[str, Counter[str]] = {}
    details: dict[str, Counter[str]] = {}
    for cadre, group, leader, bucket, exempt, suspended, is_new, disciplined, n in rows:
        keys = [cadre, "total"]
        for key in keys:
            c = columns.setdefault(key, Counter())
            c["exempt"] += n if exempt else 0
            c["suspended"] += n if suspended else 0
            c["new_lt_6m"] += n if is_new else 0
            c["disciplined"] += n if disciplined else 0
        for key in [group] * bool(group) + ["lanh_dao"] * bool(leader):
            c = details.setdefault(key, Counter())
            c["total"] += n
            c[bucket] += n
            c["exempt"] += n if exempt else 0
            c["suspended"] += n if suspended else 0
            c["new_lt_6m"] += n if is_new else 0
            c["disciplined"] += n if disciplined else 0
    for row in [*form["rows"], form["total"]]:
        got = columns.get(row["key"], Counter())
        row.update({key: got[key] for key, _ in MEMBER_COLUMNS})
        row["extra"] = [got[key] for key, _ in MEMBER_COLUMNS]
    for key, label in MEMBER_DETAIL_ROWS:
        c = details.get(key, Counter())
        row = finish_row(c, key=key, label=label)
        row["is_detail"] = True
        row.update({k: c[k] for k, _ in MEMBER_COLUMNS})
        row["extra"] = [c[k] for k, _ in MEMBER_COLUMNS]
        form["rows"].append(row)
    form["extra_columns"] = [{"key": k, "label": label} for k, label in MEMBER_COLUMNS]


def sector_of(sector: str, name: str) -> str:
    """A unit's loại hình: as recorded, else a commune, ward or town by its name."""
    if sector:
        return sector
    return UnitSector.TERRITORIAL.value if name.lower().startswith(_TERRITORIAL_NAMES) else ""


def _add_sector_split(forms: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
    """Biểu A: the grassroots organisations again by kind of unit, as "in which" rows under their subtotal.

    `rows`: the subtree's grassroots organisations counted by their unit's sector and name (tally.sector_rows)."""
    form = next(f for f in forms if f["code"] == "A")
    by_sector: dict[str, Counter[str]] = {}
    for sector, name, bucket, n in rows:
        c = by_sector.setdefault(sector_of(sector, name), Counter())
        c["total"] += n
        c[bucket] += n
    position = next((i + 1 for i, r in enumerate(form["rows"]) if r["key"] == "tccs"), len(form["rows"]))
    split = []
    for sector in UnitSector:
        sector_counts = by_sector.get(sector.value)
        if sector_counts:
            row = finish_row(
                sector_counts,
                key=f"sector_{sector.value or 'none'}",
                label=f"Trong đó: {sector.label.lower()}",
            )
            row["is_detail"] = True
            split.append(row)
    form["rows"][position:position] = split


def _child_entry(unit: Unit, per_type: dict[str, Counter[str]]) -> dict[str, Any]:
    totals = {f.code: finish_row(per_type.get(f.subject_type, Counter()), key=f.code) for f in FORMS}
    total = sum(t["total"] for t in totals.values())
    not_rated = sum(t["not_rated"] for t in totals.values())
    decided = sum(t["rated"] for t in totals.values())
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "is_own": False,
        "totals": totals,
        "total": total,
        "to_rate": total - not_rated,
        "decided": decided,
        "not_rated": not_rated,
        "pct_decided": progress_pct(decided, total - not_rated),
    }


def _option(cycle: Cycle, key: str) -> Any:
    return effective_option(cycle, key)  # reads the regime and the province's overlay


def compliance(
    cycle: Cycle,
    unit: Unit,
    *,
    quota_counts: dict[int, Counter[str]],
    overrides: dict[str, int],
    with_findings: bool = True,
) -> dict[str, Any]:
    """Quota use per group over decided ratings, decisions that overrode a warning, orders, and rule findings.

    `quota_counts` (decided HTXS and HTT per quota group) and `overrides` (per subject type) are counted by
    statistics() in its pass over the subtree.
    """
    counts = quota_counts
    regime = rules.regime_for_year(cycle.year)
    basis, ratio, rounding = (_option(cycle, k) for k in ("quota_basis", "quota_ratio_pct", "rounding"))
    groups = []
    # Plain rows: a province has a thousand groups, and model instances with their scope units cost 50 ms.
    quota_groups = (
        QuotaGroup.objects.filter(pk__in=counts)
        .order_by("code")
        .values_list("pk", "code", "name", "subject_type", "has_exception", "scope_unit__path")
    )
    for pk, code, name, subject_type, has_exception, scope_path in quota_groups:
        c = counts[pk]
        # A group wider than this report's subtree is judged by the level that holds all of it.
        partial = scope_path is None or not scope_path.startswith(unit.path)
        entry: dict[str, Any] = {
            "code": code,
            "name": name,
            "subject_type": subject_type,
            "excellent": c["HTXS"],
            "good": c["HTT"],
            "is_partial": partial,
            "max_excellent": None,
            "remaining": None,
            "message": "nhóm rộng hơn phạm vi báo cáo: chỉ tính phần trong đơn vị" if partial else "",
            "is_over": False,
        }
        if not partial:
            try:
                plan = rules.plan_quota(
                    excellent=c["HTXS"],
                    good=c["HTT"],
                    basis=basis,
                    ratio_pct=ratio,
                    rounding=rounding,
                    exception=has_exception,
                    regime=regime,
                )
            except rules.BadInput:  # an exception flag the year's regime does not know: judge without it
                plan = rules.plan_quota(
                    excellent=c["HTXS"], good=c["HTT"], basis=basis, ratio_pct=ratio, rounding=rounding
                )
            entry.update(
                max_excellent=plan.max_excellent,
                remaining=plan.remaining,
                message=plan.message,
                is_over=plan.remaining < 0,
            )
        groups.append(entry)
    groups.sort(key=lambda g: (not g["is_over"], g["is_partial"], g["code"]))
    orders = {
        row["kind"]: {"total": row["total"], "open": row["open"]}
        for row in Order.objects.filter(evaluation__cycle=cycle, evaluation__unit__path__startswith=unit.path)
        .values("kind")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(resolved_at__isnull=True)))
        .order_by()
    }
    result: dict[str, Any] = {
        "quota_groups": groups,
        "groups_over": sum(1 for g in groups if g["is_over"]),
        "overrides": {k: v for k, v in overrides.items()},
        "overrides_total": sum(overrides.values()),
        "orders": {kind: orders.get(kind, {"total": 0, "open": 0}) for kind in ("rereview", "rerating")},
        "findings": None,
    }
    if with_findings:
        result["findings"] = rule_findings(cycle, unit)
    return result


def rule_findings(cycle: Cycle, unit: Unit) -> list[dict[str, Any]]:
    """Every rule on the subtree's current ratings (decided, else proposed), counted by finding code.

    The quota is left out: it is judged above on decided ratings, per whole group.
    """
    from kiemdiem.campaigns.compliance import check_cycle

    found = Counter(f.code for f in check_cycle(cycle, unit).findings if f.code != "QUOTA_EXCELLENT")
    return [
        {"code": code, "label": FINDING_LABELS.get(code, code), "n": n} for code, n in found.most_common()
    ]


# -- Reporting upward --------------------------------------------------------------------------------------------

SUBMISSION_STATUS = {
    "submitted": "Đã gửi",
    "late": "Gửi muộn",
    "missing": "Chưa gửi",
}


def submission_status(cycle: Cycle, unit: Unit) -> list[dict[str, Any]]:
    """Each party organisation directly under the unit: submitted on time, late, or missing, in two queries."""
    children = [
        c
        for c in children_of(unit, on=period_end(cycle.year, cycle.quarter)).order_by("kind", "sort_key")
        if c.is_party_org
    ]
    current = {
        s.unit_id: s
        for s in ReportSubmission.objects.filter(
            cycle=cycle, unit__in=children, superseded_by__isnull=True
        ).select_related("submitted_by", "cycle")
    }
    overdue = timezone.localdate() > cycle.report_deadline
    result = []
    for child in children:
        sub = current.get(child.pk)
        status = "missing" if sub is None else ("late" if sub.is_late else "submitted")
        result.append(
            {
                "unit": child,
                "submission": sub,
                "status": status,
                "label": SUBMISSION_STATUS[status]
                + (" (quá hạn)" if status == "missing" and overdue else ""),
                "overdue": status == "missing" and overdue,
            }
        )
    return result


# -- Lists -------------------------------------------------------------------------------------------------------

RATING_LIST_FIELDS = (
    "id",
    "subject_type",
    "unit_id",
    "unit__code",
    "unit__name",
    "person__code",
    "person__full_name",
    "collective__name",
    "role",
    "state",
    "decided_rating",
    "not_rated_reason",
    "decided_on",
    "deciding_unit__name",
)


def rating_list(cycle: Cycle, unit: Unit) -> QuerySet[Evaluation, dict[str, Any]]:
    """Every subject of the subtree with its decided rating, in tree order (values rows, for exports and the API)."""
    return (
        Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
        .order_by("unit__path", "subject_type", "person__sort_key", "id")
        .values(*RATING_LIST_FIELDS)
    )


def subject_name(row: dict[str, Any]) -> str:
    return row["person__full_name"] or row["collective__name"] or row["unit__name"]
