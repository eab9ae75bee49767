"""Every change to frameworks, item scores and task registers; views, commands and the demo call these.

Ratings stay with `kiemdiem.campaigns.actions`: the self-review and its self-rating go through
`do_save_self_review`, and what this module computes (the score, the task percentages) lands on the evaluation
as the score and the facts the rules read, each change with an audit record.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.assessments.models import (
    GROUP_MAX,
    Appendix,
    Criterion,
    CriterionGroup,
    CycleFramework,
    FrameworkVersion,
    ItemScore,
    LedUnit,
    Task,
    TaskEvidence,
    TaskResult,
)
from kiemdiem.campaigns import actions as campaign_actions
from kiemdiem.campaigns.models import (
    TASK_FIGURES,
    AuditRecord,
    Cycle,
    CycleState,
    Evaluation,
    EvaluationState,
    SubjectType,
)
from kiemdiem.campaigns.permissions import can_decide, can_propose, can_self_review, can_verify, require
from kiemdiem.errors import ActionError
from kiemdiem.orgs.models import ManagementTier, Position, Role, Unit
from kiemdiem.orgs.queries import scope_roots, under_roots
from kiemdiem.rules import formula as rules_formula
from kiemdiem.rules.errors import BadInput
from kiemdiem.text import clean_text
from kiemdiem.vietnamese import format_number

# Points per criterion: keyed by the criterion's pk as posted (text) or as code passes it (an int).
PostedScores = Mapping[int, object] | Mapping[str, object]

# -- Frameworks ------------------------------------------------------------------------------------------------------

COLLECTIVE_TYPES = frozenset(
    {SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY, SubjectType.LEADERSHIP_COLLECTIVE}
)


def appendix_for(evaluation: Evaluation, *, holds_post: bool | None = None) -> Appendix:
    """The appendix of QĐ 366 Điều 10 a subject is scored on.

    Collectives: Phụ lục 1. Leaders: Phụ lục 2 when the central level manages them, else 3. A member's own review
    follows their post: a current head or deputy is scored as a leader (3, or 2), a cadre, civil servant or public
    employee without a post on 4, a member with no post in the political system on 5. `holds_post`: whether the
    person holds a head's or deputy's post now, when the caller has read it (`post_probe`).
    """
    if evaluation.subject_type in COLLECTIVE_TYPES:
        return Appendix.COLLECTIVE
    person = evaluation.person
    central = person is not None and person.management_tier == ManagementTier.CENTRAL
    if evaluation.subject_type == SubjectType.LEADER:
        return Appendix.CENTRAL_LEADER if central else Appendix.LEADER
    if person is None:
        return Appendix.MEMBER
    if central:
        return Appendix.CENTRAL_LEADER
    if holds_post is None:
        holds_post = Position.objects.filter(
            person=person, role__in=[Role.HEAD, Role.DEPUTY], valid_to__isnull=True
        ).exists()
    if holds_post:
        return Appendix.LEADER
    return Appendix.MEMBER if person.civil_service_status else Appendix.OUTSIDE


def current_version(unit: Unit | None, appendix: str) -> FrameworkVersion:
    """The latest version that applies to a unit: its own, else its nearest ancestor's, else the central one."""
    chain = [*reversed([*unit.ancestor_ids, unit.pk])] if unit is not None else []
    versions = {
        v.unit_id: v
        for v in FrameworkVersion.objects.filter(appendix=appendix, unit_id__in=chain).order_by("number")
    }
    for unit_id in chain:
        if unit_id in versions:
            return versions[unit_id]
    central = (
        FrameworkVersion.objects.filter(appendix=appendix, unit__isnull=True).order_by("-number").first()
    )
    if central is None:
        raise ActionError(f"Chưa có khung tiêu chí {Appendix(appendix).label}.")
    return central


@transaction.atomic
def freeze_frameworks(*, cycle: Cycle) -> list[CycleFramework]:
    """Keep, for each appendix, the version that applies to the cycle's unit now; a second call changes nothing.

    Called when a cycle opens (`campaigns.hooks.cycle_opened`); also on a cycle's first scoring, for cycles opened
    before the frameworks existed.
    """
    kept = {cf.appendix: cf for cf in CycleFramework.objects.filter(cycle=cycle)}
    for appendix in Appendix.values:
        if appendix not in kept:
            kept[appendix] = CycleFramework.objects.create(
                cycle=cycle, appendix=appendix, version=current_version(cycle.unit, appendix)
            )
    return [kept[a] for a in Appendix.values]


def on_cycle_opened(cycle: Cycle) -> None:
    # Only the 100-point regime scores items; other cycles keep nothing.
    if cycle.regime == "QD366_HD43":
        freeze_frameworks(cycle=cycle)


# What a cycle keeps and what a version holds, read once per process (issue 21: the evaluation page read both on
# every request). A cycle's kept version never changes once frozen (`freeze_frameworks` only adds), and a version's
# criteria are written with it and never edited (an edit is a new version): so they are kept by what identifies
# them — the cycle's id and opening time (an id alone may be reused: SQLite after a rollback, a flush), and the
# version's id and creation time. Reference data, the same for every user: the scoped reads decide who reaches the
# evaluation, and so its cycle.
_KEPT_VERSIONS: dict[tuple[int, datetime.datetime, str], FrameworkVersion] = {}
_CRITERIA: dict[tuple[int, datetime.datetime], tuple[Criterion, ...]] = {}
_MEMO_LIMIT = 512


def _remember[K, V](memo: dict[K, V], key: K, value: V) -> V:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def framework_for(evaluation: Evaluation, *, appendix: str | None = None) -> FrameworkVersion:
    """The version the evaluation's cycle keeps for the subject's appendix (`appendix`, when the caller has it)."""
    appendix = appendix if appendix is not None else appendix_for(evaluation)
    cycle = evaluation.cycle if Evaluation.cycle.is_cached(evaluation) else None
    key = (cycle.pk, cycle.opened_at, appendix) if cycle is not None and cycle.opened_at else None
    if key is not None and key in _KEPT_VERSIONS:
        return _unit_unread(_KEPT_VERSIONS[key])
    kept = CycleFramework.objects.filter(cycle_id=evaluation.cycle_id, appendix=appendix).select_related(
        "version__unit"
    )
    found = kept.first()
    if found is None:  # frozen now, in this transaction: not kept until read back
        return next(cf for cf in freeze_frameworks(cycle=evaluation.cycle) if cf.appendix == appendix).version
    return found.version if key is None else _remember(_KEPT_VERSIONS, key, found.version)


def _unit_unread(version: FrameworkVersion) -> FrameworkVersion:
    """A kept version, its own copy without its owner: the version never changes, its committee's name does (a
    rename, a reorganisation), so a committee's own version reads its unit when shown; the central ones have none."""
    copy = FrameworkVersion.__new__(FrameworkVersion)
    copy.__dict__.update(version.__dict__)
    copy._state = ModelState()
    copy._state.db, copy._state.adding = version._state.db, False
    return copy


def criteria_of(version: FrameworkVersion) -> list[Criterion]:
    """A version's criteria in their order (read once per process: see `_CRITERIA`)."""
    key = (version.pk, version.created_at)
    kept = _CRITERIA.get(key)
    if kept is None:
        kept = _remember(_CRITERIA, key, tuple(version.criteria.order_by("order", "id")))
    return list(kept)


def can_edit_frameworks(user: User, unit: Unit) -> bool:
    """HD 43 tiết 7.12: the upper committee specifies the scoring — the province's organisation board, for its unit."""
    if user.is_superuser:
        return True
    return user.role == UserRole.PROVINCE_ADMIN and user.unit_id == unit.pk


def num(value: Decimal) -> str:
    """A number of points as Vietnamese write it: 31, 7,5 (no trailing zeros)."""
    return format_number(value)


def _points(
    value: object, label: str, *, top: Decimal | None = None, allow_blank: bool = True
) -> Decimal | None:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        if allow_blank:
            return None
        raise ActionError(f"{label}: chưa nhập điểm.")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ActionError(f"{label}: “{value}” không phải là số.") from None
    if not number.is_finite() or number < 0:
        raise ActionError(f"{label}: điểm phải là số không âm.")
    if number != number.quantize(Decimal("0.01")):
        raise ActionError(f"{label}: điểm lấy tối đa hai chữ số thập phân.")
    if top is not None and number > top:
        raise ActionError(f"{label}: {num(number)} điểm vượt điểm tối đa {num(top)}.")
    return number


def _formula(raw: object, label: str, group: str, top: Decimal) -> dict[str, object] | None:
    """A results item's formula as data, checked by the rules package; general items are scored by hand."""
    data: dict[str, Any] | None
    try:
        if isinstance(raw, dict):
            data = rules_formula.validate(raw, max_points=top, label=label)
        else:
            data = rules_formula.parse(str(raw or ""), max_points=top, label=label)
    except BadInput as exc:
        raise ActionError(f"{exc}.") from None
    if data is not None and group != CriterionGroup.RESULTS:
        raise ActionError(
            f"{label}: chỉ tiêu chí thuộc nhóm kết quả thực hiện nhiệm vụ mới tính theo danh mục nhiệm vụ."
        )
    return data


@transaction.atomic
def do_edit_framework(
    *, user: User, unit: Unit, appendix: str, items: Sequence[Mapping[str, object]], note: str
) -> FrameworkVersion:
    """Save a committee's own version of an appendix (HD 43 tiết 7.12): a new version, never an edit in place.

    Each item: group, code, label, description, max_points, citation, verified, and for a results item the
    province's formula (text or the stored dict, kiemdiem.rules.formula: how its points follow from the task
    register's percentages). Each group must add up to its total (30 and 70: QĐ 366 Điều 10). Cycles already opened
    keep the version they were opened with.
    """
    require(
        can_edit_frameworks(user, unit),
        "Chỉ Ban Tổ chức của cấp ủy cấp trên được cụ thể hóa khung tiêu chí cho phạm vi của mình (HD 43 tiết 7.12).",
    )
    if appendix not in Appendix.values:
        raise ActionError(f"Phụ lục “{appendix}” không có trong QĐ 366-QĐ/TW.")
    reason = clean_text(note, "Nội dung, lý do thay đổi", 4000, required=True)
    clean: list[dict[str, object]] = []
    codes: set[str] = set()
    sums = {g: Decimal(0) for g in GROUP_MAX}
    for number, raw in enumerate(items, start=1):
        where = f"Dòng {number}"
        group = str(raw.get("group", ""))
        if group not in CriterionGroup.values:
            raise ActionError(f"{where}: nhóm tiêu chí “{group}” không hợp lệ.")
        code = clean_text(raw.get("code"), f"{where}, số thứ tự", 12, required=True)
        if code in codes:
            raise ActionError(f"{where}: số thứ tự “{code}” bị trùng.")
        codes.add(code)
        label = clean_text(raw.get("label"), f"{where}, tiêu chí", 500, required=True)
        top = _points(raw.get("max_points"), f"{where} («{label}»), điểm tối đa", allow_blank=False)
        if top is None or top <= 0 or top > GROUP_MAX[CriterionGroup(group)]:
            raise ActionError(f"{where} («{label}»): điểm tối đa phải lớn hơn 0 và không quá tổng của nhóm.")
        sums[CriterionGroup(group)] += top
        formula = _formula(raw.get("formula"), f"{where} («{label}»), công thức", group, top)
        clean.append(
            {
                "group": group,
                "code": code,
                "label": label,
                "description": clean_text(raw.get("description"), f"{where}, nội dung cụ thể", 4000),
                "max_points": top,
                "citation": clean_text(raw.get("citation"), f"{where}, căn cứ", 255, required=True),
                "verified": bool(raw.get("verified")),
                "order": number,
                "formula": formula,
            }
        )
    for group, total in GROUP_MAX.items():
        if sums[group] != total:
            raise ActionError(
                f"{group.label}: tổng điểm tối đa của các tiêu chí là {num(sums[group])}, phải đúng {num(total)} "
                "(QĐ 366-QĐ/TW Điều 10)."
            )
    # Lock the unit's versions of the appendix so two edits at once number apart.
    list(FrameworkVersion.objects.select_for_update().filter(unit=unit, appendix=appendix))
    last = FrameworkVersion.objects.filter(unit=unit, appendix=appendix).aggregate(n=Max("number"))["n"] or 0
    version = FrameworkVersion.objects.create(
        unit=unit, appendix=appendix, number=last + 1, note=reason, created_by=user
    )
    Criterion.objects.bulk_create(Criterion(version=version, **item) for item in clean)
    return version


# -- Item scores -----------------------------------------------------------------------------------------------------

STAGES = {"self": "self_score", "verified": "verified_score", "decided": "decided_score"}


def _audit(
    ev: Evaluation, user: User, action: str, field: str, old: object, new: object, reason: str = ""
) -> None:
    AuditRecord.objects.create(
        evaluation=ev,
        user=user,
        action=action,
        field=field,
        old_value="" if old is None else str(old)[:40],
        new_value="" if new is None else str(new)[:40],
        reason=reason,
    )


def _criteria_of(evaluation: Evaluation) -> list[Criterion]:
    return criteria_of(framework_for(evaluation))


def stage_totals(
    criteria: list[Criterion], scores: Mapping[int, ItemScore], stage: str
) -> dict[str, Decimal | None]:
    """A stage's points per group and in all; a group is None until every one of its items has points."""
    field = STAGES[stage]
    out: dict[str, Decimal | None] = {}
    for group in CriterionGroup.values:
        values = [getattr(scores.get(c.pk), field, None) for c in criteria if c.group == group]
        present: list[Decimal] = [v for v in values if v is not None]
        out[group] = sum(present, Decimal(0)) if values and len(present) == len(values) else None
    general, results = out[CriterionGroup.GENERAL], out[CriterionGroup.RESULTS]
    out["total"] = general + results if general is not None and results is not None else None
    return out


def effective_total(criteria: list[Criterion], scores: Mapping[int, ItemScore]) -> Decimal | None:
    """The score the rules read: the decided total, else the verified one, else the subject's own."""
    for stage in ("decided", "verified", "self"):
        total = stage_totals(criteria, scores, stage)["total"]
        if total is not None:
            return total
    return None


def derived_points(evaluation: Evaluation, criteria: list[Criterion]) -> dict[int, Decimal]:
    """The points the province's formula gives each results item of this framework (HD 43 tiết 7.12).

    Read from the register's percentages as the rules read them (the evaluation's task columns, recomputed on every change
    to the register), so a change of a task's result changes the derived points at once. Empty when the framework
    has no formula or the register lists nothing.
    """
    with_formula = [(c, c.formula) for c in criteria if c.formula]
    if not with_formula:
        return {}
    shares = rules_formula.shares_from_facts(evaluation.recorded_facts)
    if shares is None:
        return {}
    return {
        c.pk: rules_formula.points(formula, shares, max_points=c.max_points) for c, formula in with_formula
    }


def _parse_scores(criteria: list[Criterion], raw: PostedScores) -> dict[int, Decimal | None]:
    by_pk = {c.pk: c for c in criteria}
    clean: dict[int, Decimal | None] = {}
    for key, value in raw.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            raise ActionError(f"Tiêu chí “{key}” không có trong khung tiêu chí của đợt.") from None
        criterion = by_pk.get(pk)
        if criterion is None:
            raise ActionError(f"Tiêu chí “{key}” không có trong khung tiêu chí của đợt.")
        label = f"Tiêu chí {criterion.code} «{criterion.label[:60]}»"
        clean[pk] = _points(value, label, top=criterion.max_points)
    return clean


def _write_scores(
    ev: Evaluation, criteria: list[Criterion], stage: str, values: dict[int, Decimal | None]
) -> dict[int, ItemScore]:
    field = STAGES[stage]
    existing = {s.criterion_id: s for s in ItemScore.objects.select_for_update().filter(evaluation=ev)}
    changed = []
    for pk, value in values.items():
        row = existing.get(pk)
        if row is None:
            if value is None:
                continue
            row = existing[pk] = ItemScore.objects.create(evaluation=ev, criterion_id=pk, **{field: value})
            continue
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed.append(row)
    if changed:
        ItemScore.objects.bulk_update(changed, [field, "updated_at"])
    return existing


def _store_score(
    ev: Evaluation,
    user: User,
    criteria: list[Criterion],
    scores: Mapping[int, ItemScore],
    why: str,
    before: Decimal | None = None,
    *,
    known_before: bool = False,
) -> None:
    """Put the effective total on the evaluation (what the rules read as `score`), with an audit record."""
    total = effective_total(criteria, scores)
    fresh = Evaluation.objects.select_for_update().only("score").get(pk=ev.pk)
    old = before if known_before else fresh.score
    if fresh.score != total:
        Evaluation.objects.filter(pk=ev.pk).update(score=total, updated_at=timezone.now())
    if old != total:
        _audit(ev, user, "score", "score", old, total, why)
    ev.score = total


def _fresh(evaluation: Evaluation) -> Evaluation:
    """The evaluation as it is now, its row locked until the transaction ends."""
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cycle", "cycle__unit", "unit", "person")
        .get(pk=evaluation.pk)
    )


@transaction.atomic
def do_save_scored_review(
    *,
    user: User,
    evaluation: Evaluation,
    sections: dict[str, str],
    scores: PostedScores,
    self_rating: str = "",
    submit: bool = False,
    version: int | None = None,
) -> Evaluation:
    """The HD 43 self-review (Mẫu 01, 2A, 2B, 2C): part A's sections and part B's points item by item.

    The group totals and the self-rating go through the campaign's own `do_save_self_review`, so the state, the
    audit of the self-rating and the lost-update check are the same as for every other form. All or nothing.
    """
    require(can_self_review(user, evaluation), "Đồng chí không có quyền nhập bản tự kiểm điểm này.")
    evaluation = _fresh(evaluation)
    criteria = _criteria_of(evaluation)
    values = _parse_scores(criteria, scores)
    if evaluation.state_at_least(EvaluationState.REVIEWED):
        raise ActionError(
            "Bản tự kiểm điểm đã được đưa ra hội nghị; chỉ sửa được khi có yêu cầu kiểm điểm lại."
        )
    before = evaluation.score
    # A results item the province derives from the register and the subject left blank takes the formula's points
    # (docs/decisions.md, "The province's results formula"); a typed score stays the subject's own.
    derived = derived_points(evaluation, criteria)
    stored_self = dict(
        ItemScore.objects.filter(evaluation=evaluation).values_list("criterion_id", "self_score")
    )
    filled = 0
    for pk, points in derived.items():
        if values.get(pk) is None and (pk in values or stored_self.get(pk) is None):
            values[pk] = points
            filled += 1
    stored = _write_scores(evaluation, criteria, "self", values)
    if submit:
        missing = [
            f"{c.code} «{c.label[:60]}»"
            for c in criteria
            if getattr(stored.get(c.pk), "self_score", None) is None
        ]
        if missing:
            raise ActionError(
                "Chưa thể nộp bản tự kiểm điểm, còn thiếu điểm tự chấm của tiêu chí: "
                + "; ".join(missing)
                + "."
            )
    totals = stage_totals(criteria, stored, "self")
    general, results = totals[CriterionGroup.GENERAL], totals[CriterionGroup.RESULTS]
    ev = campaign_actions.do_save_self_review(
        user=user,
        evaluation=evaluation,
        sections=sections,
        score_general=float(general) if general is not None else None,
        score_results=float(results) if results is not None else None,
        self_rating=self_rating,
        submit=submit,
        version=version,
    )
    why = "Tự chấm điểm theo từng tiêu chí"
    if filled:
        why += f" ({filled} tiêu chí điền theo công thức của cấp ủy cấp trên, HD 43 tiết 7.12)"
    _store_score(ev, user, criteria, stored, why, before, known_before=True)
    return ev


@transaction.atomic
def do_score_items(*, user: User, evaluation: Evaluation, stage: str, scores: PostedScores) -> Evaluation:
    """The verifier's points (thẩm định, stage "verified") or the competent authority's (stage "decided")."""
    evaluation = _fresh(evaluation)
    if stage == "verified":
        require(can_verify(user, evaluation), "Đồng chí không có quyền thẩm định đối tượng này.")
        if not evaluation.state_at_least(EvaluationState.SELF_REVIEWED):
            raise ActionError("Chỉ thẩm định điểm sau khi đối tượng đã nộp bản tự kiểm điểm.")
    elif stage == "decided":
        require(
            can_decide(user, evaluation),
            "Việc quyết định điểm của đối tượng này thuộc thẩm quyền của cấp khác.",
        )
        if not evaluation.state_at_least(EvaluationState.PROPOSED):
            raise ActionError("Chỉ quyết định điểm khi đã có mức đề xuất của hội nghị.")
    else:
        raise ActionError(f"Bước chấm điểm “{stage}” không hợp lệ.")
    if evaluation.cycle.state != CycleState.OPEN:
        raise ActionError(f"Đợt kiểm điểm năm {evaluation.cycle.year} đã đóng.")
    if evaluation.state == EvaluationState.DECIDED:
        raise ActionError(
            "Đối tượng đã có quyết định xếp loại; điểm chỉ sửa được khi có yêu cầu xếp loại lại."
        )
    criteria = _criteria_of(evaluation)
    stored = _write_scores(evaluation, criteria, stage, _parse_scores(criteria, scores))
    why = "Điểm thẩm định theo từng tiêu chí" if stage == "verified" else "Điểm quyết định theo từng tiêu chí"
    _store_score(evaluation, user, criteria, stored, why)
    return evaluation


# -- The task register -------------------------------------------------------------------------------------------

TASK_FACT_KEYS = frozenset(TASK_FIGURES)
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Detected from the first bytes, never from what the browser says; the name's extension must agree.
EVIDENCE_TYPES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".docx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".odt": (b"PK\x03\x04", "application/vnd.oasis.opendocument.text"),
}


def task_facts(results: Iterable[str]) -> dict[str, float]:
    """The percentages the rules read, from the register's results; empty when nothing is listed.

    A task without a result counts as not (yet) completed. Shares are rounded to 0.1 so that rounding never helps:
    completed and exceeded down, late up.
    """
    counts = {r: 0 for r in TaskResult.values}
    n = 0
    for result in results:
        counts[result] = counts.get(result, 0) + 1
        n += 1
    if not n:
        return {}
    done = counts[TaskResult.ON_TIME] + counts[TaskResult.EXCEEDED] + counts[TaskResult.LATE]

    def down(k: int) -> float:
        return (1000 * k // n) / 10

    def up(k: int) -> float:
        return -(-1000 * k // n) / 10

    return {
        "task_completion_pct": down(done),
        "tasks_overdue_pct": up(counts[TaskResult.LATE]),
        "tasks_exceeded_pct": down(counts[TaskResult.EXCEEDED]),
    }


def computed_fact_keys(evaluation: Evaluation) -> frozenset[str]:
    """Under QĐ 366 the task percentages are never typed; in earlier cycles, not once a register exists."""
    if evaluation.cycle.regime == "QD366_HD43" or Task.objects.filter(evaluation_id=evaluation.pk).exists():
        return TASK_FACT_KEYS
    return frozenset()


def _refresh_task_facts(ev: Evaluation, user: User, why: str) -> None:
    """Recompute the register's percentages into the evaluation's columns the rules read (under its row lock).

    The columns are their one home (`Evaluation.task_figures`): the same keys typed into the facts before a register
    existed are taken out of the facts when the register takes over.
    """
    fresh = Evaluation.objects.select_for_update().only("facts", *TASK_FIGURES).get(pk=ev.pk)
    figures = task_facts(Task.objects.filter(evaluation_id=ev.pk).values_list("result", flat=True))
    columns = {key: figures.get(key) for key in TASK_FIGURES}
    facts = {k: v for k, v in (fresh.facts or {}).items() if k not in TASK_FACT_KEYS}
    before = fresh.recorded_facts
    if columns != {key: getattr(fresh, key) for key in TASK_FIGURES} or facts != (fresh.facts or {}):
        old = ", ".join(f"{before.get(k, '—')}" for k in sorted(TASK_FACT_KEYS))
        new = ", ".join(f"{figures.get(k, '—')}" for k in sorted(TASK_FACT_KEYS))
        if old != new:
            _audit(ev, user, "facts", "facts", old, new, why)
        Evaluation.objects.filter(pk=ev.pk).update(facts=facts, updated_at=timezone.now(), **columns)
    ev.facts = facts
    for key, value in columns.items():
        setattr(ev, key, value)


def _open_for_register(ev: Evaluation, user: User) -> None:
    if ev.cycle.state != CycleState.OPEN:
        raise ActionError(f"Đợt kiểm điểm năm {ev.cycle.year} đã đóng; không sửa được danh mục nhiệm vụ.")
    if ev.state == EvaluationState.DECIDED:
        raise ActionError("Đối tượng đã có quyết định xếp loại; không sửa được danh mục nhiệm vụ.")
    own = ev.person_id is not None and user.person_id == ev.person_id
    if own and not can_propose(user, ev) and ev.state_at_least(EvaluationState.REVIEWED):
        raise ActionError("Bản tự kiểm điểm đã được đưa ra hội nghị; không sửa được danh mục nhiệm vụ.")


def _clean_task(
    *, title: object, target: object, deadline: object, result: object, note: object, link: object
) -> dict[str, object]:
    clean: dict[str, object] = {
        "title": clean_text(title, "Nhiệm vụ, sản phẩm", 500, required=True),
        "target": clean_text(target, "Chỉ tiêu, yêu cầu", 500),
        "note": clean_text(note, "Ghi chú", 4000),
    }
    if isinstance(deadline, datetime.date) or deadline in (None, ""):
        clean["deadline"] = deadline or None
    else:
        try:
            clean["deadline"] = datetime.datetime.strptime(str(deadline).strip(), "%d/%m/%Y").date()
        except ValueError:
            try:
                clean["deadline"] = datetime.date.fromisoformat(str(deadline).strip())
            except ValueError:
                raise ActionError(f"Thời hạn “{deadline}” không đúng dạng ngày/tháng/năm.") from None
    value = str(result or "")
    if value not in TaskResult.values:
        raise ActionError(f"Kết quả “{value}” không hợp lệ.")
    clean["result"] = value
    url = clean_text(link, "Đường dẫn minh chứng", 500)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ActionError(f"Đường dẫn minh chứng “{url}” không phải là địa chỉ http(s) hợp lệ.") from None
    clean["evidence_link"] = url
    return clean


def _lock_task(task: Task) -> tuple[Task, Evaluation]:
    # The evaluation first (as its other writers do), then the task; no outer join under FOR UPDATE.
    ev = _fresh(Evaluation(pk=task.evaluation_id))
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    fresh.evaluation = ev
    return fresh, ev


def check_evidence(name: str, content: bytes) -> str:
    """Return the content type of an acceptable evidence file, or refuse it saying why."""
    if len(content) > EVIDENCE_MAX_BYTES:
        raise ActionError(
            f"Tệp minh chứng “{name}” dài {len(content) / 1048576:.1f} MB, vượt giới hạn "
            f"{EVIDENCE_MAX_BYTES // 1048576} MB."
        )
    if not content:
        raise ActionError(f"Tệp minh chứng “{name}” rỗng.")
    suffix = PurePath(name).suffix.lower()
    kind = EVIDENCE_TYPES.get(suffix)
    if kind is None:
        allowed = ", ".join(sorted(EVIDENCE_TYPES))
        raise ActionError(f"Tệp minh chứng “{name}”: chỉ nhận các loại {allowed}.")
    magic, content_type = kind
    if not content.startswith(magic):
        raise ActionError(f"Tệp minh chứng “{name}”: nội dung không phải là tệp {suffix} thật.")
    return content_type


def _attach(task: Task, user: User, evidence: tuple[str, bytes] | None) -> None:
    if evidence is None:
        return
    name, content = evidence
    name = clean_text(PurePath(name or "").name, "Tên tệp minh chứng", 255, required=True)
    content_type = check_evidence(name, content)
    TaskEvidence.objects.filter(task=task).delete()
    TaskEvidence.objects.create(
        task=task, name=name, content_type=content_type, size=len(content), data=content, uploaded_by=user
    )


@transaction.atomic
def do_add_task(
    *,
    user: User,
    evaluation: Evaluation,
    title: object,
    target: object = "",
    deadline: object = None,
    result: object = "",
    note: object = "",
    evidence_link: object = "",
    evidence: tuple[str, bytes] | None = None,
) -> Task:
    """List a task or product in the subject's register (the subject, or the office that enters from paper)."""
    require(can_self_review(user, evaluation), "Đồng chí không có quyền kê khai nhiệm vụ của đối tượng này.")
    ev = _fresh(evaluation)
    _open_for_register(ev, user)
    clean = _clean_task(
        title=title, target=target, deadline=deadline, result=result, note=note, link=evidence_link
    )
    task = Task.objects.create(evaluation=ev, created_by=user, **clean)
    _attach(task, user, evidence)
    _audit(ev, user, "task", "task", "", task.get_result_display()[:40], f"Kê khai: {task.title}")
    _refresh_task_facts(ev, user, f"Kê khai nhiệm vụ: {task.title}")
    return task


@transaction.atomic
def do_update_task(
    *,
    user: User,
    task: Task,
    title: object,
    target: object = "",
    deadline: object = None,
    result: object = "",
    note: object = "",
    evidence_link: object = "",
    evidence: tuple[str, bytes] | None = None,
) -> Task:
    """Change a listed task; once confirmed, only its confirmer's office changes it (by confirming again)."""
    require(can_self_review(user, task.evaluation), "Đồng chí không có quyền sửa nhiệm vụ của đối tượng này.")
    task, ev = _lock_task(task)
    _open_for_register(ev, user)
    if task.is_confirmed:
        raise ActionError(f"Nhiệm vụ “{task.title}” đã được xác nhận; chỉ người giao việc sửa được kết quả.")
    old = task.get_result_display()
    clean = _clean_task(
        title=title, target=target, deadline=deadline, result=result, note=note, link=evidence_link
    )
    for key, value in clean.items():
        setattr(task, key, value)
    task.save()
    _attach(task, user, evidence)
    _audit(ev, user, "task", "task", old[:40], task.get_result_display()[:40], f"Sửa: {task.title}")
    _refresh_task_facts(ev, user, f"Sửa nhiệm vụ: {task.title}")
    return task


@transaction.atomic
def do_delete_task(*, user: User, task: Task) -> None:
    require(can_self_review(user, task.evaluation), "Đồng chí không có quyền xóa nhiệm vụ của đối tượng này.")
    task, ev = _lock_task(task)
    _open_for_register(ev, user)
    if task.is_confirmed:
        raise ActionError(f"Nhiệm vụ “{task.title}” đã được xác nhận; không xóa được.")
    _audit(ev, user, "task", "task", task.get_result_display()[:40], "", f"Xóa: {task.title}")
    task.delete()
    _refresh_task_facts(ev, user, f"Xóa nhiệm vụ: {task.title}")


def can_confirm_task(user: User, evaluation: Evaluation) -> bool:
    """Whoever assigned the work: the office recording for the subject's unit, never the subject themself."""
    own = evaluation.person_id is not None and user.person_id == evaluation.person_id
    return not own and can_propose(user, evaluation)


@transaction.atomic
def do_confirm_task(*, user: User, task: Task, result: object = None) -> Task:
    """Confirm a task's result as the one who assigned it (and correct it if need be)."""
    require(
        can_confirm_task(user, task.evaluation),
        "Chỉ người giao nhiệm vụ (cấp ủy, cơ quan quản lý đối tượng) xác nhận được kết quả; không tự xác nhận.",
    )
    task, ev = _lock_task(task)
    _open_for_register(ev, user)
    old = task.result
    if result is not None:
        value = str(result)
        if value not in TaskResult.values:
            raise ActionError(f"Kết quả “{value}” không hợp lệ.")
        task.result = value
    if not task.result:
        raise ActionError(f"Nhiệm vụ “{task.title}” chưa có kết quả; chưa xác nhận được.")
    task.confirmed_by = user
    task.confirmed_at = timezone.now()
    task.save()
    label = dict(TaskResult.choices)
    _audit(ev, user, "task", "task", label[old][:40], label[task.result][:40], f"Xác nhận: {task.title}")
    _refresh_task_facts(ev, user, f"Xác nhận nhiệm vụ: {task.title}")
    return task


# -- A leader's units --------------------------------------------------------------------------------------------


@transaction.atomic
def do_set_led_units(*, user: User, evaluation: Evaluation, units: list[Unit]) -> list[LedUnit]:
    """The units a leader answers for (QĐ 366 Điều 11: "địa phương, đơn vị mình phụ trách"); all replaced at once."""
    require(can_propose(user, evaluation), "Đồng chí không có quyền ghi đơn vị phụ trách của cán bộ này.")
    if evaluation.subject_type != SubjectType.LEADER:
        raise ActionError("Chỉ cán bộ lãnh đạo, quản lý có đơn vị phụ trách.")
    ev = _fresh(evaluation)
    _open_for_register(ev, user)
    roots = scope_roots(user)
    for unit in units:
        if not under_roots(unit, roots) or not unit.path.startswith(ev.cycle.unit.path):
            raise ActionError(f"Đơn vị “{unit.name}” không thuộc phạm vi quản lý hoặc phạm vi đợt kiểm điểm.")
    old = sorted(LedUnit.objects.filter(evaluation=ev).values_list("unit_id", flat=True))
    LedUnit.objects.filter(evaluation=ev).delete()
    rows = LedUnit.objects.bulk_create(
        LedUnit(evaluation=ev, unit=unit, added_by=user) for unit in {u.pk: u for u in units}.values()
    )
    new = sorted(r.unit_id for r in rows)
    if old != new:
        _audit(
            ev,
            user,
            "facts",
            "led_units",
            len(old),
            len(new),
            "Đơn vị phụ trách: " + ", ".join(u.name for u in units),
        )
        Evaluation.objects.filter(pk=ev.pk).update(updated_at=timezone.now())
    return rows
