"""An evaluation's page reads its deciding committee's chain once (issue 21's write load: the page is a third of it).

The page asked for the deciding committee five times (the page itself, and each right to verify or decide, twice:
the scoring form asks again), each a query of the unit's chain. The chain is kept on the unit object under its path.
"""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, SubjectType
from kiemdiem.campaigns.permissions import deciding_unit_for
from kiemdiem.orgs.models import Unit
from tests.conftest import make_members


def test_the_evaluation_page_reads_the_deciding_chain_once(world, cell_secretary):
    make_members(world.cell_na_hang, 1)
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.filter(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    client = Client()
    client.force_login(cell_secretary)
    client.get(f"/danh-gia/{ev.pk}/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/danh-gia/{ev.pk}/")
    assert response.status_code == 200
    assert world.go_na_hang.name in response.content.decode()  # the deciding committee, named
    chain = [
        q["sql"]
        for q in queries.captured_queries
        if re.search(r'FROM "?orgs_unit"? WHERE ("orgs_unit"\.)?"?id"? IN', q["sql"])
    ]
    assert len(chain) == 1, chain


def test_a_unit_moved_elsewhere_reads_its_new_chain(world):
    """The kept chain is the path's: a unit object whose path changed reads its chain again."""
    make_members(world.cell_na_hang, 1)
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = (
        Evaluation.objects.select_related("unit")
        .filter(cycle=world.cycle_province, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER)
        .first()
    )
    assert deciding_unit_for(ev) == world.go_na_hang
    other = Unit.objects.get(pk=world.cell_lam_binh.pk)
    ev.unit.path = other.parent.path + ev.unit.path.split(".")[-2] + "."
    assert deciding_unit_for(ev) == other.parent
