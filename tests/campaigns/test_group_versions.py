"""Each quota group's version, kept by database triggers (campaigns/group_versions.py): the rating page's key reads
one row per group instead of summing thousands of `updated_at` (issue 14's page, issue 21).

Each test reads the group's part of the key, writes through one path, and reads it again: a path the triggers did
not see would leave the key, and every page of the group cached with the old counts.
"""

from __future__ import annotations

import pytest
from django.db import connection

from kiemdiem.campaigns import actions, group_versions
from kiemdiem.campaigns.compliance import group_stamps, page_stamps
from kiemdiem.campaigns.models import Evaluation, QuotaGroup, QuotaGroupVersion, SubjectType
from tests.campaigns.helpers import propose
from tests.conftest import make_members


@pytest.fixture
def group(world):  # type: ignore[no-untyped-def]
    """Five members of Na Hang's cell in their grassroots quota group; the group and its members' evaluations."""
    make_members(world.cell_na_hang, 5)
    actions.ensure_evaluations(cycle=world.cycle_province)
    members = list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
        ).order_by("pk")
    )
    assert members and members[0].quota_group_id is not None
    return members[0].quota_group, members


def stamp(world, group) -> str:  # type: ignore[no-untyped-def]
    """The group's part of the cell's page key; the evaluation page's read of it must agree."""
    found = page_stamps(world.cycle_province, world.cell_na_hang).groups[group.pk]
    assert group_stamps(world.cycle_province, [group.pk]) == {group.pk: found}
    return found


def version_of(group) -> int:  # type: ignore[no-untyped-def]
    """0 while no counted row of the group was ever written (the key reads it so)."""
    found = QuotaGroupVersion.objects.filter(group_id=group.pk).values_list("version", flat=True).first()
    return found or 0


def test_the_key_reads_the_version_not_the_groups_rows(world, group):
    qg, _ = group
    assert group_versions.installed_triggers().keys() == set(group_versions.TRIGGER_NAMES)
    version = version_of(qg)
    assert stamp(world, qg) == f"gv{version}"


def test_a_proposal_through_the_actions_moves_it(world, group, cell_secretary):
    qg, members = group
    before = stamp(world, qg)
    propose(cell_secretary, members[0], "HTT")
    assert stamp(world, qg) != before


def test_a_decision_and_a_paper_decision_move_it(world, group, grassroots_officer, district_officer):
    qg, members = group
    propose(grassroots_officer, members[0], "HTT")
    propose(grassroots_officer, members[1], "HTT")
    before = stamp(world, qg)
    actions.do_decide_rating(
        user=grassroots_officer, evaluation=members[0], rating="HT"
    )  # out of the HTT count
    after = stamp(world, qg)
    assert after != before
    rows = [actions.Decision(members[1], "HT", source="tệp.xlsx, dòng 2")]
    checked = actions.check_paper_decisions(user=district_officer, rows=rows)
    assert actions.do_enter_paper_decisions(user=district_officer, rows=rows, checked=checked) == 1
    assert stamp(world, qg) != after


def test_an_order_that_clears_the_rating_moves_it(
    world, group, cell_secretary, grassroots_officer, district_officer
):
    qg, members = group
    ev = actions.do_decide_rating(
        user=grassroots_officer, evaluation=propose(cell_secretary, members[0], "HTT"), rating="HTT"
    )
    before = stamp(world, qg)
    actions.do_order(
        user=district_officer, evaluation=ev, kind="rerating", reason="Chưa hoàn thành chỉ tiêu."
    )
    assert stamp(world, qg) != before


def test_update_bulk_update_and_raw_sql_move_it(world, group):
    qg, members = group
    seen = {stamp(world, qg)}
    Evaluation.objects.filter(pk=members[0].pk).update(proposed_rating="HTT")
    seen.add(stamp(world, qg))
    members[1].decided_rating = "HTT"
    Evaluation.objects.bulk_update([members[1]], ["decided_rating"])
    seen.add(stamp(world, qg))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Evaluation._meta.db_table} SET proposed_rating = %s WHERE id = %s",
            ["HTXS", members[2].pk],
        )
    seen.add(stamp(world, qg))
    assert len(seen) == 4


def test_a_rated_member_who_comes_goes_or_changes_group_moves_it(world, group):
    qg, members = group
    Evaluation.objects.filter(pk__in=[members[0].pk, members[1].pk]).update(proposed_rating="HTT")
    other = QuotaGroup.objects.create(
        cycle=world.cycle_province, code="KHAC", name="Nhóm khác", subject_type=SubjectType.PARTY_MEMBER
    )
    before, before_other = stamp(world, qg), group_stamps(world.cycle_province, [other.pk])[other.pk]
    Evaluation.objects.filter(pk=members[0].pk).update(quota_group=other)  # both groups' counts change
    moved, moved_other = stamp(world, qg), group_stamps(world.cycle_province, [other.pk])[other.pk]
    assert moved != before and moved_other != before_other
    Evaluation.objects.filter(pk=members[1].pk).delete()
    deleted = stamp(world, qg)
    assert deleted != moved
    (person,) = make_members(world.cell_na_hang, 1, prefix="N")
    rated = Evaluation.objects.get(pk=members[2].pk)
    rated.pk, rated.person, rated.proposed_rating = None, person, "HTXS"
    Evaluation.objects.bulk_create([rated])
    assert stamp(world, qg) != deleted


def test_the_groups_exception_moves_it(world, group):
    qg, _ = group
    before = stamp(world, qg)
    QuotaGroup.objects.filter(pk=qg.pk).update(has_exception=True)
    assert stamp(world, qg) != before


def test_a_write_the_count_does_not_read_leaves_it_and_its_lock(
    world, group, cell_secretary, grassroots_officer
):
    """A self-review, a verification, an evaluation made unrated, a decision of HT on a proposal of HT: the group's
    tally (its HTXS and HTT) is the same, so no lock on the group's version row, and its pages stay cached."""
    from tests.campaigns.helpers import submit_self_review

    qg, members = group
    propose(grassroots_officer, members[2], "HT")
    before = version_of(qg)
    submit_self_review(cell_secretary, members[0], "HTT")
    Evaluation.objects.filter(pk=members[1].pk).update(verification_note="Ghi chú.", state="verified")
    actions.do_decide_rating(user=grassroots_officer, evaluation=members[2], rating="HT")
    make_members(world.cell_na_hang, 1, prefix="N")
    actions.ensure_evaluations(cycle=world.cycle_province)
    assert Evaluation.objects.filter(quota_group=qg).count() == len(members) + 1
    assert version_of(qg) == before


def test_a_group_without_members_is_counted_again_when_an_unrated_one_comes(world, group):
    """The one change of a group's count that moves no version: its first member, unrated."""
    from kiemdiem.campaigns.compliance import check_apart, with_group_quotas

    qg, members = group
    other = QuotaGroup.objects.create(
        cycle=world.cycle_province, code="KHAC", name="Nhóm khác", subject_type=SubjectType.PARTY_MEMBER
    )
    cycle = world.cycle_province
    ev = Evaluation.objects.select_related("person", "unit", "quota_group", "collective").get(
        pk=members[0].pk
    )

    def plans():  # type: ignore[no-untyped-def]
        apart = check_apart(cycle, [ev], whole_unit=False)
        return with_group_quotas(cycle, apart, group_stamps(cycle, [other.pk]), [ev.pk]).result.quota_groups

    assert "KHAC" not in plans()
    version = group_stamps(cycle, [other.pk])
    Evaluation.objects.filter(pk=ev.pk).update(quota_group=other)
    assert group_stamps(cycle, [other.pk]) == version  # unrated: nothing counted moved
    assert plans()["KHAC"].good == 0


@pytest.mark.django_db(transaction=True)
def test_without_the_triggers_the_key_sums_the_rows_and_installing_them_moves_every_group(world, group):
    qg, members = group
    with connection.cursor() as cursor:
        for name in group_versions.TRIGGER_NAMES:
            cursor.execute(
                f"DROP TRIGGER {name} ON campaigns_evaluation"
                if connection.vendor == "postgresql"
                else f"DROP TRIGGER {name}"
            )
    try:
        summed = stamp(world, qg)
        assert "@" in summed  # the count and the sum of `updated_at`, as before the triggers
        propose_at = Evaluation.objects.get(pk=members[0].pk).updated_at
        Evaluation.objects.filter(pk=members[0].pk).update(
            proposed_rating="HTT", updated_at=propose_at.replace(year=2030)
        )
        assert stamp(world, qg) != summed
        version = version_of(qg)
    finally:
        assert group_versions.install_triggers(connection)
    assert version_of(qg) == version + 1
    assert stamp(world, qg) == f"gv{version + 1}"
