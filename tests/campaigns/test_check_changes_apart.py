"""A save's rules judge its rows and count its quota groups, without reading the group's peers (issue 21).

All 20 cells of the write load's district count in one quota group of 621 members: every save judged the 621 rows'
facts twice (before and after) while holding the group's lock, so the district's saves queued behind each other.
`check_changes` now runs the rules over the changed rows and what a ceiling links them to, and counts each quota group
from its members' type and rating alone, as the pages do (`group_quota`). The verdicts must be the very ones of the
whole check (`whole=True` reads and judges every peer, as before).
"""

from __future__ import annotations

import pytest

from kiemdiem.campaigns import actions, compliance
from kiemdiem.campaigns.models import Evaluation, EvaluationState
from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import UnitKind
from tests.campaigns.helpers import propose, random_batches
from tests.conftest import make_members


@pytest.fixture
def group(world, cell_secretary):  # type: ignore[no-untyped-def]
    """Two cells of one grassroots committee (one quota group) at its cap: 10 HTT and 2 HTXS in all, one HTXS in
    each cell; the first cell's 12 members (1 HTXS, 8 HTT, 3 HT), the second's 6 (2 HTT, 1 HT, 1 HTXS, 1 KHT, one
    not proposed yet)."""
    other = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ dân phố số 2", kind=UnitKind.CELL, parent=world.go_na_hang
    )
    first = make_members(world.cell_na_hang, 12)
    second = make_members(other, 6, prefix="Q")
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    evs = list(Evaluation.objects.filter(cycle=cycle, person__in=first).order_by("person__code"))
    peers = list(Evaluation.objects.filter(cycle=cycle, person__in=second).order_by("person__code"))
    admin = cell_secretary.__class__.objects.create(
        username="tinhuy-apart", role="province_admin", unit=world.province, is_staff=True
    )
    levels = [(ev, "HTT") for ev in evs[1:9]] + [(ev, "HT") for ev in evs[9:]]
    levels += [(peers[0], "HTT"), (peers[1], "HTT"), (peers[2], "HT"), (peers[4], "KHT")]
    levels += [(evs[0], "HTXS"), (peers[3], "HTXS")]  # last: the cap counts the HTT already there
    for ev, level in levels:
        propose(admin, ev, level)
    assert len({ev.quota_group_id for ev in [*evs, *peers]}) == 1
    evs = [Evaluation.objects.get(pk=ev.pk) for ev in evs]
    peers = [Evaluation.objects.get(pk=ev.pk) for ev in peers]
    return cycle, evs, peers


def test_a_batchs_verdicts_are_those_of_the_whole_check(group):  # type: ignore[no-untyped-def]
    cycle, evs, peers = group
    rows = [*evs, *peers]
    refused = 0
    for ratings, states in random_batches(rows, seed=21, count=40, most=4):
        apart = compliance.check_changes(cycle, ratings, states=states)
        whole = compliance.check_changes(cycle, ratings, states=states, whole=True)
        assert sorted(apart, key=repr) == sorted(whole, key=repr), ratings
        refused += bool(apart)
    assert 5 <= refused <= 35  # the draws reach both verdicts: some batches refused (the cap), some accepted


def test_a_save_judges_its_rows_without_reading_its_groups_peers(group, monkeypatch):  # type: ignore[no-untyped-def]
    cycle, evs, peers = group
    read: list[int] = []
    rows_of = compliance._rows_of
    monkeypatch.setattr(compliance, "_rows_of", lambda ids: (read.extend(ids), rows_of(ids))[1])
    caused = compliance.check_changes(cycle, {evs[5].pk: "HT"}, states={evs[5].pk: EvaluationState.PROPOSED})
    # Still refused: 2 HTXS against 9 HTT is over the cap, naming who the HTXS are, the other cell's one too.
    assert [c.code for c in caused] == ["QUOTA_EXCELLENT"]
    assert "có 2 HTXS và 9 HTT" in caused[0].text
    assert evs[0].subject_name in caused[0].text and peers[3].subject_name in caused[0].text
    # Read: the changed row, then the two HTXS the refusal names; the group's other peers were only counted.
    assert sorted(read) == sorted([evs[5].pk, evs[0].pk, peers[3].pk])
    read.clear()
    assert compliance.check_changes(cycle, {evs[5].pk: "HTT", evs[6].pk: "HTT"}) == []
    assert sorted(read) == sorted([evs[5].pk, evs[6].pk])


def test_a_bulk_save_locks_only_the_rows_it_changes(group, cell_secretary, monkeypatch):  # type: ignore[no-untyped-def]
    """The form sends all 12 rows; one changed: only that row (and its quota group) is locked and judged again."""
    cycle, evs, peers = group
    locked: list[list[int]] = []
    lock_batch = actions._lock_batch
    monkeypatch.setattr(
        actions, "_lock_batch", lambda ids, **kw: (locked.append(sorted(ids)), lock_batch(ids, **kw))[1]
    )
    # The meeting's vote as recorded (9 of 10), but 8 in favour of the eleventh member's proposal now.
    rows = [actions.Proposal(ev, ev.proposed_rating, 8 if ev == evs[10] else 9, ev.version) for ev in evs]
    assert actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=10) == 1
    assert locked == [[evs[10].pk]]
    # A stale version on a row the form does not change is still refused, before any lock is taken.
    locked.clear()
    fresh = {ev.pk: ev for ev in Evaluation.objects.filter(pk__in=[ev.pk for ev in evs])}
    rows = [
        actions.Proposal(
            fresh[ev.pk],
            fresh[ev.pk].proposed_rating,
            8 if ev == evs[11] else 9,
            fresh[ev.pk].version - (ev == evs[3]),
        )
        for ev in evs
    ]
    with pytest.raises(actions.ConflictError):
        actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=10)
    assert locked == []
    assert Evaluation.objects.get(pk=evs[11].pk).votes["in_favour"] == 9  # nothing written


def test_a_save_the_rules_refuse_is_refused_without_waiting_for_the_lock(group, cell_secretary, monkeypatch):  # type: ignore[no-untyped-def]
    """Lowering a HTT in a group at its cap is refused on the read without a lock: nothing waits for the group's
    lock (held by the other cells' saves, or a district's import) only to be refused."""
    cycle, evs, peers = group
    locked: list[list[int]] = []
    lock_batch = actions._lock_batch
    monkeypatch.setattr(
        actions, "_lock_batch", lambda ids, **kw: (locked.append(sorted(ids)), lock_batch(ids, **kw))[1]
    )
    rows = [actions.Proposal(ev, "HT" if ev == evs[5] else ev.proposed_rating, 9, ev.version) for ev in evs]
    with pytest.raises(actions.RuleViolation) as info:
        actions.do_propose_ratings(user=cell_secretary, rows=rows, attendees=10)
    assert "có 2 HTXS và 9 HTT" in str(info.value) and "Dòng 6" in str(info.value)
    assert locked == []
    assert Evaluation.objects.get(pk=evs[5].pk).proposed_rating == "HTT"
