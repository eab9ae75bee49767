"""Every rule of the regimes, run over a scenario in one linear pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from ._gc import paused_gc
from .citations import HD21, Citation
from .criteria import max_rating_from_criteria, score_band
from .levels import Rating, Role, SubjectType
from .model import Finding, QuotaPlan, Result, Scenario, Subject
from .parse import parse_scenario
from .quota import max_excellent, quota_message
from .regimes import effective_parameters

EX, GOOD, PASS, FAIL = Rating.EXCELLENT, Rating.GOOD, Rating.PASS, Rating.FAIL
_RANK = {EX: 3, GOOD: 2, PASS: 1, FAIL: 0}
_BY_RANK = {3: EX, 2: GOOD, 1: PASS, 0: FAIL}
_PM, _LEADER = SubjectType.PARTY_MEMBER, SubjectType.LEADER
_PO, _LC = SubjectType.PARTY_ORGANIZATION, SubjectType.LEADERSHIP_COLLECTIVE
_AGENCY = SubjectType.AGENCY

# Appended to the message of a finding whose rule is an unverified reading: the competent authority may override.
UNVERIFIED_NOTE = (
    " Căn cứ này là cách đọc chưa được đối chiếu với nguyên văn: cấp có thẩm quyền có thể quyết định khác, "
    "ghi rõ lý do."
)

# The codes that say "this subject is rated above what a rule allows it" (the subject is subjects[0]).
CEILING_CODES = frozenset(
    {
        "HEAD_ABOVE_COLLECTIVE",
        "COLLECTIVE_ABOVE_UNIT",
        "DISCIPLINED_IN_YEAR",
        "SICK_LEAVE_CAP",
        "NOT_RATABLE",
        "CIVIL_SERVICE_MISMATCH",
        "TASKS_BELOW_THRESHOLD",
        "DEGRADATION_CONCLUDED",
        "CONDUCT_VIOLATION",
        "ORG_EXCELLENT_CONDITIONS",
        "EXCELLENT_CONDITIONS",
        "BAND_CONDITIONS",
        "COLLECTIVE_MEMBER_DISCIPLINED",
        "CHILDREN_DISCIPLINED",
        "COLLECTIVE_DISUNITY",
        "KT_XH_TARGETS_MISSED",
        "LEADER_UNIT_FAILED",
        "LOW_CONFIDENCE",
        "SUBORDINATE_CORRUPTION",
        "SCORE_BAND",
        "CRITERIA_CAP",
    }
)
FINDING_CODES = CEILING_CODES | {"QUOTA_EXCELLENT"}

# HD 21 counts the HTXS cap per kind of subject in different groups (II.B tiết 2, 3, 4).
_HD21_QUOTA = {
    SubjectType.PARTY_MEMBER: Citation(HD21, "Mục II, điểm B, tiết 2", "tiểu tiết 2.3, điểm a"),
    SubjectType.LEADERSHIP_COLLECTIVE: Citation(HD21, "Mục II, điểm B, tiết 3", "HTXS, ý (3)"),
    SubjectType.LEADER: Citation(HD21, "Mục II, điểm B, tiết 4"),
}


def _r(rank: int) -> str:
    r = _BY_RANK[rank]
    return f"{r.code} ({r.label})"


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = d.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


class _Ctx:
    """Resolved settings and citations of one check, as attributes for the hot loop."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.settings = s = scenario.settings
        self.params = params = effective_parameters(scenario.regime, scenario.overlay)
        # A parameter's rule is verified when the digest checked it and no option replaced its value.
        self.verified = {key: p.verified and s.get(key, p.value) == p.value for key, p in params.items()}
        for key, value in s.items():
            if isinstance(value, str) and value in ("HTXS", "HTT", "HT", "KHT"):
                value = _RANK[Rating(value)]
            setattr(self, key, value)
        self.points = s["criteria_scale"] == "points"
        self.reference = date(scenario.year, 12, 31)
        self.by_id: dict[str, Subject] = {}

    def __getattr__(self, name: str) -> Any:
        # Only reached for a setting that does not exist: the attributes above are set from the settings.
        raise AttributeError(f"không có tham số {name!r}")

    def cite(self, key: str) -> Citation:
        return self.params[key].citation

    def finding(
        self, code: str, subjects: tuple[str, ...], message: str, key: str, *, verified: bool | None = None
    ) -> Finding:
        """A finding of the rule that parameter `key` states, verified as that parameter unless told."""
        if verified is None:
            verified = self.verified[key]
        if not verified:
            message += UNVERIFIED_NOTE
        return Finding(code, subjects, message, self.params[key].citation, verified)


def check(scenario: Scenario) -> Result:
    """Check every subject of a scenario; return the findings and the quota of every group."""
    with paused_gc():
        return _check(scenario)


def _check(scenario: Scenario) -> Result:
    ctx = _Ctx(scenario)
    subjects = scenario.subjects
    ctx.by_id = {s.id: s for s in subjects}
    findings: list[Finding] = []
    add = findings.append
    groups: dict[str, list] = {g: [0, 0, [], None] for g in scenario.quota_groups}  # type: ignore[type-arg]
    org_quota = ctx.org_quota_enabled
    for s in subjects:
        rating = s.rating
        g = s.quota_group
        if g is not None and (org_quota or (s.type is not _PO and s.type is not _AGENCY)):
            c = groups.get(g)
            if c is None:
                c = groups[g] = [0, 0, [], s.type]
            elif c[3] is None:
                c[3] = s.type
            if rating is EX:
                c[0] += 1
                c[2].append(s.id)
            elif rating is GOOD:
                c[1] += 1
        if rating is None:
            continue
        rk = _RANK[rating]
        if _not_ratable(ctx, s, add):
            continue
        if s.type is _PM or s.type is _LEADER:
            _individual(ctx, s, rk, add)
        else:
            _collective(ctx, s, rk, add)
        if s.score is not None and rk > 0:
            band = _RANK[score_band(scenario.regime, s.score)]
            if rk > band:
                add(
                    ctx.finding(
                        "SCORE_BAND",
                        (s.id,),
                        f'"{s.id}" đạt {s.score:g} điểm, chỉ tới mức {_r(band)}, nhưng được xếp {_r(rk)}.',
                        "score_excellent_min",
                    )
                )
        if s.criteria is not None and rk > 0:
            top = _RANK[
                max_rating_from_criteria(scenario.regime, s.criteria.others, result_grades=s.criteria.results)
            ]
            if rk > top:
                # Refusing HTXS by its own criteria is verified (HD 21 2.3 a; QĐ 124 Đ12 k1); a cap at HT or KHT
                # rests on the HTT/HT readings (A-10, A-11, criteria_good_min_other), which are not.
                add(
                    ctx.finding(
                        "CRITERIA_CAP",
                        (s.id,),
                        f'Cấp độ các tiêu chí của "{s.id}" chỉ cho phép tối đa {_r(top)}, '
                        f"nhưng được xếp {_r(rk)}.",
                        "criteria_good_min_other",
                        verified=top >= 2 or None,
                    )
                )
    plans = _quota(ctx, groups, add)
    return Result(scenario.regime, scenario.overlay, tuple(findings), plans, scenario.year, scenario.quarter)


def merge(results: Sequence[Result], key: Callable[[str], Any]) -> Result:
    """The results of scenarios checked apart, as one check of their union would give them.

    The scenarios must share no subject and no quota group (a subject's links — children, collective, unit —
    stay inside its scenario); the union's subjects are taken in the order of `key` over their ids. Findings
    about subjects come in that order, then the quota findings by group name, as `check` gives them.
    ValueError when a quota group appears in two of the results: only one check of the whole counts it.
    """
    if not results:
        raise ValueError("không có kết quả nào để gộp")
    first = results[0]
    plans: dict[str, QuotaPlan] = {}
    per_subject: list[Finding] = []
    quota: list[tuple[str, Finding]] = []
    for result in results:
        if (result.regime, result.overlay, result.year, result.quarter) != (
            first.regime,
            first.overlay,
            first.year,
            first.quarter,
        ):
            raise ValueError("các kết quả không cùng quy định, năm hoặc quý")
        shared = plans.keys() & result.quota_groups.keys()
        if shared:
            raise ValueError(f'nhóm "{min(shared)}" có mặt ở hai phần được kiểm tra riêng')
        plans.update(result.quota_groups)
        # check() adds one QUOTA_EXCELLENT per group over its cap, in the order of the group names.
        over = iter(sorted(g for g, p in result.quota_groups.items() if p.excellent > p.max_excellent))
        for finding in result.findings:
            if finding.code == "QUOTA_EXCELLENT":
                quota.append((next(over), finding))
            else:
                per_subject.append(finding)
    per_subject.sort(key=lambda f: key(f.subjects[0]))  # stable: one subject's findings keep their order
    quota.sort(key=lambda pair: pair[0])
    findings = (*per_subject, *(f for _, f in quota))
    merged = {name: plans[name] for name in sorted(plans)}
    return Result(first.regime, first.overlay, findings, merged, first.year, first.quarter)


def check_json(data: object) -> dict[str, object]:
    """The contract: parsed JSON scenario in, result dict out; BadInput for bad input."""
    scenario = parse_scenario(data)
    with paused_gc():
        return _check(scenario).to_dict()


# -- Eligibility ---------------------------------------------------------------------------------------------


def _not_ratable(ctx: _Ctx, s: Subject, add) -> bool:  # type: ignore[no-untyped-def]
    f = s.facts
    reason = key = None
    if f.exempt and ctx.exempt_not_rated:
        reason, key = "được miễn công tác và sinh hoạt đảng", "exempt_not_rated"
    elif f.suspended and ctx.suspended_not_rated:
        reason, key = "đang bị đình chỉ sinh hoạt đảng", "suspended_not_rated"
    elif not f.reviewed and ctx.unreviewed_not_rated:
        reason, key = "chưa kiểm điểm", "unreviewed_not_rated"
    elif f.admitted_on is not None and _add_months(f.admitted_on, ctx.new_member_months) > ctx.reference:
        reason = (
            f"mới kết nạp ngày {_dmy(f.admitted_on)}, chưa đủ {ctx.new_member_months} tháng "
            f"tính đến {_dmy(ctx.reference)}"
        )
        key = "new_member_months"
    elif f.founded_on is not None and _add_months(f.founded_on, ctx.new_collective_months) > ctx.reference:
        reason = (
            f"mới thành lập ngày {_dmy(f.founded_on)}, chưa đủ {ctx.new_collective_months} tháng "
            f"tính đến {_dmy(ctx.reference)}"
        )
        key = "new_collective_months"
    if reason is None:
        return False
    add(
        ctx.finding(
            "NOT_RATABLE",
            (s.id,),
            f'"{s.id}" {reason} nên không được xếp loại, nhưng đang có mức {s.rating.code}.',  # type: ignore[union-attr]
            key,  # type: ignore[arg-type]
        )
    )
    return True


# -- Individuals: party members and leaders ------------------------------------------------------------------


def _individual(c: _Ctx, s: Subject, rk: int, add) -> None:  # type: ignore[no-untyped-def]
    f = s.facts
    sid = s.id
    if f.disciplined_in_year:
        top, key = c.individual_discipline_max, "individual_discipline_max"
        if f.discipline_self_remedied and c.discipline_self_remedied_exempt:
            top, key = c.discipline_self_remedied_max, "discipline_self_remedied_max"
        elif not f.discipline_related_to_duties:
            top, key = c.discipline_unrelated_to_duties_max, "discipline_unrelated_to_duties_max"
        if rk > top:
            add(
                c.finding(
                    "DISCIPLINED_IN_YEAR",
                    (sid,),
                    f'"{sid}" bị thi hành kỷ luật trong năm nên tối đa {_r(top)}, nhưng được xếp {_r(rk)}.',
                    key,
                )
            )
    if f.sick_leave_days >= c.sick_leave_days and rk > c.sick_leave_max:
        add(
            c.finding(
                "SICK_LEAVE_CAP",
                (sid,),
                f'"{sid}" nghỉ ốm {f.sick_leave_days} ngày (từ 3 tháng) trong năm nên tối đa '
                f"{_r(c.sick_leave_max)}, nhưng được xếp {_r(rk)}.",
                "sick_leave_max",
            )
        )
    cs = f.civil_service_rating
    if cs is not None and c.civil_service_consistency:
        ck = _RANK[cs]
        why = None
        key = "civil_service_consistency"
        if rk == 3 and ck != 3:
            why = "đảng viên HTXS phải được xếp loại CBCCVC HTXS"
        elif ck == 0 and rk > 0:
            why = "CBCCVC bị xếp KHT thì đảng viên phải xếp KHT"
        elif rk > ck and c.civil_service_cap_all_levels:
            why = "mức đảng viên không cao hơn mức xếp loại CBCCVC"
            key = "civil_service_cap_all_levels"
        if why:
            add(
                c.finding(
                    "CIVIL_SERVICE_MISMATCH",
                    (sid,),
                    f'"{sid}" được xếp {_r(rk)} là đảng viên nhưng {cs.code} là CBCCVC: {why}.',
                    key,
                )
            )
    if rk > 0:
        _individual_fail_cases(c, s, f, add)
    if rk == 3:
        _excellent_conditions(c, s, f, add)
    if c.points and rk > 1:
        _band_conditions(c, s, f, rk, add)
    if s.type is _LEADER:
        _leader(c, s, f, rk, add)


def _fail(c: _Ctx, code: str, s: Subject, why: str, key: str, *, verified: bool | None = None) -> Finding:
    message = f'"{s.id}" {why} nên phải xếp KHT, nhưng được xếp {s.rating.code}.'  # type: ignore[union-attr]
    return c.finding(code, (s.id,), message, key, verified=verified)


def _individual_fail_cases(c: _Ctx, s: Subject, f, add) -> None:  # type: ignore[no-untyped-def]
    pct = f.task_completion_pct
    thr = c.task_threshold_individual_pct
    below = pct < thr and (f.key_targets_missed or not c.task_threshold_individual_requires_key_missed)
    key_alone = f.key_targets_missed and c.key_targets_missed_fails_individual
    if (below or key_alone) and not (f.force_majeure and c.force_majeure_exempts_individual):
        why = (
            f"chỉ hoàn thành {pct:g}% chỉ tiêu, nhiệm vụ (dưới {thr}%)"
            if below
            else "không hoàn thành chỉ tiêu quan trọng"
        )
        add(_fail(c, "TASKS_BELOW_THRESHOLD", s, why, "task_threshold_individual_pct"))
    if f.degradation_concluded and c.degradation_fails:
        why = "bị kết luận có biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa”"
        add(_fail(c, "DEGRADATION_CONCLUDED", s, why, "degradation_fails"))
    if f.conduct_violation and c.conduct_violation_fails:
        why = "vi phạm những điều đảng viên không được làm hoặc trách nhiệm nêu gương"
        add(_fail(c, "CONDUCT_VIOLATION", s, why, "conduct_violation_fails"))


def _excellent_conditions(c: _Ctx, s: Subject, f, add) -> None:  # type: ignore[no-untyped-def]
    if s.type.is_collective and not c.excellent_conditions_apply_to_collectives:
        return
    missing = []
    # Under QĐ 366 the 100% condition is a band condition (BAND_CONDITIONS), not repeated here.
    if c.excellent_requires_full_completion and not c.points and f.task_completion_pct < 100:
        missing.append(f"hoàn thành {f.task_completion_pct:g}% chỉ tiêu, nhiệm vụ (cần 100%)")
    need = c.excellent_min_tasks_exceeded_pct
    if need and f.tasks_exceeded_pct is not None and f.tasks_exceeded_pct < need:
        missing.append(f"{f.tasks_exceeded_pct:g}% nhiệm vụ vượt mức (cần từ {need}%)")
    if c.excellent_requires_full_remediation and f.remediation_pct is not None and f.remediation_pct < 100:
        missing.append(f"khắc phục {f.remediation_pct:g}% hạn chế kỳ trước (cần 100%)")
    if missing:
        add(
            c.finding(
                "EXCELLENT_CONDITIONS",
                (s.id,),
                f'"{s.id}" được xếp HTXS nhưng chưa đủ điều kiện: {"; ".join(missing)}.',
                "excellent_min_tasks_exceeded_pct",
            )
        )


def _band_conditions(c: _Ctx, s: Subject, f, rk: int, add) -> None:  # type: ignore[no-untyped-def]
    """QĐ 366 Điều 11: HTT needs 100% of tasks on time; HT allows ≤ 20% late."""
    why = None
    # Short of HT's own conditions (100% of tasks, ≤ 20% late) and of the KHT list: the gap (band_gap_max, A-13).
    top, key = c.band_gap_max, "band_gap_max"
    if f.task_completion_pct < 100:
        why = f"chỉ hoàn thành {f.task_completion_pct:g}% nhiệm vụ (HTT trở lên cần 100% đúng hạn)"
    elif f.tasks_overdue_pct > 0:
        why = f"có {f.tasks_overdue_pct:g}% nhiệm vụ chậm tiến độ (HTT trở lên cần 100% đúng hạn)"
        if f.tasks_overdue_pct <= c.max_overdue_pct_pass:
            top, key = 1, "max_overdue_pct_pass"  # HT: 100% of tasks, at most 20% late
    if why and rk > top:
        add(
            c.finding(
                "BAND_CONDITIONS",
                (s.id,),
                f'"{s.id}" {why} nên tối đa {_r(top)}, nhưng được xếp {_r(rk)}.',
                key,
            )
        )


def _leader(c: _Ctx, s: Subject, f, rk: int, add) -> None:  # type: ignore[no-untyped-def]
    by_id = c.by_id
    coll = by_id[s.collective] if s.collective is not None else None
    unit_id = s.unit if s.unit is not None else coll.unit if coll is not None else None
    unit = by_id[unit_id] if unit_id is not None else None
    # A deputy is never capped while the head is not: a province that caps deputies (CV 854 mục 2(5): "người đứng
    # đầu và cấp phó") caps heads too. Only a head may be exempt, newly transferred and unrelated to the unit's
    # shortcomings; CV 854 gives deputies no exception.
    key = None
    if s.role is Role.HEAD:
        if c.head_cap or c.cap_deputies:
            key = "head_cap" if c.head_cap else "cap_deputies"
            if (
                f.newly_transferred
                and f.transfer_unrelated_to_shortcomings
                and c.newly_transferred_head_exempt
            ):
                key = None
    elif s.role is Role.DEPUTY and c.cap_deputies:
        key = "cap_deputies"
    if key is not None:
        for target, what in ((coll, "tập thể lãnh đạo, quản lý"), (unit, "tổ chức, cơ quan, đơn vị")):
            if target is not None and target.rating is not None and rk > _RANK[target.rating]:
                add(
                    c.finding(
                        "HEAD_ABOVE_COLLECTIVE",
                        (s.id, target.id),
                        f'{s.role.label.capitalize()} "{s.id}" được xếp {_r(rk)}, cao hơn {what} '  # type: ignore[union-attr]
                        f'"{target.id}" ({target.rating.code}).',
                        key,
                    )
                )
    if rk == 0:
        return
    led = f.led_unit_rating if f.led_unit_rating is not None else unit.rating if unit is not None else None
    why = key = None
    if led is FAIL and c.leader_unit_kht_fails:
        why, key = "có địa phương, đơn vị trực tiếp phụ trách bị xếp KHT", "leader_unit_kht_fails"
    elif (
        f.led_units_failed_pct is not None
        and c.leader_units_failed_max_pct
        and (f.led_units_failed_pct > c.leader_units_failed_max_pct)
    ):
        limit = c.leader_units_failed_max_pct
        why = f"có {f.led_units_failed_pct:g}% đơn vị phụ trách bị xếp KHT (quá {limit}%)"
        key = "leader_units_failed_max_pct"
    elif (
        f.led_unit_task_completion_pct is not None
        and c.leader_unit_task_threshold_pct
        and f.led_unit_task_completion_pct < c.leader_unit_task_threshold_pct
        and (f.led_unit_key_targets_missed or not c.leader_unit_task_requires_key_missed)
        and not f.force_majeure
    ):
        why = (
            f"có đơn vị trực tiếp phụ trách chỉ hoàn thành {f.led_unit_task_completion_pct:g}% nhiệm vụ "
            f"(dưới {c.leader_unit_task_threshold_pct}%)"
        )
        key = "leader_unit_task_threshold_pct"
    if why:
        add(_fail(c, "LEADER_UNIT_FAILED", s, why, key))  # type: ignore[arg-type]
    if f.kt_xh_targets_missed and c.kt_xh_targets_fail and not f.force_majeure:
        add(_fail(c, "KT_XH_TARGETS_MISSED", s, "không đạt 5 chỉ tiêu KT-XH cơ bản", "kt_xh_targets_fail"))
    if (
        f.low_confidence_pct is not None
        and c.low_confidence_max_pct
        and f.low_confidence_pct > c.low_confidence_max_pct
    ):
        why = f"có {f.low_confidence_pct:g}% phiếu tín nhiệm thấp (quá {c.low_confidence_max_pct}%)"
        add(_fail(c, "LOW_CONFIDENCE", s, why, "low_confidence_max_pct"))
    if (
        f.subordinate_corruption_disciplined
        and not f.subordinate_corruption_self_remedied
        and c.subordinate_corruption_fails
    ):
        why = "có tổ chức, cá nhân thuộc quyền quản lý trực tiếp tham nhũng, tiêu cực bị kỷ luật"
        add(_fail(c, "SUBORDINATE_CORRUPTION", s, why, "subordinate_corruption_fails"))


# -- Collectives: party organisations, agencies, leadership collectives --------------------------------------


_EXTENDED_TO = {_PO: "tổ chức đảng", _AGENCY: "tổ chức, cơ quan, đơn vị"}


def _collective(c: _Ctx, s: Subject, rk: int, add) -> None:  # type: ignore[no-untyped-def]
    f = s.facts
    sid = s.id
    # The KHT cases are stated for leadership collectives; a regime says how far they reach the other collectives
    # (HD 21: party organisations only for body discipline and disunity, as the digest reads them; agencies none).
    scope, scope_key, scope_verified, extension = "all", None, True, ""
    if s.type is not _LC:
        scope_key = "party_organization_fail_cases" if s.type is _PO else "agency_fail_cases"
        scope = c.settings[scope_key]
        scope_verified = c.verified[scope_key]
        if not scope_verified:
            extension = (
                f" (quy tắc nêu cho tập thể lãnh đạo, quản lý; áp dụng mở rộng cho {_EXTENDED_TO[s.type]})"
            )
    every_case = scope == "all"
    named_cases = every_case or scope == "discipline_disunity"

    def emit(code: str, message: str, key: str) -> None:
        # An extension cites where the digest puts the type's own (unverified) list, and says so.
        if extension:
            add(c.finding(code, (sid,), message, scope_key, verified=False))  # type: ignore[arg-type]
        else:
            add(c.finding(code, (sid,), message, key))

    def fail(code: str, why: str, key: str) -> None:
        emit(code, f'"{sid}" {why}{extension} nên phải xếp KHT, nhưng được xếp {s.rating.code}.', key)  # type: ignore[union-attr]

    if named_cases and f.disciplined_in_year and rk > c.collective_discipline_max:
        top = c.collective_discipline_max
        message = (
            f'Tập thể "{sid}" bị thi hành kỷ luật trong năm nên tối đa {_r(top)}{extension}, '
            f"nhưng được xếp {_r(rk)}."
        )
        emit("DISCIPLINED_IN_YEAR", message, "collective_discipline_max")
    if s.type is _LC and s.unit is not None and c.collective_cap:
        unit = c.by_id[s.unit]
        if unit.rating is not None and rk > _RANK[unit.rating]:
            add(
                c.finding(
                    "COLLECTIVE_ABOVE_UNIT",
                    (sid, unit.id),
                    f'Tập thể lãnh đạo, quản lý "{sid}" được xếp {_r(rk)}, cao hơn tổ chức, cơ quan, đơn vị '
                    f'"{unit.id}" ({unit.rating.code}).',
                    "collective_cap",
                )
            )
    if rk > 0 and named_cases:
        if f.internal_disunity_concluded and c.disunity_fails:
            fail("COLLECTIVE_DISUNITY", "bị kết luận mất đoàn kết nội bộ", "disunity_fails")
    if rk > 0 and every_case:
        member_hit = f.member_disciplined_warning_or_above or (
            f.member_disciplined_in_year and c.member_discipline_min_level == "reprimand"
        )
        if member_hit:
            top = 0
            if f.member_discipline_self_remedied and c.member_discipline_self_remedied_exempt:
                top = 2  # QĐ 124 Đ12: HTT/HT allow a self-detected, remedied case; HTXS allows none
            level = (
                "từ cảnh cáo trở lên"
                if c.member_discipline_min_level == "warning"
                else "từ khiển trách trở lên"
            )
            if rk > top:
                message = (
                    f'Tập thể "{sid}" có thành viên bị kỷ luật {level} trong năm nên tối đa {_r(top)}{extension}, '
                    f"nhưng được xếp {_r(rk)}."
                )
                emit("COLLECTIVE_MEMBER_DISCIPLINED", message, "member_discipline_min_level")
        pct = f.children_disciplined_pct
        if pct is not None and c.children_disciplined_max_pct and pct > c.children_disciplined_max_pct:
            why = f"có {pct:g}% đơn vị trực thuộc bị kỷ luật (quá {c.children_disciplined_max_pct}%)"
            fail("CHILDREN_DISCIPLINED", why, "children_disciplined_max_pct")
        if (f.member_degradation_concluded or f.degradation_concluded) and c.collective_degradation_fails:
            why = "có thành viên bị kết luận suy thoái, “tự diễn biến”, “tự chuyển hóa”"
            fail("DEGRADATION_CONCLUDED", why, "collective_degradation_fails")
        pct = f.task_completion_pct
        thr = c.task_threshold_collective_pct
        if (
            pct < thr
            and (f.key_targets_missed or not c.task_threshold_collective_requires_key_missed)
            and not f.force_majeure
        ):
            why = f"chỉ hoàn thành {pct:g}% chỉ tiêu, nhiệm vụ (dưới {thr}%)"
            if c.task_threshold_collective_requires_key_missed:
                why += " và có chỉ tiêu chủ yếu không đạt"
            fail("TASKS_BELOW_THRESHOLD", why, "task_threshold_collective_pct")
        if f.kt_xh_targets_missed and c.kt_xh_targets_fail and not f.force_majeure:
            fail("KT_XH_TARGETS_MISSED", "không đạt 5 chỉ tiêu KT-XH cơ bản", "kt_xh_targets_fail")
        if (
            f.subordinate_corruption_disciplined
            and not f.subordinate_corruption_self_remedied
            and c.collective_subordinate_corruption_fails
        ):
            why = "có đơn vị trực thuộc xảy ra tham nhũng, lãng phí, tiêu cực bị kỷ luật"
            fail("SUBORDINATE_CORRUPTION", why, "collective_subordinate_corruption_fails")
    if rk == 3:
        if s.type is _PO:
            _org_excellent(c, s, f, add)
        elif f.children_disciplined_pct and c.excellent_requires_no_disciplined_children:
            add(
                c.finding(
                    "EXCELLENT_CONDITIONS",
                    (sid,),
                    f'"{sid}" được xếp HTXS nhưng có {f.children_disciplined_pct:g}% đơn vị trực thuộc '
                    "bị kỷ luật.",
                    "excellent_requires_no_disciplined_children",
                )
            )
        _excellent_conditions(c, s, f, add)
    if c.points and rk > 1 and c.excellent_conditions_apply_to_collectives:
        _band_conditions(c, s, f, rk, add)


def _org_excellent(c: _Ctx, s: Subject, f, add) -> None:  # type: ignore[no-untyped-def]
    """HD 21 II.B 1.3: 100% of children HT or better, ≥ 80% HTT or better, same-level bodies HTT or better."""
    by_id = c.by_id
    rated = ht = htt = 0
    disciplined = []
    for cid in s.children:
        child = by_id[cid]
        if child.facts.disciplined_in_year and child.type is _PO:
            disciplined.append(cid)
        r = child.rating
        if r is None:
            continue
        rated += 1
        k = _RANK[r]
        if k >= 1:
            ht += 1
            if k >= 2:
                htt += 1
    missing = []
    min_ht, min_htt = c.org_excellent_children_min_ht_pct, c.org_excellent_children_min_htt_pct
    key = "org_excellent_children_min_ht_pct"
    if rated and min_ht and ht * 100 < min_ht * rated:
        missing.append(f"chỉ {ht}/{rated} tổ chức, đảng viên trực thuộc đạt HT trở lên (cần {min_ht}%)")
    if rated and min_htt and htt * 100 < min_htt * rated:
        missing.append(f"chỉ {htt}/{rated} tổ chức, đảng viên trực thuộc đạt HTT trở lên (cần {min_htt}%)")
    same = f.same_level_bodies_min_rating
    if same is not None and c.org_excellent_same_level_min and _RANK[same] < c.org_excellent_same_level_min:
        missing.append(
            f"chính quyền, MTTQ, đoàn thể cùng cấp có mức {same.code} "
            f"(cần {_r(c.org_excellent_same_level_min)} trở lên)"
        )
    if c.excellent_requires_no_disciplined_children:
        if disciplined:
            missing.append(f"có tổ chức trực thuộc bị kỷ luật: {', '.join(disciplined)}")
            key = "excellent_requires_no_disciplined_children"
        elif f.children_disciplined_pct:
            missing.append(f"có {f.children_disciplined_pct:g}% tổ chức trực thuộc bị kỷ luật")
            key = "excellent_requires_no_disciplined_children"
    if missing:
        add(
            c.finding(
                "ORG_EXCELLENT_CONDITIONS",
                (s.id,),
                f'Tổ chức đảng "{s.id}" được xếp HTXS nhưng chưa đủ điều kiện: {"; ".join(missing)}.',
                key,
            )
        )


# -- Quota per comparable group ------------------------------------------------------------------------------


def _quota(c: _Ctx, groups: dict[str, list], add) -> dict[str, QuotaPlan]:  # type: ignore[type-arg, no-untyped-def]
    settings = c.scenario.quota_groups
    basis, rounding = c.quota_basis, c.rounding
    plans: dict[str, QuotaPlan] = {}
    for name in sorted(groups):
        excellent, good, ids, stype = groups[name]
        spec = settings.get(name)
        exception = spec is not None and spec.exception
        pct = c.quota_exception_ratio_pct if exception else c.quota_ratio_pct
        cap = max_excellent(excellent + good, basis=basis, ratio_pct=pct, rounding=rounding)
        plans[name] = QuotaPlan(excellent, good, cap, cap - excellent, quota_message(cap - excellent))
        if excellent > cap:
            base = "số HTT" if basis == "good_only" else "số HTT và HTXS"
            message = (
                f'Nhóm "{name}" có {excellent} HTXS và {good} HTT: vượt trần {cap} HTXS '
                f"({pct}% {base}{', ngoại lệ' if exception else ''}, làm tròn {_ROUNDING[rounding]}); "
                f"vượt {excellent - cap} suất."
            )
            citation, keys = _quota_source(c, stype, exception)
            # Verified when the group is over the ratio under either reading of the denominator: then no
            # reading of the text and no rounding lets it through.
            verified = all(c.verified[key] for key in keys) and excellent * 100 > pct * (excellent + good)
            if not verified:
                message += UNVERIFIED_NOTE
            add(Finding("QUOTA_EXCELLENT", tuple(ids), message, citation, verified))
    return plans


_ROUNDING = {"floor": "xuống", "ceil": "lên", "half_up": "nửa lên"}


def _quota_source(c: _Ctx, stype: SubjectType | None, exception: bool) -> tuple[Citation, tuple[str, ...]]:
    """The clause of a group's cap and the parameters it rests on."""
    if exception:
        return c.cite("quota_exception_ratio_pct"), ("quota_exception_ratio_pct",)
    if stype is _PO or stype is _AGENCY:
        # Party organisations and agencies: the cap of "tổ chức đảng … tập thể" (CV 854 mục 2(5); QĐ 124, 366).
        return c.cite("org_quota_enabled"), ("org_quota_enabled", "quota_ratio_pct")
    if c.scenario.regime.code == "QD132_HD21" and stype in _HD21_QUOTA:
        return _HD21_QUOTA[stype], ("quota_ratio_pct",)
    return c.cite("quota_ratio_pct"), ("quota_ratio_pct",)
