"""The rating page's members' table is kept across saves in other cells of its quota group (issue 21).

All 20 cells of the write load's district share one quota group, so every save there changed every cell's page key,
and each page drew its whole members' table again (300 rows for the big cell: ~60 ms of CPU) only to redraw the
meters. The table is now kept under the unit's own rows, the user and each row's findings: a save in another cell
draws the meters again and serves the table, and a finding the group's count brings to a row (the cap passed over
names its HTXS) draws it again.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import UnitKind
from tests.campaigns.helpers import propose
from tests.conftest import make_members


@pytest.fixture
def drawn_members(monkeypatch):  # type: ignore[no-untyped-def]
    """How many times the members' table was drawn."""
    from kiemdiem.campaigns import views

    cache.clear()
    count: list[int] = []
    render = views.render_to_string
    monkeypatch.setattr(
        views,
        "render_to_string",
        lambda name, *a, **k: (
            (count.append(1) if name.endswith("#members") else None) or render(name, *a, **k)
        ),
    )
    return count


@pytest.fixture
def two_cells(world, province_admin):  # type: ignore[no-untyped-def]
    """The secretary's cell (2 HTXS, 5 HTT) and another of the same grassroots committee (5 HTT): 10 HTT and 2
    HTXS in the one quota group, at its cap."""
    other = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ dân phố số 2", kind=UnitKind.CELL, parent=world.go_na_hang
    )
    mine = make_members(world.cell_na_hang, 7)
    theirs = make_members(other, 5, prefix="Q")
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    own = list(Evaluation.objects.filter(cycle=cycle, person__in=mine).order_by("person__code"))
    peers = list(Evaluation.objects.filter(cycle=cycle, person__in=theirs).order_by("person__code"))
    for ev in [*own[2:], *peers, *own[:2]]:  # the HTXS last: the cap counts the HTT already there
        propose(province_admin, ev, "HTXS" if ev in own[:2] else "HTT")
    return cycle, own, peers


def page(client: Client, cycle, unit) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/dot/{cycle.pk}/don-vi/{unit.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def row(body: str, pk: int) -> str:
    found = re.search(rf'<tr id="ev-{pk}">(.*?)</tr>', body, re.S)
    assert found, f"no row for evaluation {pk}"
    return " ".join(found.group(1).split())


def test_a_save_in_another_cell_redraws_the_meters_and_keeps_the_members_table(
    world, cell_secretary, province_admin, two_cells, drawn_members
):
    cycle, own, peers = two_cells
    client = Client()
    client.force_login(cell_secretary)
    before = page(client, cycle, world.cell_na_hang)
    assert "2 HTXS / 10 HTT" in before and len(drawn_members) == 1
    # A member of the other cell proposed HTT: the group's count moves, the secretary's rows do not.
    newcomer = make_members(peers[0].unit, 1, prefix="R")[0]
    actions.ensure_evaluations(cycle=cycle)
    propose(province_admin, Evaluation.objects.get(cycle=cycle, person=newcomer), "HTT")
    after = page(client, cycle, world.cell_na_hang)
    assert "2 HTXS / 11 HTT" in after  # the meters drawn again
    assert len(drawn_members) == 1  # the table served from the cache
    assert row(after, own[3].pk) == row(before, own[3].pk)


def test_a_finding_the_groups_count_brings_to_a_row_draws_the_table_again(
    world, cell_secretary, grassroots_officer, two_cells, drawn_members
):
    cycle, own, peers = two_cells
    client = Client()
    client.force_login(cell_secretary)
    assert "QUOTA_EXCELLENT" not in row(page(client, cycle, world.cell_na_hang), own[0].pk)
    # The deciding body lowers a HTT of the other cell past the cap, with its reason: 2 HTXS against 9 HTT.
    actions.do_decide_rating(
        user=grassroots_officer,
        evaluation=peers[0],
        rating="HT",
        override_reason="Đảng ủy giữ nguyên hai HTXS đã đề xuất.",
    )
    after = page(client, cycle, world.cell_na_hang)
    assert "QUOTA_EXCELLENT" in row(after, own[0].pk) and "QUOTA_EXCELLENT" in row(after, own[1].pk)
    assert len(drawn_members) == 2
