"""State changes of cycles and evaluations; views, the API, imports and commands all call these."""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from kiemdiem import rules
from kiemdiem.accounts.models import User
from kiemdiem.campaigns import hooks
from kiemdiem.campaigns.compliance import Caused, ceiling_links, check_changes, touching
from kiemdiem.campaigns.models import (
    FACT_FIELDS,
    AuditRecord,
    Cycle,
    CycleState,
    Evaluation,
    EvaluationState,
    Meeting,
    Order,
    OrderKind,
    QuotaGroup,
    RatingLevel,
    SubjectType,
)
from kiemdiem.campaigns.permissions import (
    can_decide,
    can_enter_paper_decision,
    can_order,
    can_propose,
    can_self_review,
    can_verify,
    chains_of,
    deciding_unit_for,
    require,
)
from kiemdiem.campaigns.queries import prerequisites_for
from kiemdiem.campaigns.review_forms import GRADES, form_for, form_of, required_sections
from kiemdiem.errors import ActionError
from kiemdiem.orgs.models import (
    GRASSROOTS_KINDS,
    CellMembership,
    LeadershipCollective,
    ManagementTier,
    Person,
    Position,
    Role,
    Unit,
    UnitKind,
)
from kiemdiem.orgs.queries import home_cells_as_of, period_end, units_as_of
from kiemdiem.rules.regimes import deadlines_for, overlay_for, regime_for_year
from kiemdiem.text import clean_text


def can_open_cycle(user: User | None, unit: Unit, year: int) -> bool:
    """Who opens a cycle for a subtree (docs/decisions.md "Who opens a cycle").

    The province's organisation board (or a superuser) for any unit it reaches; a committee's officer for its own
    subtree only when the province has delegated that year to it or to a committee above it inside their scope.
    """
    from kiemdiem.accounts.models import UserRole
    from kiemdiem.campaigns.models import CycleDelegation
    from kiemdiem.orgs.queries import scope_roots

    if user is None:  # the command line and the demo act as the system administrator
        return True
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    roots = scope_roots(user) or []
    if not any(unit.path.startswith(r.path) for r in roots):
        return False
    if user.role == UserRole.PROVINCE_ADMIN:
        return True
    if user.role != UserRole.DISTRICT_OFFICER:
        return False
    # A delegation to the unit itself or to a committee above it that is still inside the officer's own scope.
    chain = [*unit.ancestor_ids, unit.pk]
    inside = [i for i in chain if any(_path_of(i, unit).startswith(r.path) for r in roots)]
    return CycleDelegation.objects.filter(unit_id__in=inside, year=year).exists()


def _path_of(pk: int, unit: Unit) -> str:
    """The path of one of the unit's ancestors (or itself), cut from the unit's own path."""
    from kiemdiem.orgs.models import path_segment

    return unit.path[: unit.path.index(path_segment(pk)) + len(path_segment(pk))]


def resolve_regime(year: int, quarter: int | None = None):
    """The regime of a period through the rules' public functions; a quarter only where the regime has them."""
    if not 2019 <= year <= 2100:
        raise CycleError(f"Năm {year} không hợp lệ: chỉ hỗ trợ các năm từ 2019.")
    try:
        regime = regime_for_year(year)
    except rules.BadInput as exc:
        raise CycleError(str(exc)) from None
    if quarter is not None:
        if not regime.value("quarterly_reviews"):
            raise CycleError(
                f"Năm {year} áp dụng {regime.name}: chỉ kiểm điểm hằng năm, không có đánh giá hằng quý."
            )
        if quarter not in (1, 2, 3):
            raise CycleError(
                f"Quý {quarter} không hợp lệ: chỉ đánh giá quý I, II, III; quý IV gộp vào đánh giá cả năm "
                "(KL 198-KL/TW; HD 43-HD/BTCTW)."
            )
    return regime


def default_deadlines(
    year: int, quarter: int | None = None, province: str = "tuyen-quang"
) -> dict[str, datetime.date | None]:
    """The cycle's three dates from the regime and the province's overlay (a quarter: the month after it)."""
    if quarter is not None:
        # A quarter's review closes in the first days after it; HD 43 sets no date, the opener may change it.
        end = datetime.date(year, 3 * quarter, 1) + datetime.timedelta(days=31)
        due = end.replace(day=15)
        return {"review_deadline": due, "dossier_deadline": None, "report_deadline": due.replace(day=20)}
    deadlines = deadlines_for(year, province=province)
    return {
        "review_deadline": deadlines["review_done"],
        "dossier_deadline": deadlines.get("cadre_dossier"),
        # Without a province's own date, the report is due when the regime's central report is.
        "report_deadline": deadlines.get("report_to_province")
        or deadlines.get("report_to_central")
        or deadlines["review_done"],
    }


def _same_period(year: int, quarter: int | None) -> Q:
    return Q(year=year, quarter__isnull=True) if quarter is None else Q(year=year, quarter=quarter)


@transaction.atomic
def do_open_cycle(
    *,
    unit: Unit,
    year: int,
    quarter: int | None = None,
    province: str = "tuyen-quang",
    user: User | None = None,
    review_deadline: datetime.date | None = None,
    dossier_deadline: datetime.date | None = None,
    report_deadline: datetime.date | None = None,
) -> Cycle:
    """Open a review cycle for a committee's subtree; regime and default deadlines come from the rules.

    The quota groups and evaluations are made by `do_sync_cycle` (in the background for a province).
    """
    if user is not None and not can_open_cycle(user, unit, year):
        raise CycleError(
            f"Đồng chí không có quyền mở đợt kiểm điểm cho {unit.name}: đợt của tỉnh do Ban Tổ chức Tỉnh ủy mở; "
            f"cấp ủy cấp dưới chỉ mở đợt cho phạm vi của mình khi được Tỉnh ủy ủy quyền cho năm {year}."
        )
    if not unit.is_party_org:
        raise CycleError(f"{unit.name} không phải là tổ chức đảng: chỉ cấp ủy mở đợt kiểm điểm.")
    regime = resolve_regime(year, quarter)
    overlay = overlay_for(year, province=province)
    period = f"quý {quarter}/{year}" if quarter else f"năm {year}"
    same = Cycle.objects.filter(_same_period(year, quarter))
    if same.filter(unit=unit).exists():
        raise CycleError(f"{unit.name} đã có đợt kiểm điểm {period}.")
    covering = same.filter(unit_id__in=unit.ancestor_ids)
    if Evaluation.objects.filter(cycle__in=covering, unit__path__startswith=unit.path).exists():
        above = covering.select_related("unit").first()
        raise CycleError(
            f"Đợt kiểm điểm {period} của {above.unit.name if above else 'cấp trên'} đã tạo bản đánh giá cho "
            f"{unit.name}; không mở đợt thứ hai cho cùng đối tượng."
        )
    dates = default_deadlines(year, quarter, province)
    for key, value in (
        ("review_deadline", review_deadline),
        ("dossier_deadline", dossier_deadline),
        ("report_deadline", report_deadline),
    ):
        if value is not None:
            dates[key] = value
    _check_deadlines(year, dates)
    basis = "; ".join([*regime.documents, *(overlay.documents if overlay and quarter is None else [])])
    cycle = Cycle(
        unit=unit,
        year=year,
        quarter=quarter,
        regime=regime.code,
        basis=basis[:255],
        opened_by=user,
        opened_at=timezone.now(),
        **dates,
    )
    cycle.full_clean()
    cycle.save()
    hooks.run_cycle_opened(cycle)  # e.g. freeze the criteria frameworks the cycle keeps
    return cycle


def _check_deadlines(year: int, dates: dict[str, datetime.date | None]) -> None:
    review, report = dates["review_deadline"], dates["report_deadline"]
    dossier = dates.get("dossier_deadline")
    for label, value in (
        ("Hạn hoàn thành kiểm điểm", review),
        ("Hạn gửi hồ sơ đánh giá cán bộ", dossier),
        ("Hạn báo cáo kết quả", report),
    ):
        if value is not None and not datetime.date(year, 1, 1) <= value <= datetime.date(year + 1, 12, 31):
            raise CycleError(f"{label} {value:%d/%m/%Y} nằm ngoài năm {year} và năm sau liền kề.")
    if review is None or report is None:
        raise CycleError("Cần nhập hạn hoàn thành kiểm điểm và hạn báo cáo kết quả.")
    if report < review:
        raise CycleError(
            f"Hạn báo cáo kết quả ({report:%d/%m/%Y}) trước hạn hoàn thành kiểm điểm ({review:%d/%m/%Y})."
        )


def require_cycle_manager(user: User | None, cycle: Cycle) -> None:
    if user is not None and not can_open_cycle(user, cycle.unit, cycle.year):
        raise CycleError(
            f"Đợt kiểm điểm {cycle.period} của {cycle.unit.name} do cấp đã mở đợt quản lý; "
            "đồng chí không có quyền thay đổi đợt này."
        )


# The levels a deadline may be set for, lowest first: a lower level finishes before the level above it.
DEADLINE_LEVELS: dict[str, tuple[str, frozenset[str]]] = {
    "cell": ("Chi bộ trực thuộc, đảng bộ bộ phận", frozenset({UnitKind.CELL, UnitKind.SUB_COMMITTEE})),
    "grassroots": (
        "Tổ chức cơ sở đảng (đảng bộ, chi bộ cơ sở)",
        frozenset({UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL}),
    ),
    "upper": (
        "Đảng bộ cấp trên trực tiếp cơ sở (huyện, trực thuộc)",
        frozenset({UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE}),
    ),
}


def level_of(kind: str) -> str | None:
    return next((key for key, (_, kinds) in DEADLINE_LEVELS.items() if kind in kinds), None)


@transaction.atomic
def do_set_cycle_deadlines(
    *,
    user: User | None,
    cycle: Cycle,
    review_deadline: datetime.date,
    dossier_deadline: datetime.date | None,
    report_deadline: datetime.date,
    levels: dict[str, datetime.date | None] | None = None,
) -> Cycle:
    """Change the cycle's dates and its per-level review deadlines (each level no later than the cycle's)."""
    require_cycle_manager(user, cycle)
    cycle = Cycle.objects.select_for_update().select_related("unit").get(pk=cycle.pk)
    if not cycle.is_open:
        raise CycleError(f"Đợt kiểm điểm {cycle.period} đã đóng; không sửa hạn được nữa.")
    dates = {
        "review_deadline": review_deadline,
        "dossier_deadline": dossier_deadline,
        "report_deadline": report_deadline,
    }
    _check_deadlines(cycle.year, dates)
    from kiemdiem.campaigns.models import LevelDeadline

    previous: datetime.date | None = None
    for key, (label, _) in DEADLINE_LEVELS.items():
        value = (levels or {}).get(key)
        if key not in DEADLINE_LEVELS:
            continue
        if value is None:
            LevelDeadline.objects.filter(cycle=cycle, level=key).delete()
            continue
        if value > review_deadline:
            raise CycleError(
                f"Hạn của cấp “{label}” ({value:%d/%m/%Y}) sau hạn hoàn thành kiểm điểm của đợt "
                f"({review_deadline:%d/%m/%Y})."
            )
        if previous is not None and value < previous:
            raise CycleError(
                f"Hạn của cấp “{label}” ({value:%d/%m/%Y}) trước hạn của cấp dưới ({previous:%d/%m/%Y}): "
                "cấp dưới kiểm điểm xong trước để cấp trên tổng hợp."
            )
        previous = value
        LevelDeadline.objects.update_or_create(cycle=cycle, level=key, defaults={"review_deadline": value})
    unknown = set(levels or {}) - set(DEADLINE_LEVELS)
    if unknown:
        raise CycleError(f"Cấp không hợp lệ: {', '.join(sorted(unknown))}.")
    for key, value in dates.items():
        setattr(cycle, key, value)
    cycle.save(update_fields=[*dates])
    return cycle


@transaction.atomic
def do_close_cycle(*, user: User | None, cycle: Cycle) -> Cycle:
    """Close a cycle: nothing in it changes any more, except an evaluation an order reopens."""
    require_cycle_manager(user, cycle)
    cycle = Cycle.objects.select_for_update().select_related("unit").get(pk=cycle.pk)
    if not cycle.is_open:
        raise CycleError(f"Đợt kiểm điểm {cycle.period} của {cycle.unit.name} đã đóng từ trước.")
    cycle.state = CycleState.CLOSED
    cycle.closed_by = user
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["state", "closed_by", "closed_at"])
    return cycle


@transaction.atomic
def do_delegate_cycles(*, user: User, unit: Unit, year: int) -> object:
    """The province lets a committee open and run the cycles of its own subtree for a year."""
    from kiemdiem.accounts.models import UserRole
    from kiemdiem.campaigns.models import CycleDelegation
    from kiemdiem.orgs.queries import scope_roots

    roots = scope_roots(user)
    covers = roots is None or any(unit.path.startswith(r.path) and unit.pk != r.pk for r in roots)
    if not (user.is_superuser or (user.role == UserRole.PROVINCE_ADMIN and covers)):
        raise CycleError("Chỉ Ban Tổ chức Tỉnh ủy ủy quyền mở đợt kiểm điểm cho cấp ủy cấp dưới.")
    if unit.kind not in UPPER_KINDS and unit.kind not in GRASSROOTS_KINDS:
        raise CycleError(f"{unit.name} không phải là cấp ủy có cấp dưới: không ủy quyền mở đợt được.")
    resolve_regime(year)
    delegation, _ = CycleDelegation.objects.get_or_create(unit=unit, year=year, defaults={"granted_by": user})
    return delegation


def do_sync_cycle(*, cycle: Cycle, user: User | None = None, progress=None) -> dict[str, int]:
    """Add the quota groups and evaluations a cycle lacks (opening, or after the tree or positions changed).

    Never duplicates: what exists is kept as it is, with its ratings. Returns what was added.
    """
    report = progress or (lambda pct, step: None)
    cycle = Cycle.objects.select_related("unit").get(
        pk=cycle.pk
    )  # its state now, not when the caller read it
    if user is not None:
        require_cycle_manager(user, cycle)
    if not cycle.is_open:
        raise CycleError(f"Đợt kiểm điểm {cycle.period} đã đóng; không thêm đối tượng được nữa.")
    report(2, "Tạo nhóm tính tỷ lệ")
    groups = ensure_default_quota_groups(cycle=cycle)
    report(5, "Tạo bản đánh giá")
    evaluations = ensure_evaluations(
        cycle=cycle, progress=lambda pct: report(5 + pct * 94 // 100, "Tạo bản đánh giá")
    )
    Cycle.objects.filter(pk=cycle.pk).update(synced_at=timezone.now())
    report(100, "Đã xong")
    return {"quota_groups": groups, "evaluations": evaluations}


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
    # A quarter reviews designated cadres only: their groups by management tier are all it needs.
    yearly = cycle.quarter is None
    # The tree as it stood at the period's end: a unit moved during the year counts once, in its later place.
    tree = units_as_of(cycle.unit, period_end(cycle.year, cycle.quarter))
    grassroots = tree.filter(kind__in=GRASSROOTS_KINDS)
    for go in grassroots if yearly else ():
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"dv-{go.code}",
                name=f"Đảng viên {go.name}",
                subject_type=SubjectType.PARTY_MEMBER,
                scope_unit=go,
            )
        )
    uppers = tree.filter(
        kind__in=[UnitKind.PROVINCE_COMMITTEE, UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE]
    )
    for upper in uppers if yearly else ():
        wanted.append(
            QuotaGroup(
                cycle=cycle,
                code=f"tcd-{upper.code}",
                name=f"Tổ chức đảng trực thuộc {upper.name}",
                subject_type=SubjectType.PARTY_ORGANIZATION,
                scope_unit=upper,
            )
        )
    for suffix, scope in [*LEVEL_GROUPS.values(), ("co-so", "cấp cơ sở")] if yearly else ():
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


class CycleError(ActionError):
    """A refused change of a cycle (opening, deadlines, re-sync, closing)."""


class ConflictError(ActionError):
    """Someone else saved the evaluation since it was opened."""


class RuleViolation(ActionError):
    def __init__(
        self, message: str, findings: Sequence[rules.Finding | Caused], *, overridable: bool
    ) -> None:
        super().__init__(message)
        self.findings = findings
        self.overridable = overridable


def _group_code_for(subject_type: str, unit: Unit, chain: list[Unit], tier: str = "") -> str | None:
    """The default comparable group (HD 21): members per grassroots organisation, collectives per level,
    leaders per management tier (`tier`, the person's), party organisations per upper committee. `chain` is the
    unit and its ancestors, nearest first."""
    if subject_type == SubjectType.PARTY_MEMBER:
        go = next((u for u in chain if u.kind in GRASSROOTS_KINDS), unit)
        return f"dv-{go.code}"
    if subject_type == SubjectType.PARTY_ORGANIZATION:
        upper = next((u for u in chain[1:] if u.kind in UPPER_KINDS), None)
        return f"tcd-{upper.code}" if upper is not None else None
    if subject_type == SubjectType.LEADERSHIP_COLLECTIVE:
        return f"tt-{LEVEL_GROUPS.get(unit.depth, ('co-so', ''))[0]}"
    if subject_type == SubjectType.LEADER:
        return f"ld-{tier or ManagementTier.GRASSROOTS}"
    return None


UPPER_KINDS = frozenset(
    {UnitKind.PROVINCE_COMMITTEE, UnitKind.DISTRICT_COMMITTEE, UnitKind.AFFILIATED_COMMITTEE}
)


BATCH = 5000


def ensure_evaluations(*, cycle: Cycle, unit: Unit | None = None, progress=None) -> int:
    """Create the evaluation of every subject under a unit (default: the cycle's unit); return how many.

    A yearly cycle evaluates every unit, collective, member and leader of the subtree as it stands in the year; a
    quarterly cycle only the cadres designated for that year's quarterly reviews. A subject that already has an
    evaluation of the same period, in this cycle or in a committee's own cycle nested in it, is left alone.
    `progress(pct)` hears how far the writing is. Each batch is written in its own transaction (inside a caller's
    transaction, as an import's, they are all one).
    """
    report = progress or (lambda pct: None)
    root = unit or cycle.unit
    ensure_default_quota_groups(cycle=cycle)
    groups = {g.code: g for g in cycle.quota_groups.all()}
    # The subtree as it stood at the period's end (units_as_of): in a year of reorganisation a moved or merged unit
    # has two versions; only the one in force that day is reviewed, with the members, collectives and posts it then had.
    day = period_end(cycle.year, cycle.quarter)
    in_force = Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    units = {u.pk: u for u in units_as_of(root, day)}
    units_and_above = {**{u.pk: u for u in Unit.objects.filter(pk__in=root.ancestor_ids)}, **units}
    chains: dict[int, list[Unit]] = {}

    def chain_of(unit: Unit) -> list[Unit]:
        if unit.pk not in chains:
            ids = [*unit.ancestor_ids, unit.pk]
            chains[unit.pk] = [units_and_above[i] for i in reversed(ids) if i in units_and_above]
        return chains[unit.pk]

    keys = ("subject_type", "unit_id", "person_id", "collective_id")
    existing = set(Evaluation.objects.filter(cycle=cycle, unit_id__in=units).values_list(*keys))
    nested = Cycle.objects.filter(
        _same_period(cycle.year, cycle.quarter), unit__path__startswith=root.path
    ).exclude(pk=cycle.pk)
    if nested.exists():
        existing |= set(
            Evaluation.objects.filter(cycle__in=nested, unit__path__startswith=root.path).values_list(*keys)
        )
    forms: dict[str, str] = {}
    new: list[NewEvaluation] = []
    group_ids = {code: g.pk for code, g in groups.items()}
    # The group of a subject depends on its type and unit only (and a leader's tier): worked out once per unit.
    group_of: dict[tuple[str, int, str], int | None] = {}

    def add(
        subject_type: str,
        unit_id: int,
        person_id: int | None = None,
        collective_id: int | None = None,
        *,
        role: str = "",
        leader_collective_id: int | None = None,
        reason: str = "",
        tier: str = "",
    ) -> None:
        key = (subject_type, unit_id, person_id, collective_id)
        if key in existing:
            return
        existing.add(key)
        where = (subject_type, unit_id, tier)
        if where not in group_of:
            unit = units[unit_id]
            code = _group_code_for(subject_type, unit, chain_of(unit), tier)
            group_of[where] = group_ids.get(code) if code else None
        if subject_type not in forms:
            forms[subject_type] = form_for(
                regime=cycle.regime,
                subject_type=subject_type,
                is_leader=subject_type == SubjectType.LEADER,
                quarterly=cycle.quarter is not None,
            ).code
        new.append(
            NewEvaluation(
                cycle.pk,
                subject_type,
                unit_id,
                person_id,
                collective_id,
                role,
                leader_collective_id,
                group_of[where],
                forms[subject_type],
                reason,
            )
        )

    seen_people: set[int] = {p for (t, _, p, _) in existing if t == SubjectType.PARTY_MEMBER and p}
    leaders_done = {p for (t, _, p, _) in existing if t == SubjectType.LEADER and p}
    positions = (
        Position.objects.filter(in_force, unit_id__in=units, role__in=[Role.HEAD, Role.DEPUTY])
        .select_related("person", "unit")
        .order_by("unit__depth", "role", "id")  # "deputy" < "head": heads are picked in the pass below
    )
    designated: set[int] | None = None
    if cycle.quarter is not None:
        from kiemdiem.campaigns.models import QuarterlyDesignation

        designated = set(
            QuarterlyDesignation.objects.filter(
                year=cycle.year, unit__path__startswith=root.path
            ).values_list("person_id", flat=True)
        )
        positions = positions.filter(person_id__in=designated)
    chosen: dict[int, Position] = {}
    for pos in positions:
        current = chosen.get(pos.person_id)
        if current is None or (pos.unit.depth, pos.role != Role.HEAD) < (
            current.unit.depth,
            current.role != Role.HEAD,
        ):
            chosen[pos.person_id] = pos
    # A leader is rated once per cycle, at their highest post: that may lie outside this subtree (an import's).
    for chunk in _chunks(sorted(chosen)):
        leaders_done.update(
            Evaluation.objects.filter(
                cycle=cycle, subject_type=SubjectType.LEADER, person_id__in=chunk
            ).values_list("person_id", flat=True)
        )
    if designated is not None:
        # Quarterly: the designated cadres alone, as leaders where they hold a post, else in their own cell.
        cadres = home_cells_as_of(designated - set(chosen), day)
        tiers = dict(Person.objects.filter(pk__in=list(cadres)).values_list("pk", "management_tier"))
        for person_id, cell_id in sorted(cadres.items()):
            if cell_id in units and person_id not in leaders_done:
                add(SubjectType.LEADER, cell_id, person_id, tier=tiers.get(person_id) or "")
    else:
        for u in units.values():
            kind = SubjectType.PARTY_ORGANIZATION if u.is_party_org else SubjectType.AGENCY
            add(kind, u.pk)
        # Each member in the cell they belonged to at the period's end (a later move left a dated membership).
        cells = units_as_of(root, day).values("pk")
        members = Person.objects.filter(is_party_member=True, home_cell__in=cells).filter(
            Q(home_cell_since__isnull=True) | Q(home_cell_since__lte=day)
        )
        memberships = CellMembership.objects.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            cell__in=cells,
            valid_to__gte=day,
            person__is_party_member=True,
        )
        then = dict(memberships.values_list("person_id", "cell_id"))
        earlier = Person.objects.filter(pk__in=memberships.values("person_id"))
        # Plain rows, not objects: building 140,000 Person objects cost more than writing their evaluations.
        fields = ("id", "home_cell_id", "is_exempt", "is_suspended")
        member = SubjectType.PARTY_MEMBER
        for pk, cell_id, exempt, suspended in itertools.chain(
            members.values_list(*fields).iterator(chunk_size=BATCH),
            earlier.values_list(*fields).iterator(chunk_size=BATCH),
        ):
            if pk in seen_people:
                continue
            seen_people.add(pk)
            reason = ""
            if exempt:
                reason = "Miễn công tác và sinh hoạt đảng"
            elif suspended:
                reason = "Đình chỉ sinh hoạt đảng"
            add(member, then.get(pk, cell_id), pk, reason=reason)
        for collective_id, unit_id in LeadershipCollective.objects.filter(
            in_force, unit_id__in=units
        ).values_list("pk", "unit_id"):
            add(SubjectType.LEADERSHIP_COLLECTIVE, unit_id, None, collective_id)
    for person_id, pos in chosen.items():
        if person_id in leaders_done:
            continue
        add(
            SubjectType.LEADER,
            pos.unit_id,
            person_id,
            role=pos.role,
            leader_collective_id=pos.collective_id,
            tier=pos.person.management_tier or "",
        )
    report(10)
    added = _insert_evaluations(new, progress=lambda done: report(10 + 90 * done // len(new)))
    report(100)
    return added


class NewEvaluation(NamedTuple):
    """What a new evaluation is given by its subject; every other column takes the model's default."""

    cycle_id: int
    subject_type: str
    unit_id: int
    person_id: int | None = None
    collective_id: int | None = None
    role: str = ""
    leader_collective_id: int | None = None
    quota_group_id: int | None = None
    form_code: str = ""
    not_rated_reason: str = ""


_SUBJECT_COLUMNS = NewEvaluation._fields


def _insert_evaluations(new: list[NewEvaluation], *, progress=None) -> int:
    """Write new evaluations in batches of BATCH, each in its own transaction; return how many were written.

    Only the subject's columns differ from row to row; every other column is the model's default, prepared once
    (a `bulk_create` of 165,000 objects spends most of its time building and preparing 33 fields of each).
    PostgreSQL: each batch is sent by COPY, the defaults' text written once; when a unique constraint refuses it (a
    subject written meanwhile by another sync), the batch goes again through a temporary table and one `INSERT …
    SELECT … ON CONFLICT DO NOTHING`. SQLite: one executemany of `INSERT OR IGNORE`. So a subject is never written
    twice. `progress(done)` hears the count after each batch.
    """
    from django.db import connection

    report = progress or (lambda done: None)
    if not new:
        return 0
    by_name = {f.attname: f for f in Evaluation._meta.concrete_fields}
    varying = [by_name[name] for name in _SUBJECT_COLUMNS]
    fixed = [f for f in by_name.values() if not f.primary_key and f.attname not in _SUBJECT_COLUMNS]
    prototype = Evaluation()
    defaults = [f.get_db_prep_save(f.pre_save(prototype, True), connection) for f in fixed]
    quote = connection.ops.quote_name
    subject_columns = ", ".join(quote(f.column) for f in varying)  # type: ignore[arg-type]  # concrete: a column each
    columns = f"{subject_columns}, {', '.join(quote(f.column) for f in fixed)}"  # type: ignore[arg-type]  # as above
    marks = ", ".join(["%s"] * len(fixed))
    table = quote(Evaluation._meta.db_table)
    added = 0
    suffix = ""
    if connection.vendor == "postgresql":
        # The defaults as PostgreSQL itself writes them (its text form is COPY's input form), once.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(['CAST(%s AS text)'] * len(fixed))}", defaults)
            suffix = "".join("\t" + _copy_value(v) for v in cursor.fetchone())
    for start in range(0, len(new), BATCH):
        batch = new[start : start + BATCH]
        if connection.vendor == "postgresql":
            # Straight into the table; should another sync have written one of these subjects meanwhile (a unique
            # constraint refuses the batch), the batch goes again through a temporary table, conflicts skipped.
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write("".join(_copy_line(row, suffix) for row in batch).encode())
                added += len(batch)
                report(min(start + BATCH, len(new)))
                continue
            except (IntegrityError, connection.Database.IntegrityError):  # type: ignore[attr-defined]  # the driver's own, from COPY
                pass
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TEMPORARY TABLE evaluation_new AS SELECT {subject_columns} FROM {table} WITH NO DATA"
                )
                with cursor.copy(f"COPY evaluation_new ({subject_columns}) FROM STDIN") as copy:
                    copy.write("".join(_copy_line(row) for row in batch).encode())
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {subject_columns}, {marks} FROM evaluation_new "
                    "ON CONFLICT DO NOTHING",
                    defaults,
                )
                added += cursor.rowcount
                cursor.execute("DROP TABLE evaluation_new")
            elif connection.vendor == "sqlite":
                cursor.executemany(
                    f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(varying))}, {marks})",
                    [(*row, *defaults) for row in batch],
                )
                added += cursor.rowcount
            else:
                created = Evaluation.objects.bulk_create(
                    [Evaluation(**row._asdict()) for row in batch], batch_size=BATCH, ignore_conflicts=True
                )
                added += len(created)
        report(min(start + BATCH, len(new)))
    return added


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(v: object) -> str:
    return "\\N" if v is None else v.translate(_COPY_ESCAPES) if isinstance(v, str) else str(v)


def _copy_line(row: tuple[object, ...], suffix: str = "") -> str:
    """One row in COPY's text format: tab-separated, \\N for NULL, backslash escapes; `suffix`: columns already
    in that form."""
    return "\t".join([_copy_value(v) for v in row]) + suffix + "\n"


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


def _lock(evaluation: Evaluation, version: int | None, *, ordering: bool = False) -> Evaluation:
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
    # A closed cycle is locked; an order reopens one evaluation in it until that evaluation is decided again.
    if ev.cycle.state != CycleState.OPEN and not (
        ordering or ev.orders.filter(resolved_at__isnull=True).exists()
    ):
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


def _count(value: object, label: str) -> int:
    try:
        number = int(value or 0)  # type: ignore[call-overload]  # a value of any type: int() refusing it is caught
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
    form = form_of(ev)
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
        for points, label, top in (
            (score_general, "Nhóm tiêu chí chung", 30),
            (score_results, "Nhóm tiêu chí kết quả", 70),
        ):
            if points is not None and not 0 <= points <= top:
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
    recorded = ev.recorded_facts  # with the register's percentages, kept in their own columns
    for key, value in facts.items():
        if key not in FACT_FIELDS:
            raise ActionError(f"Dữ kiện “{key}” không được hỗ trợ.")
        label, kind = FACT_FIELDS[key]
        if value in (None, ""):
            continue
        if key in computed:
            if value != recorded.get(key):
                raise ActionError(f"{label}: được tính từ danh mục nhiệm vụ, sản phẩm, không nhập tay.")
            continue
        if kind == "bool":
            clean[key] = bool(value)
        elif kind in ("int", "pct"):
            try:
                number = int(value) if kind == "int" else float(value)  # type: ignore[call-overload, arg-type]  # any type: refusals caught
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


@transaction.atomic
def do_order(*, user: User, evaluation: Evaluation, kind: str, reason: str) -> Order:
    """An inspection's or the upper level's order: re-review or re-rate; it reopens the evaluation."""
    require(
        can_order(user, evaluation),
        "Đồng chí không có quyền yêu cầu kiểm điểm lại, xếp loại lại đối tượng này.",
    )
    ev = _lock(evaluation, None, ordering=True)
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


# -- Proposals and decisions: one path for one row, a meeting's page, a committee's page and a paper file --------
#
# The rows are validated, the quota groups they count in are locked once (in id order), then the rows and the
# evaluations whose rating caps theirs (in id order); the rules run once over the batch as it would be saved, and
# only what changed is written, with one audit record per changed value. Nothing else holds a lock.


@dataclass(frozen=True)
class Proposal:
    """One subject's line of a meeting's record: the proposed rating and the votes for it."""

    evaluation: Evaluation
    rating: str
    votes_for: object = ""
    version: int | None = None
    not_rated_reason: str = ""
    number: int | None = (
        None  # how an error names the row (its line on the page; else its place in the batch)
    )


@dataclass(frozen=True)
class Decision:
    """One subject's line of a competent body's decision."""

    evaluation: Evaluation
    rating: str
    version: int | None = None
    reason: str = ""  # a re-decision's reason
    override_reason: str = ""  # a quota passed over: the body's written reason
    decided_on: datetime.date | None = None
    not_rated_reason: str | None = None  # paper decisions: the body decided not to rate, and why
    source: str = ""  # paper decisions: the file and row, in the audit record
    number: int | None = None  # how an error names the row (the file's row; else its place in the batch)


def _refused(errors: list[tuple[int, ActionError]], names: list[str], *, numbered: bool) -> ActionError:
    """One exception for every refused row; `rows` keeps (index, message) for callers that list them apart."""
    if not numbered and len(errors) == 1:
        only = errors[0][1]
        only.rows = [(errors[0][0], str(only))]
        return only
    text = "; ".join(f"Dòng {names[i]}: {exc}" for i, exc in errors)
    kinds = {type(exc) for _, exc in errors}
    exc: ActionError
    if kinds == {ConflictError}:
        exc = ConflictError(text)
    elif len(violations := [e for _, e in errors if isinstance(e, RuleViolation)]) == len(errors):
        findings = [f for e in violations for f in e.findings]
        exc = RuleViolation(
            text,
            findings,
            overridable=all(e.overridable for e in violations),
        )
    else:
        exc = ActionError(text)
    exc.rows = [(i, str(e)) for i, e in errors]
    return exc


def _lock_batch(
    ids: list[int], *, lock: bool = True, read: Mapping[int, Evaluation] | None = None
) -> dict[int, Evaluation]:
    """Lock the batch's quota groups, then its rows and the rows whose rating caps theirs; read them back.

    `read`: the rows as read just before without a lock (a meeting's page): see `_lock_read`."""
    ordered = sorted(set(ids))
    if not ordered:
        return {}
    if not lock:
        return _read_batch(ordered)
    if read is not None:
        return _lock_read(ordered, read)
    group_ids: set[int] = set()
    cycle_ids: set[int] = set()
    for chunk in _chunks(ordered):
        for group_id, cycle_id in Evaluation.objects.filter(pk__in=chunk).values_list(
            "quota_group_id", "cycle_id"
        ):
            cycle_ids.add(cycle_id)
            if group_id is not None:
                group_ids.add(group_id)
    # Two saves in one group at the same moment serialise here, so the cap holds (PostgreSQL row locks).
    if group_ids:
        list(
            QuotaGroup.objects.select_for_update()
            .filter(pk__in=sorted(group_ids))
            .order_by("pk")
            .values_list("pk")
        )
    linked: set[int] = set()
    for cycle in Cycle.objects.filter(pk__in=cycle_ids):
        linked |= ceiling_links(cycle, ordered)
    every = sorted(set(ordered) | linked)
    for chunk in _chunks(every):
        list(
            Evaluation.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk")
        )
    return _read_batch(ordered)


def _lock_read(ordered: list[int], read: Mapping[int, Evaluation]) -> dict[int, Evaluation]:
    """`_lock_batch` for rows read just before: the quota groups to lock are theirs as read (no query to find
    them), and rows nothing links to a ceiling (party members) are locked and read back in one query. A row whose
    quota group moved in between is refused as stale: its new group is not locked."""
    groups = sorted({g for pk in ordered if (g := read[pk].quota_group_id) is not None})
    if groups:
        list(QuotaGroup.objects.select_for_update().filter(pk__in=groups).order_by("pk").values_list("pk"))
    linked: set[int] = set()
    capped = [
        read[pk]
        for pk in ordered
        if read[pk].subject_type in (SubjectType.LEADER, SubjectType.LEADERSHIP_COLLECTIVE)
    ]
    by_cycle: dict[int, list[int]] = {}
    for ev in capped:
        by_cycle.setdefault(ev.cycle_id, []).append(ev.pk)
    for cycle_id, pks in by_cycle.items():
        linked |= ceiling_links(Cycle(pk=cycle_id), pks)
    if linked - set(ordered):
        for chunk in _chunks(sorted(set(ordered) | linked)):
            list(
                Evaluation.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list("pk")
            )
        locked = _read_batch(ordered)
    else:
        locked = {}
        for chunk in _chunks(ordered):
            locked.update(
                (ev.pk, ev)
                for ev in Evaluation.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk)
                .select_related("cycle", "unit", "person", "collective", "quota_group")
                .order_by("pk")
            )
    for ev in locked.values():
        if ev.quota_group_id is not None and ev.quota_group_id not in groups:
            raise ConflictError(
                f"“{ev.subject_name}” vừa được chuyển sang nhóm tính tỷ lệ khác. Đề nghị tải lại trang rồi nhập lại."
            )
    return locked


def _read_batch(ordered: list[int]) -> dict[int, Evaluation]:
    locked: dict[int, Evaluation] = {}
    for chunk in _chunks(ordered):
        locked.update(
            (ev.pk, ev)
            for ev in Evaluation.objects.filter(pk__in=chunk).select_related(
                "cycle", "unit", "person", "collective", "quota_group"
            )
        )
    return locked


def _chunks(ids: list[int], size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _check_row(ev: Evaluation, version: int | None) -> None:
    if version is not None and ev.version != version:
        raise ConflictError(
            f"Bản ghi của “{ev.subject_name}” vừa được người khác cập nhật (phiên bản {ev.version}, "
            f"đồng chí đang sửa phiên bản {version}). Đề nghị tải lại trang, xem thay đổi rồi nhập lại."
        )
    # A closed cycle is locked, except an evaluation an order reopened (until it is decided again).
    if ev.cycle.state != CycleState.OPEN and not ev.orders.filter(resolved_at__isnull=True).exists():
        raise ActionError(
            f"Đợt kiểm điểm năm {ev.cycle.year} đã đóng; chỉ mở lại được bằng yêu cầu của cấp trên."
        )


def _refuse_rule_breaks(
    cycle: Cycle,
    ratings: dict[int, str | None],
    *,
    states: dict[int, str],
    overrides: dict[int, str] | None,
    where: str = "",
    read: Mapping[int, Evaluation] | None = None,
) -> tuple[dict[int, str], list[tuple[int, ActionError]]]:
    """Run the rules once over the batch; return each row's audited override, and the rows refused.

    `overrides` is None where nothing may be passed over (a meeting's proposal); else each row's written reason
    (the competent authority may pass over the HTXS quota only: HD 21 mục 2.3, see compliance.OVERRIDABLE_CODES).
    """
    by_row: dict[int, list[Caused]] = {}
    for caused in check_changes(cycle, ratings, states=states, read=read, refuse_any=overrides is None):
        by_row.setdefault(caused.evaluation_id, []).append(caused)
    passed: dict[int, str] = {}
    refused: list[tuple[int, ActionError]] = []
    for pk, found in by_row.items():
        rating = ratings[pk] or "không xếp loại"
        lines = "; ".join(dict.fromkeys(c.text for c in found))
        hard = [c for c in found if not c.overridable]
        reason = (overrides or {}).get(pk, "").strip()
        if hard or overrides is None:
            refused.append(
                (pk, RuleViolation(f"Không thể xếp mức {rating}: {lines}", found, overridable=not hard))
            )
        elif not reason:
            refused.append(
                (
                    pk,
                    RuleViolation(
                        f"Không thể xếp mức {rating}: {lines}. Cấp có thẩm quyền chỉ được quyết định vượt tỷ lệ "
                        f"khi ghi rõ lý do{where}.",
                        found,
                        overridable=True,
                    ),
                )
            )
        else:
            passed[pk] = f"Quyết định vượt cảnh báo ({', '.join(sorted({c.code for c in found}))}): {reason}"
    return passed, refused


_WRITTEN = {
    "proposal": ["meeting_comments", "votes", "proposed_rating", "not_rated_reason", "state"],
    "decision": [
        "decided_rating",
        "not_rated_reason",
        "override_reason",
        "deciding_unit_id",
        "decided_by_id",
        "decided_on",
        "state",
    ],
}


def _write(evaluations: list[Evaluation], kind: str, audits: list[AuditRecord]) -> None:
    """Write the changed rows: one UPDATE for a set of equal values (a paper file's thousands of rows share a few),
    else one `UPDATE … FROM (VALUES …)` for them all; then their audit records."""
    now = timezone.now()
    fields = _WRITTEN[kind]
    same: dict[str, tuple[dict[str, object], list[int]]] = {}
    for ev in evaluations:
        values = {f: getattr(ev, f) for f in fields}
        key = json.dumps(values, sort_keys=True, default=str)
        same.setdefault(key, (values, []))[1].append(ev.pk)
        ev.version += 1
        ev.updated_at = now
    if len(same) > 1:
        # Rows with values of their own (a meeting's page: each row its level and votes): one statement.
        _update_each(evaluations, kind, now)
    else:
        for values, pks in same.values():
            for chunk in _chunks(pks):
                Evaluation.objects.filter(pk__in=chunk).update(
                    **values, version=F("version") + 1, updated_at=now
                )
    AuditRecord.objects.bulk_create(audits, batch_size=2000)


class _StaleRows(Exception):
    """A guarded write found a row no longer as it was checked (its version or quota group moved)."""


def _write_each(
    evaluations: list[Evaluation],
    kind: str,
    audits: list[AuditRecord],
    *,
    rows: int = 1000,
    guarded: bool = False,
) -> None:
    """Write rows whose values differ from row to row (a district's paper file: each row its own date, level and
    deciding committee): one `UPDATE … FROM (VALUES …)` per `rows` rows, and the audit records by COPY
    (PostgreSQL; bulk INSERTs elsewhere). The lock of a district's import is held for these few statements only.

    `guarded`: each row is written only if its version and quota group are still those of the objects (the UPDATE
    locks it, so this is the check a `SELECT … FOR UPDATE` would make, without the extra read of thousands of rows);
    raises _StaleRows, leaving the caller to undo what was written, when one is not."""
    if not evaluations:
        return
    now = timezone.now()
    if not _update_each(evaluations, kind, now, rows=rows, guarded=guarded):
        raise _StaleRows
    for ev in evaluations:
        ev.version += 1
        ev.updated_at = now
    _insert_audits(audits)


def _update_each(
    evaluations: list[Evaluation],
    kind: str,
    now: datetime.datetime,
    *,
    rows: int = 1000,
    guarded: bool = False,
) -> bool:
    """`_write_each`'s UPDATEs (the rows' `_WRITTEN[kind]` values as the objects hold them, `now` as their last
    change); False when `guarded` and a row was not as checked."""
    from django.db import connection

    by_name = {f.attname: f for f in Evaluation._meta.concrete_fields}
    stamp = by_name["updated_at"].get_db_prep_save(now, connection)
    fields = [by_name[name] for name in _WRITTEN[kind]]
    quote = connection.ops.quote_name
    table = quote(Evaluation._meta.db_table)
    postgres = connection.vendor == "postgresql"
    # VALUES' columns are named column1, column2… by both databases; PostgreSQL needs their types (NULL, dates).
    marks = ["CAST(%s AS bigint)" if postgres else "%s"] + [
        f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s" for f in fields
    ]
    where = f"{table}.id = v.column1"
    if guarded:
        marks += ["CAST(%s AS integer)", "CAST(%s AS bigint)"] if postgres else ["%s", "%s"]
        same = "IS NOT DISTINCT FROM" if postgres else "IS"
        where += (
            f" AND {table}.version = v.column{len(fields) + 2}"
            f" AND {table}.quota_group_id {same} v.column{len(fields) + 3}"
        )
    line = f"({', '.join(marks)})"
    sets = ", ".join(f"{quote(str(f.column))} = v.column{n}" for n, f in enumerate(fields, 2))
    with connection.cursor() as cursor:
        for start in range(0, len(evaluations), rows):
            chunk = evaluations[start : start + rows]
            params: list[Any] = [stamp]
            for ev in chunk:
                params.append(ev.pk)
                params += [f.get_db_prep_save(getattr(ev, f.attname), connection) for f in fields]
                if guarded:
                    params += [ev.version, ev.quota_group_id]
            cursor.execute(
                f"UPDATE {table} SET updated_at = %s, version = {table}.version + 1, {sets} "
                f"FROM (VALUES {', '.join([line] * len(chunk))}) AS v WHERE {where}",
                params,
            )
            if guarded and cursor.rowcount != len(chunk):
                return False
    return True


def _insert_audits(audits: list[AuditRecord]) -> Callable[[], None]:
    """Audit records in bulk: one COPY on PostgreSQL, bulk INSERTs elsewhere. Returns what takes exactly these
    records back (COPY returns no ids: they share one timestamp to the microsecond), never a record another
    transaction wrote meanwhile on the same evaluations."""
    from django.db import connection

    if not audits:
        return lambda: None
    if connection.vendor != "postgresql":
        AuditRecord.objects.bulk_create(audits, batch_size=2000)
        ids = [a.pk for a in audits]

        def take_back_by_id() -> None:
            for chunk in _chunks(ids):
                AuditRecord.objects.filter(pk__in=chunk).delete()

        return take_back_by_id
    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ["evaluation_id", "action", "field", "old_value", "new_value", "reason", "user_id", "at"]
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {quote(AuditRecord._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        ) as copy:
            copy.write(
                "".join(
                    _copy_line(
                        (
                            a.evaluation_id,
                            a.action,
                            a.field,
                            a.old_value,
                            a.new_value,
                            a.reason,
                            a.user_id,
                            now,
                        )
                    )
                    for a in audits
                ).encode()
            )
    evaluations = sorted({a.evaluation_id for a in audits})
    users = {a.user_id for a in audits}

    def take_back_copied() -> None:
        for chunk in _chunks(evaluations):
            AuditRecord.objects.filter(at=now, user_id__in=users, evaluation_id__in=chunk).delete()

    return take_back_copied


def _names(evaluations: list[Evaluation], numbers: list[int | None]) -> list[str]:
    return [
        f"{n or i} ({ev.subject_name})" for i, (ev, n) in enumerate(zip(evaluations, numbers, strict=True), 1)
    ]


def _proposals_todo(
    rows: list[Proposal],
    evaluations: dict[int, Evaluation],
    attendees: object,
    shared_comments: str | None,
    names: list[str],
    batch: bool,
) -> list[tuple[int, Evaluation, str, str, dict[str, int]]]:
    """Each row checked against its evaluation as read (`evaluations`): refused together with the others, or the
    row to write (its index, the evaluation, level, reason and votes); with `batch`, a row nobody touched is left out
    (not written, not judged again, no new version for a second tab)."""
    errors: list[tuple[int, ActionError]] = []
    todo: list[tuple[int, Evaluation, str, str, dict[str, int]]] = []
    for i, row in enumerate(rows):
        ev = evaluations[row.evaluation.pk]
        try:
            _check_row(ev, row.version)
            if ev.state == EvaluationState.DRAFT:
                raise ActionError(f"“{ev.subject_name}” chưa nộp bản tự kiểm điểm; chưa thể đưa ra hội nghị.")
            if ev.state == EvaluationState.DECIDED:
                raise ActionError(
                    f"“{ev.subject_name}” đã có quyết định; chỉ mở lại được bằng yêu cầu xếp loại lại."
                )
            rating = _rating_or_blank(row.rating, "Mức đề xuất")
            reason = clean_text(row.not_rated_reason, "Lý do không xếp loại", 255)
            if not rating and not reason:
                raise ActionError("Cần chọn mức đề xuất, hoặc ghi lý do không xếp loại.")
            votes = {
                "attendees": _count(attendees, "Số đảng viên dự họp"),
                "in_favour": _count(row.votes_for, "Số phiếu tán thành"),
            }
            if votes["in_favour"] > votes["attendees"]:
                raise ActionError(
                    f"Số phiếu tán thành ({votes['in_favour']}) lớn hơn số đảng viên dự họp ({votes['attendees']})."
                )
            if votes["attendees"] and votes["in_favour"] * 2 <= votes["attendees"]:
                raise ActionError(
                    f"Mức đề xuất chỉ được {votes['in_favour']}/{votes['attendees']} phiếu tán thành, "
                    "chưa quá nửa số đảng viên dự họp."
                )
        except ActionError as exc:
            errors.append((i, exc))
            continue
        unchanged = (
            ev.state == EvaluationState.PROPOSED
            and ev.proposed_rating == rating
            and ev.not_rated_reason == reason
            and _votes_of(ev) == votes
            and (not shared_comments or shared_comments == ev.meeting_comments)
        )
        if batch and unchanged:
            continue
        todo.append((i, ev, rating, reason, votes))
    if errors:
        raise _refused(errors, names, numbered=batch)
    return todo


def _refuse_broken_proposals(
    todo: list[tuple[int, Evaluation, str, str, dict[str, int]]], names: list[str], batch: bool
) -> None:
    """The rules once over the proposals to write (`check_changes`, over the rows as `todo` holds them, just read):
    the rows they refuse, refused together."""
    _, broken = _refuse_rule_breaks(
        todo[0][1].cycle,
        {ev.pk: rating or None for _, ev, rating, _, _ in todo},
        states={ev.pk: EvaluationState.PROPOSED for _, ev, _, _, _ in todo},
        overrides=None,
        read={ev.pk: ev for _, ev, _, _, _ in todo},
    )
    if broken:
        at = {ev.pk: i for i, ev, _, _, _ in todo}
        raise _refused(sorted((at[pk], exc) for pk, exc in broken), names, numbered=batch)


def _save_proposals(
    *,
    user: User,
    rows: list[Proposal],
    attendees: object,
    comments: str | None,
    batch: bool,
    fresh: bool = False,
    before_lock: bool = True,
) -> list[Evaluation]:
    """Check and write a meeting's proposals. With `batch`, the rows that change are found first on a read without
    a lock (`before_lock`: run that part only and return those rows' evaluations, unwritten; the caller writes them
    in its transaction with `before_lock=False`); `fresh`: the rows' evaluations were read just now by the caller,
    with their person, unit, collective and quota group, and stand for that read."""
    names = _names([row.evaluation for row in rows], [row.number for row in rows])
    shared_comments = clean_text(comments, "Ý kiến của tập thể") if comments is not None else None
    ids = [row.evaluation.pk for row in rows]
    read: Mapping[int, Evaluation] | None = None
    if batch and before_lock:
        # The right to propose is the unit's: asked once per unit of the form.
        for ev in {row.evaluation.unit_id: row.evaluation for row in rows}.values():
            require(
                can_propose(user, ev),
                "Đồng chí không có quyền ghi kết quả hội nghị cho đối tượng này.",
            )
        # Which rows changed, judged on a fresh read without a lock: a meeting's page sends every row and changes a
        # few, and the quota group's lock (shared by the cells of a grassroots committee, or of a whole merged
        # commune) is then taken for those few only, held for their rules and their write. A stale version or a bad
        # value anywhere on the form is refused here, before any lock. A row unchanged here and saved by someone
        # else meanwhile keeps their value: as if this save had committed first.
        read = {row.evaluation.pk: row.evaluation for row in rows} if fresh else _read_batch(sorted(set(ids)))
        todo = _proposals_todo(rows, read, attendees, shared_comments, names, batch)
        # The rules over the changes as read: a change they refuse is refused here, without waiting for the group's
        # lock behind the other cells' saves (nothing is written, so it is as if this save had come first). What
        # they accept is judged again under the lock, against what committed meanwhile.
        if todo:
            _refuse_broken_proposals(todo, names, batch)
        return [ev for _, ev, *_ in todo]
    if not batch:
        for row in rows:
            require(
                can_propose(user, row.evaluation),
                "Đồng chí không có quyền ghi kết quả hội nghị cho đối tượng này.",
            )
    else:
        # The rows `before_lock` found changed, as it read them: their quota groups are locked without a query.
        read = {row.evaluation.pk: row.evaluation for row in rows}
    # The rows that change, locked (their quota groups first), read and judged again: what the read before the
    # lock saw may have moved since.
    todo = _proposals_todo(rows, _lock_batch(ids, read=read), attendees, shared_comments, names, batch)
    if not todo:
        return []
    _refuse_broken_proposals(todo, names, batch)
    audits: list[AuditRecord] = []
    saved = []
    for _, ev, rating, reason, votes in todo:
        if shared_comments or not batch:
            ev.meeting_comments = shared_comments or ""
        ev.votes = votes
        if rating != ev.proposed_rating:
            audits.append(_record(ev, user, "propose", "proposed_rating", ev.proposed_rating, rating, reason))
            ev.proposed_rating = rating
        ev.not_rated_reason = reason
        if ev.state != EvaluationState.PROPOSED:
            audits.append(_record(ev, user, "state", "state", ev.state, EvaluationState.PROPOSED))
            ev.state = EvaluationState.PROPOSED
        saved.append(ev)
    _write(saved, "proposal", audits)
    return saved


def _votes_of(ev: Evaluation) -> dict[str, int]:
    """The recorded vote as the form sends it: nothing recorded reads as 0 of 0 (no attendance typed)."""
    votes = ev.votes or {}
    return {"attendees": int(votes.get("attendees") or 0), "in_favour": int(votes.get("in_favour") or 0)}


def _record(
    ev: Evaluation, user: User, action: str, field: str, old: str, new: str, reason: str = ""
) -> AuditRecord:
    return AuditRecord(
        evaluation=ev,
        user=user,
        action=action,
        field=field,
        old_value=old or "",
        new_value=new or "",
        reason=reason,
    )


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
    row = Proposal(evaluation, proposed_rating, votes_for, version, not_rated_reason)
    saved = _save_proposals(user=user, rows=[row], attendees=attendees, comments=comments or "", batch=False)
    return saved[0]


def do_propose_ratings(
    *,
    user: User,
    rows: list[tuple[Evaluation, str, object, int | None]] | list[Proposal],
    attendees: object,
    comments: str = "",
    meeting: MeetingDetails | None = None,
    fresh: bool = False,
) -> int:
    """The meeting's proposals for many subjects at once: all saved, or none (the error names the rows).

    Only the rows that changed are written (a second tab keeps working on the others); the rules judge the
    meeting's whole proposal at once, not row by row in the order of the page. Returns how many were written.
    The meeting's time, venue and secretary (for its minutes) are saved with them when given.

    Which rows change, and whether the rules refuse them, is judged first on a read without a lock and outside the
    transaction (a refused form opens none); `fresh`: the rows' evaluations are that read, made by the caller just
    now (with their person, unit, collective and quota group). The rows that change are then locked, judged
    again and written in one transaction.
    """
    proposals = [row if isinstance(row, Proposal) else Proposal(*row) for row in rows]
    changed = {
        ev.pk: ev
        for ev in _save_proposals(
            user=user, rows=proposals, attendees=attendees, comments=comments, batch=True, fresh=fresh
        )
    }
    if not proposals and not changed:
        return 0
    with transaction.atomic():
        saved = []
        if changed:
            numbered = [
                replace(row, evaluation=changed[row.evaluation.pk], number=row.number or i)
                for i, row in enumerate(proposals, 1)
                if row.evaluation.pk in changed
            ]
            saved = _save_proposals(
                user=user,
                rows=numbered,
                attendees=attendees,
                comments=comments,
                batch=True,
                before_lock=False,
            )
        if meeting is not None and proposals:
            first = proposals[0].evaluation
            _save_meeting(cycle=first.cycle, unit=first.unit, details=meeting)
    return len(saved)


@dataclass(frozen=True)
class MeetingDetails:
    """What the minutes print of a meeting besides its votes: when, where, who kept the minutes."""

    held_at: datetime.datetime | None
    venue: str = ""
    secretary: str = ""


def _save_meeting(*, cycle: Cycle, unit: Unit, details: MeetingDetails) -> None:
    """Record a unit's meeting of a cycle (one per unit and cycle); the caller checked the user may propose."""
    venue = clean_text(details.venue, "Địa điểm họp", 255)
    secretary = clean_text(details.secretary, "Thư ký hội nghị", 120)
    if details.held_at is not None and details.held_at > timezone.now():
        raise ActionError(f"Thời gian họp {timezone.localtime(details.held_at):%H:%M %d/%m/%Y} ở tương lai.")
    values = {"held_at": details.held_at, "venue": venue, "secretary": secretary}
    # One UPDATE once the line exists (every save of the page sends it), not update_or_create's four statements.
    if not Meeting.objects.filter(cycle=cycle, unit=unit).update(**values):
        try:
            with transaction.atomic():
                Meeting.objects.create(cycle=cycle, unit=unit, **values)
        except IntegrityError:  # created meanwhile by another save of the same unit
            Meeting.objects.filter(cycle=cycle, unit=unit).update(**values)


def decision_period(cycle: Cycle) -> tuple[datetime.date, datetime.date]:
    """The dates a decision of this cycle is expected in: from the start of its period to its report deadline,
    or to three months after the period ends when that is later (decisions follow the year-end meetings)."""
    first_month = 3 * cycle.quarter - 2 if cycle.quarter else 1
    start = datetime.date(cycle.year, first_month, 1)
    last_month = first_month + (2 if cycle.quarter else 11) + 3  # the period's last month, plus three
    year, month = cycle.year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    after = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, max(cycle.report_deadline, cycle.review_deadline, after)


def check_decision_date(cycle: Cycle, day: datetime.date | None, *, confirmed: bool = False) -> datetime.date:
    """A decision's date as the deciding body chose it: never blank, never ahead of today; outside the cycle's
    period only when the body confirms it typed that date on purpose."""
    if day is None:
        raise ActionError("Cần ghi ngày quyết định (ngày/tháng/năm) của cấp có thẩm quyền.")
    if day > timezone.localdate():
        raise ActionError(f"Ngày quyết định {day:%d/%m/%Y} ở tương lai.")
    start, end = decision_period(cycle)
    if not (start <= day <= end) and not confirmed:
        raise ActionError(
            f"Ngày quyết định {day:%d/%m/%Y} nằm ngoài thời gian của đợt ({start:%d/%m/%Y}–{end:%d/%m/%Y}); "
            "nếu đúng là ngày đó, đánh dấu «Xác nhận ngày quyết định» rồi ghi lại."
        )
    return day


@dataclass
class Judged:
    """Decisions checked (rows and rules), ready to write: each changing row with its level, not-rated reason and
    deciding body, and the overrides passed. A paper file's check keeps what the rules read, each row with its last
    change (`read`), so that its write under the lock re-runs the rules only where something moved since."""

    rows: list[Decision]
    todo: list[tuple[int, Decision, Evaluation, str, str]]
    passed: dict[int, str]
    deciding: dict[int, Unit]
    read: dict[int, datetime.datetime]

    def __len__(self) -> int:
        return len(self.todo)


def _save_decisions(
    *, user: User, rows: list[Decision], paper: bool, batch: bool, dry: bool = False
) -> list[Evaluation]:
    """Check and record decisions; with `dry`, check only (no lock, no write) and return what would be written."""
    judged = _judge_decisions(user=user, rows=rows, paper=paper, batch=batch, dry=dry)
    if dry:
        return [ev for _, _, ev, _, _ in judged.todo]
    return _write_decisions(user=user, judged=judged, paper=paper)


def _judge_decisions(
    *, user: User, rows: list[Decision], paper: bool, batch: bool, dry: bool = False
) -> Judged:
    """Every check of `_save_decisions`, under the rows' locks (without, when `dry`); raise as it would."""
    deciding_by_key: dict[tuple[object, ...], Unit] = {}
    chains: dict[int, Unit] = {}

    def deciding(ev: Evaluation) -> Unit:
        key = (ev.subject_type, ev.unit_id, ev.person.managing_unit_id if ev.person is not None else None)
        if key not in deciding_by_key:
            deciding_by_key[key] = deciding_unit_for(ev, units=chains)
        return deciding_by_key[key]

    names = _names([row.evaluation for row in rows], [row.number for row in rows])
    errors: list[tuple[int, ActionError]] = []
    if not paper:
        for row in rows:
            require(
                can_decide(user, row.evaluation),
                "Việc quyết định mức xếp loại đối tượng này thuộc thẩm quyền của cấp khác.",
            )
    locked = _lock_batch([row.evaluation.pk for row in rows], lock=not dry)
    chains.update(chains_of(ev.unit for ev in locked.values()))  # every row's deciding body: one query
    in_batch = {row.evaluation.pk for row in rows}
    todo: list[tuple[int, Decision, Evaluation, str, str]] = []
    for i, row in enumerate(rows):
        ev = locked[row.evaluation.pk]
        try:
            _check_row(ev, row.version)
            value = _rating_or_blank(row.rating, "Mức quyết định")
            reason = clean_text(row.reason, "Lý do quyết định lại", 4000)
            clean_text(row.override_reason, "Lý do quyết định vượt cảnh báo", 4000)
            not_rated = ev.not_rated_reason if row.not_rated_reason is None else row.not_rated_reason
            if paper and not can_enter_paper_decision(user, deciding(ev)):
                raise ActionError(
                    f"quyết định xếp loại “{ev.subject_name}” thuộc thẩm quyền của {deciding(ev).name}; "
                    "chỉ cấp đó hoặc cấp trên mới nhập được quyết định này"
                )
            if not value and not not_rated:
                raise ActionError("Cần chọn mức xếp loại.")
            same = (
                ev.state == EvaluationState.DECIDED
                and ev.decided_rating == value
                and ev.not_rated_reason == not_rated
            )
            if same and batch and (not paper or ev.decided_on == row.decided_on):
                continue  # the same decision again: nothing to write
            if ev.state == EvaluationState.DECIDED and not reason and not (paper and same):
                raise ActionError(
                    f"“{ev.subject_name}” đã có quyết định mức {ev.decided_rating or 'không xếp loại'}; "
                    f"quyết định lại phải ghi rõ lý do{' ở cột «Lý do»' if paper else ''}."
                )
            if not paper:
                if ev.state not in (
                    EvaluationState.PROPOSED,
                    EvaluationState.VERIFIED,
                    EvaluationState.DECIDED,
                ):
                    raise ActionError(
                        f"Chưa thể quyết định: “{ev.subject_name}” chưa có mức đề xuất của hội nghị."
                    )
                if ev.subject_type == SubjectType.LEADER and ev.state == EvaluationState.PROPOSED:
                    raise ActionError(
                        "Cán bộ lãnh đạo, quản lý phải được cơ quan tổ chức cán bộ thẩm định trước khi quyết định "
                        "(QĐ 89-QĐ/TW)."
                    )
            waiting = [w for w in prerequisites_for(ev) if w.pk not in in_batch]
            if waiting:
                who = ", ".join(w.subject_name for w in waiting[:10])
                raise ActionError(
                    "Người đứng đầu được xếp loại sau cùng (HD 21-HD/BTCTW II.B.4): cần quyết định trước"
                    f"{', hoặc nhập cùng tệp' if paper else ''}: {who}."
                )
        except ActionError as exc:
            errors.append((i, exc))
            continue
        todo.append((i, row, ev, value, not_rated))
    if errors:
        raise _refused(errors, names, numbered=batch)
    if not todo:
        return Judged(rows, [], {}, {}, {})
    cycle = todo[0][2].cycle
    # A paper file is checked without a lock, then written under one: what the rules read, as it is now (taken
    # before they read it, so a save in between shows as a change when the write compares).
    read = touching(cycle, {ev.pk for _, _, ev, _, _ in todo}) if paper and dry else {}
    passed, broken = _refuse_rule_breaks(
        cycle,
        {ev.pk: value or None for _, _, ev, value, _ in todo},
        states={ev.pk: EvaluationState.DECIDED for _, _, ev, _, _ in todo},
        overrides={ev.pk: row.override_reason for _, row, ev, _, _ in todo},
        where=" ở cột «Lý do»" if paper else "",
    )
    if broken:
        at = {ev.pk: i for i, _, ev, _, _ in todo}
        raise _refused(sorted((at[pk], exc) for pk, exc in broken), names, numbered=batch)
    return Judged(rows, todo, passed, {ev.pk: deciding(ev) for _, _, ev, _, _ in todo}, read)


def _decision_audits(*, user: User, judged: Judged, paper: bool) -> list[AuditRecord]:
    """The audit records of judged decisions, one per change (the level; the state when it moves to "decided")."""
    audits: list[AuditRecord] = []
    for _, row, ev, value, not_rated in judged.todo:
        override = judged.passed.get(ev.pk, "")
        if paper:
            why = "; ".join(
                x
                for x in (row.source, not_rated and f"Không xếp loại: {not_rated}", override or row.reason)
                if x
            )
            audits.append(_record(ev, user, "import", "decided_rating", ev.decided_rating, value, why))
            state_reason = row.source
        else:
            audits.append(
                _record(
                    ev,
                    user,
                    "decide",
                    "decided_rating",
                    ev.decided_rating,
                    value,
                    override or row.reason.strip(),
                )
            )
            state_reason = ""
        if ev.state != EvaluationState.DECIDED:
            audits.append(
                _record(ev, user, "state", "state", ev.state, EvaluationState.DECIDED, state_reason)
            )
    return audits


def _write_decisions(
    *, user: User, judged: Judged, paper: bool, audited: bool = False, guarded: bool = False
) -> list[Evaluation]:
    """Record judged decisions: each row's level, state and deciding body, an audit record per change (written
    already when `audited`); `guarded`: see `_write_each`."""
    if not judged.todo:
        return []
    audits = [] if audited else _decision_audits(user=user, judged=judged, paper=paper)
    saved = []
    today = timezone.localdate()
    passed = judged.passed
    for _, row, ev, value, not_rated in judged.todo:
        override = passed.get(ev.pk, "")
        ev.decided_rating = value
        ev.not_rated_reason = not_rated
        ev.override_reason = override
        ev.deciding_unit = judged.deciding[ev.pk]
        ev.decided_by = user
        ev.decided_on = row.decided_on or today
        ev.state = EvaluationState.DECIDED
        saved.append(ev)
    if paper:
        _write_each(saved, "decision", audits, guarded=guarded)
    else:
        _write(saved, "decision", audits)
    resolved = [ev.pk for ev in saved]
    for chunk in _chunks(resolved):
        Order.objects.filter(evaluation_id__in=chunk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    return saved


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
    confirm_date: bool = False,
) -> Evaluation:
    """The competent authority's decision. A rule break is refused; the quota may be overridden with a reason.

    The pages always pass the date the body chose (checked against the cycle's period); a caller that passes none
    (a test, a script) records today.
    """
    if decided_on is not None:
        check_decision_date(evaluation.cycle, decided_on, confirmed=confirm_date)
    row = Decision(evaluation, rating, version, reason, override_reason, decided_on)
    saved = _save_decisions(user=user, rows=[row], paper=False, batch=False)
    return saved[0] if saved else Evaluation.objects.get(pk=evaluation.pk)


@transaction.atomic
def do_decide_ratings(
    *,
    user: User,
    rows: list[Decision],
    decided_on: datetime.date | None,
    override_reason: str = "",
    confirm_date: bool = False,
) -> int:
    """The deciding body's decisions for many subjects on one page: all recorded, or none (the error names the
    rows); the same rules, versions and audit as one decision. Rows already decided at the same level are left."""
    if rows:
        day = check_decision_date(rows[0].evaluation.cycle, decided_on, confirmed=confirm_date)
        rows = [
            replace(row, decided_on=day, override_reason=row.override_reason or override_reason)
            for row in rows
        ]
    return len(_save_decisions(user=user, rows=rows, paper=False, batch=True))


@transaction.atomic
def do_enter_paper_decisions(*, user: User, rows: list[Decision], checked: Judged | None = None) -> int:
    """Decisions taken on paper (the ratings import): entered by the deciding body or an office above it, straight
    to "decided", each row's reason passing the quota over; rows already decided the same way are left.

    `checked`: what `check_paper_decisions` judged of the same rows without a lock. Then the write locks the quota
    groups and rows (in the order every save takes them), and where nothing the rules read moved since, writes at
    once; a group a save changed meanwhile is judged again, that group only. Anything else that moved (a row of the
    file, a leader's or a unit's evaluation, the cycle) and every row is judged again under the lock, as without it.
    """
    if checked is not None and checked.rows is rows and checked.todo:
        # The audit records first, before any lock (thousands of rows; nobody waits on them): they stand when the
        # check still holds under the lock, as it almost always does, and are taken back when it does not.
        passed = dict(checked.passed)
        take_back = _insert_audits(_decision_audits(user=user, judged=checked, paper=True))
        # A members' file: its rows are locked by their own UPDATE, which writes each only if still as checked.
        members = all(ev.subject_type == SubjectType.PARTY_MEMBER for _, _, ev, _, _ in checked.todo)
        judged = _still_as_checked(checked, lock_rows=not members)
        if judged is not None and judged.passed == passed:
            try:
                with transaction.atomic():
                    return len(
                        _write_decisions(user=user, judged=judged, paper=True, audited=True, guarded=members)
                    )
            except _StaleRows:  # saved meanwhile by a writer that takes no group lock (facts, self-review)
                judged = None
        take_back()
        if judged is not None:
            return len(_write_decisions(user=user, judged=judged, paper=True))
    return len(_save_decisions(user=user, rows=rows, paper=True, batch=True))


def check_paper_decisions(*, user: User, rows: list[Decision]) -> Judged:
    """Everything `do_enter_paper_decisions` checks, without a lock or a write: an import validates a whole file
    before it holds anyone back. Returns the judgement (its length: how many rows would change), to be passed to
    the write; raises as the action would."""
    return _judge_decisions(user=user, rows=rows, paper=True, batch=True, dry=True)


def _lock_groups(todo: list[tuple[int, Decision, Evaluation, str, str]]) -> None:
    groups = sorted({ev.quota_group_id for _, _, ev, _, _ in todo if ev.quota_group_id is not None})
    if groups:
        list(QuotaGroup.objects.select_for_update().filter(pk__in=groups).order_by("pk").values_list("pk"))


def _locked_as_checked(
    todo: list[tuple[int, Decision, Evaluation, str, str]], cycle: Cycle, ids: list[int]
) -> bool:
    """Lock the rows (and those whose rating caps theirs) by id; whether they are as checked."""
    now: dict[int, tuple[int, int | None]] = {}
    for chunk in _chunks(sorted(set(ids) | ceiling_links(cycle, ids))):
        for pk, version, group in (
            Evaluation.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "version", "quota_group_id")
        ):
            now[pk] = (version, group)
    return all(now.get(ev.pk) == (ev.version, ev.quota_group_id) for _, _, ev, _, _ in todo)


def _still_as_checked(checked: Judged, *, lock_rows: bool = True) -> Judged | None:
    """Lock what a paper file's write needs, groups then rows as every save, and tell whether its check without a
    lock still holds: the judgement (the overrides of re-judged groups updated), or None when the rows must be
    judged again. Refuses (raises) what a group judged again no longer allows. Without `lock_rows` the rows are
    left for a guarded write to lock and check (`_write_each`)."""
    todo = checked.todo
    if not todo:
        return checked
    cycle = todo[0][2].cycle
    ids = sorted(ev.pk for _, _, ev, _, _ in todo)
    _lock_groups(
        todo
    )  # the same order as `_lock_batch`, which every save takes: quota groups by id, then rows
    if lock_rows and not _locked_as_checked(todo, cycle, ids):
        return None
    if Cycle.objects.filter(pk=cycle.pk).values_list("state", flat=True).first() != CycleState.OPEN:
        return None
    passed = _judged_where_moved(checked, cycle, ids)
    if passed is None:
        return None
    checked.passed = passed
    return checked


def _read_now(
    cycle: Cycle, todo: list[tuple[int, Decision, Evaluation, str, str]], ids: list[int]
) -> dict[int, datetime.datetime]:
    """What the rules of these rows read, each with its last change, as `touching` gives it; for a members' file in
    one query over its quota groups (a member's rules read its own row and its group's, nothing else)."""
    if any(ev.subject_type != SubjectType.PARTY_MEMBER for _, _, ev, _, _ in todo):
        return touching(cycle, set(ids))
    groups = sorted({ev.quota_group_id for _, _, ev, _, _ in todo if ev.quota_group_id is not None})
    alone = sorted(ev.pk for _, _, ev, _, _ in todo if ev.quota_group_id is None)
    read = dict(
        Evaluation.objects.filter(cycle=cycle, quota_group_id__in=groups).values_list("pk", "updated_at")
    )
    for chunk in _chunks(alone):
        read.update(Evaluation.objects.filter(pk__in=chunk).values_list("pk", "updated_at"))
    return read


def _judged_where_moved(checked: Judged, cycle: Cycle, ids: list[int]) -> dict[int, str] | None:
    """Judge again the file's rows of the quota groups a save changed since the check (under their locks): the
    overrides passed, or None when more than members' groups moved (every row is then judged again). Refuses
    (raises) what such a group no longer allows."""
    todo = checked.todo
    member = SubjectType.PARTY_MEMBER
    moved = {pk for pk, at in _read_now(cycle, todo, ids).items() if checked.read.get(pk) != at}
    if not moved:
        return checked.passed
    peers = list(
        Evaluation.objects.filter(pk__in=sorted(moved)).values_list("subject_type", "quota_group_id")
    )
    if any(ev.subject_type != member for _, _, ev, _, _ in todo) or any(
        kind != member or group is None for kind, group in peers
    ):
        return (
            None  # a member's rules read only its quota group; others read links: judged again, all of them
        )
    again = [t for t in todo if t[2].quota_group_id in {group for _, group in peers}]
    passed, broken = _refuse_rule_breaks(
        cycle,
        {ev.pk: value or None for _, _, ev, value, _ in again},
        states={ev.pk: EvaluationState.DECIDED for _, _, ev, _, _ in again},
        overrides={ev.pk: row.override_reason for _, row, ev, _, _ in again},
        where=" ở cột «Lý do»",
    )
    if broken:
        rows = checked.rows
        at = {ev.pk: i for i, _, ev, _, _ in again}
        names = _names([row.evaluation for row in rows], [row.number for row in rows])
        raise _refused(sorted((at[pk], exc) for pk, exc in broken), names, numbered=True)
    judged_again = {ev.pk for _, _, ev, _, _ in again}
    return {pk: v for pk, v in checked.passed.items() if pk not in judged_again} | passed


# -- Quarterly reviews (KL 198-KL/TW; HD 43-HD/BTCTW) ----------------------------------------------------------------


def can_designate(user: User, person: Person) -> bool:
    """A committee's board designates the cadres of its subtree (the province's: anyone in the province)."""
    from kiemdiem.accounts.models import UserRole
    from kiemdiem.orgs.queries import persons_visible_to

    if user.is_superuser:
        return True
    if user.role not in (UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER):
        return False
    return persons_visible_to(user).filter(pk=person.pk).exists()


@transaction.atomic
def do_designate_cadre(*, user: User, person: Person, year: int, unit: Unit) -> object:
    """Designate a cadre for the quarterly reviews of a year; the quarters' cycles then evaluate them."""
    from kiemdiem.campaigns.models import QuarterlyDesignation

    require(can_designate(user, person), "Đồng chí không có quyền chỉ định cán bộ này đánh giá hằng quý.")
    regime = resolve_regime(year)
    if not regime.value("quarterly_reviews"):
        raise CycleError(f"Năm {year} áp dụng {regime.name}: không có đánh giá hằng quý.")
    if not person.is_party_member and not person.positions.exists():
        raise CycleError(
            f"{person.full_name} không phải đảng viên, cũng không giữ chức vụ: không đánh giá hằng quý."
        )
    existing = QuarterlyDesignation.objects.filter(person=person, year=year).select_related("unit").first()
    if existing is not None:
        raise CycleError(
            f"{person.full_name} đã được {existing.unit.name} chỉ định đánh giá hằng quý năm {year}."
        )
    return QuarterlyDesignation.objects.create(person=person, year=year, unit=unit, designated_by=user)


@transaction.atomic
def do_withdraw_designation(*, user: User, person: Person, year: int) -> None:
    """Withdraw a designation before any quarter evaluated the cadre."""
    from kiemdiem.campaigns.models import QuarterlyDesignation

    require(can_designate(user, person), "Đồng chí không có quyền thay đổi chỉ định cán bộ này.")
    started = Evaluation.objects.filter(person=person, cycle__year=year, cycle__quarter__isnull=False)
    if started.exclude(state=EvaluationState.DRAFT).exists():
        raise CycleError(
            f"{person.full_name} đã tự đánh giá trong một quý năm {year}; không bỏ chỉ định được nữa."
        )
    started.filter(audit_records__isnull=True).delete()
    QuarterlyDesignation.objects.filter(person=person, year=year).delete()
