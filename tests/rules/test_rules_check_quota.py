"""`check_quota`: the quota rule over groups counted elsewhere gives what `check` gives over the subjects themselves.

The database counts a quota group with a GROUP BY (issue 21: counting a grassroots committee's members one by one
was 15 % of the server's CPU under the write load); the plans, findings, messages, citations and verified flags must
be the engine's own, under every regime, with and without the cap on party organisations and agencies.
"""

from __future__ import annotations

import random

import pytest

from kiemdiem.rules import (
    QuotaGroupSettings,
    QuotaTally,
    Rating,
    Role,
    Subject,
    SubjectType,
    check,
    check_quota,
    make_scenario,
)

RATINGS = [Rating.HTXS, Rating.HTT, Rating.HT, Rating.KHT, None]


def _tallies(subjects: list[Subject]) -> dict[str, QuotaTally]:
    """Each group's tally as a GROUP BY gives it: kinds by first subject, HTT per kind, HTXS in subject order."""
    kinds: dict[str, dict[SubjectType, None]] = {}
    good: dict[str, dict[SubjectType, int]] = {}
    excellent: dict[str, list[tuple[str, SubjectType]]] = {}
    for s in subjects:
        if s.quota_group is None:
            continue
        kinds.setdefault(s.quota_group, {}).setdefault(s.type, None)
        counts = good.setdefault(s.quota_group, {})
        if s.rating is Rating.HTT:
            counts[s.type] = counts.get(s.type, 0) + 1
        elif s.rating is Rating.HTXS:
            excellent.setdefault(s.quota_group, []).append((s.id, s.type))
    return {g: QuotaTally(tuple(kinds[g]), good[g], tuple(excellent.get(g, ()))) for g in sorted(kinds)}


def _subjects(rng: random.Random, n: int) -> list[Subject]:
    types = list(SubjectType)
    subjects = []
    for i in range(n):
        kind = rng.choice(types)
        group = rng.choice(["g1", "g2", "g3", "tc", None])
        role = Role.MEMBER if kind is SubjectType.LEADER else None
        # Mostly HTT and HTXS, so that groups go over their cap (findings) as often as not.
        rating = rng.choices(RATINGS, weights=[3, 8, 2, 1, 1])[0]
        subjects.append(Subject(f"s{i}", kind, rating, group, role))
    return subjects


# 2020, 2022: HD 21 caps no party organisation or agency; 2021: Tuyên Quang's CV 854 does; 2024, 2026: QĐ 124, 366.
@pytest.mark.parametrize("year", [2020, 2021, 2022, 2024, 2026])
def test_check_quota_gives_the_plans_and_findings_of_check(year: int) -> None:
    rng = random.Random(year)
    for _ in range(60):
        subjects = _subjects(rng, rng.randint(0, 40))
        exceptions = (
            {
                g: QuotaGroupSettings(exception=True)
                for g in rng.sample(["g1", "tc", "empty"], rng.randint(0, 2))
            }
            if year >= 2025
            else {}
        )
        whole = check(make_scenario(year, subjects, quota_groups=exceptions))
        counted = check_quota(year, _tallies(subjects), quota_groups=exceptions)
        assert counted.quota_groups == whole.quota_groups
        assert counted.findings == tuple(f for f in whole.findings if f.code == "QUOTA_EXCELLENT")
        assert (counted.regime, counted.overlay, counted.year) == (whole.regime, whole.overlay, whole.year)


def test_the_org_cap_and_the_first_counted_kind_follow_the_regime() -> None:
    """A group whose first subject is a party organisation: without the organisations' cap (2022) the group is the
    members', cited as theirs; with it (2026), the organisations' clause is cited and they are counted."""
    org, member = SubjectType.PARTY_ORGANIZATION, SubjectType.PARTY_MEMBER
    tally = QuotaTally((org, member), {org: 1, member: 4}, (("o1", org), ("m1", member), ("m2", member)))
    off = check_quota(2022, {"g": tally})
    assert (off.quota_groups["g"].excellent, off.quota_groups["g"].good) == (2, 4)
    assert off.findings[0].subjects == ("m1", "m2")
    assert off.findings[0].citation.article == "Mục II, điểm B, tiết 2"  # HD 21's clause for members
    on = check_quota(2026, {"g": tally})
    assert (on.quota_groups["g"].excellent, on.quota_groups["g"].good) == (3, 5)
    assert on.findings[0].subjects == ("o1", "m1", "m2")
    # Only organisations, not capped: no plan, unless the group has its exception (planned at 0 as `check` does).
    only_orgs = {"g": QuotaTally((org,), {org: 3}, (("o1", org),))}
    assert check_quota(2022, only_orgs).quota_groups == {}
    excepted = check_quota(2026, {}, quota_groups={"x": QuotaGroupSettings(exception=True)})
    assert excepted.quota_groups["x"].max_excellent == 0 and excepted.findings == ()
