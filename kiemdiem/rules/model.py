"""The plain values the engine reads and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from .citations import Citation
from .levels import Grade, Rating, Role, SubjectType
from .regimes import Overlay, Regime


@dataclass(frozen=True)
class Facts:
    """What the rules read about a subject; every default is the ordinary case.

    No slots: the defaults stay class attributes, so `Facts.from_values` can set only the facts given.
    """

    # Eligibility (HD 21 Mục II tiểu mục 6; QĐ 124/366 Điều 5)
    reviewed: bool = True
    exempt: bool = False
    suspended: bool = False
    admitted_on: date | None = None
    founded_on: date | None = None
    # Discipline
    disciplined_in_year: bool = False
    discipline_self_remedied: bool = False
    discipline_related_to_duties: bool = True
    member_disciplined_in_year: bool = False
    member_disciplined_warning_or_above: bool = False
    member_discipline_self_remedied: bool = False
    children_disciplined_pct: float | None = None
    subordinate_corruption_disciplined: bool = False
    subordinate_corruption_self_remedied: bool = False
    # Conclusions
    degradation_concluded: bool = False
    conduct_violation: bool = False
    member_degradation_concluded: bool = False
    internal_disunity_concluded: bool = False
    # Leave, state-side rating
    sick_leave_days: int = 0
    civil_service_rating: Rating | None = None
    newly_transferred: bool = False
    # A newly transferred head: the unit's shortcomings are not theirs (HD 21 tiểu mục 6 as read, A-6)
    transfer_unrelated_to_shortcomings: bool = False
    # Tasks (percentages 0–100)
    task_completion_pct: float = 100
    key_targets_missed: bool = False
    force_majeure: bool = False
    tasks_exceeded_pct: float | None = None
    tasks_overdue_pct: float = 0
    remediation_pct: float | None = None
    kt_xh_targets_missed: bool = False
    # Leaders: the unit(s) they directly lead
    led_unit_rating: Rating | None = None
    led_unit_task_completion_pct: float | None = None
    led_unit_key_targets_missed: bool = False
    led_units_failed_pct: float | None = None
    low_confidence_pct: float | None = None
    # Party organisations: same-level government, Fatherland Front and mass organisations
    same_level_bodies_min_rating: Rating | None = None

    @classmethod
    def from_values(cls, values: dict[str, object]) -> Facts:
        """Build from already-validated values without running the 34-field __init__ (hot path of parsing)."""
        facts = object.__new__(cls)
        facts.__dict__.update(values)
        return facts


DEFAULT_FACTS = Facts()


@dataclass(frozen=True, slots=True)
class Criteria:
    """Per-criterion grades (132/124): the result criteria and the others."""

    results: tuple[Grade, ...] = ()
    others: tuple[Grade, ...] = ()


class Subject(NamedTuple):
    """One subject of a scenario. A named tuple, not a dataclass: a national check makes millions of them,
    and a tuple is made five times faster than a frozen dataclass (whose __init__ sets each field through
    object.__setattr__); reading a field costs about the same."""

    id: str
    type: SubjectType
    rating: Rating | None = None
    quota_group: str | None = None
    role: Role | None = None
    collective: str | None = None
    unit: str | None = None
    children: tuple[str, ...] = ()
    score: float | None = None
    criteria: Criteria | None = None
    facts: Facts = DEFAULT_FACTS


@dataclass(frozen=True, slots=True)
class QuotaGroupSettings:
    exception: bool = False


@dataclass(frozen=True, slots=True)
class QuotaTally:
    """One quota group's subjects as its HTXS cap reads them, counted by the caller (a database's GROUP BY) instead
    of handed over one by one: each kind of subject in the group, in the order of the kind's first subject (rated or
    not); the HTT of each kind; the HTXS (id, kind), in the subjects' order. `check_quota` leaves out the kinds the
    regime does not cap (`org_quota_enabled`), as `check` does."""

    types: tuple[SubjectType, ...]
    good: Mapping[SubjectType, int]
    excellent: tuple[tuple[str, SubjectType], ...] = ()


@dataclass(frozen=True)
class Scenario:
    year: int
    regime: Regime
    overlay: Overlay | None
    settings: dict[str, object]
    subjects: tuple[Subject, ...]
    quota_groups: dict[str, QuotaGroupSettings] = field(default_factory=dict)
    quarter: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    subjects: tuple[str, ...]
    message: str
    citation: Citation
    # Whether the rule behind the finding was checked against the regulation's text (the digest's ✅).
    verified: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "subjects": list(self.subjects),
            "message": self.message,
            "citation": self.citation.to_dict(),
            "verified": self.verified,
        }


@dataclass(frozen=True, slots=True)
class QuotaPlan:
    excellent: int
    good: int
    max_excellent: int
    remaining: int
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "excellent": self.excellent,
            "good": self.good,
            "max_excellent": self.max_excellent,
            "remaining": self.remaining,
            "message": self.message,
        }


@dataclass(frozen=True)
class Result:
    regime: Regime
    overlay: Overlay | None
    findings: tuple[Finding, ...]
    quota_groups: dict[str, QuotaPlan]
    year: int = 0
    quarter: int | None = None

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, object]:
        return {
            "regime": self.regime.code,
            "overlay": self.overlay.code if self.overlay else None,
            "year": self.year,
            "quarter": self.quarter,
            "valid": self.valid,
            "findings": [f.to_dict() for f in self.findings],
            "quota_groups": {g: plan.to_dict() for g, plan in self.quota_groups.items()},
        }
