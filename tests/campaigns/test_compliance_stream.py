"""check_cycle's rows on PostgreSQL outside a transaction come in batches read by a thread over its own connection
(`compliance._fetched`), so that PostgreSQL makes the next batch while Python turns the last into rows: the same
rows and findings as one query; one query inside a transaction, whose uncommitted rows no other connection sees."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from kiemdiem.campaigns import compliance
from kiemdiem.campaigns.models import Cycle
from kiemdiem.demo.province import build_demo_province

pytestmark = pytest.mark.slow  # a transactional test on a demo province


def _rows_of_one_query(cycle: Cycle) -> list[compliance.Row]:
    with transaction.atomic():  # inside a transaction: the one-query path
        return compliance._cycle_rows(cycle, "")


@pytest.mark.django_db(transaction=True)
def test_streamed_rows_and_findings_equal_one_query(empty_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("a second connection in a thread: PostgreSQL only")
    build_demo_province(members=300, seed=7, with_accounts=False, ratings=True)
    cycle = Cycle.objects.get(year=2021, quarter=None)
    whole = _rows_of_one_query(cycle)
    assert len(whole) > 300
    monkeypatch.setattr(compliance, "STREAM_ROWS", 37)  # many batches, the last one short
    batches: list[int] = []
    fetched = compliance._fetched

    def counted(sql, params):  # type: ignore[no-untyped-def]
        for batch in fetched(sql, params):
            batches.append(len(batch))
            yield batch

    monkeypatch.setattr(compliance, "_fetched", counted)
    assert compliance._cycle_rows(cycle, "") == whole
    assert len(batches) == -(-len(whole) // 37) and set(batches[:-1]) == {37}
    assert compliance.check_cycle(cycle) == _one_pass(cycle)
    assert threading.active_count() == 1  # the reader thread ended, its connection closed


def _one_pass(cycle: Cycle):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return compliance.check_cycle(cycle)


@pytest.mark.django_db(transaction=True)
def test_an_error_in_the_reader_is_raised_in_the_caller(empty_db) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("a second connection in a thread: PostgreSQL only")
    with pytest.raises(Exception, match="no_such_table_margins"):
        list(compliance._fetched("SELECT * FROM no_such_table_margins", []))
    assert threading.active_count() == 1


@pytest.mark.django_db
def test_inside_a_transaction_it_is_one_batch_of_this_connection() -> None:
    sql = "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"
    assert [list(map(tuple, b)) for b in compliance._fetched(sql, [])] == [[(1,), (2,), (3,)]]


@pytest.mark.django_db(transaction=True)
def test_in_a_process_of_the_trees_the_reader_runs_without_parallel_workers(empty_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("a second connection in a thread: PostgreSQL only")
    sql = "SELECT current_setting('max_parallel_workers_per_gather')"
    monkeypatch.setattr(
        compliance, "_NO_PARALLEL_WORKERS", True
    )  # as _check_tree_apart sets it in its process
    assert [b for b in compliance._fetched(sql, [])] == [[("0",)]]


@pytest.mark.django_db(transaction=True)
def test_with_autocommit_off_it_reads_this_connections_uncommitted_rows(empty_db) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("a second connection in a thread: PostgreSQL only")
    transaction.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE stream_uncommitted_margins AS SELECT 41 AS n UNION ALL SELECT 42")
        sql = "SELECT n FROM stream_uncommitted_margins ORDER BY n"
        assert [list(map(tuple, b)) for b in compliance._fetched(sql, [])] == [[(41,), (42,)]]
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
