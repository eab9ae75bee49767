"""A rated cell in Na Hang, built through the actions: the figures every report test reads back.

Na Hang town's cell (Chi bộ tổ dân phố số 1) has 14 members: 10 HTT, 2 HTXS, 1 HT and 1 exempt (not rated);
the cell itself is rated HTT. Lâm Bình's member stays undecided (pending).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.demo.province import build_demo_province
from kiemdiem.orgs.models import Person
from kiemdiem.reports import tally
from tests.campaigns.helpers import propose
from tests.conftest import (
    built_once,
    current_world,
    make_cell_secretary,
    make_grassroots_officer,
    make_members,
    no_transactional_test_in,
)


@dataclass
class Rated:
    cycle: object
    member_evals: list
    cell_eval: object


def decide(user, ev: Evaluation, rating: str, **kwargs) -> Evaluation:  # type: ignore[no-untyped-def]
    ev.refresh_from_db()
    return actions.do_decide_rating(user=user, evaluation=ev, rating=rating, **kwargs)


@pytest.fixture(scope="module")
def _rated_pks(request, _world_pks, django_db_blocker) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Built once per module (about 0.5 s of CPU through the actions, which some ninety tests paid each), on top
    of the shared world, and rolled back after the module's last test; each test runs in a savepoint of it."""
    no_transactional_test_in(request)

    def build() -> dict[str, object]:
        world = current_world(_world_pks)
        built = build_rated(world, make_cell_secretary(world), make_grassroots_officer(world))
        return {
            "cycle": built.cycle.pk,
            "member_evals": [ev.pk for ev in built.member_evals],
            "cell_eval": built.cell_eval.pk,
        }

    with built_once(django_db_blocker, build, empty=False) as pks:
        yield pks


@pytest.fixture
def rated(_rated_pks, world, cell_secretary, grassroots_officer) -> Rated:  # type: ignore[no-untyped-def]
    """Fresh instances of the module's build (a test may change them in memory)."""
    from kiemdiem.campaigns.models import Cycle

    evaluations = Evaluation.objects.in_bulk([*_rated_pks["member_evals"], _rated_pks["cell_eval"]])  # type: ignore[misc]
    return Rated(
        cycle=Cycle.objects.get(pk=_rated_pks["cycle"]),
        member_evals=[evaluations[pk] for pk in _rated_pks["member_evals"]],  # type: ignore[attr-defined]
        cell_eval=evaluations[_rated_pks["cell_eval"]],
    )


def build_rated(world, cell_secretary, grassroots_officer) -> Rated:  # type: ignore[no-untyped-def]
    make_members(world.cell_na_hang, 12)
    Person.objects.create(
        code="MIEN1",
        full_name="Nông Văn Miễn",
        gender="m",
        admitted_on=datetime.date(1970, 1, 1),
        membership="full",
        home_cell=world.cell_na_hang,
        is_exempt=True,
    )
    cycle = world.cycle_province
    actions.ensure_evaluations(cycle=cycle)
    evs = list(
        Evaluation.objects.filter(cycle=cycle, unit=world.cell_na_hang, subject_type="party_member")
        .exclude(not_rated_reason__gt="")
        .order_by("person__code")
    )
    assert len(evs) == 13
    plan = ["HTT"] * 10 + ["HTXS"] * 2 + ["HT"]
    # Lower ratings first, so the quota is judged on the whole cell (as the meeting does).
    order = sorted(zip(evs, plan, strict=True), key=lambda pair: {"HT": 0, "HTT": 1, "HTXS": 2}[pair[1]])
    for ev, rating in order:
        propose(cell_secretary, ev, rating)
    for ev, rating in order:
        decide(grassroots_officer, ev, rating)
    cell_eval = Evaluation.objects.get(
        cycle=cycle, unit=world.cell_na_hang, subject_type="party_organization"
    )
    propose(grassroots_officer, cell_eval, "HTT")
    decide(grassroots_officer, cell_eval, "HTT")
    return Rated(cycle=cycle, member_evals=evs, cell_eval=cell_eval)


# -- The demo province of the tallies' tests (test_tally.py, test_member_tally.py) ---------------------------------


@pytest.fixture(scope="module")
def _demo_cycle(request, django_db_setup, django_db_blocker) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The demo province on an emptied database, built once for the module (about 0.5 s of CPU, which each test and
    each way of counting paid before); each test writes in a savepoint of it, rolled back at its end."""
    no_transactional_test_in(request)

    def build() -> int:
        build_demo_province(members=300, seed=5, with_accounts=False, leaders_per_collective=2, ratings=True)
        return Cycle.objects.get(year=2021, quarter=None).pk

    with built_once(django_db_blocker, build) as pk:
        yield pk


@pytest.fixture(params=["unit by unit", "whole subtree"])
def demo(request, _demo_cycle, db, monkeypatch):  # type: ignore[no-untyped-def]
    """The demo province; stale units counted one by one, or the whole subtree counted again in one scan."""
    monkeypatch.setattr(tally, "_SCAN_ABOVE", 10**9 if request.param == "unit by unit" else 0)
    return Cycle.objects.get(pk=_demo_cycle)
