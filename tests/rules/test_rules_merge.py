"""rules.merge: scenarios checked apart give what one check of their union gives, findings in the same order."""

from __future__ import annotations

import pytest

from kiemdiem.rules import check, merge, parse_scenario

from .test_rules_checks import agency, board, leader, org, pm


def _tree(ids: list[int], groups: tuple[str, str]) -> list[dict]:
    """A cell over quota in two groups, an HTXS cell with a failing member, and a head above the board."""
    e = iter(f"e{i}" for i in ids)
    first, second = groups
    members = [pm(next(e), "HTXS", first), pm(next(e), "HTXS", first), pm(next(e), "HTT", first)]
    members += [pm(next(e), "HTXS", second), pm(next(e), "KHT", second)]
    cell = org(next(e), "HTXS", [m["id"] for m in members])
    unit = agency(next(e), "HT")
    collective = board(next(e), "HTT", unit=unit["id"])
    head = leader(next(e), "HTXS", "head", collective=collective["id"], unit=unit["id"])
    return [*members, cell, unit, collective, head]


def _key(sid: str) -> int:
    return int(sid[1:])


def _scenario(subjects: list[dict]):  # type: ignore[no-untyped-def]
    return parse_scenario({"year": 2021, "subjects": sorted(subjects, key=lambda s: _key(s["id"]))})


def test_merged_results_equal_one_check_of_the_union() -> None:
    # Ids interleave between the trees and so do the group names, so order is really merged, not concatenated.
    a = _tree(list(range(1, 19, 2)), ("g1", "g3"))
    b = _tree(list(range(2, 20, 2)), ("g2", "g4"))
    whole = check(_scenario(a + b))
    merged = merge([check(_scenario(a)), check(_scenario(b))], key=_key)
    codes = [f.code for f in whole.findings]
    assert {"QUOTA_EXCELLENT", "ORG_EXCELLENT_CONDITIONS", "HEAD_ABOVE_COLLECTIVE"} <= set(codes)
    assert codes.count("QUOTA_EXCELLENT") == 4
    assert merged.findings == whole.findings
    assert list(merged.quota_groups.items()) == list(whole.quota_groups.items())
    assert merged == whole
    # The other order of the parts gives the same.
    assert merge([check(_scenario(b)), check(_scenario(a))], key=_key) == whole


def test_a_quota_group_in_two_parts_is_refused() -> None:
    a = _tree(list(range(1, 10)), ("g1", "g2"))
    b = _tree(list(range(10, 19)), ("g2", "g3"))
    with pytest.raises(ValueError, match='nhóm "g2"'):
        merge([check(_scenario(a)), check(_scenario(b))], key=_key)


def test_parts_of_different_years_are_refused() -> None:
    a = check(parse_scenario({"year": 2021, "subjects": [pm("e1", "HTT")]}))
    b = check(parse_scenario({"year": 2022, "subjects": [pm("e2", "HTT")]}))
    with pytest.raises(ValueError, match="không cùng"):
        merge([a, b], key=_key)
    with pytest.raises(ValueError, match="không có kết quả"):
        merge([], key=_key)
