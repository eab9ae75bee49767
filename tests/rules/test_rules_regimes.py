"""Levels, regimes by year, the Tuyên Quang overlay, parameters as data, criteria and score bands."""

from __future__ import annotations

from datetime import date

import pytest

from kiemdiem.rules import (
    REGIMES,
    BadInput,
    Rating,
    SubjectType,
    deadlines_for,
    max_rating_from_criteria,
    max_rating_from_score,
    overlay_for,
    parse_scenario,
    regime_for_year,
)


def test_ratings_are_ordered_and_labelled() -> None:
    assert Rating.KHT < Rating.HT < Rating.HTT < Rating.HTXS
    assert Rating.EXCELLENT is Rating.HTXS and Rating("HTT") is Rating.GOOD
    assert max(Rating.HT, Rating.HTXS, Rating.KHT) is Rating.HTXS
    assert Rating.HTXS.label == "Hoàn thành xuất sắc nhiệm vụ"
    assert Rating.KHT.label == "Không hoàn thành nhiệm vụ"
    assert [r.code for r in Rating] == ["HTXS", "HTT", "HT", "KHT"]
    assert SubjectType("leader").label == "Cán bộ lãnh đạo, quản lý"
    with pytest.raises(BadInput, match="HTXS, HTT, HT, KHT"):
        Rating.parse("XS")


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (2019, "QD132_HD21"),
        (2021, "QD132_HD21"),
        (2022, "QD132_HD21"),
        (2023, "QD124_HD25"),
        (2024, "QD124_HD25"),
        (2025, "QD366_HD43"),
        (2030, "QD366_HD43"),
    ],
)
def test_the_regime_follows_the_year(year: int, code: str) -> None:
    assert regime_for_year(year).code == code


def test_years_before_2019_are_refused() -> None:
    with pytest.raises(BadInput, match="2018"):
        regime_for_year(2018)


def test_every_parameter_carries_a_citation_and_a_verified_flag() -> None:
    for regime in REGIMES:
        assert regime.documents and regime.name
        for p in regime.parameters:
            assert isinstance(p.verified, bool)
            assert p.citation.document and p.citation.article is not None
    r132 = regime_for_year(2021)
    assert r132.parameter("quota_basis").verified is False
    assert r132.parameter("quota_basis").value == "good_only"
    assert r132.parameter("rounding").value == "floor"
    assert r132.parameter("org_quota_enabled").verified is False
    assert r132.parameter("head_cap").verified is True
    assert regime_for_year(2025).parameter("quota_exception_ratio_pct").value == 25


def test_tuyen_quang_2021_overlay() -> None:
    overlay = overlay_for(2021)
    assert overlay is not None and overlay.cap_deputies is True
    assert overlay.deadlines == {
        "review_done": date(2022, 1, 10),
        "cadre_dossier": date(2022, 1, 15),
        "report_to_province": date(2022, 2, 10),
    }
    assert overlay_for(2022) is None and overlay_for(2021, "ha-giang") is None


def test_deadlines() -> None:
    assert deadlines_for(2021)["review_done"] == date(2022, 1, 10)
    assert deadlines_for(2021)["report_to_province"] == date(2022, 2, 10)
    assert deadlines_for(2023)["review_done"] == date(2023, 12, 31)
    d2025 = deadlines_for(2025)
    assert d2025["review_done"] == date(2025, 12, 31)
    assert d2025["special_units_done"] == date(2026, 1, 15)
    assert d2025["report_to_central"] == date(2026, 2, 1)


def test_options_override_parameters() -> None:
    scenario = parse_scenario(
        {"year": 2022, "subjects": [], "options": {"quota_basis": "good_or_better", "cap_deputies": True}}
    )
    assert scenario.settings["quota_basis"] == "good_or_better"
    assert scenario.settings["cap_deputies"] is True
    assert parse_scenario({"year": 2021, "subjects": []}).settings["cap_deputies"] is True  # overlay
    with pytest.raises(BadInput, match="options.cap_deputies"):
        parse_scenario({"year": 2021, "subjects": [], "options": {"cap_deputies": "yes"}})


@pytest.mark.parametrize(
    ("year", "results", "others", "expected"),
    [
        (2021, ["XS"], ["T", "T"], Rating.HTXS),
        (2021, ["XS"], ["TB"], Rating.HT),  # HD 21 HTT needs every criterion Tốt (unverified reading)
        (2023, ["XS"], ["TB"], Rating.HTT),  # QĐ 124 HTT: others Trung bình (as translated)
        (2021, ["Tốt"], ["Xuất sắc"], Rating.HTT),
        (2021, ["TB"], ["T"], Rating.HT),
        (2021, ["XS"], ["K"], Rating.KHT),  # one Kém is enough
        (2023, ["Trung bình"], [], Rating.HT),
    ],
)
def test_max_rating_from_criteria(year: int, results: list[str], others: list[str], expected: Rating) -> None:
    assert max_rating_from_criteria(regime_for_year(year), others, result_grades=results) is expected


def test_criteria_are_not_used_from_2025() -> None:
    with pytest.raises(BadInput, match="thang 100"):
        max_rating_from_criteria(regime_for_year(2025), ["T"])


@pytest.mark.parametrize(
    ("score", "kwargs", "expected"),
    [
        (95, {}, Rating.HTXS),
        (90, {"tasks_exceeded_pct": 30}, Rating.HTXS),
        (90, {"tasks_exceeded_pct": 29}, Rating.HTT),  # score and conditions
        (92, {"remediation_pct": 80}, Rating.HTT),
        (89.9, {}, Rating.HTT),
        (75, {"tasks_overdue_pct": 10}, Rating.HT),
        (99, {"task_completion_pct": 90}, Rating.HT),
        (69, {}, Rating.HT),
        (49, {}, Rating.KHT),
    ],
)
def test_max_rating_from_score(score: float, kwargs: dict, expected: Rating) -> None:
    assert max_rating_from_score(regime_for_year(2025), score, **kwargs) is expected


def test_scores_are_refused_before_2025_and_out_of_range() -> None:
    with pytest.raises(BadInput):
        max_rating_from_score(regime_for_year(2021), 80)
    with pytest.raises(BadInput, match="0 đến 100"):
        max_rating_from_score(regime_for_year(2025), 101)
