"""Rating levels, per-criterion grades, subject types and leader roles."""

from __future__ import annotations

from enum import Enum

from .errors import BadInput

_RANK = {"HTXS": 3, "HTT": 2, "HT": 1, "KHT": 0}
_LABEL = {
    "HTXS": "Hoàn thành xuất sắc nhiệm vụ",
    "HTT": "Hoàn thành tốt nhiệm vụ",
    "HT": "Hoàn thành nhiệm vụ",
    "KHT": "Không hoàn thành nhiệm vụ",
}


class Rating(Enum):
    """The four quality levels, ordered: KHT < HT < HTT < HTXS."""

    EXCELLENT = "HTXS"
    GOOD = "HTT"
    PASS = "HT"
    FAIL = "KHT"
    # The official abbreviations, as aliases: Rating.HTXS is Rating.EXCELLENT.
    HTXS = "HTXS"
    HTT = "HTT"
    HT = "HT"
    KHT = "KHT"

    @property
    def code(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    @property
    def label(self) -> str:
        return _LABEL[self.value]

    @classmethod
    def parse(cls, code: object, *, where: str = "mức xếp loại") -> Rating:
        if isinstance(code, Rating):
            return code
        if isinstance(code, str) and code in _RANK:
            return cls(code)
        raise BadInput(f"{where}: giá trị {code!r} không hợp lệ (chỉ nhận HTXS, HTT, HT, KHT)")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Rating):
            return NotImplemented
        return _RANK[self.value] < _RANK[other.value]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Rating):
            return NotImplemented
        return _RANK[self.value] <= _RANK[other.value]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Rating):
            return NotImplemented
        return _RANK[self.value] > _RANK[other.value]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Rating):
            return NotImplemented
        return _RANK[self.value] >= _RANK[other.value]

    def __str__(self) -> str:
        return self.value


class Grade(Enum):
    """Per-criterion grade under 132/HD 21 and 124/HD 25: Xuất sắc / Tốt / Trung bình / Kém."""

    EXCELLENT = "XS"
    GOOD = "T"
    AVERAGE = "TB"
    POOR = "K"

    @property
    def rank(self) -> int:
        return _GRADE_RANK[self.value]

    @property
    def label(self) -> str:
        return _GRADE_LABEL[self.value]

    @classmethod
    def parse(cls, value: object) -> Grade:
        if isinstance(value, Grade):
            return value
        if isinstance(value, str):
            key = " ".join(value.strip().lower().split())
            if key in _GRADE_ALIASES:
                return cls(_GRADE_ALIASES[key])
        raise BadInput(
            f"cấp độ tiêu chí {value!r} không hợp lệ "
            "(chỉ nhận XS, T, TB, K hoặc Xuất sắc, Tốt, Trung bình, Kém)"
        )


_GRADE_RANK = {"XS": 3, "T": 2, "TB": 1, "K": 0}
_GRADE_LABEL = {"XS": "Xuất sắc", "T": "Tốt", "TB": "Trung bình", "K": "Kém"}
_GRADE_ALIASES = {
    "xs": "XS",
    "t": "T",
    "tb": "TB",
    "k": "K",
    "xuất sắc": "XS",
    "tốt": "T",
    "trung bình": "TB",
    "kém": "K",
    "xuat sac": "XS",
    "tot": "T",
    "trung binh": "TB",
    "kem": "K",
}


class SubjectType(Enum):
    PARTY_ORGANIZATION = "party_organization"
    PARTY_MEMBER = "party_member"
    AGENCY = "agency"
    LEADERSHIP_COLLECTIVE = "leadership_collective"
    LEADER = "leader"

    @property
    def label(self) -> str:
        return _TYPE_LABEL[self.value]

    @property
    def is_collective(self) -> bool:
        return self.value in _COLLECTIVE_TYPES


_TYPE_LABEL = {
    "party_organization": "Tổ chức đảng",
    "party_member": "Đảng viên",
    "agency": "Tổ chức, cơ quan, đơn vị",
    "leadership_collective": "Tập thể lãnh đạo, quản lý",
    "leader": "Cán bộ lãnh đạo, quản lý",
}
_COLLECTIVE_TYPES = {"party_organization", "agency", "leadership_collective"}


class Role(Enum):
    HEAD = "head"
    DEPUTY = "deputy"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {"head": "người đứng đầu", "deputy": "cấp phó", "member": "thành viên"}[self.value]
