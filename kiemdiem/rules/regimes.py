"""The regimes and the province overlays, as data.

Each parameter is stated once, with its history (as OpenFisca keeps a parameter's values by date): the value,
verified flag, citation and note it takes from a year on; a later change states only what differs (`SAME` keeps the
value, under the later regime's own citation). A regime is every parameter as it stands in its first year.
Every value the digest marks ❓/⚠️ has verified=False; scenario options may override any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from .citations import CV854, HD21, HD25, HD43, ND90, QD124, QD132, QD366, Citation
from .errors import BadInput
from .levels import Rating
from .params import Params

QUOTA_BASES = ("good_only", "good_or_better")
ROUNDINGS = ("floor", "half_up", "ceil")
MEMBER_DISCIPLINE_LEVELS = ("reprimand", "warning")
# Which KHT cases of leadership collectives apply to another kind of collective: all, only body discipline and
# disunity (the cases the digest names for party organisations under HD 21), or none.
FAIL_CASE_SCOPES = ("all", "discipline_disunity", "none")


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter as one regime (or overlay) states it."""

    key: str
    value: object
    verified: bool
    citation: Citation
    note: str = ""
    kind: str = "bool"  # bool | int | rating | choice | fixed
    choices: tuple[str, ...] = ()


class _Same:
    """The value stays as before; only the source (citation, verified flag, note) changes."""

    def __repr__(self) -> str:
        return "SAME"


SAME: Final = _Same()


@dataclass(frozen=True, slots=True)
class Change:
    """From `year` on, a parameter takes this value (None: the regime does not use it) on this source."""

    year: int
    value: object
    verified: bool
    citation: Citation
    note: str = ""


@dataclass(frozen=True, slots=True)
class History:
    """Every value a parameter has taken, oldest first."""

    key: str
    kind: type
    changes: tuple[Change, ...]
    choices: tuple[str, ...] = ()
    fixed: bool = False

    @property
    def kind_name(self) -> str:
        if self.kind is bool or self.kind is int:
            return self.kind.__name__
        if self.kind is Rating:
            return "rating"
        return "fixed" if self.fixed else "choice"

    def at(self, year: int) -> Parameter | None:
        """The parameter as it stands in `year`; None before its first change or where the regime has no use for it."""
        value: object = None
        current: Change | None = None
        for change in self.changes:
            if change.year > year:
                break
            current = change
            if change.value is not SAME:
                value = change.value
        if current is None or value is None:
            return None
        return Parameter(
            self.key, value, current.verified, current.citation, current.note, self.kind_name, self.choices
        )


def since(year: int, value: object, verified: bool, citation: Citation, note: str = "") -> Change:
    return Change(year, value, verified, citation, note)


def history(
    key: str, kind: type, *changes: Change, choices: tuple[str, ...] = (), fixed: bool = False
) -> History:
    years = [c.year for c in changes]
    assert years == sorted(set(years)), f"{key}: changes out of order"
    return History(key, kind, changes, choices, fixed)


@dataclass(frozen=True)
class Regime:
    code: str
    name: str
    documents: tuple[str, ...]
    first_year: int
    last_year: int | None
    parameters: tuple[Parameter, ...]
    _index: dict[str, Parameter] = field(init=False, repr=False, compare=False, hash=False)
    params: Params = field(init=False, repr=False, compare=False, hash=False)  # the same, typed

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {p.key: p for p in self.parameters})
        object.__setattr__(self, "params", Params.from_settings({p.key: p.value for p in self.parameters}))

    @property
    def years(self) -> tuple[int, int | None]:
        return (self.first_year, self.last_year)

    def applies_to(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    def parameter(self, key: str) -> Parameter:
        return self._index[key]

    def value(self, key: str) -> object:
        return self._index[key].value

    def has(self, key: str) -> bool:
        return key in self._index


@dataclass(frozen=True)
class Overlay:
    code: str
    province: str
    year: int
    name: str
    documents: tuple[str, ...]
    cap_deputies: bool
    deadlines: dict[str, date] = field(hash=False, compare=False)
    parameters: tuple[Parameter, ...] = ()


def _c(document: str, article: str, clause: str = "") -> Citation:
    return Citation(document, article, clause)


# -- Citations several parameters share ------------------------------------------------------------------------
_HD21_MEMBER = _c(HD21, "Mục II, điểm B, tiết 2", "tiểu tiết 2.3")
_HD21_COLL = _c(HD21, "Mục II, điểm B, tiết 3")
_HD21_LEADER = _c(HD21, "Mục II, điểm B, tiết 4")
_HD21_ORG = _c(HD21, "Mục II, điểm B, tiết 1", "tiểu tiết 1.3")
_HD21_SPECIAL = _c(HD21, "Mục II, tiểu mục 6")
_QD132_D12 = _c(QD132, "Điều 12", "khoản 4, điểm c")
# After 2022 some HD 21 rules are kept by reading where the later texts say nothing (unverified).
_KEPT = "giữ theo cách đọc, chưa xác minh"
_HD21_KEPT_LEADER = _c(HD21, "Mục II, điểm B, tiết 4", _KEPT)
_HD21_KEPT_COLL = _c(HD21, "Mục II, điểm B, tiết 3", "HTXS, ý (4); " + _KEPT)
_HD21_KEPT_SPECIAL = _c(HD21, "Mục II, tiểu mục 6", _KEPT)
_HD21_KEPT_MEMBER = _c(HD21, "Mục II, điểm B, tiết 2", "tiểu tiết 2.3; mặc định A-12, " + _KEPT)
_QD124_D12 = _c(QD124, "Điều 12")
_QD124_K4 = _c(QD124, "Điều 12", "khoản 4")
_QD124_K1 = _c(QD124, "Điều 12", "khoản 1")
_QD124_D5 = _c(QD124, "Điều 5", "khoản 2")
_QD124_D11 = _c(QD124, "Điều 11")
_QD366_D11 = _c(QD366, "Điều 11")
_QD366_Q = _c(QD366, "Điều 11", "điểm 1.5")
_QD366_D5 = _c(QD366, "Điều 5", "khoản 2")

# -- Every parameter, with its history (2019: QĐ 132 + HD 21; 2023: QĐ 124 + HD 25; 2025: QĐ 366 + HD 43) ----------
HISTORIES: tuple[History, ...] = (
    history(
        "criteria_scale",
        str,
        since(2019, "grades", True, _c(HD21, "Mục II, điểm B"), "4 cấp độ mỗi tiêu chí"),
        since(2023, SAME, True, _QD124_D11, "4 cấp độ mỗi tiêu chí"),
        since(2025, "points", True, _c(QD366, "Điều 10"), "thang 100 điểm: chung 30 + kết quả 70"),
        fixed=True,
        choices=("grades", "points"),
    ),
    history("score_excellent_min", int, since(2025, 90, True, _QD366_D11, "HTXS từ 90 điểm")),
    history("score_good_min", int, since(2025, 70, True, _QD366_D11, "HTT từ 70 đến dưới 90 điểm")),
    history(
        "score_pass_min", int, since(2025, 50, True, _QD366_D11, "HT từ 50 đến dưới 70 điểm; dưới 50 là KHT")
    ),
    history(
        "band_gap_max",
        Rating,
        since(
            2025,
            "HT",
            False,
            _QD366_D11,
            "đủ điểm nhưng không đủ 100% nhiệm vụ, chưa tới ngưỡng KHT (> 50% không hoàn thành): tối đa HT",
        ),
    ),
    history(
        "max_overdue_pct_pass", int, since(2025, 20, True, _QD366_D11, "HT: số nhiệm vụ chậm tiến độ ≤ 20%")
    ),
    history(
        "quota_ratio_pct",
        int,
        since(2019, 20, True, _HD21_MEMBER, "HTXS ≤ 20% số được xếp loại HTT"),
        since(2023, SAME, True, _QD124_K1, "HTXS ≤ 20% số HTT theo nhóm tương đồng"),
        since(2025, SAME, True, _QD366_Q, "HTXS ≤ 20% tổng số được xếp HTT"),
    ),
    history(
        "quota_exception_ratio_pct",
        int,
        since(2019, 0, True, _HD21_MEMBER, "không có ngoại lệ (0 = không áp dụng)"),
        since(2023, SAME, True, _QD124_K1, "không có ngoại lệ (0 = không áp dụng)"),
        since(2025, 25, True, _QD366_Q, "ngoại lệ do cấp có thẩm quyền quyết định: ≤ 25%"),
    ),
    history(
        "quota_basis",
        str,
        since(
            2019,
            "good_only",
            False,
            _HD21_MEMBER,
            "mẫu số 20%: chỉ số HTT (good_only) hay HTT+HTXS (good_or_better) — văn bản không nói rõ",
        ),
        since(2023, SAME, False, _QD124_K1, "mẫu số 20% không được định nghĩa rõ"),
        since(2025, SAME, False, _QD366_Q, "mẫu số 20% không được định nghĩa rõ"),
        choices=QUOTA_BASES,
    ),
    history(
        "rounding",
        str,
        since(
            2019, "floor", False, _HD21_MEMBER, "không có quy tắc làm tròn; 'không vượt quá' ⇒ làm tròn xuống"
        ),
        since(2023, SAME, False, _QD124_K1, "không có quy tắc làm tròn"),
        since(2025, SAME, False, _QD366_Q, "không có quy tắc làm tròn"),
        choices=ROUNDINGS,
    ),
    history(
        "org_quota_enabled",
        bool,
        since(
            2019,
            False,
            False,
            _HD21_ORG,
            "trần cho tổ chức đảng: trích đoạn bị cắt, số liệu các tỉnh vượt 20%; cho tổ chức, cơ quan, đơn vị: bản tóm lược không nêu",
        ),
        since(2023, True, True, _QD124_K1, "trần áp cho 'tập thể'"),
        since(2025, SAME, True, _QD366_Q, "trần áp cho tập thể và cá nhân"),
    ),
    history(
        "head_cap",
        bool,
        since(2019, True, True, _HD21_LEADER, "người đứng đầu không cao hơn tập thể LĐQL và cơ quan, đơn vị"),
        since(
            2023,
            SAME,
            False,
            _HD21_KEPT_LEADER,
            "không thấy trong QĐ 124 (Q124-03): giữ nguyên tắc của HD 21 theo cách đọc",
        ),
        since(
            2025,
            False,
            False,
            _QD366_D11,
            "không thấy dạng trần; thay bằng điều kiện KHT theo kết quả đơn vị",
        ),
    ),
    history(
        "cap_deputies",
        bool,
        since(2019, False, True, _HD21_LEADER, "HD 21 chỉ nêu người đứng đầu"),
        since(2023, SAME, False, _HD21_KEPT_LEADER, "không thấy quy định; HD 21 chỉ nêu người đứng đầu"),
        since(2025, SAME, False, _QD366_D11, "không thấy quy định"),
    ),
    history(
        "newly_transferred_head_exempt",
        bool,
        since(
            2019,
            True,
            False,
            _HD21_SPECIAL,
            "câu về người đứng đầu mới chuyển đến bị cắt (A-6): miễn trần chỉ cho người đứng đầu, khi không liên quan khuyết điểm của đơn vị (facts.transfer_unrelated_to_shortcomings); cấp phó không",
        ),
        since(2023, SAME, False, _HD21_KEPT_SPECIAL, "như HD 21 (A-6), giữ theo cách đọc"),
    ),
    history(
        "collective_cap",
        bool,
        since(
            2019,
            True,
            True,
            _c(HD21, "Mục II, điểm B, tiết 3", "HTXS, ý (4)"),
            "tập thể LĐQL không cao hơn tổ chức, cơ quan, đơn vị",
        ),
        since(
            2023,
            SAME,
            False,
            _HD21_KEPT_COLL,
            "không thấy trong QĐ 124 (Q124-03): giữ nguyên tắc của HD 21 theo cách đọc",
        ),
        since(2025, False, False, _c(HD43, "Mục 3"), "không thấy dạng trần"),
    ),
    history(
        "individual_discipline_max",
        Rating,
        since(2019, "KHT", True, _HD21_MEMBER, "bị kỷ luật trong năm (mọi hình thức) ⇒ KHT"),
        since(2023, SAME, True, _QD124_K4, "bị kỷ luật trong năm ⇒ KHT"),
        since(2025, SAME, True, _QD366_D11, "vi phạm chức trách, công vụ bị kỷ luật từ khiển trách"),
    ),
    history(
        "discipline_self_remedied_exempt",
        bool,
        since(2019, False, True, _HD21_MEMBER, "HD 21 không có ngoại lệ tự phát hiện"),
        since(2023, True, True, _QD124_K4, "trừ tự phát hiện và khắc phục xong hậu quả"),
        since(2025, SAME, True, _QD366_D11, "ngoại lệ cân nhắc khi tự phát hiện, khắc phục"),
    ),
    history(
        "discipline_self_remedied_max",
        Rating,
        since(2019, "KHT", True, _HD21_MEMBER),
        since(
            2023,
            "HTT",
            False,
            _QD124_K1,
            "kỷ luật đã tự khắc phục: không KHT nhưng không được HTXS (cách đọc)",
        ),
        since(2025, SAME, False, _QD366_D11, "cân nhắc: không KHT nhưng không được HTXS"),
    ),
    history(
        "collective_discipline_max",
        Rating,
        since(
            2019, "KHT", True, _c(HD21, "Mục II, điểm B, tiết 3", "KHT, ý (c)"), "tập thể bị kỷ luật ⇒ KHT"
        ),
        since(2023, SAME, True, _QD124_K4, "tập thể LĐQL bị kỷ luật ⇒ KHT"),
        since(2025, "HTT", False, _QD366_D11, "tập thể bị kỷ luật không thể HTXS (cách đọc)"),
    ),
    history(
        "sick_leave_days",
        int,
        since(2019, 90, True, _HD21_SPECIAL, "nghỉ ốm tổng cộng từ 3 tháng (đọc là 90 ngày)"),
        since(2023, SAME, False, _c(HD25, "(không tìm được quy định)"), "không dùng: không áp trần"),
        since(2025, SAME, True, _c(HD43, "Mục 7", "tiết 7.5"), "nghỉ ốm ≥ 3 tháng"),
    ),
    history(
        "sick_leave_max",
        Rating,
        since(2019, "HT", True, _HD21_SPECIAL, "nghỉ ốm ≥ 3 tháng ⇒ tối đa HT"),
        since(
            2023,
            "HTXS",
            False,
            _c(HD25, "(không tìm được quy định)"),
            "không tìm được văn bản (A-9): không áp trần (HTXS = không giới hạn)",
        ),
        since(
            2025,
            SAME,
            True,
            _c(HD43, "Mục 7", "tiết 7.5"),
            "xếp loại theo kết quả làm việc thực tế (không có trần)",
        ),
    ),
    history(
        "new_member_months",
        int,
        since(2019, 6, True, _HD21_SPECIAL, "ĐV kết nạp chưa đủ 6 tháng: kiểm điểm, không xếp loại"),
        since(2023, SAME, True, _QD124_D5, "ĐV kết nạp chưa đủ 6 tháng: không kiểm điểm, không xếp loại"),
        since(2025, SAME, True, _QD366_D5, "ĐV kết nạp chưa đủ 6 tháng: không kiểm điểm, không xếp loại"),
    ),
    history(
        "new_collective_months",
        int,
        since(2019, 6, True, _HD21_SPECIAL, "tổ chức/tập thể mới thành lập chưa đủ 6 tháng"),
        since(
            2023,
            SAME,
            False,
            _HD21_KEPT_SPECIAL,
            "Điều 5 của QĐ 124, QĐ 366 chỉ nêu đảng viên mới kết nạp: giữ quy tắc của HD 21 cho tập thể",
        ),
    ),
    history(
        "civil_service_consistency",
        bool,
        since(2019, True, True, _HD21_MEMBER, "HTXS cần CBCCVC HTXS; CBCCVC KHT ⇒ ĐV KHT"),
        since(
            2023,
            SAME,
            False,
            _HD21_KEPT_MEMBER,
            "không thấy trong QĐ 124, QĐ 366: mặc định A-12, giữ quy tắc của HD 21 (NĐ 48/2023 gắn hai bên)",
        ),
    ),
    history(
        "civil_service_cap_all_levels",
        bool,
        since(2019, True, False, _HD21_MEMBER, "mức ĐV không cao hơn mức CBCCVC ở mọi mức (A-12)"),
        since(2023, SAME, False, _HD21_KEPT_MEMBER, "mặc định A-12: mức ĐV không cao hơn mức CBCCVC"),
    ),
    history(
        "task_threshold_individual_pct",
        int,
        since(2019, 50, True, _QD132_D12, "< 50% chỉ tiêu, nhiệm vụ ⇒ KHT"),
        since(2023, SAME, False, _QD124_K4, "K-C1 chỉ nêu người LĐQL; áp cho cá nhân"),
        since(2025, SAME, True, _QD366_D11, "> 50% nhiệm vụ không hoàn thành ⇒ KHT"),
    ),
    history(
        "key_targets_missed_fails_individual",
        bool,
        since(2019, True, True, _QD132_D12, "không hoàn thành 100% chỉ tiêu quan trọng ⇒ KHT"),
        since(2023, False, True, _QD124_K4, "< 50% kèm chỉ tiêu chủ yếu không đạt, trừ bất khả kháng"),
        since(2025, SAME, True, _QD366_D11),
    ),
    history(
        "task_threshold_collective_pct",
        int,
        since(
            2019,
            50,
            True,
            _c(HD21, "Mục II, điểm B, tiết 3", "KHT, ý (b)"),
            "< 50% chỉ tiêu và chỉ tiêu chủ yếu không đạt, trừ bất khả kháng",
        ),
        since(2023, SAME, True, _QD124_K4, "K-T2"),
        since(2025, 70, True, _QD366_D11, "đơn vị < 70% nhiệm vụ kế hoạch năm ⇒ KHT"),
    ),
    history(
        "task_threshold_collective_requires_key_missed",
        bool,
        since(2019, True, True, _c(HD21, "Mục II, điểm B, tiết 3", "KHT, ý (b)")),
        since(2023, SAME, True, _QD124_K4, "K-T2"),
        since(2025, False, True, _QD366_D11),
    ),
    history(
        "kt_xh_targets_fail",
        bool,
        since(2019, False, True, _QD366_D11, "chỉ có từ QĐ 366"),
        since(2025, True, True, _QD366_D11, "không đạt 5 chỉ tiêu KT-XH cơ bản ⇒ KHT"),
    ),
    history(
        "conduct_violation_fails",
        bool,
        since(2019, False, False, _QD132_D12, "không thấy trong trích đoạn"),
        since(2023, True, True, _QD124_K4, "K-C3: vi phạm điều ĐV không được làm, nêu gương"),
        since(2025, SAME, True, _QD366_D11, "vi phạm điều ĐV không được làm, nêu gương"),
    ),
    history(
        "org_excellent_children_min_ht_pct",
        int,
        since(2019, 100, True, _HD21_ORG, "100% con đạt HT trở lên"),
        since(2023, 0, False, _QD124_K1, "không thấy ở QĐ 124 (0 = không áp dụng)"),
        since(2025, SAME, False, _c(HD43, "Mục 3"), "không thấy (0 = không áp dụng)"),
    ),
    history(
        "org_excellent_children_min_htt_pct",
        int,
        since(2019, 80, True, _HD21_ORG, "≥ 80% con đạt HTT trở lên"),
        since(2023, 0, False, _QD124_K1, "không thấy ở QĐ 124 (0 = không áp dụng)"),
        since(2025, SAME, False, _c(HD43, "Mục 3"), "không thấy (0 = không áp dụng)"),
    ),
    history(
        "org_excellent_same_level_min",
        Rating,
        since(2019, "HTT", True, _HD21_ORG, "chính quyền, MTTQ, đoàn thể cùng cấp đạt HTT trở lên"),
        since(2023, "KHT", False, _QD124_K1, "không thấy ở QĐ 124 (KHT = không áp dụng)"),
        since(2025, SAME, False, _c(HD43, "Mục 3"), "không thấy (KHT = không áp dụng)"),
    ),
    history(
        "excellent_requires_no_disciplined_children",
        bool,
        since(2019, False, True, _HD21_ORG, "chỉ có từ QĐ 124"),
        since(
            2023,
            True,
            True,
            _QD124_K1,
            "tập thể HTXS: không tổ chức trực thuộc hay thành viên tập thể LĐQL bị kỷ luật",
        ),
        since(
            2025,
            SAME,
            True,
            _QD366_D11,
            "tập thể HTXS: không đơn vị trực thuộc hay thành viên tập thể LĐQL bị kỷ luật",
        ),
    ),
    history(
        "member_discipline_min_level",
        str,
        since(
            2019,
            "warning",
            True,
            _c(HD21, "Mục II, điểm B, tiết 3", "KHT, ý (d)"),
            "thành viên bị kỷ luật từ cảnh cáo ⇒ tập thể KHT",
        ),
        since(
            2023,
            "reprimand",
            True,
            _QD124_D12,
            "HT/HTT đòi không có thành viên bị kỷ luật (trừ tự khắc phục)",
        ),
        since(2025, SAME, True, _QD366_D11, "thành viên vi phạm chức trách bị kỷ luật từ khiển trách ⇒ KHT"),
        choices=MEMBER_DISCIPLINE_LEVELS,
    ),
    history(
        "member_discipline_self_remedied_exempt",
        bool,
        since(2019, False, True, _HD21_COLL),
        since(2023, True, True, _QD124_D12, "trừ tự phát hiện, khắc phục xong"),
        since(2025, SAME, True, _QD366_D11, "cân nhắc khi tự phát hiện, khắc phục"),
    ),
    history(
        "children_disciplined_max_pct",
        int,
        since(2019, 0, True, _QD124_K4, "chỉ có từ QĐ 124 (0 = không áp dụng)"),
        since(2023, 20, True, _QD124_K4, "K-T3: > 20% đơn vị trực thuộc bị kỷ luật ⇒ KHT"),
        since(2025, 0, True, _QD366_D11, "không có (0 = không áp dụng)"),
    ),
    history(
        "leader_unit_kht_fails",
        bool,
        since(
            2019,
            True,
            True,
            _c(QD132, "Điều 12", "khoản 4, điểm c, ý (d)"),
            "đơn vị trực tiếp phụ trách KHT ⇒ CB LĐQL KHT",
        ),
        since(2023, False, False, _QD124_K4, "QĐ 124 dùng ngưỡng chỉ tiêu của đơn vị (K-C1)"),
        since(2025, True, True, _QD366_D11, "> 50% đơn vị phụ trách KHT (một đơn vị KHT là 100%)"),
    ),
    history(
        "leader_units_failed_max_pct",
        int,
        since(2019, 0, True, _QD366_D11, "chỉ có từ QĐ 366 (0 = không áp dụng)"),
        since(2025, 50, True, _QD366_D11, "> 50% đơn vị phụ trách KHT ⇒ KHT"),
    ),
    history(
        "leader_unit_task_threshold_pct",
        int,
        since(2019, 0, True, _QD124_K4, "chỉ có từ QĐ 124 (0 = không áp dụng)"),
        since(2023, 50, True, _QD124_K4, "K-C1: đơn vị < 50% chỉ tiêu và chỉ tiêu chủ yếu không đạt"),
        since(2025, 70, True, _QD366_D11, "đơn vị phụ trách < 70% nhiệm vụ ⇒ KHT"),
    ),
    history(
        "subordinate_corruption_fails",
        bool,
        since(
            2019,
            True,
            True,
            _c(QD132, "Điều 12", "khoản 4, điểm c, ý (d)"),
            "đơn vị/cá nhân thuộc quyền tham nhũng bị kỷ luật, trừ tự phát hiện và khắc phục xong",
        ),
        since(2023, SAME, True, _QD124_K4, "K-T1, trừ tự phát hiện và khắc phục xong"),
        since(2025, SAME, True, _QD366_D11, "tổ chức/cá nhân thuộc quyền tham nhũng bị kỷ luật"),
    ),
    history(
        "low_confidence_max_pct",
        int,
        since(2019, 0, True, _QD366_D11, "chỉ có từ QĐ 366 (0 = không áp dụng)"),
        since(2025, 50, True, _QD366_D11, "> 50% phiếu tín nhiệm thấp ⇒ KHT"),
    ),
    history(
        "excellent_requires_full_completion",
        bool,
        since(2019, False, True, _HD21_MEMBER, "chỉ có từ QĐ 124"),
        since(2023, True, True, _QD124_K1, "100% chỉ tiêu, nhiệm vụ"),
        since(2025, SAME, True, _QD366_D11, "100% nhiệm vụ đúng hạn, chất lượng"),
    ),
    history(
        "excellent_min_tasks_exceeded_pct",
        int,
        since(2019, 0, True, _HD21_MEMBER, "chỉ có từ QĐ 124 (0 = không áp dụng)"),
        since(2023, 50, True, _QD124_K1, "≥ 50% chỉ tiêu, nhiệm vụ vượt mức"),
        since(2025, 30, True, _QD366_D11, "≥ 30% nhiệm vụ vượt mức"),
    ),
    history(
        "excellent_requires_full_remediation",
        bool,
        since(2019, False, True, _HD21_MEMBER, "chỉ có từ QĐ 366"),
        since(2023, SAME, True, _QD124_K1, "chỉ có từ QĐ 366"),
        since(2025, True, True, _QD366_D11, "khắc phục 100% hạn chế kỳ trước"),
    ),
    history(
        "criteria_good_min_other",
        str,
        since(
            2019,
            "T",
            False,
            _c(HD21, "Mục II, điểm B, tiết 2", "tiểu tiết 2.3 (HTT)"),
            "HTT: các tiêu chí đạt Tốt trở lên (chưa đối chiếu)",
        ),
        since(
            2023,
            "TB",
            False,
            _c(QD124, "Điều 12", "khoản 2"),
            "HTT: các tiêu chí ≥ Trung bình theo bản dịch (có thể là ≥ Tốt)",
        ),
        since(2025, "T", True, _c(QD366, "Điều 10"), "không dùng (thang điểm)"),
        choices=("T", "TB"),
    ),
    history(
        "exempt_not_rated",
        bool,
        since(
            2019,
            True,
            True,
            _c(QD132, "Điều 5"),
            "ĐV được miễn công tác và sinh hoạt đảng không kiểm điểm, xếp loại",
        ),
        since(2023, SAME, True, _QD124_D5, "ĐV được miễn công tác và sinh hoạt đảng"),
        since(2025, SAME, True, _QD366_D5, "ĐV được miễn công tác và sinh hoạt đảng"),
    ),
    history(
        "suspended_not_rated",
        bool,
        since(2019, True, True, _HD21_SPECIAL, "HD 21 thêm: ĐV bị đình chỉ sinh hoạt đảng không xếp loại"),
        since(2023, SAME, True, _QD124_D5, "ĐV bị đình chỉ sinh hoạt đảng"),
        since(2025, SAME, True, _QD366_D5, "ĐV bị đình chỉ sinh hoạt đảng"),
    ),
    history(
        "unreviewed_not_rated",
        bool,
        since(2019, True, True, _HD21_SPECIAL, "phải hoàn thành kiểm điểm mới được xếp loại"),
        since(2023, SAME, True, _QD124_D11, "tự đánh giá, kiểm điểm trước khi xếp loại"),
        since(
            2025,
            SAME,
            False,
            _HD21_KEPT_SPECIAL,
            "QĐ 366 Điều 3 chỉ nói điều ngược lại (đã kiểm điểm thì phải được xếp loại); giữ quy tắc của HD 21",
        ),
    ),
    history(
        "degradation_fails",
        bool,
        since(
            2019,
            True,
            True,
            _c(HD21, "Mục II, điểm B, tiết 2", "tiểu tiết 2.3, KHT ý (a)"),
            "bị kết luận suy thoái, 'tự diễn biến', 'tự chuyển hóa' ⇒ KHT",
        ),
        since(2023, SAME, True, _QD124_K4, "K-C3, K-T4: suy thoái, 'tự diễn biến', 'tự chuyển hóa' ⇒ KHT"),
        since(2025, SAME, True, _QD366_D11, "bị kết luận suy thoái, 'tự diễn biến', 'tự chuyển hóa' ⇒ KHT"),
    ),
    history(
        "disunity_fails",
        bool,
        since(
            2019,
            True,
            True,
            _c(HD21, "Mục II, điểm B, tiết 3", "KHT, ý (a)"),
            "tập thể bị kết luận mất đoàn kết nội bộ ⇒ KHT",
        ),
        since(2023, SAME, True, _QD124_K4, "K-T4: mất đoàn kết nội bộ ⇒ KHT"),
        since(2025, SAME, True, _QD366_D11, "tập thể LĐQL mất đoàn kết, bè phái ⇒ KHT"),
    ),
    history(
        "collective_degradation_fails",
        bool,
        since(
            2019,
            True,
            True,
            _c(HD21, "Mục II, điểm B, tiết 3", "KHT, ý (a)"),
            "tập thể LĐQL có thành viên bị kết luận suy thoái ⇒ KHT",
        ),
        since(2023, SAME, True, _QD124_K4, "K-T4: có thành viên bị kết luận suy thoái"),
        since(2025, SAME, True, _QD366_D11, "tập thể LĐQL có thành viên suy thoái ⇒ KHT"),
    ),
    history(
        "party_organization_fail_cases",
        str,
        since(
            2019,
            "discipline_disunity",
            False,
            _c(HD21, "Mục II, điểm B, tiết 1", "tiểu tiết 1.3, KHT"),
            "danh sách KHT của tổ chức đảng chưa xác minh (bản tóm lược §5.1): chỉ áp 'tổ chức đảng bị kỷ luật' và 'mất đoàn kết nội bộ' mà bản tóm lược nêu; các trường hợp khác của tiết 3 là của tập thể LĐQL",
        ),
        since(2023, "all", True, _QD124_K4, "K-T1..K-T4 nêu cho tập thể"),
        since(
            2025,
            SAME,
            False,
            _QD366_D11,
            "các trường hợp KHT nêu cho tập thể LĐQL; áp cho tổ chức đảng theo cách đọc",
        ),
        choices=FAIL_CASE_SCOPES,
    ),
    history(
        "agency_fail_cases",
        str,
        since(
            2019,
            "none",
            True,
            _c(HD21, "Mục II, điểm B, tiết 3", "KHT"),
            "các trường hợp KHT của tiết 3 là của tập thể LĐQL; HD 21 không nêu cho tổ chức, cơ quan, đơn vị",
        ),
        since(2023, "all", True, _QD124_K4, "K-T1..K-T4 nêu cho tập thể"),
        since(
            2025,
            SAME,
            False,
            _QD366_D11,
            "các trường hợp KHT nêu cho tập thể LĐQL; áp cho tổ chức, cơ quan, đơn vị theo cách đọc",
        ),
        choices=FAIL_CASE_SCOPES,
    ),
    history(
        "discipline_unrelated_to_duties_max",
        Rating,
        since(2019, "KHT", True, _HD21_MEMBER, "mọi hình thức kỷ luật"),
        since(2023, SAME, True, _QD124_K4, "mọi vi phạm bị kỷ luật"),
        since(
            2025,
            "HTT",
            False,
            _QD366_D11,
            "KHT khi vi phạm chức trách, công vụ; vi phạm khác: không được HTXS (cách đọc)",
        ),
    ),
    history(
        "force_majeure_exempts_individual",
        bool,
        since(2019, False, True, _QD132_D12, "không có ngoại lệ bất khả kháng cho cá nhân"),
        since(2023, True, True, _QD124_K4, "trừ bất khả kháng"),
        since(2025, SAME, True, _QD366_D11, "cấp có thẩm quyền cân nhắc"),
    ),
    history(
        "task_threshold_individual_requires_key_missed",
        bool,
        since(2019, False, True, _QD132_D12),
        since(2023, True, False, _QD124_K4, "< 50% kèm chỉ tiêu chủ yếu không đạt (như K-C1)"),
        since(2025, False, True, _QD366_D11),
    ),
    history(
        "leader_unit_task_requires_key_missed",
        bool,
        since(2019, False, True, _QD132_D12, "không áp dụng"),
        since(2023, True, True, _QD124_K4, "K-C1"),
        since(2025, False, True, _QD366_D11),
    ),
    history(
        "collective_subordinate_corruption_fails",
        bool,
        since(2019, False, True, _HD21_COLL, "không có"),
        since(2023, True, True, _QD124_K4, "K-T1, trừ tự phát hiện, khắc phục xong"),
        since(2025, False, True, _QD366_D11, "chỉ nêu cho cá nhân LĐQL"),
    ),
    history(
        "excellent_conditions_apply_to_collectives",
        bool,
        since(2019, False, True, _HD21_COLL),
        since(2023, SAME, True, _QD124_K1, "100%/50% chỉ tiêu là điều kiện của cá nhân"),
        since(
            2025,
            True,
            True,
            _QD366_D11,
            "tập thể HTXS: 100% nhiệm vụ, ≥ 30% vượt mức, khắc phục 100% hạn chế",
        ),
    ),
    history(
        "quarterly_reviews",
        bool,
        since(2019, False, True, _c(QD132, "Điều 1"), "chỉ đánh giá hằng năm"),
        since(2023, SAME, True, _c(QD124, "Điều 1"), "chỉ đánh giá hằng năm"),
        since(
            2025, True, False, _c(HD43, "đánh giá hằng quý"), "quý I–III; quý IV gộp vào năm (KL 198-KL/TW)"
        ),
    ),
    history(
        "review_done",
        str,
        since(
            2019,
            "12-31",
            False,
            _c(QD132, "Điều 14"),
            "trước tổng kết năm; không có ngày cụ thể — mặc định 31/12",
        ),
        since(2023, SAME, False, _c(HD25, "(không tìm được thời hạn)"), "mặc định 31/12"),
        since(2025, SAME, True, _c(HD43, "Mục 4"), "kết thúc trước 31/12"),
    ),
)


def _regime(
    code: str, name: str, documents: tuple[str, ...], first_year: int, last_year: int | None
) -> Regime:
    stated = (h.at(first_year) for h in HISTORIES)
    return Regime(code, name, documents, first_year, last_year, tuple(p for p in stated if p is not None))


QD132_HD21 = _regime(
    "QD132_HD21",
    "Quy định 132-QĐ/TW và Hướng dẫn 21-HD/BTCTW",
    (
        "QĐ 132-QĐ/TW ngày 08/3/2018 của Bộ Chính trị",
        "HD 21-HD/BTCTW ngày 18/10/2019 của Ban Tổ chức Trung ương",
    ),
    2019,
    2022,
)
QD124_HD25 = _regime(
    "QD124_HD25",
    "Quy định 124-QĐ/TW và Hướng dẫn 25-HD/BTCTW",
    (
        "QĐ 124-QĐ/TW ngày 04/10/2023 của Bộ Chính trị",
        "HD 25-HD/BTCTW ngày 10/11/2023 của Ban Tổ chức Trung ương",
    ),
    2023,
    2024,
)
QD366_HD43 = _regime(
    "QD366_HD43",
    "Quy định 366-QĐ/TW và Hướng dẫn 43-HD/BTCTW",
    (
        "QĐ 366-QĐ/TW ngày 30/8/2025 của Bộ Chính trị",
        "HD 43-HD/BTCTW ngày 31/10/2025 của Ban Tổ chức Trung ương",
        "KL 198-KL/TW ngày 08/10/2025 (đánh giá hằng quý)",
    ),
    2025,
    None,
)
REGIMES: tuple[Regime, ...] = (QD132_HD21, QD124_HD25, QD366_HD43)

# -- Province overlays -------------------------------------------------------------------------------------
_CV854_5 = _c(CV854, "mục 2", "điểm (5)")
_CV854_3 = _c(CV854, "mục 3")

TUYEN_QUANG_2021 = Overlay(
    code="TUYEN_QUANG_2021",
    province="tuyen-quang",
    year=2021,
    name="Tỉnh ủy Tuyên Quang — Công văn 854-CV/TU ngày 09/11/2021",
    documents=("CV 854-CV/TU ngày 09/11/2021 của Ban Thường vụ Tỉnh ủy Tuyên Quang",),
    cap_deputies=True,
    deadlines={
        "review_done": date(2022, 1, 10),
        "cadre_dossier": date(2022, 1, 15),
        "report_to_province": date(2022, 2, 10),
    },
    parameters=(
        Parameter(
            "cap_deputies",
            True,
            True,
            _CV854_5,
            "người đứng đầu và cấp phó không cao hơn tập thể LĐQL và tổ chức, cơ quan, đơn vị",
        ),
        Parameter(
            "org_quota_enabled",
            True,
            True,
            _CV854_5,
            "'tổ chức đảng, đảng viên và tập thể, cá nhân' HTXS ≤ 20% HTT",
        ),
    ),
)

OVERLAYS: tuple[Overlay, ...] = (TUYEN_QUANG_2021,)
PROVINCES = ("tuyen-quang",)


def regime_for_year(year: int) -> Regime:
    if isinstance(year, bool) or not isinstance(year, int):
        raise BadInput(f"year: phải là số nguyên, nhận {year!r}")
    for regime in REGIMES:
        if regime.applies_to(year):
            return regime
    if year == 2018:
        raise BadInput(
            "year: năm 2018 (QĐ 132-QĐ/TW và HD 16-HD/BTCTW ngày 24/9/2018) chưa được hỗ trợ: bản tóm lược quy "
            "định chỉ có phần đầu HD 16, không có tiêu chuẩn các mức và các trường hợp KHT để kiểm tra "
            "(chỉ hỗ trợ từ năm 2019: QĐ 132 + HD 21, QĐ 124, QĐ 366)"
        )
    raise BadInput(f"year: năm {year} chưa được hỗ trợ (chỉ hỗ trợ từ năm 2019: QĐ 132, QĐ 124, QĐ 366)")


def overlay_for(year: int, province: str = "tuyen-quang") -> Overlay | None:
    for overlay in OVERLAYS:
        if overlay.year == year and overlay.province == province:
            return overlay
    return None


def deadline_sources(year: int, province: str = "tuyen-quang") -> dict[str, tuple[date, Citation]]:
    """Deadlines of a cycle with where each comes from: the regime's defaults, then the province overlay."""
    regime = regime_for_year(year)
    # NĐ 90/2020 Điều 20: CBCCVC are rated before 15/12, before party members.
    out = {"civil_service_done": (date(year, 12, 15), _c(ND90, "Điều 20"))}
    month, day = (int(x) for x in str(regime.value("review_done")).split("-"))
    out["review_done"] = (date(year, month, day), regime.parameter("review_done").citation)
    if regime is QD366_HD43:
        mucs4 = _c(HD43, "Mục 4")
        out["special_units_done"] = (date(year + 1, 1, 15), mucs4)
        out["report_to_central"] = (date(year + 1, 2, 1), mucs4)
        out["central_report"] = (date(year + 1, 3, 1), mucs4)
    overlay = overlay_for(year, province)
    if overlay is not None:
        for key, when in overlay.deadlines.items():
            out[key] = (when, _CV854_3 if overlay is TUYEN_QUANG_2021 else _c(overlay.documents[0], ""))
    return out


def deadlines_for(year: int, province: str = "tuyen-quang") -> dict[str, date]:
    """Deadlines of a cycle: the regime's defaults, then the province overlay's dates."""
    return {key: when for key, (when, _) in deadline_sources(year, province).items()}


DEADLINE_LABELS = {
    "civil_service_done": "Xong xếp loại CBCCVC",
    "review_done": "Hoàn thành kiểm điểm, đánh giá, xếp loại",
    "special_units_done": "Hạn cho đơn vị đặc thù",
    "report_to_central": "Gửi hồ sơ về Ban Tổ chức Trung ương (Mẫu 04)",
    "central_report": "Ban Tổ chức Trung ương báo cáo Bộ Chính trị",
    "cadre_dossier": "Gửi hồ sơ đánh giá cán bộ diện BTV Tỉnh ủy quản lý",
    "report_to_province": "Báo cáo kết quả về BTV Tỉnh ủy (qua Ban Tổ chức Tỉnh ủy)",
}


def effective_parameters(regime: Regime, overlay: Overlay | None) -> dict[str, Parameter]:
    params = {p.key: p for p in regime.parameters}
    if overlay is not None:
        for p in overlay.parameters:
            params[p.key] = p
    return params


def coerce_option(param: Parameter, value: object) -> object:
    """Validate an option overriding a parameter; raise BadInput naming the option."""
    where = f"options.{param.key}"
    if param.kind == "fixed":
        raise BadInput(f"{where}: tham số này không thể thay đổi qua options")
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise BadInput(f"{where}: phải là true hoặc false, nhận {value!r}")
        return value
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadInput(f"{where}: phải là số nguyên không âm, nhận {value!r}")
        return value
    if param.kind == "rating":
        return Rating.parse(value, where=where).code
    if param.choices:
        if value not in param.choices:
            raise BadInput(f"{where}: giá trị {value!r} không hợp lệ (chỉ nhận {', '.join(param.choices)})")
        return value
    raise BadInput(f"{where}: tham số này không thể thay đổi qua options")
