"""A demo province in the shape of Tuyên Quang in 2021, deterministic from a seed, of any size."""

from __future__ import annotations

import bisect
import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.orgs.actions import do_create_units
from kiemdiem.orgs.models import (
    SEGMENT_WIDTH,
    CivilServiceStatus,
    CollectiveKind,
    Gender,
    LeadershipCollective,
    ManagementTier,
    Membership,
    Person,
    Position,
    Role,
    Unit,
    UnitKind,
    path_segment,
)

DEMO_PASSWORD = "kiemdiem2021"

DISTRICTS: dict[str, tuple[str, list[str]]] = {
    # code: (name, grassroots communes/wards — real names of 2021)
    "TPTQ": (
        "Thành phố Tuyên Quang",
        [
            "phường Tân Quang",
            "phường Phan Thiết",
            "phường Minh Xuân",
            "phường Nông Tiến",
            "phường Ỷ La",
            "phường Tân Hà",
            "phường Hưng Thành",
            "phường Tràng Đà",
            "phường An Tường",
            "phường Đội Cấn",
            "phường Mỹ Lâm",
            "xã An Khang",
            "xã Thái Long",
            "xã Lưỡng Vượng",
            "xã Kim Phú",
        ],
    ),
    "LB": (
        "Huyện Lâm Bình",
        [
            "xã Lăng Can",
            "xã Thượng Lâm",
            "xã Khuôn Hà",
            "xã Phúc Yên",
            "xã Xuân Lập",
            "xã Bình An",
            "xã Thổ Bình",
            "xã Hồng Quang",
        ],
    ),
    "NH": (
        "Huyện Na Hang",
        [
            "thị trấn Na Hang",
            "xã Thượng Giáp",
            "xã Thượng Nông",
            "xã Côn Lôn",
            "xã Yên Hoa",
            "xã Hồng Thái",
            "xã Sinh Long",
            "xã Khâu Tinh",
            "xã Sơn Phú",
            "xã Thanh Tương",
            "xã Năng Khả",
            "xã Đà Vị",
        ],
    ),
    "CH": (
        "Huyện Chiêm Hóa",
        [
            "thị trấn Vĩnh Lộc",
            "xã Hòa Phú",
            "xã Phúc Sơn",
            "xã Minh Quang",
            "xã Trung Hà",
            "xã Tân Mỹ",
            "xã Hà Lang",
            "xã Hùng Mỹ",
            "xã Yên Lập",
            "xã Tân An",
            "xã Bình Phú",
            "xã Xuân Quang",
            "xã Ngọc Hội",
            "xã Phú Bình",
            "xã Hòa An",
            "xã Phúc Thịnh",
            "xã Kiên Đài",
            "xã Tân Thịnh",
            "xã Trung Hòa",
            "xã Kim Bình",
            "xã Hòa Bình",
            "xã Vinh Quang",
            "xã Tri Phú",
            "xã Nhân Lý",
            "xã Yên Nguyên",
            "xã Linh Phú",
            "xã Bình Nhân",
        ],
    ),
    "HY": (
        "Huyện Hàm Yên",
        [
            "thị trấn Tân Yên",
            "xã Yên Thuận",
            "xã Bạch Xa",
            "xã Minh Khương",
            "xã Yên Lâm",
            "xã Minh Dân",
            "xã Phù Lưu",
            "xã Minh Hương",
            "xã Yên Phú",
            "xã Tân Thành",
            "xã Bình Xa",
            "xã Thái Sơn",
            "xã Nhân Mục",
            "xã Thành Long",
            "xã Bằng Cốc",
            "xã Thái Hòa",
            "xã Đức Ninh",
            "xã Hùng Đức",
        ],
    ),
    "YS": (
        "Huyện Yên Sơn",
        [
            "xã Thắng Quân",
            "xã Lang Quán",
            "xã Tứ Quận",
            "xã Chân Sơn",
            "xã Chiêu Yên",
            "xã Trung Môn",
            "xã Phú Thịnh",
            "xã Tiến Bộ",
            "xã Thái Bình",
            "xã Đội Bình",
            "xã Hoàng Khai",
            "xã Nhữ Hán",
            "xã Nhữ Khê",
            "xã Mỹ Bằng",
            "xã Phúc Ninh",
            "xã Lực Hành",
            "xã Xuân Vân",
            "xã Trung Trực",
            "xã Kiến Thiết",
            "xã Quý Quân",
            "xã Trung Sơn",
            "xã Hùng Lợi",
            "xã Kim Quan",
            "xã Công Đa",
            "xã Đạo Viện",
            "xã Tân Long",
            "xã Tân Tiến",
        ],
    ),
    "SD": (
        "Huyện Sơn Dương",
        [
            "thị trấn Sơn Dương",
            "xã Trung Yên",
            "xã Minh Thanh",
            "xã Tân Trào",
            "xã Bình Yên",
            "xã Lương Thiện",
            "xã Tú Thịnh",
            "xã Hợp Thành",
            "xã Phúc Ứng",
            "xã Đông Thọ",
            "xã Kháng Nhật",
            "xã Hợp Hòa",
            "xã Thanh Phát",
            "xã Quyết Thắng",
            "xã Ninh Lai",
            "xã Thiện Kế",
            "xã Sơn Nam",
            "xã Vĩnh Lợi",
            "xã Cấp Tiến",
            "xã Đại Phú",
            "xã Sầm Dương",
            "xã Tam Đa",
            "xã Phú Lương",
            "xã Chi Thiết",
            "xã Văn Phú",
            "xã Hồng Lạc",
            "xã Đông Lợi",
            "xã Tuân Lộ",
            "xã Trường Sinh",
            "xã Lâm Xuyên",
        ],
    ),
}

AFFILIATED: dict[str, tuple[str, list[str]]] = {
    "KCQ": (
        "Đảng bộ Khối các cơ quan tỉnh",
        [
            "Sở Giáo dục và Đào tạo",
            "Sở Y tế",
            "Sở Tài chính",
            "Sở Nội vụ",
            "Sở Kế hoạch và Đầu tư",
            "Sở Nông nghiệp và Phát triển nông thôn",
            "Sở Xây dựng",
            "Sở Giao thông vận tải",
            "Sở Tư pháp",
            "Sở Công Thương",
            "Văn phòng Ủy ban nhân dân tỉnh",
            "Bệnh viện Đa khoa tỉnh",
        ],
    ),
    "KDN": (
        "Đảng bộ Khối doanh nghiệp tỉnh",
        [
            "Công ty Điện lực Tuyên Quang",
            "Công ty cổ phần Xi măng Tân Quang",
            "Công ty TNHH MTV Lâm nghiệp Tuyên Bình",
            "Ngân hàng Nông nghiệp và Phát triển nông thôn chi nhánh Tuyên Quang",
        ],
    ),
    "QS": (
        "Đảng bộ Quân sự tỉnh",
        ["Cơ quan Bộ Chỉ huy Quân sự tỉnh", "Trung đoàn 896", "Ban Chỉ huy Quân sự thành phố Tuyên Quang"],
    ),
    "CA": (
        "Đảng bộ Công an tỉnh",
        [
            "Phòng Cảnh sát giao thông",
            "Phòng An ninh chính trị nội bộ",
            "Công an thành phố Tuyên Quang",
            "Công an huyện Na Hang",
        ],
    ),
}

VILLAGES = [
    "Nà Khà",
    "Bản Tàu",
    "Khuổi Phìn",
    "Nà Mỏ",
    "Phiêng Luông",
    "Đồng Chùa",
    "Làng Chẩu",
    "Nà Tang",
    "Bản Khiển",
    "Tát Ten",
    "Nà Va",
    "Pác Khoang",
    "Bản Bó",
    "Nà Lừa",
    "Khau Quang",
    "Đồng Mán",
    "Tân Lập",
    "Làng Ải",
    "Cầu Cả",
    "Nà Bản",
    "Bản Lục",
    "Thôn Trung",
    "Nà Pồng",
    "Phai Tre",
    "Bắc Lũng",
    "Lũng Giang",
]
SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đỗ",
    "Bùi",
    "Ma",
    "Hà",
    "Nông",
    "Lương",
    "Triệu",
    "Bàn",
    "Quan",
    "Đặng",
    "Lý",
    "Chu",
    "Đinh",
    "Mai",
]
MALE_MIDDLE = ["Văn", "Đức", "Minh", "Quang", "Xuân", "Thanh", "Hữu", "Công", "Ngọc", "Tiến"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Hồng", "Ngọc", "Thanh", "Minh", "Kim", "Phương"]
MALE_GIVEN = [
    "Hùng",
    "Tuấn",
    "Dũng",
    "Thắng",
    "Hải",
    "Long",
    "Sơn",
    "Cường",
    "Bình",
    "Đạt",
    "Khánh",
    "Quý",
    "Tâm",
    "Trường",
    "Việt",
    "Nam",
    "Huy",
    "Thành",
    "Toàn",
    "Kiên",
    "Lâm",
    "Phúc",
    "Tùng",
    "Chiến",
]
FEMALE_GIVEN = [
    "Lan",
    "Hoa",
    "Hương",
    "Mai",
    "Thủy",
    "Phương",
    "Hà",
    "Linh",
    "Trang",
    "Nga",
    "Hạnh",
    "Yến",
    "Thảo",
    "Huyền",
    "Loan",
    "Dung",
    "Nhung",
    "Vân",
    "Oanh",
    "Liên",
    "Hằng",
    "Hiền",
    "Ngân",
    "Tuyết",
]

CYCLE_YEAR = 2021
FIRST_YEAR = 2019  # the first year the rules engine knows (QĐ 132)


@dataclass
class DemoSummary:
    units: int = 0
    persons: int = 0
    collectives: int = 0
    positions: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


class _Builder:
    def __init__(self, *, members: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target_members = members
        self.units: list[Unit] = []
        self.next_id = (Unit.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.cells: list[Unit] = []
        self.codes: set[str] = set()

    def unit(self, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
        while code in self.codes:
            code += "X"
        self.codes.add(code)
        u = Unit(
            id=self.next_id,
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            valid_from=datetime.date(2015, 1, 1),
        )
        self.next_id += 1
        u.path = (parent.path if parent else "") + path_segment(u.id)
        u.depth = len(u.path) // SEGMENT_WIDTH - 1
        self.units.append(u)
        if kind in (UnitKind.CELL, UnitKind.GRASSROOTS_CELL):
            self.cells.append(u)
        return u

    def name(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.45:
            return (
                f"{rng.choice(SURNAMES)} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}",
                Gender.FEMALE,
            )
        return f"{rng.choice(SURNAMES)} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}", Gender.MALE


def _grassroots_counts(total: int, weights: list[int]) -> list[int]:
    s = sum(weights)
    return [max(2, round(total * w / s)) for w in weights]


@transaction.atomic
def build_demo_province(
    *,
    members: int = 6000,
    seed: int = 2021,
    with_accounts: bool = True,
    history_years: int = 1,
    leaders_per_collective: int = 0,
    big_cell: int = 0,
    ratings: bool = False,
    code: str = "TQ",
    name: str = "Tuyên Quang",
    districts: dict[str, tuple[str, list[str]]] | None = None,
    affiliated: dict[str, tuple[str, list[str]]] | None = None,
    person_prefix: str = "DV",
    open_cycles: bool = True,
) -> DemoSummary:
    """Create the province, its tree, people, collectives, the open 2021 cycle and one account per role.

    The benchmark profile (bench/, DESIGN.md "Scale and speed") asks for more than the default demo, behind
    parameters whose defaults leave the demo as it is: `history_years` years of cycles ending in 2021 (the
    earlier ones decided, with their audit records), `leaders_per_collective` heads and deputies in every
    leadership collective, one cell of `big_cell` members, and `ratings` proposed and decided in 2021.

    Another province of 2021 (the Hà Giang of `kiemdiem.demo.today`) is built by the same code from its own `code`,
    `name`, `districts`, `affiliated` and `person_prefix`, without cycles or accounts (`open_cycles=False`).
    """
    districts = DISTRICTS if districts is None else districts
    affiliated = AFFILIATED if affiliated is None else affiliated
    province_name = name
    if not 1 <= history_years <= CYCLE_YEAR - FIRST_YEAR + 1:
        raise ValueError(f"history_years: từ 1 đến {CYCLE_YEAR - FIRST_YEAR + 1}")
    b = _Builder(members=members, seed=seed)
    rng = b.rng
    province = b.unit(code, f"Đảng bộ tỉnh {province_name}", UnitKind.PROVINCE_COMMITTEE, None)
    # About 117 members per grassroots organisation and 15.5 per cell, as in the province profile;
    # a small demo still gets every real commune of 2021 as long as each keeps about 20 members.
    real_names = sum(len(names) for _, names in [*districts.values(), *affiliated.values()])
    n_grassroots = max(len(districts) + len(affiliated), round(members / 117), min(real_names, members // 20))
    uppers: list[tuple[Unit, list[str], bool]] = []
    area_of: dict[str, str] = {}  # "huyện Na Hang", "thành phố Tuyên Quang"
    for upper_code, (upper_name, communes) in districts.items():
        area = upper_name[0].lower() + upper_name[1:]
        area_of[upper_code] = area
        uppers.append(
            (b.unit(upper_code, f"Đảng bộ {area}", UnitKind.DISTRICT_COMMITTEE, province), communes, True)
        )
    for upper_code, (upper_name, bodies) in affiliated.items():
        uppers.append(
            (b.unit(upper_code, upper_name, UnitKind.AFFILIATED_COMMITTEE, province), bodies, False)
        )

    # Provincial agencies and bodies under the province committee.
    other = "" if code == "TQ" else f" {province_name}"  # the seed's names of Tuyên Quang stay as they were
    province_agencies = [
        b.unit(f"{code}-UBND", f"Ủy ban nhân dân tỉnh {province_name}", UnitKind.GOVERNMENT, province),
        b.unit(f"{code}-HDND", f"Hội đồng nhân dân tỉnh {province_name}", UnitKind.GOVERNMENT, province),
        b.unit(
            f"{code}-MTTQ", f"Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh{other}", UnitKind.FRONT_MASS_ORG, province
        ),
        b.unit(f"{code}-BTC", f"Ban Tổ chức Tỉnh ủy{other}", UnitKind.PARTY_AGENCY, province),
    ]
    counts = _grassroots_counts(n_grassroots, [max(len(c), 4) for _, c, _ in uppers])
    grassroots: list[Unit] = []
    agencies: list[Unit] = list(province_agencies)
    for (upper, names, is_district), n in zip(uppers, counts, strict=True):
        if is_district:
            area = area_of[upper.code]
            agencies.append(
                b.unit(f"{upper.code}-UBND", f"Ủy ban nhân dân {area}", UnitKind.GOVERNMENT, upper)
            )
            agencies.append(
                b.unit(f"{upper.code}-MTTQ", f"Ủy ban MTTQ Việt Nam {area}", UnitKind.FRONT_MASS_ORG, upper)
            )
        for i in range(n):
            base = names[i % len(names)]
            label = base if i < len(names) else f"{base} (số {i // len(names) + 1})"
            if is_district:
                go = b.unit(
                    f"{upper.code}-{i + 1:03d}", f"Đảng bộ {label}", UnitKind.GRASSROOTS_COMMITTEE, upper
                )
                agencies.append(
                    b.unit(f"{go.code}-UBND", f"Ủy ban nhân dân {label}", UnitKind.GOVERNMENT, go)
                )
            else:
                kind = UnitKind.GRASSROOTS_COMMITTEE if rng.random() < 0.7 else UnitKind.GRASSROOTS_CELL
                prefix = "Đảng bộ" if kind == UnitKind.GRASSROOTS_COMMITTEE else "Chi bộ"
                go = b.unit(f"{upper.code}-{i + 1:03d}", f"{prefix} {label}", kind, upper)
                agency_kind = (
                    UnitKind.STATE_ENTERPRISE if upper.code.endswith("KDN") else UnitKind.STATE_AGENCY
                )
                agencies.append(b.unit(f"{go.code}-CQ", label, agency_kind, go))
            grassroots.append(go)

    n_cells_total = max(len(grassroots), round(members / 15.5))
    per_go = _grassroots_counts(n_cells_total, [1] * len(grassroots))
    for go, n in zip(grassroots, per_go, strict=True):
        if go.kind == UnitKind.GRASSROOTS_CELL:
            continue
        rural = go.name.startswith("Đảng bộ xã")
        for j in range(n):
            if rural:
                village = VILLAGES[(j + go.id) % len(VILLAGES)]
                label = f"Chi bộ thôn {village}" + (
                    f" {j // len(VILLAGES) + 1}" if j >= len(VILLAGES) else ""
                )
            elif go.name.startswith("Đảng bộ phường") or go.name.startswith("Đảng bộ thị trấn"):
                label = f"Chi bộ tổ dân phố số {j + 1}"
            else:
                label = f"Chi bộ số {j + 1}"
            b.unit(f"{go.code}-{j + 1:03d}", label, UnitKind.CELL, go)
    # A few provincial bodies keep their own cell so their leaders have a home cell.
    for agency in province_agencies:
        b.unit(f"{agency.code}-CB", f"Chi bộ {agency.name}", UnitKind.CELL, agency)

    do_create_units(units=b.units)
    _reset_sequences(Unit)

    # People: party members spread over the cells.
    year_end = datetime.date(CYCLE_YEAR, 12, 31)
    persons: list[Person] = []
    cells = b.cells
    for k in range(members):
        cell = cells[k % len(cells)] if k < len(cells) else rng.choice(cells)
        full_name, gender = b.name()
        admitted = datetime.date(rng.randint(1968, 2021), rng.randint(1, 12), rng.randint(1, 28))
        probationary = (year_end - admitted).days < 365
        persons.append(
            Person(
                code=f"{person_prefix}{seed % 100:02d}{k + 1:07d}",
                full_name=full_name,
                gender=gender,
                birth_date=datetime.date(
                    max(admitted.year - rng.randint(18, 40), 1935), rng.randint(1, 12), rng.randint(1, 28)
                ),
                is_party_member=True,
                admitted_on=admitted,
                membership=Membership.PROBATIONARY if probationary else Membership.FULL,
                is_exempt=admitted.year < 1985 and rng.random() < 0.3,
                is_suspended=rng.random() < 0.002,
                home_cell=cell,
                civil_service_status=rng.choice(
                    [CivilServiceStatus.NONE] * 5
                    + [
                        CivilServiceStatus.CIVIL_SERVANT,
                        CivilServiceStatus.PUBLIC_EMPLOYEE,
                        CivilServiceStatus.CADRE,
                    ]
                ),
            )
        )
    if big_cell:
        # One cell of the size the page benchmark reads (the first ordinary cell):
        # its members are taken from the end of the list, so every other cell keeps at least one member.
        target = next(c for c in cells if c.kind == UnitKind.CELL)
        have = sum(1 for p in persons if p.home_cell is target)
        for p in persons[len(persons) - max(0, big_cell - have) :]:
            p.home_cell = target
    Person.objects.bulk_create(persons, batch_size=2000)
    persons = list(
        Person.objects.filter(code__startswith=f"{person_prefix}{seed % 100:02d}").only(
            "id", "home_cell_id", "code"
        )
    )
    by_cell: dict[int, list[Person]] = {}
    for p in persons:
        by_cell.setdefault(p.home_cell_id, []).append(p)  # type: ignore[arg-type]  # persons of a cell: home_cell set

    # Leadership collectives and their members, chosen among the members of the unit's own subtree.
    cell_paths = sorted((c.path, c.id) for c in cells)
    collectives: list[LeadershipCollective] = []
    seats: list[tuple[LeadershipCollective, Unit, int]] = []  # collective, unit, size

    def add_collective(unit: Unit, kind: str, name: str, size: int) -> None:
        col = LeadershipCollective(unit=unit, kind=kind, name=name)
        collectives.append(col)
        seats.append((col, unit, size))

    add_collective(province, CollectiveKind.EXECUTIVE_COMMITTEE, "Ban Chấp hành Đảng bộ tỉnh", 9)
    add_collective(province, CollectiveKind.STANDING_COMMITTEE, "Ban Thường vụ Tỉnh ủy", 7)
    for upper, _, _ in uppers:
        add_collective(upper, CollectiveKind.EXECUTIVE_COMMITTEE, f"Ban Chấp hành {upper.name}", 7)
        committee = upper.name.replace("Đảng bộ huyện", "Huyện ủy").replace("Đảng bộ thành phố", "Thành ủy")
        committee = committee.replace("Đảng bộ", "Đảng ủy")
        add_collective(upper, CollectiveKind.STANDING_COMMITTEE, f"Ban Thường vụ {committee}", 5)
    for go in grassroots:
        committee_kind = (
            CollectiveKind.EXECUTIVE_COMMITTEE
            if go.kind == UnitKind.GRASSROOTS_COMMITTEE
            else CollectiveKind.CELL_COMMITTEE
        )
        title = (
            "Ban Chấp hành " + go.name
            if committee_kind == CollectiveKind.EXECUTIVE_COMMITTEE
            else "Chi ủy " + go.name
        )
        add_collective(
            go, committee_kind, title, 5 if committee_kind == CollectiveKind.EXECUTIVE_COMMITTEE else 3
        )
    for agency in agencies:
        if agency.code == f"{code}-UBND":
            add_collective(
                agency, CollectiveKind.PARTY_AFFAIRS_COMMITTEE, "Ban cán sự đảng Ủy ban nhân dân tỉnh", 5
            )
        elif agency.code == f"{code}-HDND":
            add_collective(agency, CollectiveKind.PARTY_DELEGATION, "Đảng đoàn Hội đồng nhân dân tỉnh", 4)
        elif agency.code == f"{code}-MTTQ":
            add_collective(agency, CollectiveKind.PARTY_DELEGATION, "Đảng đoàn Ủy ban MTTQ Việt Nam tỉnh", 4)
        else:
            add_collective(agency, CollectiveKind.AGENCY_LEADERSHIP, f"Tập thể lãnh đạo {agency.name}", 4)
    LeadershipCollective.objects.bulk_create(collectives, batch_size=2000)

    def members_under(unit: Unit) -> list[Person]:
        lo = bisect.bisect_left(cell_paths, (unit.path, 0))
        found: list[Person] = []
        for path, cid in cell_paths[lo:]:
            if not path.startswith(unit.path):
                break
            found.extend(by_cell.get(cid, ()))
            if len(found) > 60:
                break
        return found

    tier_by_depth = {
        0: ManagementTier.PROVINCE_STANDING,
        1: ManagementTier.PROVINCE_STANDING,
        2: ManagementTier.DISTRICT_STANDING,
        3: ManagementTier.GRASSROOTS,
    }
    positions: list[Position] = []
    managed: dict[int, tuple[str, Unit]] = {}
    for col, unit, size in seats:
        pool = members_under(unit)
        if not pool:
            continue
        deputies = 2 if size >= 5 else 1
        if leaders_per_collective:
            size, deputies = max(size, leaders_per_collective + 1), leaders_per_collective - 1
        chosen = rng.sample(pool, min(size, len(pool)))
        for idx, person in enumerate(chosen):
            role = Role.HEAD if idx == 0 else Role.DEPUTY if idx <= deputies else Role.MEMBER
            title = _title(col.kind, role, unit)
            positions.append(
                Position(
                    person=person,
                    unit=unit,
                    collective=col,
                    title=title,
                    role=role,
                    valid_from=datetime.date(2020, 10, 1),
                )
            )
            if role != Role.MEMBER and person.pk not in managed:
                owner = unit if unit.parent is None else unit.parent
                managed[person.pk] = (tier_by_depth.get(unit.depth, ManagementTier.GRASSROOTS), owner)
    Position.objects.bulk_create(positions, batch_size=2000)
    for pk, (tier, owner) in managed.items():
        Person.objects.filter(pk=pk).update(management_tier=tier, managing_unit=owner)

    summary = DemoSummary(
        units=len(b.units), persons=len(persons), collectives=len(collectives), positions=len(positions)
    )
    if not open_cycles:
        return summary

    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations

    past = [
        do_open_cycle(unit=province, year=year) for year in range(CYCLE_YEAR - history_years + 1, CYCLE_YEAR)
    ]
    cycle = do_open_cycle(unit=province, year=CYCLE_YEAR)
    for c in [*past, cycle]:
        ensure_evaluations(cycle=c)

    if with_accounts:
        summary.accounts = _create_accounts(
            province=province, uppers=[u for u, _, _ in uppers], by_cell=by_cell
        )
    if past or ratings:
        recorder = _history_recorder(province)
        for c in past:
            _write_ratings(cycle=c, user=recorder, salt=c.year, decided_share=100)
        if ratings:
            _write_ratings(cycle=cycle, user=recorder, salt=CYCLE_YEAR, decided_share=30)
    return summary


def _history_recorder(province: Unit) -> User:
    """The account the bulk-written ratings are audited under: the province admin, or one made for it."""
    user = User.objects.filter(role=UserRole.PROVINCE_ADMIN, unit=province).order_by("id").first()
    if user is None:
        user = User.objects.create(
            username="lichsu", password=make_password(None), role=UserRole.PROVINCE_ADMIN, unit=province
        )
    return user


# Rating shares (per mille) of the benchmark profile: about the province's 2021 results.
_RATING_SHARES = (("HTXS", 120), ("HTT", 800), ("HT", 960), ("KHT", 980))


def rating_hash(ident, *, salt: int, multiplier: int, modulus: int):
    """`(ident × multiplier + salt) mod modulus` in SQL, every constant typed bigint: the same number with the
    parameters bound by the client (written into the SQL, where PostgreSQL reads 2654435761 as bigint) and by the
    server (where a plain `Value(2654435761)` is sent as a 32-bit integer and wraps to -1640531535, so every hash
    came out negative: HTXS on every row). Python's `(i * multiplier + salt) % modulus` for the ids ≥ 0 used here.
    """
    from django.db.models import BigIntegerField, Value
    from django.db.models.functions import Mod

    def big(n: int) -> Value:
        return Value(n, output_field=BigIntegerField())

    return Mod(ident * big(multiplier) + big(salt), big(modulus), output_field=BigIntegerField())


def _write_ratings(*, cycle, user: User, salt: int, decided_share: int) -> None:
    """Propose (and decide, for `decided_share` % of them) a rating of every rated subject, in two SQL statements
    per step, with an AuditRecord for every rating written (DESIGN.md: no rating without its audit record).

    Deterministic: the rating follows a hash of the evaluation id, so the same seed gives the same profile.
    """
    from django.db.models import Case, F, Value, When
    from django.db.models.functions import Now
    from django.db.models.lookups import LessThan

    from kiemdiem.campaigns.models import AuditRecord, Evaluation, EvaluationState

    h = rating_hash(F("id"), salt=salt, multiplier=2654435761, modulus=1000)
    pick = rating_hash(F("id"), salt=salt, multiplier=40503, modulus=100)
    rating = Case(
        *[When(LessThan(h, bound), then=Value(code)) for code, bound in _RATING_SHARES], default=Value("")
    )
    rows = Evaluation.objects.filter(cycle=cycle, not_rated_reason="", state=EvaluationState.DRAFT)
    decided_on = cycle.review_deadline
    rows.filter(LessThan(h, _RATING_SHARES[-1][1])).update(
        proposed_rating=rating,
        state=Case(
            When(LessThan(pick, decided_share), then=Value(EvaluationState.DECIDED)),
            default=Value(EvaluationState.PROPOSED),
        ),
        updated_at=Now(),
    )
    rows = Evaluation.objects.filter(cycle=cycle, state=EvaluationState.DECIDED, decided_rating="")
    rows.update(decided_rating=F("proposed_rating"), decided_on=decided_on, decided_by=user, updated_at=Now())
    ev, audit = Evaluation._meta.db_table, AuditRecord._meta.db_table
    at = connection.ops.adapt_datetimefield_value(
        datetime.datetime.combine(decided_on, datetime.time(9), tzinfo=datetime.UTC)
    )
    insert = (
        f"INSERT INTO {audit} (evaluation_id, action, field, old_value, new_value, reason, user_id, at) "
        f"SELECT id, %s, %s, '', {{column}}, %s, %s, %s FROM {ev} WHERE cycle_id = %s AND {{column}} <> ''"
    )
    reason = f"Ghi hàng loạt dữ liệu mẫu năm {cycle.year}"
    with connection.cursor() as cursor:
        for action, column in (("propose", "proposed_rating"), ("decide", "decided_rating")):
            cursor.execute(insert.format(column=column), [action, column, reason, user.pk, at, cycle.pk])


def _title(kind: str, role: str, unit: Unit) -> str:
    if kind in (CollectiveKind.EXECUTIVE_COMMITTEE, CollectiveKind.STANDING_COMMITTEE):
        return {"head": "Bí thư", "deputy": "Phó Bí thư", "member": "Ủy viên"}[role]
    if kind == CollectiveKind.CELL_COMMITTEE:
        return {"head": "Bí thư chi bộ", "deputy": "Phó Bí thư chi bộ", "member": "Chi ủy viên"}[role]
    if kind in (CollectiveKind.PARTY_AFFAIRS_COMMITTEE, CollectiveKind.PARTY_DELEGATION):
        return {"head": "Bí thư", "deputy": "Phó Bí thư", "member": "Ủy viên"}[role]
    if unit.kind == UnitKind.GOVERNMENT:
        return {"head": "Chủ tịch", "deputy": "Phó Chủ tịch", "member": "Ủy viên"}[role]
    if unit.kind == UnitKind.STATE_ENTERPRISE:
        return {"head": "Giám đốc", "deputy": "Phó Giám đốc", "member": "Kế toán trưởng"}[role]
    return {"head": "Thủ trưởng", "deputy": "Phó Thủ trưởng", "member": "Trưởng phòng"}[role]


def _reset_sequences(*models: type) -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), list(models))
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def _create_accounts(
    *, province: Unit, uppers: list[Unit], by_cell: dict[int, list[Person]]
) -> list[tuple[str, str, str]]:
    na_hang = next(u for u in uppers if u.code == "NH")
    lam_binh = next(u for u in uppers if u.code == "LB")
    so_gd = Unit.objects.get(code="KCQ-001")
    # The first Na Hang cell with a secretary and at least one more member (small demos have one-member cells).
    cells = Unit.objects.filter(path__startswith=na_hang.path, kind=UnitKind.CELL).order_by("path")
    cell = next((c for c in cells if len(by_cell.get(c.pk, ())) >= 2), None)
    if cell is None:
        raise ValueError(
            "Dữ liệu mẫu quá nhỏ: không chi bộ nào của Na Hang có từ 2 đảng viên; tăng --members."
        )
    cell_members = sorted(by_cell[cell.pk], key=lambda p: p.pk)
    secretary_person = cell_members[0]
    member_person = cell_members[1]
    specs = [
        ("tinhuy", UserRole.PROVINCE_ADMIN, province, None, True, "Cán bộ Ban Tổ chức Tỉnh ủy — toàn tỉnh"),
        (
            "btv",
            UserRole.STANDING_MEMBER,
            None,
            None,
            False,
            f"Ủy viên BTV Tỉnh ủy — dự {na_hang.name}, {so_gd.name}",
        ),
        ("nahang", UserRole.DISTRICT_OFFICER, na_hang, None, True, f"Cán bộ {na_hang.name}"),
        ("lambinh", UserRole.DISTRICT_OFFICER, lam_binh, None, True, f"Cán bộ {lam_binh.name}"),
        (
            "chibo",
            UserRole.CELL_SECRETARY,
            cell,
            secretary_person,
            False,
            f"Bí thư {cell.name} ({cell.parent})",
        ),
        (
            "dangvien",
            UserRole.MEMBER,
            None,
            member_person,
            False,
            f"Đảng viên {member_person.full_name}, {cell.name}",
        ),
        (
            "danguy",
            UserRole.CELL_SECRETARY,
            cell.parent,
            None,
            False,
            f"Văn phòng {cell.parent} — quyết định xếp loại đảng viên",
        ),
        (
            "kiemtra",
            UserRole.INSPECTOR,
            province,
            None,
            False,
            "Ủy ban Kiểm tra Tỉnh ủy — toàn tỉnh, chỉ xem",
        ),
    ]
    accounts = []
    hashed = make_password(DEMO_PASSWORD)  # one hash for the shared demo password: hashing is slow on purpose
    for username, role, unit, person, staff, description in specs:
        user = User.objects.create(
            username=username, password=hashed, role=role, unit=unit, person=person, is_staff=staff
        )
        if person is not None:
            parts = person.full_name.rsplit(" ", 1)
            user.last_name, user.first_name = parts[0], parts[-1]
            user.save(update_fields=["first_name", "last_name"])
        if role == UserRole.STANDING_MEMBER:
            user.assigned_units.set([na_hang, so_gd])
        accounts.append((username, role.label, description))
    _seed_self_reviews(cell=cell, secretary=User.objects.get(username="chibo"), skip=member_person)
    return accounts


def _seed_self_reviews(*, cell: Unit, secretary: User, skip: Person) -> None:
    """The secretary's cell has its paper self-reviews entered, so the meeting can be run at once."""
    from kiemdiem.campaigns.actions import do_save_self_review
    from kiemdiem.campaigns.models import Evaluation
    from kiemdiem.campaigns.review_forms import form_for, required_sections

    evaluations = Evaluation.objects.filter(
        unit=cell, subject_type="party_member", not_rated_reason=""
    ).exclude(person=skip)
    for ev in evaluations.select_related("cycle", "person", "unit"):
        form = form_for(regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=False)
        sections = {
            key: f"{heading.split('. ', 1)[-1]}: thực hiện nghiêm túc."
            for key, heading in form.sections
            if key in required_sections(form)
        }
        do_save_self_review(
            user=secretary,
            evaluation=ev,
            sections=sections,
            criteria={c.key: "T" for c in form.criteria},
            self_rating="HTT",
            submit=True,
        )
