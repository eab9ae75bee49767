"""check_cycle over separate trees in processes, and `kiemdiem compliance`: the same findings as one pass."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from kiemdiem.campaigns import compliance
from kiemdiem.campaigns.compliance import check_cycle
from kiemdiem.campaigns.models import Cycle, Evaluation, QuotaGroup
from kiemdiem.demo.province import build_demo_province
from kiemdiem.orgs.models import SEGMENT_WIDTH, Unit
from kiemdiem.reports.queries import FINDING_LABELS

pytestmark = pytest.mark.slow  # subprocesses, servers or every URL × every role: left out by make test-fast


def _detach(code: str) -> Unit:
    """Make the unit a root of its own: its subtree's paths lose the province's prefix."""
    unit = Unit.objects.get(code=code)
    cut = len(unit.parent.path)  # type: ignore[union-attr]
    subtree = list(Unit.objects.filter(path__startswith=unit.path))
    for u in subtree:
        u.path = u.path[cut:]
        u.depth = len(u.path) // SEGMENT_WIDTH - 1
        if u.pk == unit.pk:
            u.parent = None
    Unit.objects.bulk_update(subtree, ["path", "depth", "parent"])
    return Unit.objects.get(pk=unit.pk)


def _split_shared_groups(cycle: Cycle, root: Unit) -> int:
    """Give the detached tree's evaluations their own copy of every quota group they share with the rest."""
    split = 0
    if connection.vendor == "postgresql":
        # Statistics of the rows just built: planned from those of an earlier test's tables (no rows), this join
        # once ran nested loops for minutes on the whole suite's second PostgreSQL run (docs/performance.md).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE campaigns_evaluation, orgs_unit, campaigns_quotagroup")
    inside = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=root.path)
    for group in QuotaGroup.objects.filter(cycle=cycle, evaluations__in=inside).distinct():
        if group.evaluations.exclude(unit__path__startswith=root.path).exists():
            copy = QuotaGroup.objects.create(
                cycle=cycle, code=f"{group.code}-tach", name=group.name, subject_type=group.subject_type
            )
            inside.filter(quota_group=group).update(quota_group=copy)
            split += 1
    return split


@pytest.mark.django_db(transaction=True)
def test_separate_trees_checked_in_processes_equal_one_pass(empty_db) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the processes read committed rows over their own connections: PostgreSQL only")
    build_demo_province(members=400, seed=5, with_accounts=False, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    root = _detach("NH")
    roots = sorted(Unit.objects.filter(parent=None).values_list("path", flat=True))
    assert len(roots) == 2

    # The district's organisations still share the province's quota groups: checked apart, a group would be
    # counted twice; check_cycle sees that and falls back to one pass.
    one_pass = check_cycle(cycle)
    with pytest.raises(compliance._SharedQuotaGroup):
        compliance._check_trees(cycle, roots, 2)
    assert check_cycle(cycle, workers=2) == one_pass

    assert _split_shared_groups(cycle, root) > 0
    one_pass = check_cycle(cycle)
    apart = compliance._check_trees(cycle, roots, 2)
    assert apart == one_pass
    # The test process may run other threads by now (earlier tests leave some): say it does not, and check that
    # check_cycle then hands the trees to the processes.
    with (
        mock.patch.object(compliance.threading, "active_count", return_value=1),
        mock.patch.object(compliance, "_check_trees", wraps=compliance._check_trees) as spy,
    ):
        assert check_cycle(cycle, workers=2) == one_pass
    spy.assert_called_once_with(cycle, roots, 2)
    # Findings from both trees, several of each kind, so the merge had something to order.
    detached = {
        f"e{pk}"
        for pk in Evaluation.objects.filter(unit__path__startswith=root.path).values_list("pk", flat=True)
    }
    named = {f.subjects[0] for f in one_pass.findings}
    assert named & detached and named - detached
    assert len({f.code for f in one_pass.findings}) >= 3

    # From a process that runs other threads (a threaded server), it never forks.
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with mock.patch.object(compliance, "_check_trees", side_effect=AssertionError("fork")):
            assert check_cycle(cycle, workers=2) == one_pass
    finally:
        release.set()
        other.join()


@pytest.mark.django_db(transaction=True)
def test_a_tree_without_subjects_in_the_cycle_gets_no_process(empty_db) -> None:  # type: ignore[no-untyped-def]
    """A province dissolved by a merger stays a root but has no subject in a later cycle: one tree is one pass,
    without forking a process per root and pickling every finding back (twice the CPU on the 2026 profile)."""
    if connection.vendor != "postgresql":
        pytest.skip("the processes read committed rows over their own connections: PostgreSQL only")
    from kiemdiem.orgs.actions import do_create_unit

    build_demo_province(members=200, seed=5, with_accounts=False, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    do_create_unit(
        code="HG-CU",
        name="Đảng bộ tỉnh Hà Giang (cũ)",
        kind="dang_bo_tinh",
        parent=None,
        valid_to=datetime.date(2020, 6, 30),
    )
    assert Unit.objects.filter(parent=None).count() == 2
    one_pass = check_cycle(cycle)
    with (
        mock.patch.object(compliance.threading, "active_count", return_value=1),
        mock.patch.object(compliance, "_check_trees", side_effect=AssertionError("fork")),
    ):
        assert check_cycle(cycle, workers=2) == one_pass
    assert one_pass.findings


@pytest.mark.django_db
def test_inside_a_transaction_it_is_one_pass(empty_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite it is always one pass")
    build_demo_province(members=300, seed=5, with_accounts=False, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    _detach("NH")

    def forbidden(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("other connections cannot see this transaction's rows")

    monkeypatch.setattr(compliance, "_check_trees", forbidden)
    # Only the transaction may keep it in one pass here, not other threads of the test process.
    monkeypatch.setattr(compliance.threading, "active_count", lambda: 1)
    with transaction.atomic():
        assert check_cycle(cycle, workers=2) == check_cycle(cycle)


@pytest.mark.django_db
def test_compliance_command_counts_and_lists_findings(empty_db, capsys) -> None:  # type: ignore[no-untyped-def]
    build_demo_province(members=600, seed=3, with_accounts=False, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    result = check_cycle(cycle)
    call_command("compliance", "2021", "--list", "2", "--workers", "1")
    out = capsys.readouterr().out
    assert f"Kiểm điểm năm 2021 — Đảng bộ tỉnh Tuyên Quang: {len(result.findings):,} vi phạm" in out
    by_article = Counter((f.code, str(f.citation)) for f in result.findings)
    assert len(by_article) > len({code for code, _ in by_article})  # some rule cites two articles
    for (code, article), n in by_article.items():
        assert f"{n:>9,}  {FINDING_LABELS[code]} ({article})" in out
    first = result.findings[0]
    ev = Evaluation.objects.get(pk=int(first.subjects[0][1:]))
    assert f"“{ev.subject_name}”" in out  # listed with names, not ids
    assert str(first.citation) in out

    call_command("compliance", "2021", "--unit", "NH")
    assert "cây của Đảng bộ huyện Na Hang" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Không có đơn vị mã “XX”"):
        call_command("compliance", "2021", "--unit", "XX")
    with pytest.raises(CommandError, match="Không có đợt kiểm điểm năm 2019"):
        call_command("compliance", "2019")


@pytest.mark.django_db
def test_check_cycle_reads_exemption_suspension_and_recent_admission(world) -> None:  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns import actions
    from kiemdiem.orgs.models import Person

    cell = world.cell_na_hang

    def member(code: str, admitted: datetime.date, **flags: bool) -> Person:
        return Person.objects.create(
            code=code,
            full_name=f"Đảng viên {code}",
            gender="m",
            admitted_on=admitted,
            membership="full",
            home_cell=cell,
            **flags,
        )

    people = {
        "old": member("CU", datetime.date(1990, 5, 1)),
        "exempt": member("MIEN", datetime.date(1990, 5, 1), is_exempt=True),
        "suspended": member("DINHCHI", datetime.date(2001, 5, 1), is_suspended=True),
        "new": member("MOI", datetime.date(2021, 9, 1)),  # under 6 months at 31/12/2021
        "last_year": member("NAMTRUOC", datetime.date(2020, 3, 1)),  # read, but over 6 months
    }
    cycle = world.cycle_province
    actions.ensure_evaluations(cycle=cycle)
    Evaluation.objects.filter(cycle=cycle, person__in=people.values()).update(
        state="proposed", proposed_rating="HTT"
    )
    sid = {
        name: f"e{Evaluation.objects.get(cycle=cycle, person=p, subject_type='party_member').pk}"
        for name, p in people.items()
    }
    flagged = {f.subjects[0]: f.message for f in check_cycle(cycle).findings if f.code == "NOT_RATABLE"}
    assert {name for name, s in sid.items() if s in flagged} == {"exempt", "suspended", "new"}
    assert "miễn công tác" in flagged[sid["exempt"]]
    assert "đình chỉ" in flagged[sid["suspended"]]
    assert "mới kết nạp ngày 01/09/2021" in flagged[sid["new"]]
