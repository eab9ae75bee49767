"""A quota group counted by the database, judged by the engine's quota rule: the whole check's plans and findings.

`group_quota` (the pages' meters) and `check_changes` (every save, before its lock and under it) no longer read each
member of a group into Python and run the whole engine over them (issue 21: 15 % of the server's CPU under the write
load); they count the group with a GROUP BY and hand the tally to `rules.check_quota`. What they give must be what
the whole check over every member gives: with an exception group, with and without the cap on party organisations
and agencies (2022: HD 21 alone; 2026: QĐ 366), a decided rating over a proposed one, '' for no rating, and a group
mixing kinds of subjects (the kind of its first counted subject picks the citation).
"""

from __future__ import annotations

import random

import pytest

from kiemdiem import rules
from kiemdiem.campaigns import actions, compliance
from kiemdiem.campaigns.models import Evaluation, EvaluationState, QuotaGroup, SubjectType
from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import UnitKind
from tests.campaigns.helpers import random_batches
from tests.conftest import make_members

# (decided, proposed): the rating counted is the decided one, else the proposed one; '' is no rating.
RATED = [
    ("", ""),
    ("", "HTXS"),
    ("", "HTT"),
    ("", "HT"),
    ("HTT", "HTXS"),
    ("HT", "HTXS"),
    ("HTXS", "HTT"),
    ("HTXS", ""),
    ("HTT", ""),
    ("KHT", "HTT"),
]


@pytest.fixture(params=[2022, 2026])
def rated(request, world):  # type: ignore[no-untyped-def]
    """A cycle of the year with two cells of members, a party organisation, an agency, collectives and leaders, a
    group mixing every kind (the exception under QĐ 366), and random decided and proposed ratings."""
    year = request.param
    other = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ dân phố số 2", kind=UnitKind.CELL, parent=world.go_na_hang
    )
    make_members(world.cell_na_hang, 14)
    make_members(other, 9, prefix="Q")
    cycle = actions.do_open_cycle(unit=world.province, year=year)
    actions.ensure_evaluations(cycle=cycle)
    evaluations = list(Evaluation.objects.filter(cycle=cycle).order_by("pk"))
    mixed = QuotaGroup.objects.create(
        cycle=cycle,
        code="HON-HOP",
        name="Nhóm hỗn hợp",
        subject_type=SubjectType.PARTY_MEMBER,
        has_exception=year >= 2025,
    )
    # Every party organisation, agency, collective and leader, and every third member, in the mixed group.
    members = [ev for ev in evaluations if ev.subject_type == SubjectType.PARTY_MEMBER]
    moved = [ev.pk for ev in evaluations if ev.subject_type != SubjectType.PARTY_MEMBER] + [
        ev.pk for ev in members[::3]
    ]
    Evaluation.objects.filter(pk__in=moved).update(quota_group=mixed)
    rng = random.Random(year)
    for ev in evaluations:
        decided, proposed = rng.choice(RATED)
        state = EvaluationState.DECIDED if decided else EvaluationState.PROPOSED
        Evaluation.objects.filter(pk=ev.pk).update(
            decided_rating=decided, proposed_rating=proposed, state=state
        )
    kinds = set(
        Evaluation.objects.filter(cycle=cycle, quota_group=mixed).values_list("subject_type", flat=True)
    )
    assert {SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY, SubjectType.PARTY_MEMBER} <= kinds
    return cycle


def _whole(result: rules.Result) -> dict[str, tuple[rules.QuotaPlan | None, rules.Finding | None]]:
    """Each group's plan and HTXS-over-the-cap finding in a whole check (one finding per group over its cap, in
    the order of the group codes)."""
    over = sorted(code for code, plan in result.quota_groups.items() if plan.excellent > plan.max_excellent)
    found = dict(zip(over, (f for f in result.findings if f.code == "QUOTA_EXCELLENT"), strict=True))
    return {code: (plan, found.get(code)) for code, plan in result.quota_groups.items()}


def test_a_group_counted_in_sql_is_planned_and_judged_as_the_whole_check_does(
    rated, django_assert_num_queries
):  # type: ignore[no-untyped-def]
    cycle = rated
    whole = _whole(compliance.check_cycle(cycle))
    groups = list(QuotaGroup.objects.filter(cycle=cycle).order_by("code"))
    with_members = set(
        Evaluation.objects.filter(cycle=cycle, quota_group__isnull=False).values_list(
            "quota_group_id", flat=True
        )
    )
    findings = 0
    for group in groups:
        with django_assert_num_queries(1):  # one count, whatever the group's size; no member read
            counted = compliance.group_quota(cycle, group.pk)
        if group.pk not in with_members:
            assert counted == compliance.GroupQuota("", None, None)
            continue
        assert counted.code == group.code
        assert (counted.plan, counted.finding) == whole.get(group.code, (None, None)), group.code
        findings += counted.finding is not None
    assert findings >= 1  # the draws put some group over its cap
    mixed = whole["HON-HOP"][0]
    assert mixed is not None
    # The party organisations and the agency count under QĐ 366, not under HD 21 alone (2022).
    orgs = Evaluation.objects.filter(
        cycle=cycle,
        quota_group__code="HON-HOP",
        subject_type__in=[SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY],
    )
    rated_orgs = sum(1 for ev in orgs if (ev.decided_rating or ev.proposed_rating) in ("HTXS", "HTT"))
    assert rated_orgs > 0
    members_only = Evaluation.objects.filter(cycle=cycle, quota_group__code="HON-HOP").exclude(
        subject_type__in=[SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY]
    )
    pool = sum(1 for ev in members_only if (ev.decided_rating or ev.proposed_rating) in ("HTXS", "HTT"))
    assert mixed.excellent + mixed.good == (pool + rated_orgs if cycle.year >= 2023 else pool)


def test_a_batchs_quota_verdicts_are_those_of_the_whole_check(rated):  # type: ignore[no-untyped-def]
    """Random batches over every kind of subject: the count in SQL with the batch's rows added before and after
    blames the same changes, with the same text, as the whole check over every member."""
    cycle = rated
    rows = list(Evaluation.objects.filter(cycle=cycle, quota_group__isnull=False).order_by("pk"))
    refused = 0
    for ratings, states in random_batches(rows, seed=cycle.year + 1, count=30, most=5):

        def quota(caused: list[compliance.Caused]) -> list[compliance.Caused]:
            return sorted((c for c in caused if c.code == "QUOTA_EXCELLENT"), key=repr)

        apart = quota(compliance.check_changes(cycle, ratings, states=states))
        whole = quota(compliance.check_changes(cycle, ratings, states=states, whole=True))
        assert apart == whole, ratings
        refused += bool(apart)
    assert refused >= 3
