"""A rated cell in Na Hang, built through the actions: the figures every report test reads back.

Na Hang town's cell (Chi bộ tổ dân phố số 1) has 14 members: 10 HTT, 2 HTXS, 1 HT and 1 exempt (not rated);
the cell itself is rated HTT. Lâm Bình's member stays undecided (pending).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import Person
from tests.campaigns.helpers import propose
from tests.conftest import make_members


@dataclass
class Rated:
    cycle: object
    member_evals: list
    cell_eval: object


def decide(user, ev: Evaluation, rating: str, **kwargs) -> Evaluation:  # type: ignore[no-untyped-def]
    ev.refresh_from_db()
    return actions.do_decide_rating(user=user, evaluation=ev, rating=rating, **kwargs)


@pytest.fixture
def rated(world, cell_secretary, grassroots_officer) -> Rated:  # type: ignore[no-untyped-def]
    return build_rated(world, cell_secretary, grassroots_officer)


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
