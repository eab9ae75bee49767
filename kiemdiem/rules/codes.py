"""Every finding code the engine gives, with what it means. `checks.EMITTED_BY` names the rules that give each."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """A finding's code: a plain string in the contract's JSON, a name a reader can follow here."""

    QUOTA_EXCELLENT = "QUOTA_EXCELLENT"
    HEAD_ABOVE_COLLECTIVE = "HEAD_ABOVE_COLLECTIVE"
    COLLECTIVE_ABOVE_UNIT = "COLLECTIVE_ABOVE_UNIT"
    DISCIPLINED_IN_YEAR = "DISCIPLINED_IN_YEAR"
    SICK_LEAVE_CAP = "SICK_LEAVE_CAP"
    NOT_RATABLE = "NOT_RATABLE"
    CIVIL_SERVICE_MISMATCH = "CIVIL_SERVICE_MISMATCH"
    TASKS_BELOW_THRESHOLD = "TASKS_BELOW_THRESHOLD"
    DEGRADATION_CONCLUDED = "DEGRADATION_CONCLUDED"
    CONDUCT_VIOLATION = "CONDUCT_VIOLATION"
    ORG_EXCELLENT_CONDITIONS = "ORG_EXCELLENT_CONDITIONS"
    EXCELLENT_CONDITIONS = "EXCELLENT_CONDITIONS"
    BAND_CONDITIONS = "BAND_CONDITIONS"
    COLLECTIVE_MEMBER_DISCIPLINED = "COLLECTIVE_MEMBER_DISCIPLINED"
    CHILDREN_DISCIPLINED = "CHILDREN_DISCIPLINED"
    COLLECTIVE_DISUNITY = "COLLECTIVE_DISUNITY"
    KT_XH_TARGETS_MISSED = "KT_XH_TARGETS_MISSED"
    LEADER_UNIT_FAILED = "LEADER_UNIT_FAILED"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    SUBORDINATE_CORRUPTION = "SUBORDINATE_CORRUPTION"
    SCORE_BAND = "SCORE_BAND"
    CRITERIA_CAP = "CRITERIA_CAP"


MEANING: dict[Code, str] = {
    Code.QUOTA_EXCELLENT: "a quota group has more HTXS than its cap allows",
    Code.HEAD_ABOVE_COLLECTIVE: "a head (or a deputy where deputies are capped) is rated above their collective or unit",
    Code.COLLECTIVE_ABOVE_UNIT: "a leadership collective is rated above its unit",
    Code.DISCIPLINED_IN_YEAR: "discipline decided in the year, yet rated above what the regime allows",
    Code.SICK_LEAVE_CAP: "sick leave of 3 months or more, yet rated above HT (2019–2022)",
    Code.NOT_RATABLE: "a subject that must not be rated (new, exempt, suspended, not reviewed) has a rating",
    Code.CIVIL_SERVICE_MISMATCH: "the party rating disagrees with the civil-service rating",
    Code.TASKS_BELOW_THRESHOLD: "task completion under the regime's threshold, yet rated above KHT",
    Code.DEGRADATION_CONCLUDED: "a concluded sign of degradation (of the subject or a member), yet above KHT",
    Code.CONDUCT_VIOLATION: "a breach of what members must not do or of the duty to set an example, yet above KHT",
    Code.ORG_EXCELLENT_CONDITIONS: "a party organisation rated HTXS without its children's and same-level conditions",
    Code.EXCELLENT_CONDITIONS: "HTXS without the regime's conditions (tasks exceeded, remediation, …)",
    Code.BAND_CONDITIONS: "(2025 →) rated above the band whose task conditions are met",
    Code.COLLECTIVE_MEMBER_DISCIPLINED: "a collective with a member disciplined at the level the regime names",
    Code.CHILDREN_DISCIPLINED: "a collective with more of its units disciplined than the regime allows",
    Code.COLLECTIVE_DISUNITY: "a collective concluded disunited, yet above KHT",
    Code.KT_XH_TARGETS_MISSED: "(2025 →) the 5 basic socio-economic targets missed, yet above KHT",
    Code.LEADER_UNIT_FAILED: "a leader whose led unit(s) failed or fell short of the threshold, yet above KHT",
    Code.LOW_CONFIDENCE: "(2025 →) a leader with more low-confidence votes than allowed, yet above KHT",
    Code.SUBORDINATE_CORRUPTION: "corruption disciplined under the subject's direct management, yet above KHT",
    Code.SCORE_BAND: "(2025 →) the rating is above the band its score reaches",
    Code.CRITERIA_CAP: "(2019–2024) the rating is above what the per-criterion grades allow",
}

# The codes that say "this subject is rated above what a rule allows it" (the subject is subjects[0]).
CEILING_CODES = frozenset(Code) - {Code.QUOTA_EXCELLENT}
FINDING_CODES = frozenset(Code)
