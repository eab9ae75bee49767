"""Creating a cycle's evaluations in batches (COPY on PostgreSQL, executemany on SQLite): counts, no duplicates,
progress, the defaults every new row carries, and the cycle's own record of who opened and synced it."""

from __future__ import annotations

import pytest

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, EvaluationState, SubjectType
from tests.conftest import make_members


def test_every_subject_is_written_once_in_batches_with_the_progress_moving(world, monkeypatch):
    make_members(world.cell_na_hang, 7)
    monkeypatch.setattr(actions, "BATCH", 3)  # several batches of a small province
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    heard: list[tuple[int, str]] = []
    added = actions.do_sync_cycle(cycle=cycle, progress=lambda pct, step: heard.append((pct, step)))
    rows = Evaluation.objects.filter(cycle=cycle)
    # 8 units (party organisations and the agency) + 9 members.
    assert added["evaluations"] == rows.count() == 8 + 9
    assert rows.filter(subject_type=SubjectType.PARTY_MEMBER).count() == 9
    writing = [pct for pct, step in heard if step == "Tạo bản đánh giá"]
    assert len(set(writing)) >= 6 and writing == sorted(writing)  # one step per batch of 3, never backwards
    assert heard[-1] == (100, "Đã xong")
    cycle.refresh_from_db()
    assert cycle.synced_at is not None


def test_text_with_tabs_newlines_and_backslashes_is_written_as_typed(world):
    """COPY's text format escapes them (a reason for not rating is free text in an import)."""
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    reason = "Miễn sinh hoạt\tđảng\nvì lý do\\sức khỏe \\N"
    row = actions.NewEvaluation(
        cycle.pk,
        SubjectType.PARTY_MEMBER,
        world.cell_na_hang.pk,
        world.member_na_hang.pk,
        not_rated_reason=reason,
    )
    assert actions._insert_evaluations([row]) == 1
    assert Evaluation.objects.get(cycle=cycle).not_rated_reason == reason


def test_a_new_row_carries_the_models_defaults_and_its_subjects_group_and_form(world):
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    actions.do_sync_cycle(cycle=cycle)
    ev = Evaluation.objects.get(
        cycle=cycle, person=world.member_na_hang, subject_type=SubjectType.PARTY_MEMBER
    )
    assert ev.state == EvaluationState.DRAFT and ev.version == 1
    assert ev.facts == {} and ev.criteria == {} and ev.self_review == {} and ev.votes == {}
    assert ev.self_rating == ev.proposed_rating == ev.decided_rating == ""
    assert ev.updated_at is not None and ev.score is None and ev.decided_by_id is None
    assert ev.form_code == "2B-HD KĐ.ĐG 2025"
    assert ev.quota_group.code == f"dv-{world.go_na_hang.code}"
    ev.facts = {"sick_leave_days": 3}  # an ordinary row: saved and read back as the ORM writes it
    ev.save()
    ev.refresh_from_db()
    assert ev.facts == {"sick_leave_days": 3}


def test_writing_the_same_subjects_twice_writes_them_once(world):
    """Two syncs at once: the second writer's rows for the same subjects are skipped by the unique constraints."""
    cycle = actions.do_open_cycle(unit=world.province, year=2026)

    def fresh() -> list[actions.NewEvaluation]:
        return [
            actions.NewEvaluation(
                cycle.pk, SubjectType.PARTY_MEMBER, p.home_cell_id, p.pk, form_code="2B-HD KĐ.ĐG 2025"
            )
            for p in (world.member_na_hang, world.member_lam_binh)
        ]

    assert actions._insert_evaluations(fresh()) == 2
    assert actions._insert_evaluations(fresh()) == 0
    assert Evaluation.objects.filter(cycle=cycle).count() == 2
    # and the tree's sync afterwards adds everything else, not these two again
    actions.do_sync_cycle(cycle=cycle)
    assert Evaluation.objects.filter(cycle=cycle, person=world.member_na_hang).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_sync_cut_short_is_finished_by_the_next_one(world, monkeypatch):
    """Each batch commits on its own: what a failed sync wrote stays, and the next sync adds only the rest."""
    make_members(world.cell_na_hang, 5)
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    monkeypatch.setattr(actions, "BATCH", 4)
    real = actions._insert_evaluations

    def failing(new, *, progress=None):  # type: ignore[no-untyped-def]
        def cut(done: int) -> None:
            if done >= 8:
                raise RuntimeError("the worker died")
            (progress or (lambda d: None))(done)

        return real(new, progress=cut)

    monkeypatch.setattr(actions, "_insert_evaluations", failing)
    with pytest.raises(RuntimeError):
        actions.do_sync_cycle(cycle=cycle)
    assert Evaluation.objects.filter(cycle=cycle).count() == 8  # two batches committed
    monkeypatch.setattr(actions, "_insert_evaluations", real)
    added = actions.do_sync_cycle(cycle=cycle)
    assert added["evaluations"] == 15 - 8  # 8 units and 7 members in all
    assert Evaluation.objects.filter(cycle=cycle).count() == 15
