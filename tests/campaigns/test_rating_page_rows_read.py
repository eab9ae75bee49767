"""The rating page after the unit's own save (issue 21's write load: the slowest of its pages, its p95) reads the
unit's rows, their last changes and what its rules read outside the unit by SQL written here or once per process,
and they are what the ORM read."""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client

from kiemdiem.campaigns import actions, views
from kiemdiem.campaigns.models import Evaluation, SubjectType
from tests.campaigns.helpers import propose
from tests.conftest import make_members

RELATED = ("person", "collective", "unit", "quota_group")


def _values(obj):  # type: ignore[no-untyped-def]
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_units_rows_are_the_objects_the_orm_makes(world, cell_secretary):
    make_members(world.cell_na_hang, 4)
    cycle = world.cycle_province
    actions.ensure_evaluations(cycle=cycle)
    member = Evaluation.objects.filter(
        cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    propose(cell_secretary, member, "HTT")  # JSON votes, a last change: values the converters make
    orm = list(Evaluation.objects.filter(cycle=cycle, unit=world.cell_na_hang).select_related(*RELATED))
    got = views._read_own(cycle, world.cell_na_hang)
    assert len(orm) >= 5 and [ev.pk for ev in got] == [ev.pk for ev in orm]  # the model's order
    for a, b in zip(got, orm, strict=True):
        assert _values(a) == _values(b)
        assert {type(v) for v in _values(a).values()} == {type(v) for v in _values(b).values()}
        for name in RELATED:
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None) and (x is None or _values(x) == _values(y)), name
    some = [orm[-1].pk, orm[0].pk]
    assert [ev.pk for ev in views._read_own(cycle, world.cell_na_hang, some)] == sorted(
        some, key=lambda pk: next(i for i, ev in enumerate(orm) if ev.pk == pk)
    )
    assert views._read_own(cycle, world.cell_na_hang, []) == []
    # Each row's last change as the ORM reads it (a datetime with its zone, on SQLite too): compared with the objects'.
    seen = views._last_changes(cycle, world.cell_na_hang)
    assert seen == dict(
        Evaluation.objects.filter(cycle=cycle, unit=world.cell_na_hang).values_list("pk", "updated_at")
    )
    assert seen == {ev.pk: ev.updated_at for ev in got}
    assert views._read_own(cycle, world.go_na_hang, [member.pk]) == []  # another unit's row is not this one's


def test_the_page_after_the_cells_own_save_compiles_no_orm_query_of_its_rows(world, cell_secretary):
    make_members(world.cell_na_hang, 4)
    cycle = world.cycle_province
    actions.ensure_evaluations(cycle=cycle)
    cache.clear()
    client = Client()
    client.force_login(cell_secretary)
    path = f"/dot/{cycle.pk}/don-vi/{world.cell_na_hang.pk}/"
    assert client.get(path).status_code == 200
    member = Evaluation.objects.filter(
        cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    propose(cell_secretary, member, "HTT")
    compiled: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sql, params = as_sql(self, *args, **kwargs)
        compiled.append(sql)
        return sql, params

    with mock.patch.object(SQLCompiler, "as_sql", counting):
        body = client.get(path).content.decode()
    assert f'id="ev-{member.pk}"' in body
    evaluations = Evaluation._meta.db_table
    assert not [sql for sql in compiled if f'FROM "{evaluations}"' in sql], compiled
    assert len(compiled) <= 2, compiled


def _linked_outside_by_the_orm(cycle, evaluations) -> set[int]:  # type: ignore[no-untyped-def]
    """`compliance._linked_outside`'s queries as the ORM wrote them before (its reference), on the same keys."""
    from kiemdiem.campaigns.compliance import _LEADER, _PARTY_ORGANIZATION, _UNIT_TYPES, _outside_keys

    other_units, led_by, collectives, org_units = _outside_keys(evaluations)
    in_cycle = Evaluation.objects.filter(cycle=cycle)
    found: set[int] = set()
    if other_units:
        found |= set(
            in_cycle.filter(unit_id__in=other_units, subject_type__in=_UNIT_TYPES).values_list(
                "pk", flat=True
            )
        )
    if led_by:
        found |= set(in_cycle.filter(collective_id__in=led_by).values_list("pk", flat=True))
    if collectives:
        found |= set(
            in_cycle.filter(leader_collective_id__in=collectives, subject_type=_LEADER).values_list(
                "pk", flat=True
            )
        )
    if org_units:
        found |= set(
            in_cycle.filter(unit__parent_id__in=org_units, subject_type=_PARTY_ORGANIZATION).values_list(
                "pk", flat=True
            )
        )
    return found


def test_what_a_units_rules_read_outside_it_is_what_the_orm_read(world):
    """Every unit of the world, in the province's cycle (collectives, leaders, organisations, members) and in one
    set of a leader with the collective they lead from elsewhere."""
    from kiemdiem.campaigns.compliance import _linked_outside, touching

    make_members(world.cell_na_hang, 2)
    cycle = world.cycle_province
    actions.ensure_evaluations(cycle=cycle)
    by_unit: dict[int, list[Evaluation]] = {}
    for ev in Evaluation.objects.filter(cycle=cycle):
        by_unit.setdefault(ev.unit_id, []).append(ev)
    assert len(by_unit) >= 5
    linked = 0
    for evaluations in by_unit.values():
        expected = _linked_outside_by_the_orm(cycle, evaluations)
        assert _linked_outside(cycle, evaluations) == expected
        # and, from the other side, what `touching` finds the unit's rules read, less the unit's own rows
        own = {ev.pk for ev in evaluations}
        assert expected == set(touching(cycle, own, peers=False)) - own
        linked += bool(expected)
    assert linked >= 3  # not a comparison of empty sets
    everything = list(Evaluation.objects.filter(cycle=cycle))
    assert _linked_outside(cycle, everything) == _linked_outside_by_the_orm(cycle, everything)
