"""The province as it is now: Tuyên Quang and Hà Giang merged on 01/07/2025 into a two-level tree, and its campaigns.

Beside the 2021 Tuyên Quang of the seed (`kiemdiem.demo.province`), `build_demo_today` builds a Hà Giang of 2021 in
the same way, then reorganises both through the reorganisation actions of `kiemdiem.orgs.actions`, effective
01/07/2025 (tuyen-quang.md §4: the merger and the end of the district level):

- each district's communes and wards are merged, about three into one, into new đảng bộ xã/phường directly under
  the Tỉnh ủy (a thị trấn becomes a xã); the district's own bodies and then the district are dissolved;
- the affiliated committees: both Quân sự and both Công an merge into Tuyên Quang's; the blocs of agencies and of
  enterprises of both provinces merge into a new Đảng bộ Ủy ban nhân dân tỉnh;
- Hà Giang's provincial bodies merge into Tuyên Quang's, and Hà Giang's committee into Tuyên Quang's.

The merged province is the 2021 unit "TQ" itself (the same root, a larger subtree), so the 2021 cycle, opened on the
same root, keeps reading the 2021 tree (the old versions of the units keep their paths) and the 2026 one the new.

Then the campaigns, each through the campaigns' own writers (audited): the 2025 year decided for the party
organisations, agencies, leadership collectives, leaders and members of the tree of 31/12/2025 (entered from the
committees' paper decisions through the ratings import's writer, one rules check for the whole batch); quarters I–III
of 2026 done for the cadres the province designates (Mẫu 05, meeting, verification, decision, each quarter closed),
which the cadres' 2026 evaluations show with their reference level; and the 2026 year-end under QĐ 366 / HD 43 in
progress in one commune: some members scored item by item, some with a task register confirmed by the commune, some
proposed by their cell and decided by the commune.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.demo.province import DEMO_PASSWORD, DemoSummary, build_demo_province
from kiemdiem.orgs.actions import do_dissolve_unit, do_merge_units, do_move_subtree
from kiemdiem.orgs.models import (
    CollectiveKind,
    LeadershipCollective,
    ManagementTier,
    Person,
    Position,
    Role,
    Unit,
    UnitKind,
)

MERGER_DAY = datetime.date(2025, 7, 1)
MERGER_DECISION = (
    "Nghị quyết 202/2025/QH15 (sắp xếp đơn vị hành chính cấp tỉnh); sắp xếp tổ chức đảng từ 01/07/2025"
)

HA_GIANG_DISTRICTS: dict[str, tuple[str, list[str]]] = {
    # code: (name, grassroots communes/wards of 2021)
    "HGTP": (
        "Thành phố Hà Giang",
        [
            "phường Quang Trung",
            "phường Trần Phú",
            "phường Nguyễn Trãi",
            "phường Minh Khai",
            "phường Ngọc Hà",
            "xã Phương Độ",
            "xã Phương Thiện",
            "xã Ngọc Đường",
        ],
    ),
    "DVA": (
        "Huyện Đồng Văn",
        [
            "thị trấn Đồng Văn",
            "thị trấn Phó Bảng",
            "xã Lũng Cú",
            "xã Má Lé",
            "xã Sủng Là",
            "xã Phố Cáo",
            "xã Lũng Táo",
            "xã Sà Phìn",
        ],
    ),
    "MVA": (
        "Huyện Mèo Vạc",
        ["thị trấn Mèo Vạc", "xã Pải Lủng", "xã Xín Cái", "xã Sơn Vĩ", "xã Giàng Chu Phìn", "xã Lũng Pù"],
    ),
    "BQA": (
        "Huyện Bắc Quang",
        [
            "thị trấn Việt Quang",
            "thị trấn Vĩnh Tuy",
            "xã Hùng An",
            "xã Đồng Yên",
            "xã Kim Ngọc",
            "xã Quang Minh",
            "xã Việt Vinh",
        ],
    ),
    "VXA": (
        "Huyện Vị Xuyên",
        [
            "thị trấn Vị Xuyên",
            "thị trấn Việt Lâm",
            "xã Thanh Thủy",
            "xã Phong Quang",
            "xã Tùng Bá",
            "xã Minh Tân",
        ],
    ),
}
HA_GIANG_AFFILIATED: dict[str, tuple[str, list[str]]] = {
    "HG-KCQ": (
        "Đảng bộ Khối các cơ quan tỉnh Hà Giang",
        ["Sở Y tế tỉnh Hà Giang", "Sở Giáo dục và Đào tạo tỉnh Hà Giang", "Sở Tài chính tỉnh Hà Giang"],
    ),
    "HG-KDN": ("Đảng bộ Khối doanh nghiệp tỉnh Hà Giang", ["Công ty Điện lực Hà Giang"]),
    "HG-QS": ("Đảng bộ Quân sự tỉnh Hà Giang", ["Cơ quan Bộ Chỉ huy Quân sự tỉnh Hà Giang"]),
    "HG-CA": ("Đảng bộ Công an tỉnh Hà Giang", ["Phòng Cảnh sát giao thông Công an tỉnh Hà Giang"]),
}

# The 2026 year-end in progress: in the demo commune, how many members reached which step.
SCORED, WITH_TASKS, DECIDED = 6, 4, 3


@dataclass
class TodaySummary:
    ha_giang: DemoSummary
    communes: int = 0
    dissolved: int = 0
    reorganisations: int = 0
    decided_2025: int = 0
    quarter_cadres: int = 0
    decided_quarters: int = 0
    scored_2026: int = 0
    tasks_2026: int = 0
    decided_2026: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    # Each step's time (the bench profile reports them).
    seconds: dict[str, float] = field(default_factory=dict)


def _new_commune_name(first: Unit) -> str:
    """The merged commune takes the name of its first member; a thị trấn becomes a xã (no more district towns)."""
    label = first.name.removeprefix("Đảng bộ ").split(" (số ")[0]
    if label.startswith("thị trấn "):
        label = "xã " + label.removeprefix("thị trấn ")
    return f"Đảng bộ {label}"


def _reorganise(*, province: Unit, ha_giang: Unit, seed: int) -> tuple[int, int, int, list[Unit]]:
    """The 01/07/2025 reorganisation through the tree's actions; return (communes, dissolved, actions, communes)."""
    day, decision = MERGER_DAY, MERGER_DECISION
    actions = dissolved = 0
    communes: list[Unit] = []
    number = 0
    districts = Unit.objects.filter(
        parent__in=[province, ha_giang], kind=UnitKind.DISTRICT_COMMITTEE
    ).order_by("path")
    for district in list(districts):
        grassroots = list(
            Unit.objects.filter(parent=district, kind=UnitKind.GRASSROOTS_COMMITTEE)
            .valid_on(day)
            .order_by("path")
        )
        wards = [u for u in grassroots if u.name.startswith("Đảng bộ phường")]
        rural = [u for u in grassroots if not u.name.startswith("Đảng bộ phường")]
        for group in [
            *(wards[i : i + 3] for i in range(0, len(wards), 3)),
            *(rural[i : i + 3] for i in range(0, len(rural), 3)),
        ]:
            number += 1
            name = _new_commune_name(group[0])
            prefix = "PH" if name.startswith("Đảng bộ phường") else "XA"
            code = f"{prefix}-{number:03d}"
            if len(group) >= 2:
                do_merge_units(
                    sources=group,
                    effective_on=day,
                    code=code,
                    name=name,
                    kind=UnitKind.GRASSROOTS_COMMITTEE,
                    parent=province,
                    decision=decision,
                )
                communes.append(Unit.objects.valid_on(day).get(code=code))
            else:
                # One left over keeps its name and moves under the province from the day.
                do_move_subtree(unit=group[0], new_parent=province, effective_on=day, decision=decision)
                communes.append(Unit.objects.valid_on(day).get(code=group[0].code))
            actions += 1
        for body in Unit.objects.filter(parent=district).valid_on(day).order_by("path"):
            do_dissolve_unit(unit=body, effective_on=day, decision=decision)
            dissolved += 1
            actions += 1
        do_dissolve_unit(unit=district, effective_on=day, decision=decision)
        dissolved += 1
        actions += 1

    def current(code: str) -> Unit:
        return Unit.objects.valid_on(day).get(code=code)

    for ours, theirs in (("QS", "HG-QS"), ("CA", "HG-CA")):
        do_merge_units(sources=[current(theirs)], into=current(ours), effective_on=day, decision=decision)
        actions += 1
    do_merge_units(
        sources=[current(c) for c in ("KCQ", "KDN", "HG-KCQ", "HG-KDN")],
        effective_on=day,
        code="DUBND",
        name="Đảng bộ Ủy ban nhân dân tỉnh",
        kind=UnitKind.AFFILIATED_COMMITTEE,
        parent=province,
        decision=decision,
    )
    actions += 1
    for suffix in ("UBND", "HDND", "MTTQ", "BTC"):
        do_merge_units(
            sources=[current(f"HG-{suffix}")],
            into=current(f"TQ-{suffix}"),
            effective_on=day,
            decision=decision,
        )
        actions += 1
    do_merge_units(sources=[ha_giang], into=province, effective_on=day, decision=decision)
    actions += 1
    return len(communes), dissolved, actions, communes


def _appoint(*, units: list[Unit], rng: random.Random) -> None:
    """The new committees appointed from the day of the merger (the merged units' own ended with them)."""
    collectives: list[LeadershipCollective] = []
    for unit in units:
        kind = CollectiveKind.EXECUTIVE_COMMITTEE
        collectives.append(
            LeadershipCollective(
                unit=unit, kind=kind, name=f"Ban Chấp hành {unit.name}", valid_from=MERGER_DAY
            )
        )
    LeadershipCollective.objects.bulk_create(collectives)
    positions: list[Position] = []
    managed: list[int] = []
    for unit, col in zip(units, collectives, strict=True):
        pool = list(
            Person.objects.filter(
                home_cell__path__startswith=unit.path, is_party_member=True, is_exempt=False
            )
            .order_by("code")
            .values_list("pk", flat=True)[:60]
        )
        chosen = rng.sample(pool, min(5, len(pool)))
        for idx, pk in enumerate(chosen):
            role = Role.HEAD if idx == 0 else Role.DEPUTY if idx <= 2 else Role.MEMBER
            title = {"head": "Bí thư", "deputy": "Phó Bí thư", "member": "Ủy viên"}[role]
            positions.append(
                Position(
                    person_id=pk, unit=unit, collective=col, title=title, role=role, valid_from=MERGER_DAY
                )
            )
            if role != Role.MEMBER:
                managed.append(pk)
    Position.objects.bulk_create(positions)
    # The secretaries and deputies of the communes are cadres managed by the province's standing committee now.
    province = Unit.objects.get(code="TQ", parent__isnull=True)
    Person.objects.filter(pk__in=managed).update(
        management_tier=ManagementTier.PROVINCE_STANDING, managing_unit=province
    )


def _office(unit: Unit, role: str, username: str, password: str) -> User:
    return User.objects.create(username=username, password=password, role=role, unit=unit, is_staff=False)


def ha_giang_members(members: int) -> int:
    """Hà Giang's members beside Tuyên Quang's: a sixth (the real ratio is nearer one half, but every member more
    costs `make run` time in the two cycles it opens), never under 200."""
    return max(200, members // 6)


@transaction.atomic
def build_demo_today(*, members: int = 6000, seed: int = 2021, with_accounts: bool = True) -> TodaySummary:
    """Build the 2021 Tuyên Quang, a Hà Giang, the 2025 merger and the 2025/2026 campaigns (see the module)."""
    build_demo_province(members=members, seed=seed, with_accounts=with_accounts)
    return extend_to_today(members=ha_giang_members(members), seed=seed, with_accounts=with_accounts)


@transaction.atomic
def extend_to_today(
    *,
    members: int,
    seed: int,
    with_accounts: bool = True,
    ratings: bool = False,
    leaders_per_collective: int = 0,
) -> TodaySummary:
    """Add Hà Giang, the merger and the campaigns to a database holding the 2021 Tuyên Quang of the seed.

    The benchmark's profile (`ratings=True`, bench/run.py) writes the ratings of the whole province in bulk SQL with
    their audit records, as the 2021 profile's history does (`province._write_ratings`): 2025 all decided, 2026 about
    65 % proposed and 30 % decided beside the demo commune's reviews. `leaders_per_collective` is the 2021 profile's,
    passed on to Hà Giang.
    """
    rng = random.Random(seed * 7919 + 2025)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = round(now - clock, 1)
        clock = now

    hg = build_demo_province(
        members=members,
        seed=seed,
        with_accounts=False,
        code="HG",
        name="Hà Giang",
        districts=HA_GIANG_DISTRICTS,
        affiliated=HA_GIANG_AFFILIATED,
        person_prefix="HG",
        open_cycles=False,
        leaders_per_collective=leaders_per_collective,
    )
    summary = TodaySummary(ha_giang=hg, seconds=seconds)
    lap("ha_giang")
    province = Unit.objects.get(code="TQ", parent__isnull=True)
    ha_giang = Unit.objects.get(code="HG", parent__isnull=True)
    # The 2021 accounts keep their 2021 units: they show the 2021 campaign; the new accounts show 2026.
    kept = {
        u.pk: (u.unit_id, list(u.assigned_units.values_list("pk", flat=True))) for u in User.objects.all()
    }
    summary.communes, summary.dissolved, summary.reorganisations, communes = _reorganise(
        province=province, ha_giang=ha_giang, seed=seed
    )
    lap("reorganisation")
    for user in User.objects.filter(pk__in=kept):
        unit_id, assigned = kept[user.pk]
        if user.unit_id != unit_id:
            user.unit_id = unit_id
            user.save(update_fields=["unit"])
        if sorted(user.assigned_units.values_list("pk", flat=True)) != sorted(assigned):
            user.assigned_units.set(assigned)
    new_units = [*communes, Unit.objects.valid_on(MERGER_DAY).get(code="DUBND")]
    _appoint(units=new_units, rng=rng)
    # The cadres a dissolved district managed who hold a post in the new tree are the province's standing
    # committee's now (no district level is left to manage them; the model keeps one managing unit, not its history).
    Person.objects.filter(
        managing_unit__valid_to__lt=MERGER_DAY, positions__valid_from=MERGER_DAY
    ).distinct().update(managing_unit=province, management_tier=ManagementTier.PROVINCE_STANDING)
    lap("appointments")

    hashed = make_password(DEMO_PASSWORD)
    officer = User.objects.create(
        username="bantochuc", password=hashed, role=UserRole.PROVINCE_ADMIN, unit=province, is_staff=True
    )
    if ratings:
        summary.decided_2025 = _decide_2025_in_bulk(province=province, officer=officer)
    else:
        summary.decided_2025 = _decide_2025(province=province, officer=officer, rng=rng)
    lap("year_2025")
    commune = _demo_commune(communes)
    summary.quarter_cadres, summary.decided_quarters = _run_quarters(
        province=province, commune=commune, officer=officer, rng=rng
    )
    figures, accounts = _run_2026(province=province, commune=commune, officer=officer, hashed=hashed, rng=rng)
    summary.scored_2026, summary.tasks_2026, summary.decided_2026 = figures
    if ratings:
        from kiemdiem.campaigns.models import Cycle
        from kiemdiem.demo.province import _write_ratings

        cycle = Cycle.objects.get(unit=province, year=2026, quarter__isnull=True)
        _write_ratings(cycle=cycle, user=officer, salt=2026, decided_share=30)
    lap("year_2026")
    inspector = User.objects.create(
        username="uybankiemtra", password=hashed, role=UserRole.INSPECTOR, unit=province
    )
    summary.accounts = [
        (
            "bantochuc",
            officer.get_role_display(),
            "Cán bộ Ban Tổ chức Tỉnh ủy Tuyên Quang (tỉnh mới, từ 01/07/2025)",
        ),
        *accounts,
        (
            "uybankiemtra",
            inspector.get_role_display(),
            "Ủy ban Kiểm tra Tỉnh ủy (tỉnh mới) — toàn tỉnh, chỉ xem",
        ),
    ]
    if not with_accounts:
        summary.accounts = []
    return summary


def _demo_commune(communes: list[Unit]) -> Unit:
    """The first merged commune (not a ward) with a cell of at least six members: where 2026 is in progress."""
    for commune in communes:
        if not commune.code.startswith("XA"):
            continue
        cells = Unit.objects.filter(parent=commune, kind=UnitKind.CELL).valid_on(MERGER_DAY).order_by("path")
        for cell in cells:
            if Person.objects.filter(home_cell=cell, is_exempt=False, is_suspended=False).count() >= SCORED:
                return commune
    raise ValueError("Dữ liệu mẫu quá nhỏ: không xã nào có chi bộ từ 6 đảng viên; tăng --members.")


# -- 2025: the year decided ---------------------------------------------------------------------------------------


def _decide_2025(*, province: Unit, officer: User, rng: random.Random) -> int:
    """Open the 2025 cycle and enter every decision as the committees took it on paper: the party organisations and
    agencies, the leadership collectives, the leaders and the members.

    Through `do_enter_paper_decisions`, the campaigns' writer of paper decisions: one rules check for the batch (the
    quota of each group, a collective never above its unit, a leader never above their collective or unit, heads
    last), an audit record for every rating. Each group draws its levels like the members' (at most 15 % of the HTT
    as HTXS); a collective then takes the lower of its draw and its unit's level, a leader the lowest of theirs.
    """
    from kiemdiem.campaigns.actions import (
        Decision,
        do_enter_paper_decisions,
        do_open_cycle,
        ensure_evaluations,
    )
    from kiemdiem.campaigns.models import Evaluation, SubjectType

    cycle = do_open_cycle(unit=province, year=2025)
    ensure_evaluations(cycle=cycle)
    evaluations = (
        Evaluation.objects.filter(cycle=cycle, not_rated_reason="")
        .exclude(subject_type=SubjectType.PARTY_MEMBER, person__admitted_on__gt=datetime.date(2025, 6, 30))
        .select_related("cycle", "person", "unit", "collective", "quota_group__scope_unit")
        .order_by("quota_group_id", "unit__path", "person__code", "collective_id", "pk")
    )  # a member admitted after 30/06/2025 has under six months: not rated (HD 43)
    order = [
        [SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY],
        [SubjectType.LEADERSHIP_COLLECTIVE],
        [SubjectType.LEADER],
        [SubjectType.PARTY_MEMBER],
    ]
    by_group: dict[tuple[int, int | None, str], list[Evaluation]] = {}
    for ev in evaluations:
        step = next(i for i, kinds in enumerate(order) if ev.subject_type in kinds)
        by_group.setdefault(
            (step, ev.quota_group_id, "" if ev.quota_group_id else ev.subject_type), []
        ).append(ev)
    unit_level: dict[int, str] = {}
    collective_level: dict[int, str] = {}
    decided_on = datetime.date(2025, 12, 26)
    rows: list[Decision] = []
    for key in sorted(by_group, key=lambda k: (k[0], k[1] or 0, k[2])):
        group = by_group[key]
        for ev, drawn in zip(group, _ratings_for(len(group), rng), strict=True):
            caps = [drawn]
            if ev.subject_type in (SubjectType.LEADERSHIP_COLLECTIVE, SubjectType.LEADER):
                caps.append(unit_level.get(ev.unit_id, drawn))
            if ev.subject_type == SubjectType.LEADER and ev.leader_collective_id:
                caps.append(collective_level.get(ev.leader_collective_id, drawn))
            rating = min(caps, key=_RANK.__getitem__)
            if ev.subject_type in (SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY):
                unit_level[ev.unit_id] = rating
            elif ev.subject_type == SubjectType.LEADERSHIP_COLLECTIVE and ev.collective_id:
                collective_level[ev.collective_id] = rating
            if ev.subject_type == SubjectType.PARTY_MEMBER and ev.quota_group:
                scope = ev.quota_group.scope_unit
                assert scope is not None  # the demo's member quota groups each belong to a unit
                body = scope.name
                source = f"Quyết định xếp loại đảng viên năm 2025 của {body} (bản giấy)"
            else:
                source = f"Quyết định xếp loại chất lượng năm 2025 đối với {ev.subject_name} (bản giấy)"
            rows.append(
                Decision(ev, rating, decided_on=decided_on, source=source[:255], number=len(rows) + 1)
            )
    return do_enter_paper_decisions(user=officer, rows=rows)


_RANK = {"KHT": 0, "HT": 1, "HTT": 2, "HTXS": 3}


def _decide_2025_in_bulk(*, province: Unit, officer: User) -> int:
    """The benchmark's 2025: the cycle opened and every rated subject decided in bulk SQL, audited (no rules check
    per row: the 2021 profile's history is written the same way). Returns how many members were decided."""
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation, EvaluationState, SubjectType
    from kiemdiem.demo.province import _write_ratings

    cycle = do_open_cycle(unit=province, year=2025)
    ensure_evaluations(cycle=cycle)
    _write_ratings(cycle=cycle, user=officer, salt=2025, decided_share=100)
    return Evaluation.objects.filter(
        cycle=cycle, subject_type=SubjectType.PARTY_MEMBER, state=EvaluationState.DECIDED
    ).count()


def _ratings_for(n: int, rng: random.Random) -> list[str]:
    """A group's ratings: about 70 % HTT, 20 % HT, 3 % KHT and HTXS at most 15 % of the HTT (QĐ 366: ≤ 20 %)."""
    kht = n // 30
    ht = max(0, round(n * 0.2))
    htt = n - kht - ht
    htxs = int(htt * 0.15)
    htt -= htxs
    out = ["HTXS"] * htxs + ["HTT"] * htt + ["HT"] * ht + ["KHT"] * kht
    rng.shuffle(out)
    return out


# -- 2026: quarters I–III of the designated cadres -----------------------------------------------------------------

# Each designated cadre's levels in quarters I–III (KL 198): most steady, one excelling in the second quarter, one
# rising, one slipping in the third. An HTXS needs five HTT beside it in the cadres' group (QĐ 366: ≤ 20 %).
QUARTER_LEVELS = [
    ("HTT", "HTT", "HTT"),
    ("HTT", "HTXS", "HTT"),
    ("HT", "HTT", "HTT"),
    ("HTT", "HTT", "HT"),
    ("HTT", "HTT", "HTT"),
    ("HT", "HTT", "HTT"),
]


def _run_quarters(*, province: Unit, commune: Unit, officer: User, rng: random.Random) -> tuple[int, int]:
    """Quarters I–III of 2026 done: the province designates cadres, opens each quarter's cycle, each cadre's Mẫu 05
    is entered, the cell's meeting proposes, the organisation board verifies, the standing committee decides, and the
    quarter is closed. Through the actions the cycle pages use. Returns (cadres, quarterly decisions)."""
    from kiemdiem.campaigns.actions import (
        Decision,
        do_close_cycle,
        do_decide_ratings,
        do_designate_cadre,
        do_open_cycle,
        do_record_meeting,
        do_save_self_review,
        do_sync_cycle,
        do_verify,
    )
    from kiemdiem.campaigns.models import Evaluation
    from kiemdiem.orgs.queries import positions_as_of

    day = datetime.date(2026, 1, 1)
    # The demo commune's secretary and deputies first, then the secretaries of the next communes and of the
    # province's people's committee party organisation: cadres the province's standing committee manages.
    heads = (
        positions_as_of(province, day)
        .filter(role__in=[Role.HEAD, Role.DEPUTY], valid_from=MERGER_DAY, unit__parent=province)
        .select_related("person", "unit")
        .order_by("unit__path", "role", "person__code")
    )
    ours = [p for p in heads if p.unit_id == commune.pk]
    others = [p for p in heads if p.unit_id != commune.pk and p.role == Role.HEAD]
    chosen = [*sorted(ours, key=lambda p: (p.role != Role.HEAD, p.person.code)), *others][
        : len(QUARTER_LEVELS)
    ]
    for pos in chosen:
        do_designate_cadre(user=officer, person=pos.person, year=2026, unit=province)
    levels: dict[int | None, tuple[str, ...]] = {
        pos.person_id: QUARTER_LEVELS[i] for i, pos in enumerate(chosen)
    }
    if len(chosen) < len(QUARTER_LEVELS):  # too few cadres for an HTXS within the quota
        levels = {pk: tuple("HTT" if r == "HTXS" else r for r in rs) for pk, rs in levels.items()}
    decided = 0
    for quarter in (1, 2, 3):
        cycle = do_open_cycle(unit=province, year=2026, quarter=quarter, user=officer)
        do_sync_cycle(cycle=cycle, user=officer)
        rows: list[Decision] = []
        evaluations = Evaluation.objects.filter(cycle=cycle).select_related("cycle", "person", "unit")
        # The HTXS proposal last: the quota counts the HTT already proposed.
        for ev in sorted(
            evaluations,
            key=lambda e: (levels[e.person_id][quarter - 1] == "HTXS", e.person.code),  # type: ignore[union-attr]  # cadres: a person each
        ):
            rating = levels[ev.person_id][quarter - 1]
            general = Decimal(rng.randint(25, 29))
            results = {"HTXS": 64, "HTT": 58, "HT": 46}[rating] + rng.randint(0, 4)
            ev = do_save_self_review(
                user=officer,
                evaluation=ev,
                sections={
                    "quarter_tasks": f"Quý {quarter}/2026: hoàn thành {_QUARTER_TASKS[rating]} nhiệm vụ được giao; "
                    f"{_TASKS[(quarter + decided) % len(_TASKS)]}.",
                    "quarter_conduct": "Giữ vững phẩm chất chính trị, đạo đức, lối sống; chấp hành nghiêm kỷ luật.",
                    "quarter_shortcomings": "Có việc còn chậm so với kế hoạch của quý.",
                    "quarter_next": "Tập trung các nhiệm vụ trọng tâm của quý tới theo nghị quyết.",
                },
                score_general=float(general),
                score_results=float(results),
                self_rating=rating,
                submit=True,
            )
            ev = do_record_meeting(
                user=officer,
                evaluation=ev,
                comments=f"Hội nghị thống nhất mức {rating} quý {quarter}/2026.",
                attendees=9,
                votes_for=8,
                proposed_rating=rating,
            )
            ev = do_verify(user=officer, evaluation=ev, note="Ban Tổ chức Tỉnh ủy thẩm định: đúng quy trình.")
            rows.append(Decision(ev, rating))
        # The standing committee decides early in the next month (never a date ahead of today's).
        day = min(datetime.date(2026, 3 * quarter + 1, 10), timezone.localdate())
        decided += do_decide_ratings(user=officer, rows=rows, decided_on=day)
        do_close_cycle(user=officer, cycle=cycle)
    return len(chosen), decided


_QUARTER_TASKS = {"HTXS": "vượt mức toàn bộ", "HTT": "đúng hạn toàn bộ", "HT": "phần lớn"}


# -- 2026: the year-end in progress -------------------------------------------------------------------------------


# The province's formula (HD 43 tiết 7.12) for the members' appendices: which results items follow from the task
# register, and how; the others stay scored by hand.
FORMULAS_2026 = {
    "pl4": {
        "4": "0,25 × hoàn thành",
        "5": "15 - 0,5 × chậm - 0,5 × không hoàn thành",
        "6": "vượt mức ≥ 30: 20; vượt mức ≥ 10: 16; còn lại: 12",
    },
    "pl5": {"5": "0,2 × hoàn thành"},
}


def _province_formula(*, province: Unit, officer: User) -> None:
    """The province's board states its results formula, as a new version of each appendix, through the page's action."""
    from kiemdiem.assessments.actions import current_version, do_edit_framework

    for appendix, formulas in FORMULAS_2026.items():
        current = current_version(province, appendix)
        do_edit_framework(
            user=officer,
            unit=province,
            appendix=appendix,
            items=[
                {
                    "group": c.group,
                    "code": c.code,
                    "label": c.label,
                    "description": c.description,
                    "max_points": c.max_points,
                    "citation": c.citation,
                    "verified": c.verified,
                    "formula": formulas.get(c.code, c.formula),
                }
                for c in current.criteria.order_by("order", "id")
            ],
            note="Ban Thường vụ Tỉnh ủy cụ thể hóa cách chấm nhóm tiêu chí kết quả theo danh mục nhiệm vụ, sản phẩm "
            "(HD 43-HD/BTCTW tiết 7.12).",
        )


def _run_2026(
    *, province: Unit, commune: Unit, officer: User, hashed: str, rng: random.Random
) -> tuple[tuple[int, int, int], list[tuple[str, str, str]]]:
    """Open the 2026 cycle (QĐ 366) and take one commune's first cell part of the way, as its people would."""
    from kiemdiem.assessments.actions import (
        do_add_task,
        do_confirm_task,
        do_save_scored_review,
        framework_for,
    )
    from kiemdiem.assessments.models import TaskResult
    from kiemdiem.campaigns.actions import (
        do_decide_rating,
        do_open_cycle,
        do_record_meeting,
        ensure_evaluations,
    )
    from kiemdiem.campaigns.models import Evaluation, SubjectType
    from kiemdiem.campaigns.review_forms import form_for, required_sections

    _province_formula(province=province, officer=officer)  # before opening: the cycle keeps it
    cycle = do_open_cycle(unit=province, year=2026)
    ensure_evaluations(cycle=cycle)
    office = _office(commune, UserRole.CELL_SECRETARY, "vanphongxa", hashed)
    cell = next(
        c
        for c in Unit.objects.filter(parent=commune, kind=UnitKind.CELL).valid_on(MERGER_DAY).order_by("path")
        if Person.objects.filter(home_cell=c, is_exempt=False, is_suspended=False).count() >= SCORED
    )
    people = list(
        Person.objects.filter(home_cell=cell, is_exempt=False, is_suspended=False).order_by("code")[
            : SCORED + 1
        ]
    )
    secretary_person, member_person = people[0], people[1]
    secretary = User.objects.create(
        username="bithu", password=hashed, role=UserRole.CELL_SECRETARY, unit=cell, person=secretary_person
    )
    member = User.objects.create(
        username="dangvienmoi", password=hashed, role=UserRole.MEMBER, person=member_person
    )
    for user, person in ((secretary, secretary_person), (member, member_person)):
        parts = person.full_name.rsplit(" ", 1)
        user.last_name, user.first_name = parts[0], parts[-1]
        user.save(update_fields=["first_name", "last_name"])

    evaluations = list(
        Evaluation.objects.filter(
            cycle=cycle, subject_type=SubjectType.PARTY_MEMBER, unit=cell, not_rated_reason=""
        )
        .exclude(person=member_person)  # the member's own account shows a review still to write
        .select_related("cycle", "person", "unit")
        .order_by("person__code")[:SCORED]
    )
    scored = tasks = decided = 0
    for index, ev in enumerate(evaluations):
        criteria = list(framework_for(ev).criteria.order_by("order", "id"))
        # Points item by item: most near the top of their item, so the totals land in the HTT band (70–89).
        scores = {c.pk: _points(c.max_points, rng) for c in criteria}
        total = sum(scores.values(), Decimal(0))
        rating = "HTXS" if total >= 90 else "HTT" if total >= 70 else "HT" if total >= 50 else "KHT"
        if index < DECIDED and rating == "HTXS":
            # The commune decides the first ones before anyone is HTT: an HTXS there would be over the 20 % cap.
            rating = "HTT"
        if index < WITH_TASKS:
            results = [TaskResult.ON_TIME, TaskResult.ON_TIME, TaskResult.EXCEEDED]
            if rating == "HTXS":
                results = [TaskResult.EXCEEDED, TaskResult.EXCEEDED, TaskResult.ON_TIME]
            for number, result in enumerate(results, start=1):
                task = do_add_task(
                    user=secretary if ev.person_id != secretary_person.pk else office,
                    evaluation=ev,
                    title=f"Nhiệm vụ {number} năm 2026: {_TASKS[(index + number) % len(_TASKS)]}",
                    target="Theo kế hoạch của chi bộ",
                    deadline=datetime.date(2026, 3 * number + 1, 30),
                    result=result,
                    evidence_link=f"https://vanban.tuyenquang.dcs.vn/2026/{ev.person.code}/{number}",  # type: ignore[union-attr]  # party members: each has a person
                )
                do_confirm_task(user=office, task=task)
                tasks += 1
        form = form_for(regime=cycle.regime, subject_type=ev.subject_type, is_leader=False)
        sections = {
            key: f"{heading.split('. ', 1)[-1]}: thực hiện nghiêm túc, đúng kế hoạch."
            for key, heading in form.sections
            if key in required_sections(form)
        }
        ev = do_save_scored_review(
            user=secretary, evaluation=ev, sections=sections, scores=scores, self_rating=rating, submit=True
        )
        scored += 1
        if index < DECIDED:
            attendees = len(people) + 3
            ev = do_record_meeting(
                user=secretary,
                evaluation=ev,
                comments="Chi bộ thống nhất mức tự xếp loại.",
                attendees=attendees,
                votes_for=attendees - 1,
                proposed_rating=rating,
            )
            do_decide_rating(user=office, evaluation=ev, rating=rating)
            decided += 1
    accounts = [
        (
            "vanphongxa",
            office.get_role_display(),
            f"Văn phòng {commune.name} — quyết định xếp loại đảng viên",
        ),
        ("bithu", secretary.get_role_display(), f"Bí thư {cell.name} ({commune.name})"),
        ("dangvienmoi", member.get_role_display(), f"Đảng viên {member_person.full_name}, {cell.name}"),
    ]
    return (scored, tasks, decided), accounts


_TASKS = [
    "vận động nhân dân hiến đất làm đường",
    "tham gia chuyển đổi số ở thôn",
    "phát triển đảng viên mới",
    "giảm hộ nghèo theo kế hoạch",
    "tuyên truyền nghị quyết Đại hội Đảng bộ tỉnh lần thứ I",
]


def _points(maximum: Decimal, rng: random.Random) -> Decimal:
    """Between 75 % and 95 % of the item's maximum, in half points."""
    share = Decimal(rng.randint(75, 95)) / 100
    return (maximum * share * 2).quantize(Decimal(1)) / 2
