"""Every rule of the regimes, run over a scenario in one linear pass.

A rule reads the check's typed parameters (`Params`) and cites the parameter that states it (`ParameterKey`), so
its citation and verified flag come from that parameter's history in `regimes.HISTORIES`. `EMITTED_BY` names, for
each finding code, the functions that give it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from ._gc import paused_gc
from .citations import HD21, Citation
from .codes import CEILING_CODES, FINDING_CODES, Code
from .criteria import max_rating_from_criteria, score_band
from .levels import Rating, Role, SubjectType
from .model import Facts, Finding, QuotaGroupSettings, QuotaPlan, QuotaTally, Result, Scenario, Subject
from .params import ParameterKey, Params
from .parse import make_scenario, parse_scenario
from .quota import max_excellent, quota_message
from .regimes import Parameter, effective_parameters

__all__ = [
    "CEILING_CODES",
    "EMITTED_BY",
    "FINDING_CODES",
    "UNVERIFIED_NOTE",
    "check",
    "check_json",
    "check_quota",
    "merge",
]

EXCELLENT, GOOD, PASS, FAIL = Rating.EXCELLENT, Rating.GOOD, Rating.PASS, Rating.FAIL
# The hot loop compares ranks (ints): KHT 0 < HT 1 < HTT 2 < HTXS 3.
RANK = {EXCELLENT: 3, GOOD: 2, PASS: 1, FAIL: 0}
RATING_OF_RANK = {3: EXCELLENT, 2: GOOD, 1: PASS, 0: FAIL}
PARTY_MEMBER, LEADER = SubjectType.PARTY_MEMBER, SubjectType.LEADER
PARTY_ORGANIZATION, LEADERSHIP_COLLECTIVE = SubjectType.PARTY_ORGANIZATION, SubjectType.LEADERSHIP_COLLECTIVE
AGENCY = SubjectType.AGENCY

# Appended to the message of a finding whose rule is an unverified reading: the competent authority may override.
UNVERIFIED_NOTE = (
    " Căn cứ này là cách đọc chưa được đối chiếu với nguyên văn: cấp có thẩm quyền có thể quyết định khác, "
    "ghi rõ lý do."
)

# HD 21 counts the HTXS cap per kind of subject in different groups (II.B tiết 2, 3, 4).
HD21_QUOTA_CITATIONS = {
    SubjectType.PARTY_MEMBER: Citation(HD21, "Mục II, điểm B, tiết 2", "tiểu tiết 2.3, điểm a"),
    SubjectType.LEADERSHIP_COLLECTIVE: Citation(HD21, "Mục II, điểm B, tiết 3", "HTXS, ý (3)"),
    SubjectType.LEADER: Citation(HD21, "Mục II, điểm B, tiết 4"),
}

Add = Callable[[Finding], None]
_MISSING = object()  # not judged yet (None is "judged: judge each apart")


# "HTT (Hoàn thành tốt nhiệm vụ)" per rank, made once: a province's check quotes a level in 150,000 messages.
_RATING_TEXT = {rank: f"{rating.code} ({rating.label})" for rank, rating in RATING_OF_RANK.items()}


def _rating_text(rank: int) -> str:
    return _RATING_TEXT[rank]


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31/08 + 6 → 28/02)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    if year > date.max.year:
        return date.max
    day_of_month = day.day
    while True:
        try:
            return date(year, month, day_of_month)
        except ValueError:
            day_of_month -= 1


# Two per check, the same few (31/12 of the year, 6 months): a 20-step search each (~20 µs), made once.
@lru_cache(maxsize=64)
def _last_day_old_enough(reference: date, months: int) -> date | None:
    """The last day from which `months` have passed by `reference`; None when no day has.

    `_add_months` never decreases as the day grows, so "under `months` by `reference`" is "after this day": one
    comparison per subject instead of a month calculation.
    """
    low, high = date.min.toordinal(), reference.toordinal()
    if _add_months(date.fromordinal(low), months) > reference:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if _add_months(date.fromordinal(middle), months) <= reference:
            low = middle
        else:
            high = middle - 1
    return date.fromordinal(low)


def _is_recent(day: date, last_old_enough: date | None) -> bool:
    return last_old_enough is None or day > last_old_enough


@dataclass(slots=True)
class _Check:
    """One check under way: its typed parameters, where each comes from, and the subjects by id."""

    scenario: Scenario
    params: Params
    sources: Mapping[str, Parameter]
    verified: Mapping[str, bool]
    by_id: dict[str, Subject]
    points: bool
    reference: date
    last_admitted_ratable: date | None  # admitted after it: under new_member_months by 31/12
    last_founded_ratable: date | None  # founded after it: under new_collective_months by 31/12

    @classmethod
    def of(cls, scenario: Scenario) -> _Check:
        settings = scenario.settings
        sources = effective_parameters(scenario.regime, scenario.overlay)
        # A parameter's rule is verified when the digest checked it and no option replaced its value.
        verified = {
            key: parameter.verified and settings.get(key, parameter.value) == parameter.value
            for key, parameter in sources.items()
        }
        params = Params.from_settings(settings)
        by_id = {subject.id: subject for subject in scenario.subjects}
        reference = date(scenario.year, 12, 31)
        return cls(
            scenario,
            params,
            sources,
            verified,
            by_id,
            params.criteria_scale == "points",
            reference,
            _last_day_old_enough(reference, params.new_member_months),
            _last_day_old_enough(reference, params.new_collective_months),
        )

    def cite(self, key: ParameterKey) -> Citation:
        return self.sources[key].citation

    def finding(
        self,
        code: Code,
        subjects: tuple[str, ...],
        message: str,
        key: ParameterKey,
        *,
        verified: bool | None = None,
    ) -> Finding:
        """A finding of the rule that parameter `key` states, verified as that parameter unless told."""
        if verified is None:
            verified = self.verified[key]
        if not verified:
            message += UNVERIFIED_NOTE
        return Finding(code, subjects, message, self.sources[key].citation, verified)

    def fail(
        self, code: Code, subject: Subject, why: str, key: ParameterKey, *, verified: bool | None = None
    ) -> Finding:
        """A KHT case: the subject should be KHT."""
        rating = subject.rating.code if subject.rating is not None else ""
        message = f'"{subject.id}" {why} nên phải xếp KHT, nhưng được xếp {rating}.'
        return self.finding(code, (subject.id,), message, key, verified=verified)


def check(scenario: Scenario) -> Result:
    """Check every subject of a scenario; return the findings and the quota of every group."""
    with paused_gc():
        return _check(scenario)


# A quota group's tally while the subjects are read: HTXS count, HTT count, the HTXS ids, the first subject's type.
_Tally = list[Any]


def check_quota(
    year: int,
    tallies: Mapping[str, QuotaTally],
    *,
    quota_groups: Mapping[str, QuotaGroupSettings] | None = None,
    quarter: int | None = None,
    province: str | None = "tuyen-quang",
) -> Result:
    """The quota rule alone, over groups counted by the caller: the plans and the HTXS-over-the-cap findings that
    `check` gives for subjects so tallied, under the same regime, overlay and parameters (`make_scenario`'s).
    A group of `quota_groups` (its exception) is planned even without a counted subject, as `check` plans it.
    The result holds those findings only (the quota's, by group name) and the plans."""
    scenario = make_scenario(
        year, (), quota_groups=dict(quota_groups or {}), quarter=quarter, province=province
    )
    ctx = _Check.of(scenario)
    org_quota = ctx.params.org_quota_enabled

    def counted(kind: SubjectType) -> bool:
        return org_quota or (kind is not PARTY_ORGANIZATION and kind is not AGENCY)

    groups: dict[str, _Tally] = {name: [0, 0, [], None] for name in scenario.quota_groups}
    for name, tally in tallies.items():
        kinds = [kind for kind in tally.types if counted(kind)]
        if kinds:
            ids = [sid for sid, kind in tally.excellent if counted(kind)]
            good = sum(count for kind, count in tally.good.items() if counted(kind))
            groups[name] = [len(ids), good, ids, kinds[0]]
    findings: list[Finding] = []
    plans = _quota(ctx, groups, findings.append)
    return Result(scenario.regime, scenario.overlay, tuple(findings), plans, scenario.year, scenario.quarter)


def _check(scenario: Scenario) -> Result:
    ctx = _Check.of(scenario)
    params = ctx.params
    findings: list[Finding] = []
    add = findings.append
    groups: dict[str, _Tally] = {name: [0, 0, [], None] for name in scenario.quota_groups}
    org_quota = params.org_quota_enabled
    members_judged: dict[tuple[Any, ...], Any] = {}  # a _Template, or None: judge apart
    for subject in scenario.subjects:
        rating = subject.rating
        group = subject.quota_group
        subject_type = subject.type
        if group is not None and (
            org_quota or (subject_type is not PARTY_ORGANIZATION and subject_type is not AGENCY)
        ):
            tally = groups.get(group)
            if tally is None:
                tally = groups[group] = [0, 0, [], subject_type]
            elif tally[3] is None:
                tally[3] = subject_type
            if rating is EXCELLENT:
                tally[0] += 1
                tally[2].append(subject.id)
            elif rating is GOOD:
                tally[1] += 1
        if rating is None:
            continue
        # Identity tests, not RANK[rating]: an enum's __hash__ is a Python call, and this runs for every subject.
        rank = 3 if rating is EXCELLENT else 2 if rating is GOOD else 1 if rating is PASS else 0
        if subject_type is PARTY_MEMBER and subject.collective is None and subject.unit is None:
            # A member's findings depend on nothing but their level, facts, score and criteria (no link to another
            # subject): judged once per such combination, then given again under each member's name.
            criteria = subject.criteria
            key = (id(subject.facts), rank, subject.score, None if criteria is None else id(criteria))
            judged = members_judged.get(key, _MISSING)
            if judged is _MISSING:
                judged = members_judged[key] = _judge_as_template(ctx, subject, rank)
            if judged is None:
                _judge(ctx, subject, rank, add)
            elif judged:
                sid = subject.id
                for code, message, citation, verified in judged:
                    add(Finding(code, (sid,), message.replace(_PROBE, sid), citation, verified))
            continue
        _judge(ctx, subject, rank, add)
    plans = _quota(ctx, groups, add)
    return Result(scenario.regime, scenario.overlay, tuple(findings), plans, scenario.year, scenario.quarter)


def _judge(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    """Every rule on one rated subject, but the quota (counted per group, after all subjects)."""
    if _not_ratable(ctx, subject, add):
        return
    subject_type = subject.type
    if subject_type is PARTY_MEMBER or subject_type is LEADER:
        _individual(ctx, subject, rank, add)
    else:
        _collective(ctx, subject, rank, add)
    if subject.score is not None and rank > 0:
        _score_band(ctx, subject, rank, add)
    if subject.criteria is not None and rank > 0:
        _criteria_cap(ctx, subject, rank, add)


# Stands for a member's id while their findings are made once for all members alike (no id contains it).
_PROBE = "\x00member\x00"
_Template = tuple[tuple[str, str, Citation, bool], ...]


def _judge_as_template(ctx: _Check, subject: Subject, rank: int) -> _Template | None:
    """`_judge` on this member under the stand-in id: each finding's code, message (the id still to put in), citation
    and verified flag. None if a finding names another subject or quotes the member otherwise than once, as the
    rules for members do: then each member alike is judged on their own."""
    found: list[Finding] = []
    _judge(ctx, subject._replace(id=_PROBE), rank, found.append)
    quoted = f'"{_PROBE}"'
    if any(
        finding.subjects != (_PROBE,) or finding.message.count(_PROBE) != 1 or quoted not in finding.message
        for finding in found
    ):
        return None
    return tuple((finding.code, finding.message, finding.citation, finding.verified) for finding in found)


def _score_band(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    assert subject.score is not None
    band = RANK[score_band(ctx.scenario.regime, subject.score)]
    if rank > band:
        message = (
            f'"{subject.id}" đạt {subject.score:g} điểm, chỉ tới mức {_rating_text(band)}, '
            f"nhưng được xếp {_rating_text(rank)}."
        )
        add(ctx.finding(Code.SCORE_BAND, (subject.id,), message, "score_excellent_min"))


def _criteria_cap(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    criteria = subject.criteria
    assert criteria is not None
    top = RANK[max_rating_from_criteria(ctx.scenario.regime, criteria.others, result_grades=criteria.results)]
    if rank > top:
        # Refusing HTXS by its own criteria is verified (HD 21 2.3 a; QĐ 124 Đ12 k1); a cap at HT or KHT rests on
        # the HTT/HT readings (A-10, A-11, criteria_good_min_other), which are not.
        message = (
            f'Cấp độ các tiêu chí của "{subject.id}" chỉ cho phép tối đa {_rating_text(top)}, '
            f"nhưng được xếp {_rating_text(rank)}."
        )
        verified = True if top >= 2 else None
        add(
            ctx.finding(
                Code.CRITERIA_CAP, (subject.id,), message, "criteria_good_min_other", verified=verified
            )
        )


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
        over = iter(
            sorted(name for name, plan in result.quota_groups.items() if plan.excellent > plan.max_excellent)
        )
        for finding in result.findings:
            if finding.code == Code.QUOTA_EXCELLENT:
                quota.append((next(over), finding))
            else:
                per_subject.append(finding)
    per_subject.sort(
        key=lambda finding: key(finding.subjects[0])
    )  # stable: a subject's findings keep their order
    quota.sort(key=lambda pair: pair[0])
    findings = (*per_subject, *(finding for _, finding in quota))
    merged = {name: plans[name] for name in sorted(plans)}
    return Result(first.regime, first.overlay, findings, merged, first.year, first.quarter)


def check_json(data: object) -> dict[str, object]:
    """The contract: parsed JSON scenario in, result dict out; BadInput for bad input."""
    scenario = parse_scenario(data)
    with paused_gc():
        return _check(scenario).to_dict()


# -- Eligibility ---------------------------------------------------------------------------------------------


def _not_ratable(ctx: _Check, subject: Subject, add: Add) -> bool:
    facts = subject.facts
    params = ctx.params
    reason: str | None = None
    key: ParameterKey = "exempt_not_rated"
    if facts.exempt and params.exempt_not_rated:
        reason, key = "được miễn công tác và sinh hoạt đảng", "exempt_not_rated"
    elif facts.suspended and params.suspended_not_rated:
        reason, key = "đang bị đình chỉ sinh hoạt đảng", "suspended_not_rated"
    elif not facts.reviewed and params.unreviewed_not_rated:
        reason, key = "chưa kiểm điểm", "unreviewed_not_rated"
    elif facts.admitted_on is not None and _is_recent(facts.admitted_on, ctx.last_admitted_ratable):
        reason = (
            f"mới kết nạp ngày {_dmy(facts.admitted_on)}, chưa đủ {params.new_member_months} tháng "
            f"tính đến {_dmy(ctx.reference)}"
        )
        key = "new_member_months"
    elif facts.founded_on is not None and _is_recent(facts.founded_on, ctx.last_founded_ratable):
        reason = (
            f"mới thành lập ngày {_dmy(facts.founded_on)}, chưa đủ {params.new_collective_months} tháng "
            f"tính đến {_dmy(ctx.reference)}"
        )
        key = "new_collective_months"
    if reason is None:
        return False
    rating = subject.rating.code if subject.rating is not None else ""
    message = f'"{subject.id}" {reason} nên không được xếp loại, nhưng đang có mức {rating}.'
    add(ctx.finding(Code.NOT_RATABLE, (subject.id,), message, key))
    return True


# -- Individuals: party members and leaders ------------------------------------------------------------------


def _individual(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    facts = subject.facts
    params = ctx.params
    if facts.disciplined_in_year:
        _individual_discipline(ctx, subject, rank, add)
    if facts.sick_leave_days >= params.sick_leave_days and rank > params.sick_leave_max.rank:
        message = (
            f'"{subject.id}" nghỉ ốm {facts.sick_leave_days} ngày (từ 3 tháng) trong năm nên tối đa '
            f"{_rating_text(params.sick_leave_max.rank)}, nhưng được xếp {_rating_text(rank)}."
        )
        add(ctx.finding(Code.SICK_LEAVE_CAP, (subject.id,), message, "sick_leave_max"))
    if facts.civil_service_rating is not None and params.civil_service_consistency:
        _civil_service(ctx, subject, rank, add)
    if rank > 0:
        _individual_fail_cases(ctx, subject, add)
    if rank == 3:
        _excellent_conditions(ctx, subject, add)
    if ctx.points and rank > 1:
        _band_conditions(ctx, subject, rank, add)
    if subject.type is LEADER:
        _leader_ceiling(ctx, subject, rank, add)
        if rank > 0:
            _leader_fail_cases(ctx, subject, add)


def _individual_discipline(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    facts = subject.facts
    params = ctx.params
    key: ParameterKey = "individual_discipline_max"
    top = params.individual_discipline_max
    if facts.discipline_self_remedied and params.discipline_self_remedied_exempt:
        key, top = "discipline_self_remedied_max", params.discipline_self_remedied_max
    elif not facts.discipline_related_to_duties:
        key, top = "discipline_unrelated_to_duties_max", params.discipline_unrelated_to_duties_max
    if rank > top.rank:
        message = (
            f'"{subject.id}" bị thi hành kỷ luật trong năm nên tối đa {_rating_text(top.rank)}, '
            f"nhưng được xếp {_rating_text(rank)}."
        )
        add(ctx.finding(Code.DISCIPLINED_IN_YEAR, (subject.id,), message, key))


def _civil_service(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    civil_service = subject.facts.civil_service_rating
    assert civil_service is not None
    civil_rank = (
        3 if civil_service is EXCELLENT else 2 if civil_service is GOOD else 1 if civil_service is PASS else 0
    )
    why = None
    key: ParameterKey = "civil_service_consistency"
    if rank == 3 and civil_rank != 3:
        why = "đảng viên HTXS phải được xếp loại CBCCVC HTXS"
    elif civil_rank == 0 and rank > 0:
        why = "CBCCVC bị xếp KHT thì đảng viên phải xếp KHT"
    elif rank > civil_rank and ctx.params.civil_service_cap_all_levels:
        why = "mức đảng viên không cao hơn mức xếp loại CBCCVC"
        key = "civil_service_cap_all_levels"
    if why:
        message = f'"{subject.id}" được xếp {_rating_text(rank)} là đảng viên nhưng {civil_service.code} là CBCCVC: {why}.'
        add(ctx.finding(Code.CIVIL_SERVICE_MISMATCH, (subject.id,), message, key))


def _individual_fail_cases(ctx: _Check, subject: Subject, add: Add) -> None:
    facts = subject.facts
    params = ctx.params
    completed = facts.task_completion_pct
    threshold = params.task_threshold_individual_pct
    below = completed < threshold and (
        facts.key_targets_missed or not params.task_threshold_individual_requires_key_missed
    )
    key_targets_alone = facts.key_targets_missed and params.key_targets_missed_fails_individual
    if (below or key_targets_alone) and not (facts.force_majeure and params.force_majeure_exempts_individual):
        why = (
            f"chỉ hoàn thành {completed:g}% chỉ tiêu, nhiệm vụ (dưới {threshold}%)"
            if below
            else "không hoàn thành chỉ tiêu quan trọng"
        )
        add(ctx.fail(Code.TASKS_BELOW_THRESHOLD, subject, why, "task_threshold_individual_pct"))
    if facts.degradation_concluded and params.degradation_fails:
        why = "bị kết luận có biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa”"
        add(ctx.fail(Code.DEGRADATION_CONCLUDED, subject, why, "degradation_fails"))
    if facts.conduct_violation and params.conduct_violation_fails:
        why = "vi phạm những điều đảng viên không được làm hoặc trách nhiệm nêu gương"
        add(ctx.fail(Code.CONDUCT_VIOLATION, subject, why, "conduct_violation_fails"))


def _excellent_conditions(ctx: _Check, subject: Subject, add: Add) -> None:
    facts = subject.facts
    params = ctx.params
    if subject.type.is_collective and not params.excellent_conditions_apply_to_collectives:
        return
    missing = []
    # Under QĐ 366 the 100% condition is a band condition (BAND_CONDITIONS), not repeated here.
    if params.excellent_requires_full_completion and not ctx.points and facts.task_completion_pct < 100:
        missing.append(f"hoàn thành {facts.task_completion_pct:g}% chỉ tiêu, nhiệm vụ (cần 100%)")
    need = params.excellent_min_tasks_exceeded_pct
    if need and facts.tasks_exceeded_pct is not None and facts.tasks_exceeded_pct < need:
        missing.append(f"{facts.tasks_exceeded_pct:g}% nhiệm vụ vượt mức (cần từ {need}%)")
    if (
        params.excellent_requires_full_remediation
        and facts.remediation_pct is not None
        and facts.remediation_pct < 100
    ):
        missing.append(f"khắc phục {facts.remediation_pct:g}% hạn chế kỳ trước (cần 100%)")
    if missing:
        message = f'"{subject.id}" được xếp HTXS nhưng chưa đủ điều kiện: {"; ".join(missing)}.'
        add(
            ctx.finding(Code.EXCELLENT_CONDITIONS, (subject.id,), message, "excellent_min_tasks_exceeded_pct")
        )


def _band_conditions(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    """QĐ 366 Điều 11: HTT needs 100% of tasks on time; HT allows ≤ 20% late."""
    facts = subject.facts
    params = ctx.params
    assert params.band_gap_max is not None and params.max_overdue_pct_pass is not None
    why = None
    # Short of HT's own conditions (100% of tasks, ≤ 20% late) and of the KHT list: the gap (band_gap_max, A-13).
    top: int = params.band_gap_max.rank
    key: ParameterKey = "band_gap_max"
    if facts.task_completion_pct < 100:
        why = f"chỉ hoàn thành {facts.task_completion_pct:g}% nhiệm vụ (HTT trở lên cần 100% đúng hạn)"
    elif facts.tasks_overdue_pct > 0:
        why = f"có {facts.tasks_overdue_pct:g}% nhiệm vụ chậm tiến độ (HTT trở lên cần 100% đúng hạn)"
        if facts.tasks_overdue_pct <= params.max_overdue_pct_pass:
            top, key = 1, "max_overdue_pct_pass"  # HT: 100% of tasks, at most 20% late
    if why and rank > top:
        message = f'"{subject.id}" {why} nên tối đa {_rating_text(top)}, nhưng được xếp {_rating_text(rank)}.'
        add(ctx.finding(Code.BAND_CONDITIONS, (subject.id,), message, key))


def _leader_ceiling(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    """A head (and, where deputies are capped, a deputy) not above their collective and their unit."""
    facts = subject.facts
    params = ctx.params
    # A deputy is never capped while the head is not: a province that caps deputies (CV 854 mục 2(5): "người đứng
    # đầu và cấp phó") caps heads too. Only a head may be exempt, newly transferred and unrelated to the unit's
    # shortcomings; CV 854 gives deputies no exception.
    key: ParameterKey | None = None
    if subject.role is Role.HEAD:
        if params.head_cap or params.cap_deputies:
            key = "head_cap" if params.head_cap else "cap_deputies"
            if (
                facts.newly_transferred
                and facts.transfer_unrelated_to_shortcomings
                and params.newly_transferred_head_exempt
            ):
                key = None
    elif subject.role is Role.DEPUTY and params.cap_deputies:
        key = "cap_deputies"
    if key is None:
        return
    collective = ctx.by_id[subject.collective] if subject.collective is not None else None
    unit_id = (
        subject.unit if subject.unit is not None else collective.unit if collective is not None else None
    )
    unit = ctx.by_id[unit_id] if unit_id is not None else None
    role = subject.role.label.capitalize() if subject.role is not None else ""
    for target, what in ((collective, "tập thể lãnh đạo, quản lý"), (unit, "tổ chức, cơ quan, đơn vị")):
        if target is not None and target.rating is not None and rank > RANK[target.rating]:
            message = (
                f'{role} "{subject.id}" được xếp {_rating_text(rank)}, cao hơn {what} '
                f'"{target.id}" ({target.rating.code}).'
            )
            add(ctx.finding(Code.HEAD_ABOVE_COLLECTIVE, (subject.id, target.id), message, key))


def _leader_fail_cases(ctx: _Check, subject: Subject, add: Add) -> None:
    """The KHT cases of a leader: the units they lead, the socio-economic targets, confidence, corruption below."""
    facts = subject.facts
    params = ctx.params
    led_rating = facts.led_unit_rating
    if led_rating is None:
        collective = ctx.by_id[subject.collective] if subject.collective is not None else None
        unit_id = (
            subject.unit if subject.unit is not None else collective.unit if collective is not None else None
        )
        led_rating = ctx.by_id[unit_id].rating if unit_id is not None else None
    why = None
    key: ParameterKey = "leader_unit_kht_fails"
    failed_pct = facts.led_units_failed_pct
    led_completed = facts.led_unit_task_completion_pct
    if led_rating is FAIL and params.leader_unit_kht_fails:
        why = "có địa phương, đơn vị trực tiếp phụ trách bị xếp KHT"
    elif (
        failed_pct is not None
        and params.leader_units_failed_max_pct
        and failed_pct > params.leader_units_failed_max_pct
    ):
        why = f"có {failed_pct:g}% đơn vị phụ trách bị xếp KHT (quá {params.leader_units_failed_max_pct}%)"
        key = "leader_units_failed_max_pct"
    elif (
        led_completed is not None
        and params.leader_unit_task_threshold_pct
        and led_completed < params.leader_unit_task_threshold_pct
        and (facts.led_unit_key_targets_missed or not params.leader_unit_task_requires_key_missed)
        and not facts.force_majeure
    ):
        why = (
            f"có đơn vị trực tiếp phụ trách chỉ hoàn thành {led_completed:g}% nhiệm vụ "
            f"(dưới {params.leader_unit_task_threshold_pct}%)"
        )
        key = "leader_unit_task_threshold_pct"
    if why:
        add(ctx.fail(Code.LEADER_UNIT_FAILED, subject, why, key))
    if facts.kt_xh_targets_missed and params.kt_xh_targets_fail and not facts.force_majeure:
        why = "không đạt 5 chỉ tiêu KT-XH cơ bản"
        add(ctx.fail(Code.KT_XH_TARGETS_MISSED, subject, why, "kt_xh_targets_fail"))
    low = facts.low_confidence_pct
    if low is not None and params.low_confidence_max_pct and low > params.low_confidence_max_pct:
        why = f"có {low:g}% phiếu tín nhiệm thấp (quá {params.low_confidence_max_pct}%)"
        add(ctx.fail(Code.LOW_CONFIDENCE, subject, why, "low_confidence_max_pct"))
    if (
        facts.subordinate_corruption_disciplined
        and not facts.subordinate_corruption_self_remedied
        and params.subordinate_corruption_fails
    ):
        why = "có tổ chức, cá nhân thuộc quyền quản lý trực tiếp tham nhũng, tiêu cực bị kỷ luật"
        add(ctx.fail(Code.SUBORDINATE_CORRUPTION, subject, why, "subordinate_corruption_fails"))


# -- Collectives: party organisations, agencies, leadership collectives --------------------------------------

_EXTENDED_TO = {PARTY_ORGANIZATION: "tổ chức đảng", AGENCY: "tổ chức, cơ quan, đơn vị"}


@dataclass(frozen=True, slots=True)
class _Reach:
    """How far a leadership collective's KHT cases reach a collective of another kind (the regime says)."""

    every_case: bool  # all of them
    named_cases: bool  # body discipline and disunity (the digest's examples for party organisations, HD 21)
    scope_key: ParameterKey | None  # the parameter stating the extension; None for a leadership collective
    extension: str  # "" or the words that say the rule is stretched to this kind of collective


def _reach(ctx: _Check, subject_type: SubjectType) -> _Reach:
    if subject_type is LEADERSHIP_COLLECTIVE:
        return _Reach(True, True, None, "")
    params = ctx.params
    key: ParameterKey
    if subject_type is PARTY_ORGANIZATION:
        key, scope = "party_organization_fail_cases", params.party_organization_fail_cases
    else:
        key, scope = "agency_fail_cases", params.agency_fail_cases
    extension = ""
    if not ctx.verified[key]:
        extension = (
            f" (quy tắc nêu cho tập thể lãnh đạo, quản lý; áp dụng mở rộng cho {_EXTENDED_TO[subject_type]})"
        )
    every_case = scope == "all"
    return _Reach(every_case, every_case or scope == "discipline_disunity", key, extension)


def _collective(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    facts = subject.facts
    params = ctx.params
    reach = _reach(ctx, subject.type)

    def emit(code: Code, message: str, key: ParameterKey) -> None:
        # An extension cites where the digest puts this kind's own (unverified) list, and says so.
        if reach.extension and reach.scope_key is not None:
            add(ctx.finding(code, (subject.id,), message, reach.scope_key, verified=False))
        else:
            add(ctx.finding(code, (subject.id,), message, key))

    def fail(code: Code, why: str, key: ParameterKey) -> None:
        rating = subject.rating.code if subject.rating is not None else ""
        emit(code, f'"{subject.id}" {why}{reach.extension} nên phải xếp KHT, nhưng được xếp {rating}.', key)

    top = params.collective_discipline_max.rank
    if reach.named_cases and facts.disciplined_in_year and rank > top:
        message = (
            f'Tập thể "{subject.id}" bị thi hành kỷ luật trong năm nên tối đa {_rating_text(top)}'
            f"{reach.extension}, nhưng được xếp {_rating_text(rank)}."
        )
        emit(Code.DISCIPLINED_IN_YEAR, message, "collective_discipline_max")
    if subject.type is LEADERSHIP_COLLECTIVE and subject.unit is not None and params.collective_cap:
        _collective_ceiling(ctx, subject, rank, add)
    if rank > 0 and reach.named_cases and facts.internal_disunity_concluded and params.disunity_fails:
        fail(Code.COLLECTIVE_DISUNITY, "bị kết luận mất đoàn kết nội bộ", "disunity_fails")
    if rank > 0 and reach.every_case:
        member_hit = facts.member_disciplined_warning_or_above or (
            facts.member_disciplined_in_year and params.member_discipline_min_level == "reprimand"
        )
        if member_hit:
            allowed = 0
            if facts.member_discipline_self_remedied and params.member_discipline_self_remedied_exempt:
                allowed = 2  # QĐ 124 Đ12: HTT/HT allow a self-detected, remedied case; HTXS allows none
            level = (
                "từ cảnh cáo trở lên"
                if params.member_discipline_min_level == "warning"
                else "từ khiển trách trở lên"
            )
            if rank > allowed:
                message = (
                    f'Tập thể "{subject.id}" có thành viên bị kỷ luật {level} trong năm nên tối đa '
                    f"{_rating_text(allowed)}{reach.extension}, nhưng được xếp {_rating_text(rank)}."
                )
                emit(Code.COLLECTIVE_MEMBER_DISCIPLINED, message, "member_discipline_min_level")
        disciplined_pct = facts.children_disciplined_pct
        limit = params.children_disciplined_max_pct
        if disciplined_pct is not None and limit and disciplined_pct > limit:
            why = f"có {disciplined_pct:g}% đơn vị trực thuộc bị kỷ luật (quá {limit}%)"
            fail(Code.CHILDREN_DISCIPLINED, why, "children_disciplined_max_pct")
        if (
            facts.member_degradation_concluded or facts.degradation_concluded
        ) and params.collective_degradation_fails:
            why = "có thành viên bị kết luận suy thoái, “tự diễn biến”, “tự chuyển hóa”"
            fail(Code.DEGRADATION_CONCLUDED, why, "collective_degradation_fails")
        completed = facts.task_completion_pct
        threshold = params.task_threshold_collective_pct
        needs_key_missed = params.task_threshold_collective_requires_key_missed
        if (
            completed < threshold
            and (facts.key_targets_missed or not needs_key_missed)
            and not facts.force_majeure
        ):
            why = f"chỉ hoàn thành {completed:g}% chỉ tiêu, nhiệm vụ (dưới {threshold}%)"
            if needs_key_missed:
                why += " và có chỉ tiêu chủ yếu không đạt"
            fail(Code.TASKS_BELOW_THRESHOLD, why, "task_threshold_collective_pct")
        if facts.kt_xh_targets_missed and params.kt_xh_targets_fail and not facts.force_majeure:
            fail(Code.KT_XH_TARGETS_MISSED, "không đạt 5 chỉ tiêu KT-XH cơ bản", "kt_xh_targets_fail")
        if (
            facts.subordinate_corruption_disciplined
            and not facts.subordinate_corruption_self_remedied
            and params.collective_subordinate_corruption_fails
        ):
            why = "có đơn vị trực thuộc xảy ra tham nhũng, lãng phí, tiêu cực bị kỷ luật"
            fail(Code.SUBORDINATE_CORRUPTION, why, "collective_subordinate_corruption_fails")
    if rank == 3:
        if subject.type is PARTY_ORGANIZATION:
            _org_excellent(ctx, subject, add)
        elif facts.children_disciplined_pct and params.excellent_requires_no_disciplined_children:
            message = (
                f'"{subject.id}" được xếp HTXS nhưng có {facts.children_disciplined_pct:g}% đơn vị trực thuộc '
                "bị kỷ luật."
            )
            add(
                ctx.finding(
                    Code.EXCELLENT_CONDITIONS,
                    (subject.id,),
                    message,
                    "excellent_requires_no_disciplined_children",
                )
            )
        _excellent_conditions(ctx, subject, add)
    if ctx.points and rank > 1 and params.excellent_conditions_apply_to_collectives:
        _band_conditions(ctx, subject, rank, add)


def _collective_ceiling(ctx: _Check, subject: Subject, rank: int, add: Add) -> None:
    """A leadership collective not above its unit."""
    assert subject.unit is not None
    unit = ctx.by_id[subject.unit]
    if unit.rating is not None and rank > RANK[unit.rating]:
        message = (
            f'Tập thể lãnh đạo, quản lý "{subject.id}" được xếp {_rating_text(rank)}, cao hơn tổ chức, cơ quan, '
            f'đơn vị "{unit.id}" ({unit.rating.code}).'
        )
        add(ctx.finding(Code.COLLECTIVE_ABOVE_UNIT, (subject.id, unit.id), message, "collective_cap"))


def _org_excellent(ctx: _Check, subject: Subject, add: Add) -> None:
    """HD 21 II.B 1.3: 100% of children HT or better, ≥ 80% HTT or better, same-level bodies HTT or better."""
    facts: Facts = subject.facts
    params = ctx.params
    rated = at_least_pass = at_least_good = 0
    disciplined = []
    for child_id in subject.children:
        child = ctx.by_id[child_id]
        if child.facts.disciplined_in_year and child.type is PARTY_ORGANIZATION:
            disciplined.append(child_id)
        if child.rating is None:
            continue
        rated += 1
        child_rating = child.rating
        child_rank = (
            3
            if child_rating is EXCELLENT
            else 2
            if child_rating is GOOD
            else 1
            if child_rating is PASS
            else 0
        )
        if child_rank >= 1:
            at_least_pass += 1
            if child_rank >= 2:
                at_least_good += 1
    missing = []
    min_pass, min_good = params.org_excellent_children_min_ht_pct, params.org_excellent_children_min_htt_pct
    key: ParameterKey = "org_excellent_children_min_ht_pct"
    if rated and min_pass and at_least_pass * 100 < min_pass * rated:
        missing.append(
            f"chỉ {at_least_pass}/{rated} tổ chức, đảng viên trực thuộc đạt HT trở lên (cần {min_pass}%)"
        )
    if rated and min_good and at_least_good * 100 < min_good * rated:
        missing.append(
            f"chỉ {at_least_good}/{rated} tổ chức, đảng viên trực thuộc đạt HTT trở lên (cần {min_good}%)"
        )
    same_level = facts.same_level_bodies_min_rating
    same_level_min = params.org_excellent_same_level_min.rank
    if same_level is not None and same_level_min and RANK[same_level] < same_level_min:
        missing.append(
            f"chính quyền, MTTQ, đoàn thể cùng cấp có mức {same_level.code} "
            f"(cần {_rating_text(same_level_min)} trở lên)"
        )
    if params.excellent_requires_no_disciplined_children:
        if disciplined:
            missing.append(f"có tổ chức trực thuộc bị kỷ luật: {', '.join(disciplined)}")
            key = "excellent_requires_no_disciplined_children"
        elif facts.children_disciplined_pct:
            missing.append(f"có {facts.children_disciplined_pct:g}% tổ chức trực thuộc bị kỷ luật")
            key = "excellent_requires_no_disciplined_children"
    if missing:
        message = f'Tổ chức đảng "{subject.id}" được xếp HTXS nhưng chưa đủ điều kiện: {"; ".join(missing)}.'
        add(ctx.finding(Code.ORG_EXCELLENT_CONDITIONS, (subject.id,), message, key))


# -- Quota per comparable group ------------------------------------------------------------------------------

_ROUNDING = {"floor": "xuống", "ceil": "lên", "half_up": "nửa lên"}


def _quota(ctx: _Check, groups: dict[str, _Tally], add: Add) -> dict[str, QuotaPlan]:
    group_settings = ctx.scenario.quota_groups
    params = ctx.params
    basis, rounding = params.quota_basis, params.rounding
    plans: dict[str, QuotaPlan] = {}
    for name in sorted(groups):
        excellent, good, ids, first_type = groups[name]
        spec = group_settings.get(name)
        exception = spec is not None and spec.exception
        ratio = params.quota_exception_ratio_pct if exception else params.quota_ratio_pct
        cap = max_excellent(excellent + good, basis=basis, ratio_pct=ratio, rounding=rounding)
        plans[name] = QuotaPlan(excellent, good, cap, cap - excellent, quota_message(cap - excellent))
        if excellent > cap:
            add(_quota_finding(ctx, name, excellent, good, tuple(ids), first_type, exception, cap, ratio))
    return plans


def _quota_finding(
    ctx: _Check,
    name: str,
    excellent: int,
    good: int,
    ids: tuple[str, ...],
    first_type: SubjectType | None,
    exception: bool,
    cap: int,
    ratio: int,
) -> Finding:
    params = ctx.params
    base = "số HTT" if params.quota_basis == "good_only" else "số HTT và HTXS"
    message = (
        f'Nhóm "{name}" có {excellent} HTXS và {good} HTT: vượt trần {cap} HTXS '
        f"({ratio}% {base}{', ngoại lệ' if exception else ''}, làm tròn {_ROUNDING[params.rounding]}); "
        f"vượt {excellent - cap} suất."
    )
    citation, keys = _quota_source(ctx, first_type, exception)
    # Verified when the group is over the ratio under either reading of the denominator: then no reading of
    # the text and no rounding lets it through.
    verified = all(ctx.verified[key] for key in keys) and excellent * 100 > ratio * (excellent + good)
    if not verified:
        message += UNVERIFIED_NOTE
    return Finding(Code.QUOTA_EXCELLENT, ids, message, citation, verified)


def _quota_source(
    ctx: _Check, first_type: SubjectType | None, exception: bool
) -> tuple[Citation, tuple[ParameterKey, ...]]:
    """The clause of a group's cap and the parameters it rests on."""
    if exception:
        return ctx.cite("quota_exception_ratio_pct"), ("quota_exception_ratio_pct",)
    if first_type is PARTY_ORGANIZATION or first_type is AGENCY:
        # Party organisations and agencies: the cap of "tổ chức đảng … tập thể" (CV 854 mục 2(5); QĐ 124, 366).
        return ctx.cite("org_quota_enabled"), ("org_quota_enabled", "quota_ratio_pct")
    if ctx.scenario.regime.code == "QD132_HD21" and first_type in HD21_QUOTA_CITATIONS:
        return HD21_QUOTA_CITATIONS[first_type], ("quota_ratio_pct",)
    return ctx.cite("quota_ratio_pct"), ("quota_ratio_pct",)


# -- Which rules give each code ------------------------------------------------------------------------------

EMITTED_BY: dict[Code, tuple[Callable[..., object], ...]] = {
    Code.QUOTA_EXCELLENT: (_quota_finding,),
    Code.HEAD_ABOVE_COLLECTIVE: (_leader_ceiling,),
    Code.COLLECTIVE_ABOVE_UNIT: (_collective_ceiling,),
    Code.DISCIPLINED_IN_YEAR: (_individual_discipline, _collective),
    Code.SICK_LEAVE_CAP: (_individual,),
    Code.NOT_RATABLE: (_not_ratable,),
    Code.CIVIL_SERVICE_MISMATCH: (_civil_service,),
    Code.TASKS_BELOW_THRESHOLD: (_individual_fail_cases, _collective),
    Code.DEGRADATION_CONCLUDED: (_individual_fail_cases, _collective),
    Code.CONDUCT_VIOLATION: (_individual_fail_cases,),
    Code.ORG_EXCELLENT_CONDITIONS: (_org_excellent,),
    Code.EXCELLENT_CONDITIONS: (_excellent_conditions, _collective),
    Code.BAND_CONDITIONS: (_band_conditions,),
    Code.COLLECTIVE_MEMBER_DISCIPLINED: (_collective,),
    Code.CHILDREN_DISCIPLINED: (_collective,),
    Code.COLLECTIVE_DISUNITY: (_collective,),
    Code.KT_XH_TARGETS_MISSED: (_leader_fail_cases, _collective),
    Code.LEADER_UNIT_FAILED: (_leader_fail_cases,),
    Code.LOW_CONFIDENCE: (_leader_fail_cases,),
    Code.SUBORDINATE_CORRUPTION: (_leader_fail_cases, _collective),
    Code.SCORE_BAND: (_score_band,),
    Code.CRITERIA_CAP: (_criteria_cap,),
}
