"""Table-driven checks: for every rule a failing scenario, the passing fix, and the citation of the finding."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiemdiem.rules import FINDING_CODES


def pm(sid: str, rating: str | None, group: str | None = None, **facts: object) -> dict:
    d: dict = {"id": sid, "type": "party_member", "rating": rating}
    if group:
        d["quota_group"] = group
    if facts:
        d["facts"] = facts
    return d


def agency(sid: str, rating: str | None, **facts: object) -> dict:
    return {"id": sid, "type": "agency", "rating": rating, "facts": facts}


def board(sid: str, rating: str | None, unit: str | None = None, **facts: object) -> dict:
    d: dict = {"id": sid, "type": "leadership_collective", "rating": rating, "facts": facts}
    if unit:
        d["unit"] = unit
    return d


def leader(sid: str, rating: str | None, role: str = "member", collective=None, unit=None, **facts) -> dict:  # noqa: ANN001
    d: dict = {"id": sid, "type": "leader", "role": role, "rating": rating, "facts": facts}
    if collective:
        d["collective"] = collective
    if unit:
        d["unit"] = unit
    return d


def org(sid: str, rating: str | None, children: list[str], **facts: object) -> dict:
    return {"id": sid, "type": "party_organization", "rating": rating, "children": children, "facts": facts}


def scored(subject: dict, score: float) -> dict:
    return {**subject, "score": score}


@dataclass
class Case:
    name: str
    year: int
    failing: list[dict]
    passing: list[dict]
    code: str
    document: str
    article: str
    options: dict | None = None
    subject: str | None = None  # the subject the finding must name first
    verified: bool = True  # whether the rule behind the finding is checked against the text (the digest's ✅)


def _board_and_unit(unit_rating: str, board_rating: str) -> list[dict]:
    return [agency("so", unit_rating), board("bgd", board_rating, unit="so")]


def _cell(ratings: list[str], org_rating: str = "HTXS", **facts: object) -> list[dict]:
    members = [pm(f"m{i}", r) for i, r in enumerate(ratings)]
    return [*members, org("cb", org_rating, [m["id"] for m in members], **facts)]


CASES = [
    # -- quota ---------------------------------------------------------------------------------------------------
    Case(
        "quota 132: 2 HTXS for 5 HTT",
        2021,
        [pm("a", "HTXS", "g"), pm("b", "HTXS", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(5)],
        [pm("a", "HTXS", "g"), pm("b", "HTT", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(5)],
        "QUOTA_EXCELLENT",
        "HD 21-HD/BTCTW",
        "tiết 2",
        subject="a",
    ),
    Case(
        "quota 124: 1 HTXS for 4 HTT",
        2023,
        [pm("a", "HTXS", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(4)],
        [pm("a", "HTXS", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(5)],
        "QUOTA_EXCELLENT",
        "QĐ 124-QĐ/TW",
        "Điều 12",
        verified=False,  # 1 of 5 is 20%: over only when the HTXS stay out of the denominator
    ),
    Case(
        "quota 366: 2 HTXS for 8 HTT without the exception",
        2025,
        [pm("a", "HTXS", "g"), pm("b", "HTXS", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(8)],
        [pm("a", "HTXS", "g"), pm("b", "HTT", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(8)],
        "QUOTA_EXCELLENT",
        "QĐ 366-QĐ/TW",
        "Điều 11",
        verified=False,
    ),
    # -- head / deputy / collective ceilings ----------------------------------------------------------------------
    Case(
        "head above collective",
        2021,
        [*_board_and_unit("HTXS", "HTT"), leader("gd", "HTXS", "head", collective="bgd")],
        [*_board_and_unit("HTXS", "HTT"), leader("gd", "HTT", "head", collective="bgd")],
        "HEAD_ABOVE_COLLECTIVE",
        "HD 21-HD/BTCTW",
        "tiết 4",
        subject="gd",
    ),
    Case(
        "head above unit (unit taken from the collective)",
        2022,
        [*_board_and_unit("HT", "HT"), leader("gd", "HTT", "head", collective="bgd")],
        [*_board_and_unit("HT", "HT"), leader("gd", "HT", "head", collective="bgd")],
        "HEAD_ABOVE_COLLECTIVE",
        "HD 21-HD/BTCTW",
        "tiết 4",
    ),
    Case(
        "deputy above collective in Tuyên Quang 2021 (CV 854)",
        2021,
        [*_board_and_unit("HTT", "HTT"), leader("pgd", "HTXS", "deputy", collective="bgd")],
        [*_board_and_unit("HTT", "HTT"), leader("pgd", "HTT", "deputy", collective="bgd")],
        "HEAD_ABOVE_COLLECTIVE",
        "CV 854-CV/TU",
        "mục 2",
    ),
    Case(
        "collective above unit",
        2021,
        _board_and_unit("HT", "HTT"),
        _board_and_unit("HT", "HT"),
        "COLLECTIVE_ABOVE_UNIT",
        "HD 21-HD/BTCTW",
        "tiết 3",
        subject="bgd",
    ),
    Case(
        "collective above unit under 124: the HD 21 principle kept by reading, unverified",
        2024,
        _board_and_unit("HT", "HTT"),
        _board_and_unit("HTT", "HTT"),
        "COLLECTIVE_ABOVE_UNIT",
        "HD 21-HD/BTCTW",
        "tiết 3",
        verified=False,
    ),
    Case(
        "head above collective under 124: the HD 21 principle kept by reading, unverified",
        2023,
        [*_board_and_unit("HTT", "HTT"), leader("gd", "HTXS", "head", collective="bgd")],
        [*_board_and_unit("HTT", "HTT"), leader("gd", "HTT", "head", collective="bgd")],
        "HEAD_ABOVE_COLLECTIVE",
        "HD 21-HD/BTCTW",
        "tiết 4",
        verified=False,
    ),
    Case(
        "CV 854: a newly transferred deputy has no exemption",
        2021,
        [
            *_board_and_unit("HTT", "HTT"),
            leader("pgd", "HTXS", "deputy", collective="bgd", newly_transferred=True),
        ],
        [
            *_board_and_unit("HTT", "HTT"),
            leader("pgd", "HTT", "deputy", collective="bgd", newly_transferred=True),
        ],
        "HEAD_ABOVE_COLLECTIVE",
        "CV 854-CV/TU",
        "mục 2",
    ),
    Case(
        "newly transferred head: exempt only when unrelated to the unit's shortcomings",
        2021,
        [
            *_board_and_unit("HTT", "HTT"),
            leader("gd", "HTXS", "head", collective="bgd", newly_transferred=True),
        ],
        [
            *_board_and_unit("HTT", "HTT"),
            leader(
                "gd",
                "HTXS",
                "head",
                collective="bgd",
                newly_transferred=True,
                transfer_unrelated_to_shortcomings=True,
            ),
        ],
        "HEAD_ABOVE_COLLECTIVE",
        "HD 21-HD/BTCTW",
        "tiết 4",
    ),
    Case(
        "366: a province capping deputies caps the head too",
        2025,
        [*_board_and_unit("HTT", "HTT"), leader("gd", "HTXS", "head", collective="bgd")],
        [*_board_and_unit("HTT", "HTT"), leader("gd", "HTT", "head", collective="bgd")],
        "HEAD_ABOVE_COLLECTIVE",
        "QĐ 366-QĐ/TW",
        "Điều 11",
        options={"cap_deputies": True},
        verified=False,
    ),
    # -- discipline ----------------------------------------------------------------------------------------------
    Case(
        "132: disciplined in the year ⇒ KHT",
        2021,
        [pm("a", "HT", disciplined_in_year=True, discipline_self_remedied=True)],
        [pm("a", "KHT", disciplined_in_year=True, discipline_self_remedied=True)],
        "DISCIPLINED_IN_YEAR",
        "HD 21-HD/BTCTW",
        "tiết 2",
    ),
    Case(
        "124: disciplined, not self-remedied ⇒ KHT",
        2023,
        [pm("a", "HT", disciplined_in_year=True)],
        [pm("a", "HTT", disciplined_in_year=True, discipline_self_remedied=True)],
        "DISCIPLINED_IN_YEAR",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "124: self-remedied discipline still bars HTXS",
        2024,
        [pm("a", "HTXS", disciplined_in_year=True, discipline_self_remedied=True)],
        [pm("a", "HTT", disciplined_in_year=True, discipline_self_remedied=True)],
        "DISCIPLINED_IN_YEAR",
        "QĐ 124-QĐ/TW",
        "Điều 12",
        verified=False,
    ),
    Case(
        "366: duty-related discipline ⇒ KHT",
        2025,
        [pm("a", "HT", disciplined_in_year=True)],
        [pm("a", "HTT", disciplined_in_year=True, discipline_related_to_duties=False)],
        "DISCIPLINED_IN_YEAR",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "132: leadership collective disciplined ⇒ KHT",
        2021,
        [board("bgd", "HT", disciplined_in_year=True)],
        [board("bgd", "KHT", disciplined_in_year=True), agency("so", "HTT", disciplined_in_year=True)],
        "DISCIPLINED_IN_YEAR",
        "HD 21-HD/BTCTW",
        "tiết 3",
    ),
    Case(
        "132: party organisation disciplined ⇒ KHT, an unverified extension",
        2022,
        [org("cb", "HT", [], disciplined_in_year=True)],
        [org("cb", "KHT", [], disciplined_in_year=True)],
        "DISCIPLINED_IN_YEAR",
        "HD 21-HD/BTCTW",
        "tiết 1",
        verified=False,
    ),
    # -- sick leave ----------------------------------------------------------------------------------------------
    Case(
        "132: 3 months of sick leave ⇒ at most HT",
        2021,
        [pm("a", "HTT", sick_leave_days=90)],
        [pm("a", "HT", sick_leave_days=90), pm("b", "HTT", sick_leave_days=89)],
        "SICK_LEAVE_CAP",
        "HD 21-HD/BTCTW",
        "tiểu mục 6",
    ),
    # -- not ratable ---------------------------------------------------------------------------------------------
    Case(
        "exempt member rated (QĐ 132 Điều 5)",
        2021,
        [pm("a", "HT", exempt=True)],
        [pm("a", None, exempt=True)],
        "NOT_RATABLE",
        "QĐ 132-QĐ/TW",
        "Điều 5",
    ),
    Case(
        "suspended member rated (HD 21 adds it)",
        2020,
        [pm("a", "HT", suspended=True)],
        [pm("a", None, suspended=True)],
        "NOT_RATABLE",
        "HD 21-HD/BTCTW",
        "tiểu mục 6",
    ),
    Case(
        "suspended member rated",
        2023,
        [pm("a", "HTT", suspended=True)],
        [pm("a", None, suspended=True)],
        "NOT_RATABLE",
        "QĐ 124-QĐ/TW",
        "Điều 5",
    ),
    Case(
        "member not yet reviewed, 2025: HD 21's rule kept by reading (QĐ 366 Điều 3 states the converse)",
        2025,
        [pm("a", "HTT", reviewed=False)],
        [pm("a", "HTT", reviewed=True)],
        "NOT_RATABLE",
        "HD 21-HD/BTCTW",
        "tiểu mục 6",
        verified=False,
    ),
    Case(
        "member admitted under 6 months before 31/12",
        2021,
        [pm("a", "HTT", admitted_on="2021-07-01")],
        [pm("a", "HTT", admitted_on="2021-06-30"), pm("b", None, admitted_on="2021-10-01")],
        "NOT_RATABLE",
        "HD 21-HD/BTCTW",
        "tiểu mục 6",
    ),
    Case(
        "collective founded under 6 months",
        2022,
        [board("bgd", "HT", founded_on="2022-09-01")],
        [board("bgd", None, founded_on="2022-09-01")],
        "NOT_RATABLE",
        "HD 21-HD/BTCTW",
        "tiểu mục 6",
    ),
    Case(
        "collective founded under 6 months, 2024: HD 21's rule kept by reading",
        2024,
        [board("bgd", "HT", founded_on="2024-09-01")],
        [board("bgd", None, founded_on="2024-09-01")],
        "NOT_RATABLE",
        "HD 21-HD/BTCTW",
        "tiểu mục 6",
        verified=False,
    ),
    # -- civil service -------------------------------------------------------------------------------------------
    Case(
        "HTXS as member without HTXS as civil servant",
        2021,
        [pm("a", "HTXS", civil_service_rating="HTT")],
        [pm("a", "HTXS", civil_service_rating="HTXS"), pm("b", "HTT", civil_service_rating="HTXS")],
        "CIVIL_SERVICE_MISMATCH",
        "HD 21-HD/BTCTW",
        "tiết 2",
    ),
    Case(
        "KHT as civil servant but HT as member",
        2021,
        [pm("a", "HT", civil_service_rating="KHT")],
        [pm("a", "KHT", civil_service_rating="KHT")],
        "CIVIL_SERVICE_MISMATCH",
        "HD 21-HD/BTCTW",
        "tiết 2",
    ),
    Case(
        "member above civil-service rating at a middle level (A-12)",
        2023,
        [pm("a", "HTT", civil_service_rating="HT")],
        [pm("a", "HT", civil_service_rating="HT")],
        "CIVIL_SERVICE_MISMATCH",
        "HD 21-HD/BTCTW",
        "A-12",
        verified=False,
    ),
    Case(
        "366: civil-service consistency is the A-12 default, unverified",
        2025,
        [pm("a", "HTXS", civil_service_rating="HTT", tasks_exceeded_pct=40)],
        [pm("a", "HTXS", civil_service_rating="HTXS", tasks_exceeded_pct=40)],
        "CIVIL_SERVICE_MISMATCH",
        "HD 21-HD/BTCTW",
        "A-12",
        verified=False,
    ),
    # -- tasks ---------------------------------------------------------------------------------------------------
    Case(
        "132: member under 50% of tasks",
        2021,
        [pm("a", "HT", task_completion_pct=49)],
        [pm("a", "HT", task_completion_pct=50), pm("b", "KHT", task_completion_pct=10)],
        "TASKS_BELOW_THRESHOLD",
        "QĐ 132-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "132: member missing key targets",
        2022,
        [pm("a", "HT", key_targets_missed=True)],
        [pm("a", "KHT", key_targets_missed=True)],
        "TASKS_BELOW_THRESHOLD",
        "QĐ 132-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "132: collective under 50% with key targets missed, no force majeure",
        2021,
        [board("bgd", "HT", task_completion_pct=40, key_targets_missed=True)],
        [
            board("bgd", "HT", task_completion_pct=40),
            board("b2", "HT", task_completion_pct=40, key_targets_missed=True, force_majeure=True),
        ],
        "TASKS_BELOW_THRESHOLD",
        "HD 21-HD/BTCTW",
        "tiết 3",
    ),
    Case(
        "366: unit under 70% of its yearly tasks",
        2025,
        [agency("so", "HT", task_completion_pct=69)],
        [agency("so", "HT", task_completion_pct=70)],
        "TASKS_BELOW_THRESHOLD",
        "QĐ 366-QĐ/TW",
        "Điều 11",
        verified=False,  # QĐ 366 states its KHT cases for leadership collectives
    ),
    Case(
        "366: more than half of a member's tasks not completed",
        2025,
        [pm("a", "HT", task_completion_pct=45)],
        [pm("a", "KHT", task_completion_pct=45)],
        "TASKS_BELOW_THRESHOLD",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    # -- conclusions ---------------------------------------------------------------------------------------------
    Case(
        "degradation concluded, member",
        2021,
        [pm("a", "HT", degradation_concluded=True)],
        [pm("a", "KHT", degradation_concluded=True)],
        "DEGRADATION_CONCLUDED",
        "HD 21-HD/BTCTW",
        "tiết 2",
    ),
    Case(
        "132: a leadership collective with a member concluded degraded (tiết 3, KHT a)",
        2021,
        [board("bgd", "HT", member_degradation_concluded=True)],
        [board("bgd", "KHT", member_degradation_concluded=True)],
        "DEGRADATION_CONCLUDED",
        "HD 21-HD/BTCTW",
        "tiết 3, KHT, ý (a)",
    ),
    Case(
        "degradation concluded against a member of the collective",
        2023,
        [board("bgd", "HT", member_degradation_concluded=True)],
        [board("bgd", "KHT", member_degradation_concluded=True)],
        "DEGRADATION_CONCLUDED",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "124: conduct violation (những điều đảng viên không được làm)",
        2023,
        [pm("a", "HT", conduct_violation=True)],
        [pm("a", "KHT", conduct_violation=True)],
        "CONDUCT_VIOLATION",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "collective disunity concluded",
        2025,
        [board("bgd", "HT", internal_disunity_concluded=True)],
        [board("bgd", "KHT", internal_disunity_concluded=True)],
        "COLLECTIVE_DISUNITY",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    # -- party organisation HTXS ---------------------------------------------------------------------------------
    Case(
        "cell HTXS with only 60% of members HTT or better",
        2021,
        _cell(["HTT", "HTT", "HTT", "HT", "HT"]),
        _cell(["HTT", "HTT", "HTT", "HTT", "HT"]),
        "ORG_EXCELLENT_CONDITIONS",
        "HD 21-HD/BTCTW",
        "tiết 1",
        subject="cb",
    ),
    Case(
        "cell HTXS with a member KHT",
        2021,
        _cell(["HTT"] * 9 + ["KHT"]),
        _cell(["HTT"] * 9 + ["HT"]),
        "ORG_EXCELLENT_CONDITIONS",
        "HD 21-HD/BTCTW",
        "tiết 1",
    ),
    Case(
        "cell HTXS while same-level bodies are only HT",
        2022,
        _cell(["HTT"] * 5, same_level_bodies_min_rating="HT"),
        _cell(["HTT"] * 5, same_level_bodies_min_rating="HTT"),
        "ORG_EXCELLENT_CONDITIONS",
        "HD 21-HD/BTCTW",
        "tiết 1",
    ),
    Case(
        "124: organisation HTXS with a disciplined child organisation",
        2023,
        [org("c1", "HTT", [], disciplined_in_year=True), org("db", "HTXS", ["c1"])],
        [org("c1", "HTT", []), org("db", "HTXS", ["c1"])],
        "ORG_EXCELLENT_CONDITIONS",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    # -- collective members disciplined -----------------------------------------------------------------------------
    Case(
        "132: a member of the collective disciplined with a warning or above",
        2021,
        [board("bgd", "HT", member_disciplined_warning_or_above=True)],
        [board("bgd", "HT", member_disciplined_in_year=True)],  # a reprimand only: not KHT under HD 21
        "COLLECTIVE_MEMBER_DISCIPLINED",
        "HD 21-HD/BTCTW",
        "tiết 3",
    ),
    Case(
        "124: a member of the collective disciplined (reprimand), not self-remedied",
        2023,
        [board("bgd", "HT", member_disciplined_in_year=True)],
        [board("bgd", "HTT", member_disciplined_in_year=True, member_discipline_self_remedied=True)],
        "COLLECTIVE_MEMBER_DISCIPLINED",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "124: more than 20% of the units under it disciplined",
        2024,
        [agency("so", "HT", children_disciplined_pct=25)],
        [agency("so", "HT", children_disciplined_pct=20)],
        "CHILDREN_DISCIPLINED",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    # -- leaders -------------------------------------------------------------------------------------------------
    Case(
        "132: leader whose led unit is KHT (from the unit's rating)",
        2021,
        [agency("so", "KHT"), leader("pgd", "HT", "member", unit="so")],
        [agency("so", "KHT"), leader("pgd", "KHT", "member", unit="so")],
        "LEADER_UNIT_FAILED",
        "QĐ 132-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "132: leader whose led unit is KHT (from the fact)",
        2022,
        [leader("gd", "HT", "member", led_unit_rating="KHT")],
        [leader("gd", "HT", "member", led_unit_rating="HT")],
        "LEADER_UNIT_FAILED",
        "QĐ 132-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "124: led unit under 50% with key targets missed",
        2023,
        [leader("gd", "HT", led_unit_task_completion_pct=40, led_unit_key_targets_missed=True)],
        [leader("gd", "HT", led_unit_task_completion_pct=40)],
        "LEADER_UNIT_FAILED",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "366: more than half of the led units KHT",
        2025,
        [leader("gd", "HT", led_units_failed_pct=51)],
        [leader("gd", "HT", led_units_failed_pct=50)],
        "LEADER_UNIT_FAILED",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "366: led unit under 70% of its tasks",
        2025,
        [leader("gd", "HT", led_unit_task_completion_pct=60)],
        [leader("gd", "HT", led_unit_task_completion_pct=75)],
        "LEADER_UNIT_FAILED",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "366: more than half low-confidence votes",
        2025,
        [leader("gd", "HT", low_confidence_pct=55)],
        [leader("gd", "HT", low_confidence_pct=40)],
        "LOW_CONFIDENCE",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "366: the 5 basic socio-economic targets missed",
        2025,
        [leader("ct", "HT", kt_xh_targets_missed=True)],
        [leader("ct", "HT", kt_xh_targets_missed=True, force_majeure=True)],
        "KT_XH_TARGETS_MISSED",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "132: corruption disciplined under the leader's direct management",
        2021,
        [leader("gd", "HT", subordinate_corruption_disciplined=True)],
        [
            leader(
                "gd", "HT", subordinate_corruption_disciplined=True, subordinate_corruption_self_remedied=True
            )
        ],
        "SUBORDINATE_CORRUPTION",
        "QĐ 132-QĐ/TW",
        "Điều 12",
    ),
    # -- 124/366 HTXS conditions, 366 bands ---------------------------------------------------------------------
    Case(
        "124: HTXS member with under 50% of tasks exceeded",
        2023,
        [pm("a", "HTXS", tasks_exceeded_pct=40)],
        [pm("a", "HTXS", tasks_exceeded_pct=50)],
        "EXCELLENT_CONDITIONS",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "124: HTXS member without 100% of tasks",
        2024,
        [pm("a", "HTXS", task_completion_pct=95)],
        [pm("a", "HTT", task_completion_pct=95)],
        "EXCELLENT_CONDITIONS",
        "QĐ 124-QĐ/TW",
        "Điều 12",
    ),
    Case(
        "366: HTXS without remedying every shortcoming of last year",
        2025,
        [pm("a", "HTXS", remediation_pct=90, tasks_exceeded_pct=40)],
        [pm("a", "HTXS", remediation_pct=100, tasks_exceeded_pct=40)],
        "EXCELLENT_CONDITIONS",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "366: HTT with tasks late",
        2025,
        [pm("a", "HTT", tasks_overdue_pct=10)],
        [pm("a", "HT", tasks_overdue_pct=10)],
        "BAND_CONDITIONS",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "366: HTXS with 85 points",
        2025,
        [scored(pm("a", "HTXS"), 85)],
        [scored(pm("a", "HTT"), 85)],
        "SCORE_BAND",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "366: HT with 49.5 points",
        2025,
        [scored(pm("a", "HT"), 49.5)],
        [scored(pm("a", "HT"), 50)],
        "SCORE_BAND",
        "QĐ 366-QĐ/TW",
        "Điều 11",
    ),
    Case(
        "132: per-criterion grades allow HTT at most",
        2021,
        [{**pm("a", "HTXS"), "criteria": {"results": ["Tốt"], "others": ["Xuất sắc"]}}],
        [{**pm("a", "HTT"), "criteria": {"results": ["Tốt"], "others": ["Xuất sắc"]}}],
        "CRITERIA_CAP",
        "HD 21-HD/BTCTW",
        "tiết 2",
    ),
]


def _codes(result: dict) -> list[str]:
    return [f["code"] for f in result["findings"]]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_it_reports_the_rule_with_its_citation(run, case: Case) -> None:  # noqa: ANN001
    result = run(case.year, case.failing, case.options)
    hits = [f for f in result["findings"] if f["code"] == case.code]
    assert hits, f"expected {case.code}, got {_codes(result)}"
    assert result["valid"] is False
    finding = hits[0]
    assert finding["citation"]["document"] == case.document
    assert case.article in finding["citation"]["article"] + ", " + finding["citation"]["clause"]
    assert finding["verified"] is case.verified
    # A refusal on an unverified reading says so, so the competent authority knows it may override.
    assert ("chưa được đối chiếu" in finding["message"]) is not case.verified
    assert finding["message"] and any(ch in finding["message"] for ch in "ẫếợđưạ")  # Vietnamese text
    if case.subject:
        assert finding["subjects"][0] == case.subject


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_it_accepts_the_passing_variant(run, case: Case) -> None:  # noqa: ANN001
    result = run(case.year, case.passing, case.options)
    assert case.code not in _codes(result), result["findings"]


def test_every_contract_code_has_a_case() -> None:
    contract = {
        "QUOTA_EXCELLENT",
        "HEAD_ABOVE_COLLECTIVE",
        "COLLECTIVE_ABOVE_UNIT",
        "DISCIPLINED_IN_YEAR",
        "SICK_LEAVE_CAP",
        "NOT_RATABLE",
        "CIVIL_SERVICE_MISMATCH",
        "TASKS_BELOW_THRESHOLD",
        "DEGRADATION_CONCLUDED",
        "ORG_EXCELLENT_CONDITIONS",
        "COLLECTIVE_MEMBER_DISCIPLINED",
        "LEADER_UNIT_FAILED",
        "SCORE_BAND",
    }
    assert contract <= FINDING_CODES
    assert {c.code for c in CASES} == FINDING_CODES


def test_design_example_flags_the_head_and_the_quota(run) -> None:  # noqa: ANN001
    subjects = [
        pm("dv1", "HTXS", "tccs-1", civil_service_rating="HTXS", admitted_on="2015-03-01"),
        agency("so-gd", "HTT"),
        {**board("bgd", "HTT", unit="so-gd"), "quota_group": "tt-so"},
        {
            **leader("gd1", "HTXS", "head", collective="bgd", unit="so-gd", led_unit_rating="HTT"),
            "quota_group": "gd",
        },
        org("cb1", "HTT", ["dv1"], same_level_bodies_min_rating="HTT"),
    ]
    result = run(2021, subjects, {"quota_basis": "good_only", "cap_deputies": True})
    assert result["regime"] == "QD132_HD21"
    assert result["overlay"] == "TUYEN_QUANG_2021"
    assert sorted(set(_codes(result))) == ["HEAD_ABOVE_COLLECTIVE", "QUOTA_EXCELLENT"]
    assert result["quota_groups"]["tccs-1"] == {
        "excellent": 1,
        "good": 0,
        "max_excellent": 0,
        "remaining": -1,
        "message": "vượt 1 suất HTXS",
    }


def test_a_valid_scenario_has_no_findings(run) -> None:  # noqa: ANN001
    subjects = (
        [pm("a", "HTXS", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(5)] + _board_and_unit("HTT", "HTT")
    )
    result = run(2021, subjects)
    assert result == {**result, "valid": True, "findings": []}


def test_deputies_are_not_capped_outside_tuyen_quang_2021(run) -> None:  # noqa: ANN001
    subjects = [*_board_and_unit("HTT", "HTT"), leader("pgd", "HTXS", "deputy", collective="bgd")]
    assert "HEAD_ABOVE_COLLECTIVE" not in _codes(run(2022, subjects))
    assert "HEAD_ABOVE_COLLECTIVE" not in _codes(run(2021, subjects, {"cap_deputies": False}))
    assert "HEAD_ABOVE_COLLECTIVE" in _codes(run(2022, subjects, {"cap_deputies": True}))
    assert "HEAD_ABOVE_COLLECTIVE" not in _codes(run(2021, subjects, {"province": None}))


def test_a_newly_transferred_head_is_not_capped_when_unrelated_to_the_shortcomings(run) -> None:  # noqa: ANN001
    facts = {"newly_transferred": True, "transfer_unrelated_to_shortcomings": True}
    subjects = [*_board_and_unit("HTT", "HTT"), leader("gd", "HTXS", "head", collective="bgd", **facts)]
    assert "HEAD_ABOVE_COLLECTIVE" not in _codes(run(2021, subjects))
    assert "HEAD_ABOVE_COLLECTIVE" not in _codes(run(2022, subjects))
    options = {"newly_transferred_head_exempt": False}
    assert "HEAD_ABOVE_COLLECTIVE" in _codes(run(2021, subjects, options))
    # Having just moved in is not the exemption: the unit's shortcomings must not be theirs.
    moved = [
        *_board_and_unit("HTT", "HTT"),
        leader("gd", "HTXS", "head", collective="bgd", newly_transferred=True),
    ]
    assert "HEAD_ABOVE_COLLECTIVE" in _codes(run(2022, moved))


def test_head_cap_is_off_under_366_unless_asked(run) -> None:  # noqa: ANN001
    subjects = [*_board_and_unit("HTT", "HTT"), leader("gd", "HTXS", "head", collective="bgd")]
    assert "HEAD_ABOVE_COLLECTIVE" not in _codes(run(2025, subjects))
    assert "HEAD_ABOVE_COLLECTIVE" in _codes(run(2025, subjects, {"head_cap": True}))


def test_sick_leave_has_no_cap_under_366(run) -> None:  # noqa: ANN001
    assert "SICK_LEAVE_CAP" not in _codes(run(2025, [pm("a", "HTT", sick_leave_days=150)]))


def test_not_ratable_subjects_get_no_other_finding(run) -> None:  # noqa: ANN001
    result = run(2021, [pm("a", "HTT", exempt=True, disciplined_in_year=True)])
    assert _codes(result) == ["NOT_RATABLE"]


def test_party_organisations_join_the_quota_only_when_enabled(run) -> None:  # noqa: ANN001
    orgs = [org("c1", "HTXS", []), org("c2", "HTXS", [])] + [org(f"o{i}", "HTT", []) for i in range(4)]
    orgs = [{**o, "quota_group": "tccs"} for o in orgs]
    assert "QUOTA_EXCELLENT" in _codes(run(2021, orgs))  # CV 854 mục 2(5) turns it on for Tuyên Quang 2021
    assert "QUOTA_EXCELLENT" not in _codes(run(2022, orgs))  # HD 21 alone: off by default
    assert "QUOTA_EXCELLENT" in _codes(run(2022, orgs, {"org_quota_enabled": True}))


def test_366_exception_raises_the_cap_to_25_percent(run) -> None:  # noqa: ANN001
    subjects = [pm("a", "HTXS", "g"), pm("b", "HTXS", "g")] + [pm(f"t{i}", "HTT", "g") for i in range(8)]
    assert "QUOTA_EXCELLENT" in _codes(run(2025, subjects))
    result = run(2025, subjects, quota_groups={"g": {"exception": True}})
    assert result["valid"] is True
    assert result["quota_groups"]["g"]["max_excellent"] == 2
