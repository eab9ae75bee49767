"""A district's paper ratings are checked before any lock, then written in a few statements (issue 21).

The file is judged whole without a lock; the write takes the quota groups' and rows' locks and judges again only
the groups a save changed in between; one UPDATE per thousand rows and one audit record per change.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import ensure_evaluations
from kiemdiem.campaigns.models import AuditRecord, Evaluation
from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.models import JobStatus
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import Person
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members
from tests.imports.helpers import snapshot, xlsx

pytestmark = pytest.mark.django_db


def paper_row(code: str, rating: str, day: int = 5) -> list[object]:
    """A member's line of a paper file; each committee dates its own decision (days of January 2022)."""
    return ["Đảng viên", code, None, None, rating, f"{day:02d}/01/2022", None, None]


def run(user, cycle, rows, progress=None):  # type: ignore[no-untyped-def]
    return do_import_workbook(
        user=user,
        kind="ratings",
        content=xlsx("ratings", rows),
        file_name="bien-ban.xlsx",
        cycle=cycle,
        progress=progress,
    )


def members_with_evaluations(world, count, cell=None, prefix="M"):  # type: ignore[no-untyped-def]
    """Members whose evaluations the cycle made already (the import then only writes their decisions)."""
    people = make_members(cell or world.cell_na_hang, count, prefix=prefix)
    ensure_evaluations(cycle=world.cycle_province)
    return people


def evaluations_of(world, people):  # type: ignore[no-untyped-def]
    return list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, person__in=people, subject_type="party_member"
        ).order_by("person_id")
    )


def dated_rows(people: list[Person]) -> list[list[object]]:
    # Dated on different days, as committees date them: the rows' values differ from row to row.
    return [paper_row(p.code, "HT" if i % 3 else "HTT", day=1 + i % 28) for i, p in enumerate(people)]


def test_an_import_writes_n_ratings_and_their_audit_records_in_a_number_of_queries_that_does_not_grow(
    district_officer, world, django_assert_max_num_queries
):
    few = members_with_evaluations(world, 3, prefix="S")
    with CaptureQueriesContext(connection) as queries:
        assert run(district_officer, world.cycle_province, dated_rows(few))["ratings"] == 3
    people = members_with_evaluations(world, 60)
    audits = AuditRecord.objects.count()
    with django_assert_max_num_queries(len(queries.captured_queries)):
        assert run(district_officer, world.cycle_province, dated_rows(people))["ratings"] == 60
    evs = evaluations_of(world, people)
    assert [(ev.state, ev.decided_rating) for ev in evs] == [
        ("decided", "HT" if i % 3 else "HTT") for i in range(60)
    ]
    assert {ev.decided_on.day for ev in evs} == set(range(1, 29))
    assert all(ev.deciding_unit_id == world.go_na_hang.pk and ev.version > 1 for ev in evs)
    # One record per change: the level (naming the file and its row), and the state moved to "decided".
    assert AuditRecord.objects.filter(evaluation__in=evs, action="import").count() == 60
    assert AuditRecord.objects.filter(evaluation__in=evs, action="state", new_value="decided").count() == 60
    assert AuditRecord.objects.count() - audits == 120
    record = AuditRecord.objects.get(evaluation=evs[10], action="import")
    assert (record.old_value, record.new_value, record.user_id) == ("", "HT", district_officer.pk)
    assert record.reason == "Nhập từ tệp “bien-ban.xlsx”, dòng 12"


def test_one_bad_row_refuses_the_whole_file_naming_its_row_and_rule(district_officer, world):
    people = members_with_evaluations(world, 30)
    Person.objects.filter(pk=people[14].pk).update(is_suspended=True)
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        run(district_officer, world.cycle_province, [paper_row(p.code, "HT") for p in people])
    assert caught.value.errors == [
        f"Dòng 16: không thể xếp mức HT: “{people[14].full_name}” đang bị đình chỉ sinh hoạt đảng nên không "
        "được xếp loại, nhưng đang có mức HT. (HD 21-HD/BTCTW, Mục II, tiểu mục 6)."
    ]
    assert snapshot() == before
    assert not Evaluation.objects.filter(person__in=people, state="decided").exists()


def counted_checks(monkeypatch) -> list[dict[int, str | None]]:  # type: ignore[no-untyped-def]
    """Every run of the rules over a batch of changes, with the ratings it judged."""
    seen: list[dict[int, str | None]] = []
    original = actions.check_changes

    def spy(cycle, ratings, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(dict(ratings))
        return original(cycle, ratings, **kwargs)

    monkeypatch.setattr(actions, "check_changes", spy)
    return seen


def saving_while_writing(action):  # type: ignore[no-untyped-def]
    """A progress callback that saves something the moment the import turns from checking to writing."""

    def progress(status: str, pct: int) -> None:
        if status == JobStatus.WRITING:
            action()

    return progress


def test_nothing_moved_since_the_check_and_the_rules_do_not_run_again_under_the_lock(
    district_officer, cell_secretary, world, monkeypatch
):
    people = members_with_evaluations(world, 12)
    others = members_with_evaluations(world, 3, cell=world.cell_lam_binh)
    lam_binh_secretary = type(cell_secretary).objects.create(
        username="chibo-lb", role="cell_secretary", unit=world.cell_lam_binh
    )
    seen = counted_checks(monkeypatch)
    # A save in another grassroots committee's group between the check and the write changes nothing here.
    progress = saving_while_writing(
        lambda: propose(lam_binh_secretary, evaluations_of(world, others)[0], "HTT")
    )
    rows = [paper_row(p.code, "HTT") for p in people]
    before = len(seen)
    run(district_officer, world.cycle_province, rows, progress)
    files = [ratings for ratings in seen[before:] if len(ratings) == 12]
    assert len(files) == 1  # the check without a lock; none under it


def test_a_save_in_the_files_group_meanwhile_is_judged_under_the_lock_and_can_refuse_the_file(
    district_officer, cell_secretary, world, monkeypatch
):
    people = members_with_evaluations(world, 12)
    evs = evaluations_of(world, people)
    for ev in evs[:2]:  # their own criteria allow HTXS
        submit_self_review(cell_secretary, ev, "HTXS")
    for ev in evs:
        propose(cell_secretary, ev, "HTT")
    # The file decides six of them: two HTXS, four HTT; with the six others still HTT, 2 HTXS of 12 is the cap.
    rows = [paper_row(p.code, "HTXS" if i < 2 else "HTT") for i, p in enumerate(people[:6])]
    seen = counted_checks(monkeypatch)
    # Between the check and the write the secretary lowers one of the others: alone that is allowed (no HTXS
    # saved yet), but with the file's two HTXS the group is over its cap. The write sees it under the lock.
    progress = saving_while_writing(lambda: propose(cell_secretary, evs[8], "HT"))
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        run(district_officer, world.cycle_province, rows, progress)
    errors = caught.value.errors
    assert [e[:31] for e in errors] == ["Dòng 2: không thể xếp mức HTXS:", "Dòng 3: không thể xếp mức HTXS:"]
    assert "vượt" in errors[0] and "ghi rõ lý do ở cột «Lý do»" in errors[0]
    assert (
        snapshot()["AuditRecord"] == before["AuditRecord"] + 1
    )  # the secretary's save, and nothing of the file
    assert not Evaluation.objects.filter(pk__in=[ev.pk for ev in evs], state="decided").exists()
    assert Evaluation.objects.get(pk=evs[8].pk).proposed_rating == "HT"
    # Judged twice: the whole file without a lock, then under it only the rows of the group that moved.
    assert [sorted(r) for r in seen if len(r) > 1] == [sorted(ev.pk for ev in evs[:6])] * 2


def test_a_row_of_the_file_saved_meanwhile_is_judged_again_whole(district_officer, cell_secretary, world):
    people = members_with_evaluations(world, 4)
    evs = evaluations_of(world, people)
    for ev in evs:
        propose(cell_secretary, ev, "HTT")
    progress = saving_while_writing(lambda: propose(cell_secretary, evs[0], "HT"))
    summary = run(
        district_officer, world.cycle_province, [paper_row(p.code, "HTT") for p in people], progress
    )
    assert summary["ratings"] == 4
    ev = Evaluation.objects.get(pk=evs[0].pk)
    assert (ev.state, ev.proposed_rating, ev.decided_rating) == ("decided", "HT", "HTT")
    # The audit records written before the lock were taken back: one per change, as written the usual way.
    for ev in evs:
        assert ev.audit_records.filter(action="import").count() == 1
        assert ev.audit_records.filter(action="state", new_value="decided").count() == 1


def test_the_write_compares_exactly_what_the_check_read(district_officer, world):
    """Under the lock a members' file reads its quota groups in one query: the same rows the check's `touching` read."""
    people = members_with_evaluations(world, 5)
    make_members(world.cell_lam_binh, 2)  # another group: read by neither
    ensure_evaluations(cycle=world.cycle_province)
    rows = [actions.Decision(ev, "HTT", source="tệp, dòng 2") for ev in evaluations_of(world, people)]
    checked = actions.check_paper_decisions(user=district_officer, rows=rows)
    ids = sorted(ev.pk for _, _, ev, _, _ in checked.todo)
    assert len(ids) == 5 and set(ids) <= set(checked.read)
    assert actions._read_now(world.cycle_province, checked.todo, ids) == checked.read


def test_a_row_changed_after_the_check_under_the_lock_is_caught_by_its_own_write(
    district_officer, world, monkeypatch
):
    """A members' file is not read again row by row under the lock: its UPDATE writes a row only if its version is
    still the checked one. A writer that takes no group lock (facts, a self-review) changing a row just then sends
    the file the usual way (groups, rows, check, write), written once, one audit record per change."""
    from django.db.models import F

    people = members_with_evaluations(world, 4)
    evs = evaluations_of(world, people)
    original = actions._judged_where_moved

    def then_a_facts_save(*args, **kwargs):  # type: ignore[no-untyped-def]
        passed = original(*args, **kwargs)
        Evaluation.objects.filter(pk=evs[2].pk).update(version=F("version") + 1)
        # ... audited by the same officer: taking back the file's early audit records must leave this one.
        AuditRecord.objects.create(
            evaluation=evs[2], action="facts", field="facts", new_value="x", user=district_officer
        )
        return passed

    monkeypatch.setattr(actions, "_judged_where_moved", then_a_facts_save)
    seen = counted_checks(monkeypatch)
    summary = run(district_officer, world.cycle_province, [paper_row(p.code, "HT") for p in people])
    assert summary["ratings"] == 4
    assert (
        len(seen) == 2
    )  # the check without a lock, then the whole file again under it: the stale row was seen
    for ev in evs:
        ev.refresh_from_db()
        assert (ev.state, ev.decided_rating) == ("decided", "HT")
        assert ev.audit_records.filter(action="import").count() == 1
        assert ev.audit_records.filter(action="state", new_value="decided").count() == 1
    assert (
        Evaluation.objects.get(pk=evs[2].pk).version == evs[0].version + 1
    )  # the facts' save, then the file's
    assert evs[2].audit_records.filter(action="facts", user=district_officer).count() == 1
