"""Corrections from the audit against the regulation digest (issue 18): each fails on the engine as it was."""

from __future__ import annotations

import io

import pytest

from kiemdiem.rules.cli import main

from .test_rules_checks import _board_and_unit, agency, board, leader, org, pm


def _codes(result: dict) -> list[str]:
    return [f["code"] for f in result["findings"]]


def _only(result: dict, code: str) -> dict:
    hits = [f for f in result["findings"] if f["code"] == code]
    assert len(hits) == 1, result["findings"]
    return hits[0]


def _agencies(group: str = "cq") -> list[dict]:
    return [
        {**agency(f"a{i}", r), "quota_group": group} for i, r in enumerate(["HTXS", "HTXS", "HTT", "HTT"])
    ]


# -- the HTXS cap on agencies -------------------------------------------------------------------------------------


def test_the_agency_cap_in_2021_cites_cv_854(run) -> None:  # noqa: ANN001
    finding = _only(run(2021, _agencies()), "QUOTA_EXCELLENT")
    assert finding["citation"]["document"] == "CV 854-CV/TU"
    assert "mục 2" in finding["citation"]["article"] and "(5)" in finding["citation"]["clause"]
    assert finding["verified"] is True


@pytest.mark.parametrize("year", [2019, 2020, 2022])
def test_agencies_have_no_cap_where_party_organisations_have_none(run, year: int) -> None:  # noqa: ANN001
    orgs = [
        {**org(f"o{i}", r, []), "quota_group": "tc"} for i, r in enumerate(["HTXS", "HTXS", "HTT", "HTT"])
    ]
    result = run(year, _agencies() + orgs)
    assert "QUOTA_EXCELLENT" not in _codes(result)
    assert result["quota_groups"] == {}
    # Turned on together, by one option, and then resting on an unverified reading.
    on = run(year, _agencies() + orgs, {"org_quota_enabled": True})
    assert sorted(f["subjects"][0] for f in on["findings"]) == ["a0", "o0"]
    assert {f["verified"] for f in on["findings"]} == {False}


# -- the HD 21 leadership-collective KHT list reaches only the subject types the digest names ------------------


@pytest.mark.parametrize(
    "facts",
    [
        {"disciplined_in_year": True},
        {"member_disciplined_warning_or_above": True},
        {"task_completion_pct": 40, "key_targets_missed": True},
        {"internal_disunity_concluded": True},
        {"member_degradation_concluded": True},
    ],
)
def test_hd21_refuses_an_agency_nothing_from_the_collectives_list(run, facts: dict) -> None:  # noqa: ANN001
    assert run(2021, [agency("so", "HTT", **facts)])["findings"] == []
    assert run(2021, [board("bgd", "HTT", **facts)])["findings"]  # the leadership collective's own list


@pytest.mark.parametrize(
    "facts",
    [
        {"member_disciplined_warning_or_above": True},
        {"task_completion_pct": 40, "key_targets_missed": True},
        {"member_degradation_concluded": True},
    ],
)
def test_hd21_refuses_a_party_organisation_only_what_the_digest_names(run, facts: dict) -> None:  # noqa: ANN001
    assert run(2022, [org("cb", "HTT", [], **facts)])["findings"] == []


def test_a_party_organisation_concluded_disunited_is_refused_as_an_unverified_extension(run) -> None:  # noqa: ANN001
    finding = _only(run(2021, [org("cb", "HT", [], internal_disunity_concluded=True)]), "COLLECTIVE_DISUNITY")
    assert finding["verified"] is False
    assert finding["citation"]["article"] == "Mục II, điểm B, tiết 1"
    assert "áp dụng mở rộng cho tổ chức đảng" in finding["message"]
    assert "cấp có thẩm quyền có thể quyết định khác" in finding["message"]
    # The leadership collective's rule itself is verified and cites its own clause.
    own = _only(run(2021, [board("bgd", "HT", internal_disunity_concluded=True)]), "COLLECTIVE_DISUNITY")
    assert own["verified"] is True and "tiết 3" in own["citation"]["article"]
    assert "mở rộng" not in own["message"] and "chưa được đối chiếu" not in own["message"]


# -- outcomes -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2023, 2024])
def test_no_sick_leave_cap_in_2023_and_2024(run, year: int) -> None:  # noqa: ANN001
    assert run(year, [pm("a", "HTXS", sick_leave_days=200, tasks_exceeded_pct=60)])["findings"] == []


def test_cap_deputies_caps_the_head_as_well(run) -> None:  # noqa: ANN001
    subjects = [
        *_board_and_unit("HT", "HT"),
        leader("gd", "HTT", "head", collective="bgd"),
        leader("pgd", "HTT", "deputy", collective="bgd"),
    ]
    assert run(2025, subjects)["findings"] == []
    capped = run(2025, subjects, {"cap_deputies": True})
    assert sorted({f["subjects"][0] for f in capped["findings"] if f["code"] == "HEAD_ABOVE_COLLECTIVE"}) == [
        "gd",
        "pgd",
    ]


def test_a_newly_transferred_deputy_is_capped_under_cv_854(run) -> None:  # noqa: ANN001
    facts = {"newly_transferred": True, "transfer_unrelated_to_shortcomings": True}
    subjects = [*_board_and_unit("HTT", "HTT"), leader("pgd", "HTXS", "deputy", collective="bgd", **facts)]
    findings = run(2021, subjects)["findings"]
    assert [f["subjects"] for f in findings] == [["pgd", "bgd"], ["pgd", "so"]]
    assert {(f["citation"]["document"], f["verified"]) for f in findings} == {("CV 854-CV/TU", True)}


def test_every_finding_says_whether_it_is_verified(run) -> None:  # noqa: ANN001
    subjects = [pm("a", "HTXS", "g", sick_leave_days=100), pm("b", "HTT", "g", civil_service_rating="HT")]
    result = run(2021, subjects)
    assert result["findings"] and all(isinstance(f["verified"], bool) for f in result["findings"])
    by_code = {f["code"]: f for f in result["findings"]}
    assert by_code["SICK_LEAVE_CAP"]["verified"] is True
    assert by_code["CIVIL_SERVICE_MISMATCH"]["verified"] is False  # the middle levels are A-12's reading
    assert "chưa được đối chiếu" in by_code["CIVIL_SERVICE_MISMATCH"]["message"]


def test_an_option_that_replaces_a_verified_value_makes_the_rule_unverified(run) -> None:  # noqa: ANN001
    subjects = [pm("a", "HT", task_completion_pct=55)]
    finding = _only(run(2021, subjects, {"task_threshold_individual_pct": 60}), "TASKS_BELOW_THRESHOLD")
    assert finding["verified"] is False


# -- rules show ---------------------------------------------------------------------------------------------------


def _show(year: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["show", year], io.StringIO(), out, err), out.getvalue(), err.getvalue()


def test_show_2018_refuses_with_the_reason() -> None:
    code, out, err = _show("2018")
    assert code == 2 and out == ""
    assert "HD 16-HD/BTCTW" in err and "QĐ 132-QĐ/TW" in err and "không có tiêu chuẩn các mức" in err


def test_show_2021_has_the_corrected_citations() -> None:
    code, out, _ = _show("2021")
    assert code == 0
    assert "exempt_not_rated = có; đã xác minh; QĐ 132-QĐ/TW, Điều 5" in out
    assert (
        "collective_degradation_fails = có; đã xác minh; HD 21-HD/BTCTW, Mục II, điểm B, tiết 3, KHT, ý (a)"
        in out
    )
    assert "org_quota_enabled = có; đã xác minh; CV 854-CV/TU, mục 2, điểm (5)" in out
    assert "agency_fail_cases = none; đã xác minh" in out


def test_show_2023_and_2025_have_the_corrected_citations() -> None:
    _, out2023, _ = _show("2023")
    assert "head_cap = có; CHƯA XÁC MINH; HD 21-HD/BTCTW, Mục II, điểm B, tiết 4" in out2023
    assert "collective_cap = có; CHƯA XÁC MINH; HD 21-HD/BTCTW, Mục II, điểm B, tiết 3" in out2023
    assert "sick_leave_max = HTXS; CHƯA XÁC MINH" in out2023
    code, out, _ = _show("2025")
    assert code == 0
    assert "civil_service_consistency = có; CHƯA XÁC MINH; HD 21-HD/BTCTW" in out and "A-12" in out
    assert "unreviewed_not_rated = có; CHƯA XÁC MINH; HD 21-HD/BTCTW, Mục II, tiểu mục 6" in out
    assert "QĐ 366-QĐ/TW, Điều 3" not in out


# -- the QĐ 366 band conditions against its KHT list --------------------------------------------------------------


def test_the_band_gap_reading_is_exposed_for_the_evaluation(run) -> None:  # noqa: ANN001
    from kiemdiem.rules import Rating, score_band_gap_reading

    assert score_band_gap_reading(2021) is None  # criteria grades, no points
    reading = score_band_gap_reading(2025)
    assert reading is not None and reading.max_rating is Rating.HT and reading.verified is False
    assert reading.citation.document == "QĐ 366-QĐ/TW" and reading.citation.article == "Điều 11"
    assert "50" in reading.question and "cấp có thẩm quyền" in reading.answer
    # And the engine does what the reading says: 60 points with 80% of tasks is HT, not KHT; HTT is refused.
    member = {**pm("a", "HT", task_completion_pct=80), "score": 60}
    assert run(2025, [member])["findings"] == []
    refused = _only(run(2025, [{**member, "rating": "HTT", "score": 80}]), "BAND_CONDITIONS")
    assert refused["verified"] is False and "tối đa HT" in refused["message"]
