"""State changes of cycles and evaluations; views, the API, imports and commands all call these."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kiemdiem import rules
from kiemdiem.accounts.models import User
from kiemdiem.campaigns import hooks
from kiemdiem.campaigns.compliance import OVERRIDABLE_CODES, findings_caused_by, related_evaluations
from kiemdiem.campaigns.models import (
    AuditRecord,
    Cycle,
    CycleState,
    Evaluation,
    EvaluationState,
    Order,
    OrderKind,
    QuotaGroup,
    RatingLevel,
    SubjectType,
)
from kiemdiem.campaigns.permissions import (
    can_decide,
    can_order,
    can_propose,
    can_self_review,
    can_verify,
    deciding_unit_for,
    require,
)
from kiemdiem.campaigns.review_forms import GRADES, form_for, required_sections
from kiemdiem.orgs.models import (
    GRASSROOTS_KINDS,
    LeadershipCollective,
    ManagementTier,
    Person,
    Position,
    Role,
    Unit,
    UnitKind,
)
from kiemdiem.rules.regimes import deadlines_for, overlay_for, regime_for_year


@transaction.atomic
def do_open_cycle(
    *, unit: Unit, year: int, quarter: int | None = None, province: str = "tuyen-quang"
) -> Cycle:
    """Open a review cycle for a committee's subtree; regime and default deadlines come from the rules."""
    regime = regime_for_year(year)
    deadlines = deadlines_for(year, province=province)
    overlay = overlay_for(year, province=province)
    basis = "; ".join([*regime.documents, *(overlay.documents if overlay else [])])
    cycle = Cycle(
        unit=unit,
        year=year,
        quarter=quarter,
        regime=regime.code,
        review_deadline=deadlines["review_done"],
        dossier_deadline=deadlines.get("cadre_dossier"),
        # Without a province's own date, the report is due when the regime's central report is.
        report_deadline=deadlines.get("report_to_province")
        or deadlines.get("report_to_central")
        or deadlines["review_done"],
        basis=basis[:255],
    )
    cycle.full_clean()
    cycle.save()
    hooks.run_cycle_opened(cycle)  # e.g. freeze the criteria frameworks the cycle keeps
    return cycle


LEVEL_GROUPS = {
    # depth of the unit that owns the collective → (code suffix, Vietnamese scope)
    0: ("tinh", "cấp tỉnh"),
    1: ("huyen", "cấp huyện và tương đương"),
}


@transaction.atomic
def ensure_default_quota_groups(*, cycle: Cycle) -> int:
    """Create the comparable groups HD 21 names by default; return how many were added.

    Members: one group per grassroots organisation (HD 21 mục 2.4). Leadership collectives: one per
    level. Leaders: one per management tier. Party organisations: one per upper-level committee.
    """
    existing = set(cycle.quota_groups.values_list("code", flat=True))
    wanted: list[QuotaGroup] = []
    for go in Unit.objects.subtree_of(cycle.unit).filter(kind__in=GRASSROOTS_KINDS).valid_in_year(cycle.year):
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"dv-{go.code}",
                name=f"Đảng viên {go.name}",
                subject_type=SubjectType.PARTY_MEMBER,
                scope_unit=go,
            )
        )
    uppers = Unit.objects.subtree_of(cycle.unit).filter(
        kind__in=[UnitKind.PROVINCE_COMMITTEE, UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE]
    )
    for upper in uppers.valid_in_year(cycle.year):
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"tcd-{upper.code}",
                name=f"Tổ chức đảng trực thuộc {upper.name}",
                subject_type=SubjectType.PARTY_ORGANIZATION,
                scope_unit=upper,
            )
        )
    for suffix, scope in [*LEVEL_GROUPS.values(), ("co-so", "cấp cơ sở")]:
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"tt-{suffix}",
                name=f"Tập thể lãnh đạo, quản lý {scope}",
                subject_type=SubjectType.LEADERSHIP_COLLECTIVE,
                scope_unit=cycle.unit,
            )
        )
    for tier in (
        ManagementTier.PROVINCE_STANDING,
        ManagementTier.DISTRICT_STANDING,
        ManagementTier.GRASSROOTS,
    ):
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"ld-{tier.value}",
                name=f"Cán bộ {tier.label.lower()}",
                subject_type=SubjectType.LEADER,
                scope_unit=cycle.unit,
            )
        )
    new = [g for g in wanted if g.code not in existing]
    QuotaGroup.objects.bulk_create(new, batch_size=1000)
    return len(new)


# -- Evaluations -------------------------------------------------------------------------------------------------


class ActionError(Exception):
    """A refused change, with a Vietnamese message that says why."""


class ConflictError(ActionError):
    """Someone else saved the evaluation since it was opened."""


class RuleViolation(ActionError):
    def __init__(self, message: str, findings: list[rules.Finding], *, overridable: bool) -> None:
        super().__init__(message)
        self.findings = findings
        self.overridable = overridable


def _group_code_for(ev: Evaluation, unit: Unit, chain: list[Unit]) -> str | None:
    """The default comparable group (HD 21): members per grassroots organisation, collectives per level,
    leaders per management tier, party organisations per upper committee. `chain` is the unit and its
    ancestors, nearest first."""
    if ev.subject_type == SubjectType.PARTY_MEMBER:
        go = next((u for u in chain if u.kind in GRASSROOTS_KINDS), unit)
        return f"dv-{go.code}"
    if ev.subject_type == SubjectType.PARTY_ORGANIZATION:
        upper = next((u for u in chain[1:] if u.kind in UPPER_KINDS), None)
        return f"tcd-{upper.code}" if upper is not None else None
    if ev.subject_type == SubjectType.LEADERSHIP_COLLECTIVE:
        return f"tt-{LEVEL_GROUPS.get(unit.depth, ('co-so', ''))[0]}"
    if ev.subject_type == SubjectType.LEADER and ev.person_id:
        return f"ld-{ev.person.management_tier or ManagementTier.GRASSROOTS}"  # type: ignore[union-attr]
    return None


UPPER_KINDS = frozenset(
    {UnitKind.PROVINCE_COMMITTEE, UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE}
)


@transaction.atomic
def ensure_evaluations(*, cycle: Cycle, unit: Unit | None = None) -> int:
    """Create the evaluation of every subject under a unit (default: the cycle's unit); return how many."""
    root = unit or cycle.unit
    ensure_default_quota_groups(cycle=cycle)
    groups = {g.code: g for g in cycle.quota_groups.all()}
    units = {u.pk: u for u in Unit.objects.subtree_of(root).valid_in_year(cycle.year)}
    units_and_above = {**{u.pk: u for u in Unit.objects.filter(pk__in=root.ancestor_ids)}, **units}
    chains: dict[int, list[Unit]] = {}

    def chain_of(unit: Unit) -> list[Unit]:
        if unit.pk not in chains:
            ids = [*unit.ancestor_ids, unit.pk]
            chains[unit.pk] = [units_and_above[i] for i in reversed(ids) if i in units_and_above]
        return chains[unit.pk]

    existing = set(
        Evaluation.objects.filter(cycle=cycle, unit_id__in=units).values_list(
            "subject_type", "unit_id", "person_id", "collective_id"
        )
    )
    new: list[Evaluation] = []

    def add(ev: Evaluation) -> None:
        key = (ev.subject_type, ev.unit_id, ev.person_id, ev.collective_id)
        if key in existing:
            return
        existing.add(key)
        ev.unit = units[ev.unit_id]
        code = _group_code_for(ev, ev.unit, chain_of(ev.unit))
        ev.quota_group = groups.get(code) if code else None
        form = form_for(
            regime=cycle.regime, subject_type=ev.subject_type, is_leader=ev.subject_type == SubjectType.LEADER
        )
        ev.form_code = form.code
        new.append(ev)

    for u in units.values():
        kind = SubjectType.PARTY_ORGANIZATION if u.is_party_org else SubjectType.AGENCY
        add(Evaluation(cycle=cycle, subject_type=kind, unit_id=u.pk))
    seen_people: set[int] = {p for (t, _, p, _) in existing if t == SubjectType.PARTY_MEMBER and p}
    members = Person.objects.filter(home_cell_id__in=units, is_party_member=True)
    for person in members.only("id", "home_cell_id", "is_exempt", "is_suspended", "admitted_on"):
        if person.pk in seen_people:
            continue
        reason = ""
        if person.is_exempt:
            reason = "Miễn công tác và sinh hoạt đảng"
        elif person.is_suspended:
            reason = "Đình chỉ sinh hoạt đảng"
        add(
            Evaluation(
                cycle=cycle,
                subject_type=SubjectType.PARTY_MEMBER,
                unit_id=person.home_cell_id,
                person=person,
                not_rated_reason=reason,
            )
        )
    for col in LeadershipCollective.objects.filter(unit_id__in=units):
        add(
            Evaluation(
                cycle=cycle,
                subject_type=SubjectType.LEADERSHIP_COLLECTIVE,
                unit_id=col.unit_id,
                collective=col,
            )
        )
    leaders_done = {p for (t, _, p, _) in existing if t == SubjectType.LEADER and p}
    positions = (
        Position.objects.filter(unit_id__in=units, role__in=[Role.HEAD, Role.DEPUTY], valid_to__isnull=True)
        .select_related("person", "unit")
        .order_by("unit__depth", "role", "id")  # "deputy" < "head": heads are picked in the pass below
    )
    chosen: dict[int, Position] = {}
    for pos in positions:
        current = chosen.get(pos.person_id)
        if current is None or (pos.unit.depth, pos.role != Role.HEAD) < (
            current.unit.depth,
            current.role != Role.HEAD,
        ):
            chosen[pos.person_id] = pos
    for person_id, pos in chosen.items():
        if person_id in leaders_done:
            continue
        add(
            Evaluation(
                cycle=cycle,
                subject_type=SubjectType.LEADER,
                unit_id=pos.unit_id,
                person=pos.person,
                leader_collective_id=pos.collective_id,
                role=pos.role,
            )
        )
    Evaluation.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _audit(
    ev: Evaluation, user: User, action: str, field: str, old: object, new: object, reason: str = ""
) -> None:
    AuditRecord.objects.create(
        evaluation=ev,
        user=user,
        action=action,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason,
    )


def _lock(evaluation: Evaluation, version: int | None) -> Evaluation:
    """Re-read the row under a lock and refuse a stale form (no silent lost update)."""
    ev = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cycle", "unit", "person", "quota_group")
        .get(pk=evaluation.pk)
    )
    if version is not None and ev.version != version:
        raise ConflictError(
            f"Bản ghi của “{ev.subject_name}” vừa được người khác cập nhật (phiên bản {ev.version}, "
            f"đồng chí đang sửa phiên bản {version}). Đề nghị tải lại trang, xem thay đổi rồi nhập lại."
        )
    if ev.cycle.state != CycleState.OPEN:
        raise ActionError(
            f"Đợt kiểm điểm năm {ev.cycle.year} đã đóng; chỉ mở lại được bằng yêu cầu của cấp trên."
        )
    return ev


def _set_state(ev: Evaluation, user: User, state: str, reason: str = "") -> None:
    if ev.state != state:
        _audit(ev, user, "state", "state", ev.state, state, reason)
        ev.state = state


def _save(ev: Evaluation) -> Evaluation:
    ev.version += 1
    ev.save()
    return ev


def clean_text(value: object, label: str, limit: int = 20000, *, required: bool = False) -> str:
    """Free text from a form or a file: no NUL, not over the limit, trimmed; a clear error naming the field."""
    text = str(value or "")
    if "\x00" in text:
        raise ActionError(f"{label}: có ký tự không hợp lệ (NUL).")
    if len(text) > limit:
        raise ActionError(f"{label}: dài {len(text):,} ký tự, vượt giới hạn {limit:,} ký tự.")
    text = text.strip()
    if required and not text:
        raise ActionError(f"{label}: chưa nhập.")
    return text


def _count(value: object, label: str) -> int:
    try:
        number = int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ActionError(f"{label}: “{value}” không phải là số nguyên.") from None
    if not 0 <= number <= 100000:
        raise ActionError(f"{label}: {number} nằm ngoài khoảng cho phép.")
    return number


def _rating_or_blank(value: str | None, label: str) -> str:
    value = (value or "").strip()
    if value and value not in RatingLevel.values:
        raise ActionError(f"{label}: mức “{value}” không hợp lệ (chỉ HTXS, HTT, HT, KHT).")
    return value


@transaction.atomic
def do_save_self_review(
    *,
    user: User,
    evaluation: Evaluation,
    sections: dict[str, str],
    criteria: dict[str, str] | None = None,
    score_general: float | None = None,
    score_results: float | None = None,
    self_rating: str = "",
    submit: bool = False,
    version: int | None = None,
) -> Evaluation:
    """Save (and optionally submit) the self-review: the member's own, or one a secretary enters from paper."""
    require(can_self_review(user, evaluation), "Đồng chí không có quyền nhập bản tự kiểm điểm này.")
    ev = _lock(evaluation, version)
    if ev.state_at_least(EvaluationState.REVIEWED):
        raise ActionError(
            "Bản tự kiểm điểm đã được đưa ra hội nghị; chỉ sửa được khi có yêu cầu kiểm điểm lại."
        )
    form = form_for(
        regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=ev.subject_type == SubjectType.LEADER
    )
    keys = {k for k, _ in form.sections}
    unknown = set(sections) - keys
    if unknown:
        raise ActionError(f"Mục không có trong mẫu {form.code}: {', '.join(sorted(unknown))}.")
    headings = dict(form.sections)
    ev.self_review = {k: clean_text(v, headings[k]) for k, v in sections.items() if k in keys}
    if form.criteria:
        grades = {code for code, _ in GRADES}
        clean: dict[str, str] = {}
        for c in form.criteria:
            value = (criteria or {}).get(c.key, "")
            if value and value not in grades:
                raise ActionError(f"Tiêu chí “{c.label}”: cấp độ “{value}” không hợp lệ.")
            if value:
                clean[c.key] = value
        ev.criteria = clean
    if form.scored:
        for value, label, top in (
            (score_general, "Nhóm tiêu chí chung", 30),
            (score_results, "Nhóm tiêu chí kết quả", 70),
        ):
            if value is not None and not 0 <= value <= top:
                raise ActionError(f"{label}: điểm phải từ 0 đến {top}.")
        ev.criteria = {"general": score_general, "results": score_results}
        if score_general is not None and score_results is not None:
            ev.score = Decimal(str(score_general)) + Decimal(str(score_results))
    rating = _rating_or_blank(self_rating, "Tự nhận mức xếp loại")
    if rating != ev.self_rating:
        _audit(ev, user, "self_review", "self_rating", ev.self_rating, rating)
        ev.self_rating = rating
    if submit:
        missing = [headings[k] for k in required_sections(form) if not ev.self_review.get(k)]
        if form.criteria and len(ev.criteria) < len(form.criteria):
            missing.append("tự đánh giá cấp độ của từng tiêu chí")
        if form.scored and ev.score is None:
            missing.append("điểm tự chấm của hai nhóm tiêu chí")
        if not rating and not ev.not_rated_reason:
            missing.append("tự nhận mức xếp loại")
        missing.extend(hooks.missing_for_self_review(ev))
        if missing:
            raise ActionError("Chưa thể nộp bản tự kiểm điểm, còn thiếu: " + "; ".join(missing) + ".")
        _set_state(ev, user, EvaluationState.SELF_REVIEWED)
    ev.self_reviewed_by = user
    return _save(ev)


FACT_FIELDS = {
    # key: (label, kind)
    "disciplined_in_year": ("Bị thi hành kỷ luật trong năm", "bool"),
    "sick_leave_days": ("Số ngày nghỉ ốm trong năm", "int"),
    "civil_service_rating": ("Mức xếp loại cán bộ, công chức, viên chức", "rating"),
    "task_completion_pct": ("Tỷ lệ hoàn thành chỉ tiêu, nhiệm vụ (%)", "pct"),
    "degradation_concluded": ("Bị cấp có thẩm quyền kết luận có biểu hiện suy thoái", "bool"),
    "member_disciplined_warning_or_above": ("Có thành viên bị kỷ luật từ cảnh cáo trở lên", "bool"),
    "internal_disunity_concluded": ("Bị kết luận mất đoàn kết nội bộ", "bool"),
    "same_level_bodies_min_rating": ("Mức thấp nhất của chính quyền, MTTQ, đoàn thể cùng cấp", "rating"),
    "newly_transferred": ("Người đứng đầu mới chuyển đến", "bool"),
    "remediation_pct": ("Tỷ lệ hạn chế kỳ trước đã khắc phục (%)", "pct"),
}


@transaction.atomic
def do_update_facts(
    *, user: User, evaluation: Evaluation, facts: dict[str, object], version: int | None = None
) -> Evaluation:
    """Record the facts the rules read (discipline, sick leave, civil-service rating…)."""
    require(
        can_propose(user, evaluation), "Đồng chí không có quyền cập nhật dữ kiện xếp loại của đối tượng này."
    )
    ev = _lock(evaluation, version)
    # Facts computed elsewhere (the task register's percentages) are never typed: keep what was computed.
    computed = hooks.computed_fact_keys(ev)
    clean: dict[str, object] = {k: v for k, v in (ev.facts or {}).items() if k in computed}
    for key, value in facts.items():
        if key not in FACT_FIELDS:
            raise ActionError(f"Dữ kiện “{key}” không được hỗ trợ.")
        label, kind = FACT_FIELDS[key]
        if value in (None, ""):
            continue
        if key in computed:
            if value != clean.get(key):
                raise ActionError(f"{label}: được tính từ danh mục nhiệm vụ, sản phẩm, không nhập tay.")
            continue
        if kind == "bool":
            clean[key] = bool(value)
        elif kind in ("int", "pct"):
            try:
                number = int(value) if kind == "int" else float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ActionError(f"{label}: “{value}” không phải là số.") from None
            if number < 0 or (kind == "pct" and number > 100) or (kind == "int" and number > 366):
                raise ActionError(f"{label}: giá trị {value} nằm ngoài khoảng cho phép.")
            clean[key] = number
        else:
            clean[key] = _rating_or_blank(str(value), label)
    if clean != ev.facts:
        _audit(
            ev,
            user,
            "facts",
            "facts",
            json.dumps(ev.facts, ensure_ascii=False)[:40],
            json.dumps(clean, ensure_ascii=False)[:40],
        )
        ev.facts = clean
    return _save(ev)


def _refuse_rule_breaks(
    ev: Evaluation, rating: str | None, *, override_reason: str, allow_override: bool
) -> str:
    """Check the rating against every rule; raise on a break, or return the override reason to audit."""
    if rating is None:
        return ""
    peers = related_evaluations(ev.cycle, ev.unit)
    caused, compliance = findings_caused_by(ev.cycle, peers, ev, rating)
    if not caused:
        return ""
    hard = [f for f in caused if f.code not in OVERRIDABLE_CODES]
    lines = "; ".join(f"{compliance.message(f)} ({f.citation})" for f in caused)
    if hard or not allow_override:
        raise RuleViolation(f"Không thể xếp mức {rating}: {lines}", caused, overridable=not hard)
    if not override_reason.strip():
        raise RuleViolation(
            f"Mức {rating} vượt quy định: {lines}. Cấp có thẩm quyền chỉ được quyết định khác khi ghi rõ lý do.",
            caused,
            overridable=True,
        )
    return (
        f"Quyết định vượt cảnh báo ({', '.join(sorted({f.code for f in caused}))}): {override_reason.strip()}"
    )


def _lock_quota_group(ev: Evaluation) -> None:
    # Two decisions in one group at the same moment serialise here, so the cap holds (PostgreSQL row lock).
    if ev.quota_group_id:
        list(QuotaGroup.objects.select_for_update().filter(pk=ev.quota_group_id))


@transaction.atomic
def do_record_meeting(
    *,
    user: User,
    evaluation: Evaluation,
    comments: str,
    attendees: object,
    votes_for: object,
    proposed_rating: str,
    not_rated_reason: str = "",
    version: int | None = None,
) -> Evaluation:
    """Record the collective's comments, the vote and the proposed rating; the rules must allow it."""
    require(can_propose(user, evaluation), "Đồng chí không có quyền ghi kết quả hội nghị cho đối tượng này.")
    _lock_quota_group(evaluation)
    ev = _lock(evaluation, version)
    if ev.state == EvaluationState.DRAFT:
        raise ActionError(f"“{ev.subject_name}” chưa nộp bản tự kiểm điểm; chưa thể đưa ra hội nghị.")
    if ev.state == EvaluationState.DECIDED:
        raise ActionError(f"“{ev.subject_name}” đã có quyết định; chỉ mở lại được bằng yêu cầu xếp loại lại.")
    rating = _rating_or_blank(proposed_rating, "Mức đề xuất")
    reason = clean_text(not_rated_reason, "Lý do không xếp loại", 255)
    if not rating and not reason:
        raise ActionError("Cần chọn mức đề xuất, hoặc ghi lý do không xếp loại.")
    clean_votes = {
        "attendees": _count(attendees, "Số đảng viên dự họp"),
        "in_favour": _count(votes_for, "Số phiếu tán thành"),
    }
    if clean_votes["in_favour"] > clean_votes["attendees"]:
        raise ActionError(
            f"Số phiếu tán thành ({clean_votes['in_favour']}) lớn hơn số đảng viên dự họp ({clean_votes['attendees']})."
        )
    if clean_votes["attendees"] and clean_votes["in_favour"] * 2 <= clean_votes["attendees"]:
        raise ActionError(
            f"Mức đề xuất chỉ được {clean_votes['in_favour']}/{clean_votes['attendees']} phiếu tán thành, "
            "chưa quá nửa số đảng viên dự họp."
        )
    _refuse_rule_breaks(ev, rating or None, override_reason="", allow_override=False)
    ev.meeting_comments = clean_text(comments, "Ý kiến của tập thể")
    ev.votes = clean_votes
    if rating != ev.proposed_rating:
        _audit(ev, user, "propose", "proposed_rating", ev.proposed_rating, rating, reason)
        ev.proposed_rating = rating
    ev.not_rated_reason = reason
    _set_state(ev, user, EvaluationState.PROPOSED)
    return _save(ev)


@transaction.atomic
def do_verify(*, user: User, evaluation: Evaluation, note: str, version: int | None = None) -> Evaluation:
    """The organisation board's verification (thẩm định) before the decision."""
    require(can_verify(user, evaluation), "Đồng chí không có quyền thẩm định đối tượng này.")
    ev = _lock(evaluation, version)
    if ev.state != EvaluationState.PROPOSED:
        raise ActionError(
            f"Chỉ thẩm định được khi đã có mức đề xuất (hiện: {ev.get_state_display().lower()})."
        )
    ev.verification_note = clean_text(note, "Ý kiến thẩm định")
    if not ev.verification_note:
        raise ActionError("Cần ghi ý kiến thẩm định.")
    _set_state(ev, user, EvaluationState.VERIFIED)
    return _save(ev)


def prerequisites_for(ev: Evaluation) -> list[Evaluation]:
    """What must be decided before this one: a head (and a deputy, when capped) is decided last (HD 21 II.B.4)."""
    if ev.subject_type != SubjectType.LEADER or ev.role not in (Role.HEAD, Role.DEPUTY):
        return []
    if ev.role == Role.DEPUTY and not bool(effective_option(ev.cycle, "cap_deputies")):
        return []
    q = Q(cycle=ev.cycle, unit=ev.unit, subject_type__in=[SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY])
    if ev.leader_collective_id:
        q |= Q(cycle=ev.cycle, collective_id=ev.leader_collective_id)
    if ev.role == Role.HEAD:
        q |= Q(cycle=ev.cycle, subject_type=SubjectType.LEADER, unit=ev.unit) & ~Q(pk=ev.pk)
    return list(
        Evaluation.objects.filter(q)
        .exclude(state=EvaluationState.DECIDED)
        .exclude(not_rated_reason__gt="")
        .select_related("person", "collective", "unit")
    )


def effective_option(cycle: Cycle, key: str) -> object:
    regime = rules.regime_for_year(cycle.year)
    overlay = rules.overlay_for(cycle.year)
    for param in overlay.parameters if overlay else ():
        if param.key == key:
            return param.value
    return regime.value(key) if regime.has(key) else None


@transaction.atomic
def do_decide_rating(
    *,
    user: User,
    evaluation: Evaluation,
    rating: str,
    decided_on: datetime.date | None = None,
    override_reason: str = "",
    reason: str = "",
    version: int | None = None,
) -> Evaluation:
    """The competent authority's decision. A rule break is refused; the quota may be overridden with a reason."""
    require(
        can_decide(user, evaluation),
        "Việc quyết định mức xếp loại đối tượng này thuộc thẩm quyền của cấp khác.",
    )
    _lock_quota_group(evaluation)
    ev = _lock(evaluation, version)
    value = _rating_or_blank(rating, "Mức quyết định")
    reason = clean_text(reason, "Lý do quyết định lại", 4000)
    override_reason = clean_text(override_reason, "Lý do quyết định vượt cảnh báo", 4000)
    if not value and not ev.not_rated_reason:
        raise ActionError("Cần chọn mức xếp loại.")
    if ev.state == EvaluationState.DECIDED and not reason.strip():
        raise ActionError("Đối tượng đã có quyết định; quyết định lại phải ghi rõ lý do.")
    if ev.state not in (EvaluationState.PROPOSED, EvaluationState.VERIFIED, EvaluationState.DECIDED):
        raise ActionError(f"Chưa thể quyết định: “{ev.subject_name}” chưa có mức đề xuất của hội nghị.")
    if ev.subject_type == SubjectType.LEADER and ev.state == EvaluationState.PROPOSED:
        raise ActionError(
            "Cán bộ lãnh đạo, quản lý phải được cơ quan tổ chức cán bộ thẩm định trước khi quyết định (QĐ 89-QĐ/TW)."
        )
    waiting = prerequisites_for(ev)
    if waiting:
        names = ", ".join(w.subject_name for w in waiting[:10])
        raise ActionError(
            f"Người đứng đầu được xếp loại sau cùng (HD 21-HD/BTCTW II.B.4): cần quyết định trước: {names}."
        )
    override = _refuse_rule_breaks(ev, value or None, override_reason=override_reason, allow_override=True)
    _audit(ev, user, "decide", "decided_rating", ev.decided_rating, value, override or reason.strip())
    ev.decided_rating = value
    ev.override_reason = override
    ev.deciding_unit = deciding_unit_for(ev)
    ev.decided_by = user
    ev.decided_on = decided_on or timezone.localdate()
    _set_state(ev, user, EvaluationState.DECIDED)
    ev.orders.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    return _save(ev)


@transaction.atomic
def do_order(*, user: User, evaluation: Evaluation, kind: str, reason: str) -> Order:
    """An inspection's or the upper level's order: re-review or re-rate; it reopens the evaluation."""
    require(
        can_order(user, evaluation),
        "Đồng chí không có quyền yêu cầu kiểm điểm lại, xếp loại lại đối tượng này.",
    )
    ev = _lock(evaluation, None)
    text = clean_text(reason, "Lý do")
    if not text:
        raise ActionError("Yêu cầu kiểm điểm lại, xếp loại lại phải ghi rõ lý do.")
    if kind not in OrderKind.values:
        raise ActionError(f"Loại yêu cầu “{kind}” không hợp lệ.")
    if kind == OrderKind.RERATING and ev.state != EvaluationState.DECIDED:
        raise ActionError("Chỉ yêu cầu xếp loại lại khi đối tượng đã có quyết định xếp loại.")
    if kind == OrderKind.REREVIEW and not ev.state_at_least(EvaluationState.SELF_REVIEWED):
        raise ActionError("Đối tượng chưa kiểm điểm; chưa thể yêu cầu kiểm điểm lại.")
    order = Order.objects.create(
        evaluation=ev, kind=kind, reason=text, ordered_by=user, previous_rating=ev.rating
    )
    label = OrderKind(kind).label
    _audit(ev, user, kind, "decided_rating", ev.decided_rating, "", f"{label}: {text}")
    if ev.proposed_rating:
        _audit(ev, user, kind, "proposed_rating", ev.proposed_rating, "", f"{label}: {text}")
    ev.decided_rating = ""
    ev.proposed_rating = ""
    ev.decided_on = None
    ev.decided_by = None
    ev.override_reason = ""
    _set_state(
        ev, user, EvaluationState.DRAFT if kind == OrderKind.REREVIEW else EvaluationState.REVIEWED, text
    )
    _save(ev)
    hooks.order_placed(order)
    return order


@transaction.atomic
def do_propose_ratings(
    *,
    user: User,
    rows: list[tuple[Evaluation, str, object, int | None]],
    attendees: object,
    comments: str = "",
) -> int:
    """The meeting's proposals for many subjects at once: all saved, or none (the error names the row).

    Lower ratings are recorded first, so the quota is judged on the meeting's whole proposal and not on the
    order of the rows on the page.
    """
    rank = {"KHT": 0, "HT": 1, "HTT": 2, "HTXS": 3}
    numbered = sorted(enumerate(rows, start=1), key=lambda item: rank.get(item[1][1], -1))
    for number, (evaluation, rating, votes_for, version) in numbered:
        try:
            do_record_meeting(
                user=user,
                evaluation=evaluation,
                comments=comments,
                attendees=attendees,
                votes_for=votes_for,
                proposed_rating=rating,
                version=version,
            )
        except ActionError as exc:
            raise ActionError(f"Dòng {number} ({evaluation.subject_name}): {exc}") from exc
    return len(rows)
