"""PostgreSQL: a secretary's save and a district's paper import in the same quota group at the same moment (issue 21).

Both take the group's lock in the same order (groups by id, then rows by id): neither waits on the other for long,
neither deadlocks, and the HTXS cap holds whichever lands first; the import stays all or nothing.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import RuleViolation, ensure_evaluations
from kiemdiem.campaigns.models import AuditRecord, Evaluation, EvaluationState
from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members
from tests.imports.helpers import xlsx
from tests.trust.test_concurrency import run_together, slowed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises every write anyway")


def group_of_twelve(world, secretary) -> list[Evaluation]:  # type: ignore[no-untyped-def]
    """Twelve members of one cell proposed HTT (one grassroots committee's quota group); two graded themselves
    excellent on every criterion, so the rules allow them HTXS."""
    make_members(world.cell_na_hang, 12)
    ensure_evaluations(cycle=world.cycle_province)
    evs = list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, person__home_cell=world.cell_na_hang, subject_type="party_member"
        )
        .exclude(person=world.member_na_hang)
        .order_by("pk")
    )
    assert len(evs) == 12
    for ev in evs[:2]:
        submit_self_review(secretary, ev, "HTXS")
    for ev in evs:
        propose(secretary, ev, "HTT")
    return evs


def excellent_within_cap(world) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The group's HTXS and its cap (20 % of the HTT, rounded down) as saved; the cap holds when first ≤ second."""
    levels = [
        ev.decided_rating or ev.proposed_rating
        for ev in Evaluation.objects.filter(
            cycle=world.cycle_province, person__home_cell=world.cell_na_hang, subject_type="party_member"
        )
    ]
    excellent, good = levels.count("HTXS"), levels.count("HTT")
    return excellent, 20 * (excellent + good) // 120


@pytest.mark.parametrize("save_after", [0.0, 0.3, 0.8])
@pytest.mark.parametrize("excellent_in_file", [1, 2])
def test_a_save_and_an_import_in_one_group_both_finish_and_the_cap_holds(
    world, cell_secretary, district_officer, monkeypatch, save_after, excellent_in_file
):
    evs = group_of_twelve(world, cell_secretary)
    # The file decides six members, `excellent_in_file` of them HTXS; the secretary lowers a seventh to HT. Alone
    # each is allowed. Together: with one HTXS the group stays within its cap (1 of 10 HTT); with two it does not
    # (2 HTXS, 9 HTT, cap 1), so whichever lands second is refused, whole.
    rows = [
        ["Đảng viên", ev.person.code, None, None, "HTXS" if i < excellent_in_file else "HTT", "05/01/2022"]
        for i, ev in enumerate(evs[:6])
    ]
    content = xlsx("ratings", rows)
    slowed(
        monkeypatch, "_refuse_rule_breaks", 0.3
    )  # each check holds its transaction (and its locks) a while
    slowed(monkeypatch, "_write_each", 0.3)

    def save():  # type: ignore[no-untyped-def]
        time.sleep(save_after)
        return actions.do_record_meeting(
            user=cell_secretary,
            evaluation=evs[8],
            comments="",
            attendees=10,
            votes_for=9,
            proposed_rating="HT",
        )

    def import_file():  # type: ignore[no-untyped-def]
        return do_import_workbook(
            user=district_officer,
            kind="ratings",
            content=content,
            file_name="bien-ban.xlsx",
            cycle=world.cycle_province,
        )

    started = time.monotonic()
    saved, imported = run_together(save, import_file)
    assert (
        time.monotonic() - started < 30
    )  # no deadlock: PostgreSQL would have broken one after a second anyway
    for outcome in (saved, imported):
        assert not isinstance(outcome, Exception) or isinstance(outcome, RuleViolation | ImportRefused), (
            outcome
        )
    excellent, cap = excellent_within_cap(world)
    assert excellent <= cap
    decided = Evaluation.objects.filter(pk__in=[ev.pk for ev in evs[:6]], state=EvaluationState.DECIDED)
    written = AuditRecord.objects.filter(evaluation__in=evs[:6], action="import").count()
    if excellent_in_file == 1:
        assert not isinstance(saved, Exception) and not isinstance(imported, Exception), (saved, imported)
    else:
        assert isinstance(saved, Exception) != isinstance(imported, Exception), (saved, imported)
    if isinstance(imported, Exception):
        assert decided.count() == 0 and written == 0  # all or nothing
        assert "HTXS" in imported.errors[0]  # type: ignore[union-attr]
    else:
        assert decided.count() == 6 and written == 6
    level = Evaluation.objects.get(pk=evs[8].pk).proposed_rating
    assert level == ("HTT" if isinstance(saved, Exception) else "HT")
