"""The engine's inner shape (issue 20): typed parameters, one history per parameter, a registry of finding codes."""

from __future__ import annotations

import inspect
import re
import typing
from dataclasses import fields
from pathlib import Path

import pytest

from kiemdiem.rules import BadInput, Code, ParameterKey, Params, checks, parse_scenario, regime_for_year
from kiemdiem.rules.codes import MEANING
from kiemdiem.rules.levels import Rating
from kiemdiem.rules.regimes import HISTORIES, REGIMES, SAME

CHECKS_SOURCE = Path(checks.__file__).read_text(encoding="utf-8")


def test_params_the_key_type_and_the_histories_name_the_same_parameters() -> None:
    names = [f.name for f in fields(Params)]
    assert set(typing.get_args(ParameterKey)) == set(names)
    assert [h.key for h in HISTORIES] == list(typing.get_args(ParameterKey))
    assert len(set(names)) == len(names)
    assert set(names) == {h.key for h in HISTORIES}


def test_each_field_has_the_type_of_its_history() -> None:
    kinds = {h.key: h.kind for h in HISTORIES}
    for f in fields(Params):
        assert kinds[f.name].__name__ in str(f.type), (f.name, f.type, kinds[f.name])


@pytest.mark.parametrize("year", [2019, 2021, 2023, 2025])
def test_params_are_typed_from_the_settings(year: int) -> None:
    params = Params.from_settings(parse_scenario({"year": year, "subjects": []}).settings)
    assert isinstance(params.individual_discipline_max, Rating)
    assert isinstance(params.quota_ratio_pct, int) and isinstance(params.head_cap, bool)
    assert (params.score_excellent_min is None) is (year < 2025)
    assert (params.band_gap_max is Rating.HT) is (year >= 2025)


def test_a_history_states_only_what_differs() -> None:
    for history in HISTORIES:
        changes = history.changes
        assert changes[0].value is not SAME, history.key
        for before, after in zip(changes, changes[1:], strict=False):
            assert before.year < after.year, history.key
            # a change repeats nothing: a new value, or a new source for the same value (SAME)
            assert (after.value, after.verified, after.citation, after.note) != (
                before.value,
                before.verified,
                before.citation,
                before.note,
            ), history.key
            assert after.value != before.value or after.value is SAME, history.key


def test_a_regime_is_each_history_at_its_first_year() -> None:
    for regime in REGIMES:
        for history in HISTORIES:
            stated = history.at(regime.first_year)
            if stated is None:
                assert not regime.has(history.key)
            else:
                assert regime.parameter(history.key) == stated
    # A value kept from one regime to the next, under the later regime's own citation.
    assert regime_for_year(2023).value("quota_ratio_pct") == 20
    assert regime_for_year(2023).parameter("quota_ratio_pct").citation.document == "QĐ 124-QĐ/TW"


def test_a_fixed_parameter_cannot_be_changed_by_an_option() -> None:
    with pytest.raises(BadInput, match="options.criteria_scale"):
        parse_scenario({"year": 2021, "subjects": [], "options": {"criteria_scale": "points"}})


def test_every_code_has_its_meaning_and_the_rules_that_give_it() -> None:
    assert set(MEANING) == set(Code) == set(checks.EMITTED_BY)
    for code, functions in checks.EMITTED_BY.items():
        assert functions, code
        for function in functions:
            assert f"Code.{code.name}" in inspect.getsource(function), (code, function.__name__)


def test_every_code_the_rules_give_is_registered() -> None:
    given = set(re.findall(r"Code\.([A-Z_]+)", CHECKS_SOURCE))
    assert given == {code.name for code in Code}
    for name in given:
        emitters = [f for f in checks.EMITTED_BY[Code[name]]]
        where = [m.start() for m in re.finditer(rf"Code\.{name}\b", CHECKS_SOURCE)]
        readers = [*emitters, checks.merge]  # merge reads QUOTA_EXCELLENT, gives nothing
        spans = [(CHECKS_SOURCE.index(inspect.getsource(f)), len(inspect.getsource(f))) for f in readers]
        registry = CHECKS_SOURCE.index("EMITTED_BY: dict")
        for at in where:
            assert at > registry or any(start <= at < start + length for start, length in spans), (name, at)


def test_the_hot_loop_has_no_single_letter_names() -> None:
    tree = __import__("ast").parse(CHECKS_SOURCE)
    ast = __import__("ast")
    short = sorted(
        {
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Store)
            and len(node.id) == 1
            and node.id != "_"
        }
        | {
            a.arg
            for node in ast.walk(tree)
            if isinstance(node, ast.arguments)
            for a in node.args
            if len(a.arg) == 1
        }
    )
    assert short == [], short


@pytest.mark.parametrize("months", [0, 1, 6, 7, 12, 18, 600])
@pytest.mark.parametrize("year", [2020, 2021, 2024])
def test_the_six_month_cut_off_agrees_with_counting_months(months: int, year: int) -> None:
    from datetime import date, timedelta

    reference = date(year, 12, 31)
    last = checks._last_day_old_enough(reference, months)
    day = date(year - 2, 1, 1)
    while day <= reference:
        assert checks._is_recent(day, last) is (checks._add_months(day, months) > reference), (day, months)
        day += timedelta(days=1)


def test_an_absurd_month_count_is_every_day_recent_not_a_hang() -> None:
    from datetime import date

    assert checks._last_day_old_enough(date(2021, 12, 31), 10**6) is None
