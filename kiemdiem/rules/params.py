"""The parameters of one check, typed: what the rules read, resolved from the regime, the overlay and the options.

Each field is a parameter stated (with its history, citation and verified flag) in `regimes.HISTORIES` under the
same name; `ParameterKey` names them for the places that cite a parameter (a test keeps the three in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from .levels import Rating

ParameterKey = Literal[
    "criteria_scale",
    "score_excellent_min",
    "score_good_min",
    "score_pass_min",
    "band_gap_max",
    "max_overdue_pct_pass",
    "quota_ratio_pct",
    "quota_exception_ratio_pct",
    "quota_basis",
    "rounding",
    "org_quota_enabled",
    "head_cap",
    "cap_deputies",
    "newly_transferred_head_exempt",
    "collective_cap",
    "individual_discipline_max",
    "discipline_self_remedied_exempt",
    "discipline_self_remedied_max",
    "collective_discipline_max",
    "sick_leave_days",
    "sick_leave_max",
    "new_member_months",
    "new_collective_months",
    "civil_service_consistency",
    "civil_service_cap_all_levels",
    "task_threshold_individual_pct",
    "key_targets_missed_fails_individual",
    "task_threshold_collective_pct",
    "task_threshold_collective_requires_key_missed",
    "kt_xh_targets_fail",
    "conduct_violation_fails",
    "org_excellent_children_min_ht_pct",
    "org_excellent_children_min_htt_pct",
    "org_excellent_same_level_min",
    "excellent_requires_no_disciplined_children",
    "member_discipline_min_level",
    "member_discipline_self_remedied_exempt",
    "children_disciplined_max_pct",
    "leader_unit_kht_fails",
    "leader_units_failed_max_pct",
    "leader_unit_task_threshold_pct",
    "subordinate_corruption_fails",
    "low_confidence_max_pct",
    "excellent_requires_full_completion",
    "excellent_min_tasks_exceeded_pct",
    "excellent_requires_full_remediation",
    "criteria_good_min_other",
    "exempt_not_rated",
    "suspended_not_rated",
    "unreviewed_not_rated",
    "degradation_fails",
    "disunity_fails",
    "collective_degradation_fails",
    "party_organization_fail_cases",
    "agency_fail_cases",
    "discipline_unrelated_to_duties_max",
    "force_majeure_exempts_individual",
    "task_threshold_individual_requires_key_missed",
    "leader_unit_task_requires_key_missed",
    "collective_subordinate_corruption_fails",
    "excellent_conditions_apply_to_collectives",
    "quarterly_reviews",
    "review_done",
]


@dataclass(frozen=True, slots=True)
class Params:
    """Every parameter of a regime as one check uses it (ratings as `Rating`; None where the regime has no use)."""

    # Scale: criteria grades (2019–2024) or 100 points (2025 →), and the point bands with their conditions
    criteria_scale: str
    score_excellent_min: int | None
    score_good_min: int | None
    score_pass_min: int | None
    band_gap_max: Rating | None
    max_overdue_pct_pass: int | None
    # The HTXS cap per comparable group
    quota_ratio_pct: int
    quota_exception_ratio_pct: int
    quota_basis: str
    rounding: str
    org_quota_enabled: bool
    # Ceilings between a head, their collective and their unit
    head_cap: bool
    cap_deputies: bool
    newly_transferred_head_exempt: bool
    collective_cap: bool
    # Discipline
    individual_discipline_max: Rating
    discipline_self_remedied_exempt: bool
    discipline_self_remedied_max: Rating
    collective_discipline_max: Rating
    # Leave, eligibility, the civil-service rating
    sick_leave_days: int
    sick_leave_max: Rating
    new_member_months: int
    new_collective_months: int
    civil_service_consistency: bool
    civil_service_cap_all_levels: bool
    # Tasks and the KHT cases
    task_threshold_individual_pct: int
    key_targets_missed_fails_individual: bool
    task_threshold_collective_pct: int
    task_threshold_collective_requires_key_missed: bool
    kt_xh_targets_fail: bool
    conduct_violation_fails: bool
    # Party organisations rated HTXS
    org_excellent_children_min_ht_pct: int
    org_excellent_children_min_htt_pct: int
    org_excellent_same_level_min: Rating
    excellent_requires_no_disciplined_children: bool
    # Collectives: their members and units
    member_discipline_min_level: str
    member_discipline_self_remedied_exempt: bool
    children_disciplined_max_pct: int
    # Leaders: the units they lead
    leader_unit_kht_fails: bool
    leader_units_failed_max_pct: int
    leader_unit_task_threshold_pct: int
    subordinate_corruption_fails: bool
    low_confidence_max_pct: int
    # HTXS conditions
    excellent_requires_full_completion: bool
    excellent_min_tasks_exceeded_pct: int
    excellent_requires_full_remediation: bool
    criteria_good_min_other: str
    # Who is not rated; conclusions
    exempt_not_rated: bool
    suspended_not_rated: bool
    unreviewed_not_rated: bool
    degradation_fails: bool
    disunity_fails: bool
    collective_degradation_fails: bool
    party_organization_fail_cases: str
    agency_fail_cases: str
    discipline_unrelated_to_duties_max: Rating
    force_majeure_exempts_individual: bool
    task_threshold_individual_requires_key_missed: bool
    leader_unit_task_requires_key_missed: bool
    collective_subordinate_corruption_fails: bool
    excellent_conditions_apply_to_collectives: bool
    # Calendar
    quarterly_reviews: bool
    review_done: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> Params:
        """Typed from the resolved settings (values as the regimes and the contract's options give them)."""
        values: dict[str, Any] = {}
        for name in PARAM_NAMES:
            value = settings.get(name)
            values[name] = Rating(value) if name in RATING_PARAMS and value is not None else value
        return cls(**values)


PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Params))
RATING_PARAMS = frozenset(f.name for f in fields(Params) if "Rating" in str(f.type))
