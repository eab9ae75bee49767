"""The HTXS cap: the worked examples of rules-and-ambiguities.md §2.4, the planner, and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemdiem.rules import BadInput, check_json, max_excellent, plan_quota
from kiemdiem.rules.quota import cap_for

A, B = "good_or_better", "good_only"  # the digest's "cách A" and "cách B"

# (pool of subjects good-or-better, ratio %, max HTXS under A, max HTXS under B) — §2.4, row by row
WORKED = [
    (10, 20, 2, 1),
    (12, 20, 2, 2),
    (7, 20, 1, 1),
    (5, 20, 1, 0),
    (4, 20, 0, 0),
    (23, 20, 4, 3),
    (30, 20, 6, 5),
    (10, 25, 2, 2),  # QĐ 366 exception
    (25, 25, 6, 5),
]


def _group(excellent: int, good: int, year: int = 2025, **options: object) -> dict:
    subjects = [
        {"id": f"x{i}", "type": "party_member", "quota_group": "g", "rating": "HTXS"}
        for i in range(excellent)
    ]
    subjects += [
        {"id": f"t{i}", "type": "party_member", "quota_group": "g", "rating": "HTT"} for i in range(good)
    ]
    return {"year": year, "subjects": subjects, "options": options}


def _quota_finding(data: dict) -> bool:
    return any(f["code"] == "QUOTA_EXCELLENT" for f in check_json(data)["findings"])


@pytest.mark.parametrize(("pool", "pct", "under_a", "under_b"), WORKED)
def test_worked_examples_for_both_bases(pool: int, pct: int, under_a: int, under_b: int) -> None:
    assert max_excellent(pool, basis=A, ratio_pct=pct) == under_a
    assert max_excellent(pool, basis=B, ratio_pct=pct) == under_b


@pytest.mark.parametrize(("pool", "pct", "under_a", "under_b"), WORKED)
def test_worked_examples_through_the_checker(pool: int, pct: int, under_a: int, under_b: int) -> None:
    groups = {"g": {"exception": True}} if pct == 25 else {}
    for basis, most in ((A, under_a), (B, under_b)):
        ok = {**_group(most, pool - most, quota_basis=basis), "quota_groups": groups}
        assert not _quota_finding(ok), (basis, pool, most)
        if most < pool:
            over = {**_group(most + 1, pool - most - 1, quota_basis=basis), "quota_groups": groups}
            assert _quota_finding(over), (basis, pool, most + 1)


def test_ten_rated_htt_allow_two_htxs_under_both_bases() -> None:
    # §2.4 first row: "10 HTTNV (final)" → 2 HTXS whichever basis; a third is one too many.
    for basis in (A, B):
        assert not _quota_finding(_group(2, 10, 2021, quota_basis=basis))
        assert _quota_finding(_group(3, 10, 2021, quota_basis=basis))


def test_default_basis_is_good_only() -> None:
    # 2 HTXS + 8 HTT: fine under A (20% of 10), too many under B (2/8 = 25%).
    assert _quota_finding(_group(2, 8, 2021))
    assert not _quota_finding(_group(2, 8, 2021, quota_basis=A))


def test_planner_messages() -> None:
    assert plan_quota(excellent=0, good=10).message == "còn 1 suất HTXS"
    assert plan_quota(excellent=0, good=10, basis=A).message == "còn 2 suất HTXS"
    full = plan_quota(excellent=2, good=10)
    assert (full.max_excellent, full.excellent, full.good, full.remaining) == (2, 2, 10, 0)
    assert full.message == "đã hết suất HTXS"
    over = plan_quota(excellent=3, good=3)
    assert (over.max_excellent, over.remaining, over.message) == (1, -2, "vượt 2 suất HTXS")
    assert plan_quota(excellent=0, good=25, exception=True).remaining == 5


def test_planner_rejects_bad_counts_and_basis() -> None:
    with pytest.raises(BadInput, match="good"):
        plan_quota(excellent=0, good=-1)
    with pytest.raises(BadInput, match="quota_basis"):
        plan_quota(excellent=0, good=3, basis="everyone")


def test_rounding_is_a_parameter() -> None:
    assert max_excellent(7, basis=A, rounding="floor") == 1
    assert max_excellent(7, basis=A, rounding="half_up") == 1  # 1.4
    assert max_excellent(8, basis=A, rounding="half_up") == 2  # 1.6
    assert max_excellent(7, basis=A, rounding="ceil") == 2
    assert not _quota_finding(_group(2, 5, 2021, quota_basis=A, rounding="ceil"))
    assert _quota_finding(_group(2, 5, 2021, quota_basis=A))


bases = st.sampled_from([A, B])
roundings = st.sampled_from(["floor", "half_up", "ceil"])
ratios = st.sampled_from([20, 25])


@settings(max_examples=300, deadline=None)
@given(pool=st.integers(0, 2_000), basis=bases, pct=ratios)
def test_planner_never_proposes_more_than_the_cap(pool: int, basis: str, pct: int) -> None:
    n = max_excellent(pool, basis=basis, ratio_pct=pct)
    assert 0 <= n <= pool
    denominator = pool - n if basis == B else pool
    assert n * 100 <= pct * denominator  # the ratio really holds, in exact integers
    if n < pool:  # and it is the most: one more breaks it
        more = pool - n - 1 if basis == B else pool
        assert (n + 1) * 100 > pct * more


@settings(max_examples=300, deadline=None)
@given(excellent=st.integers(0, 400), good=st.integers(0, 400), basis=bases, pct=ratios, rounding=roundings)
def test_the_planner_and_the_regulation_agree(
    excellent: int, good: int, basis: str, pct: int, rounding: str
) -> None:
    # "HTXS ≤ pct% of HTT" as the text says it, versus "HTXS ≤ the pool's max" as the planner says it.
    as_written = excellent <= cap_for(
        excellent=excellent, good=good, basis=basis, ratio_pct=pct, rounding=rounding
    )
    planned = plan_quota(excellent=excellent, good=good, basis=basis, ratio_pct=pct, rounding=rounding)
    assert as_written == (planned.remaining >= 0)


@settings(max_examples=60, deadline=None)
@given(pool=st.integers(1, 60), basis=bases, exception=st.booleans())
def test_filling_every_planned_slot_passes_the_checker(pool: int, basis: str, exception: bool) -> None:
    plan = plan_quota(excellent=0, good=pool, basis=basis, exception=exception)
    data = {**_group(plan.max_excellent, pool - plan.max_excellent, quota_basis=basis)}
    if exception:
        data["quota_groups"] = {"g": {"exception": True}}
    result = check_json(data)
    assert result["valid"], result["findings"]
    assert result["quota_groups"]["g"]["remaining"] == 0


def test_planner_takes_its_parameters_from_a_regime() -> None:
    from kiemdiem.rules import regime_for_year

    assert plan_quota(excellent=0, good=25, exception=True, regime=regime_for_year(2025)).max_excellent == 5
    assert plan_quota(excellent=0, good=10, regime=regime_for_year(2021)).message == "còn 1 suất HTXS"
    with pytest.raises(BadInput, match="25%"):
        plan_quota(excellent=0, good=10, exception=True, regime=regime_for_year(2021))
