"""The evaluation page reads little (issue 21's write load: one request in three is this page).

On the bench profile a cell secretary's page cost 28.6 queries and ~44 ms of CPU; the scoped read of the row alone
spent ~17 ms in PostgreSQL's planner (nine relations joined and the scope as a sub-select). These bound what the
page reads for a typical subject, and that it still shows the same things.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kiemdiem.accounts.models import User
from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, SubjectType
from kiemdiem.campaigns.queries import get_evaluation_for_user
from tests.assessments.helpers import add_tasks, open_2026, submit_scored
from tests.conftest import make_members


def _member_page(world, cell_secretary):  # type: ignore[no-untyped-def]
    """A 2026 member of a cell with a proposal (audited) and two tasks: the bench's typical page."""
    make_members(world.cell_na_hang, 3)
    cycle = open_2026(world)
    ev = Evaluation.objects.filter(
        cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    add_tasks(cell_secretary, ev, ["on_time", "exceeded"])
    submit_scored(cell_secretary, Evaluation.objects.get(pk=ev.pk), rating="HTT")
    actions.do_record_meeting(
        user=cell_secretary,
        evaluation=Evaluation.objects.get(pk=ev.pk),
        comments="",
        attendees=3,
        votes_for=3,
        proposed_rating="HTT",
    )
    client = Client()
    client.force_login(cell_secretary)
    return ev, client


def test_the_evaluation_page_reads_at_most_eleven_queries(world, cell_secretary):
    ev, client = _member_page(world, cell_secretary)
    client.get(f"/danh-gia/{ev.pk}/")  # what is read once per process (the criteria of the cycle's framework)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/danh-gia/{ev.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert ev.person.full_name in page
    assert "Nhiệm vụ số 2" in page  # the task register
    assert world.go_na_hang.name in page  # the deciding committee
    assert "Hoàn thành tốt nhiệm vụ" in page  # the proposal in the history
    assert len(queries) <= 11, "\n".join(q["sql"][:160] for q in queries.captured_queries)


def test_the_scoped_read_of_one_evaluation_joins_few_relations(world, cell_secretary):
    """Nine relations joined and the scope's sub-select made PostgreSQL plan ~17 ms for one row: the scope is
    tested on the joined unit, and the relations that are rarely set are read only when they are. The signed-in
    officer's own unit (their scope's root, read on every page) is read in the same query, by its id."""
    make_members(world.cell_na_hang, 1)
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.filter(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    user = User.objects.get(pk=cell_secretary.pk)  # as a request has it: the unit not read yet
    with CaptureQueriesContext(connection) as queries:
        got = get_evaluation_for_user(user, ev.pk)
        assert got.person.full_name and got.cycle.unit.name and got.unit.name  # loaded: no further query
        assert user.unit == cell_secretary.unit
        assert got.collective is None and got.decided_by is None and got.deciding_unit is None
    assert len(queries) == 1, [q["sql"][:200] for q in queries.captured_queries]
    read = queries.captured_queries[0]["sql"]
    assert 'FROM "campaigns_evaluation"' in read
    assert "(SELECT" not in read.upper().replace("( SELECT", "(SELECT")
    assert len(re.findall(r" JOIN ", read)) <= 6, read  # five relations and the officer's unit


def test_the_scoped_read_keeps_the_scope(world, cell_secretary, district_officer):
    """Read in one query with the officer's unit, the scope is the same: another cell's secretary, an officer of
    another district, a member who is not its subject get a 404; the subject, the cell's secretary and the
    district's officer get the row."""
    from django.http import Http404

    from kiemdiem.accounts.models import UserRole

    make_members(world.cell_na_hang, 1)
    make_members(world.cell_lam_binh, 1)
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.filter(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    other_cell = User.objects.create(
        username="other-cell", role=UserRole.CELL_SECRETARY, unit=world.cell_lam_binh
    )
    other_district = User.objects.create(
        username="other-district", role=UserRole.DISTRICT_OFFICER, unit=world.lam_binh
    )
    member = User.objects.create(username="a-member", role=UserRole.MEMBER, person=ev.person)
    stranger = User.objects.create(
        username="another-member",
        role=UserRole.MEMBER,
        person=Evaluation.objects.filter(unit=world.cell_lam_binh, person__isnull=False).first().person,
    )
    for user in (cell_secretary, district_officer, member):
        assert get_evaluation_for_user(User.objects.get(pk=user.pk), ev.pk).pk == ev.pk
    for user in (other_cell, other_district, stranger):
        with pytest.raises(Http404):
            get_evaluation_for_user(User.objects.get(pk=user.pk), ev.pk)
    with pytest.raises(Http404):
        get_evaluation_for_user(User.objects.get(pk=cell_secretary.pk), 2**63)  # out of range: no query error
    client = Client()
    client.force_login(other_cell)
    assert client.get(f"/danh-gia/{ev.pk}/").status_code == 404


def test_the_page_still_shows_the_lists_that_have_rows(world, cell_secretary, district_officer):
    """The page asks which lists have rows in one query: those that have rows are read and shown."""
    ev, client = _member_page(world, cell_secretary)
    from kiemdiem.assessments import actions as scoring

    task = scoring.do_add_task(
        user=cell_secretary,
        evaluation=Evaluation.objects.get(pk=ev.pk),
        title="Báo cáo chuyên đề",
        target="1 báo cáo",
        result="on_time",
        evidence=("bao-cao-chuyen-de.pdf", b"%PDF-1.7 noi dung"),
    )
    scoring.do_confirm_task(user=district_officer, task=task)
    actions.do_order(
        user=district_officer,
        evaluation=Evaluation.objects.get(pk=ev.pk),
        kind="rereview",
        reason="Bản kiểm điểm chưa nêu rõ hạn chế.",
    )
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "Bản kiểm điểm chưa nêu rõ hạn chế." in page  # the order, in the history
    assert "bao-cao-chuyen-de.pdf" in page  # the evidence's name, read with its task
    assert f"đã xác nhận ({district_officer}, " in page  # and who confirmed it
    other = Evaluation.objects.filter(cycle=ev.cycle, unit=ev.unit).exclude(pk=ev.pk).first()
    page = client.get(f"/danh-gia/{other.pk}/").content.decode()
    assert "Bản kiểm điểm chưa nêu rõ hạn chế." not in page and "bao-cao-chuyen-de.pdf" not in page


def test_the_scoped_read_gives_what_the_orm_gives(world, cell_secretary):
    """Written once per process in SQL (kiemdiem/joined.py), the read makes the same objects as the ORM's
    `select_related`: every column of the row and of each joined relation, through the same converters (JSON,
    decimals, dates, times on SQLite)."""
    from kiemdiem.campaigns.queries import _JOINED

    ev, _client = _member_page(world, cell_secretary)
    got = get_evaluation_for_user(User.objects.get(pk=cell_secretary.pk), ev.pk)
    orm = Evaluation.objects.select_related(*_JOINED).get(pk=ev.pk)
    assert got.votes == {"attendees": 3, "in_favour": 3} and got.score is not None  # values, not text

    def values(obj):  # type: ignore[no-untyped-def]
        return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}

    assert values(got) == values(orm)
    for path in _JOINED:
        a, b = got, orm
        for name in path.split("__"):
            a, b = getattr(a, name), getattr(b, name)
        assert (a is None) == (b is None), path
        if a is not None:
            assert values(a) == values(b), path
            assert {type(v) for v in values(a).values()} == {type(v) for v in values(b).values()}, path


def test_the_page_compiles_few_orm_queries(world, cell_secretary):
    """The ORM's compilation of a query cost ~0.6 ms of CPU, more than most of the page's queries take in
    PostgreSQL: the page's own reads (the row, the chain of committees, the history, the subject's years, the task
    register) are SQL written once per process; what remains compiled is the signed-in user's read and lists that
    have rows (the scores entered here)."""
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    ev, client = _member_page(world, cell_secretary)
    client.get(f"/danh-gia/{ev.pk}/")
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sql, params = as_sql(self, *args, **kwargs)
        compiled.append(sql[:160])
        return sql, params

    with mock.patch.object(SQLCompiler, "as_sql", counting):
        assert client.get(f"/danh-gia/{ev.pk}/").status_code == 200
    assert len(compiled) <= 3, compiled
