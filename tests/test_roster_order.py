"""Rosters in Vietnamese order everywhere a list of people is printed (issue 17): by given name, then family and
middle names, with Vietnamese collation — Dũng, Đào (Đ after D), Hà, Hoàng (Hà before Hoàng), Hùng. Code point
order would give Dũng, Hoàng, Hà, Hùng, Đào."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from docx import Document

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import Person
from kiemdiem.reports import documents

NAMES = ["Nguyễn Văn Hoàng", "Nguyễn Thị Đào", "Hoàng Thị Hà", "Lê Văn Dũng"]
# The world's own member of the cell is Ma Văn Hùng.
ROSTER = ["Lê Văn Dũng", "Nguyễn Thị Đào", "Hoàng Thị Hà", "Nguyễn Văn Hoàng", "Ma Văn Hùng"]


@pytest.fixture
def cell(world):
    for i, name in enumerate(NAMES):
        Person.objects.create(
            code=f"RO{i}",
            full_name=name,
            gender="m",
            admitted_on=datetime.date(2000, 1, 1),
            membership="full",
            home_cell=world.cell_na_hang,
        )
    actions.ensure_evaluations(cycle=world.cycle_province)
    return world.cell_na_hang


def _in_page_order(page: str) -> list[str]:
    return sorted(ROSTER, key=page.index)


def test_the_minutes_list_the_members_as_a_roster(world, cell):
    content, _ = documents.build_document(
        "minutes", world.cycle_province, cell, day=datetime.date(2021, 12, 20)
    )
    doc = Document(io.BytesIO(content))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    names = [row.cells[1].text for row in table.rows[1:] if row.cells[1].text in ROSTER]
    assert names == ROSTER


def test_every_document_list_orders_by_the_roster_key(world, cell):
    # The decision's list, the HTXS/KHT list and the minutes all order through documents._ordered.
    evaluations = list(
        Evaluation.objects.filter(cycle=world.cycle_province, unit=cell, person__isnull=False).select_related(
            "person", "unit"
        )
    )
    assert [ev.subject_name for ev in documents._ordered(evaluations)] == ROSTER


def test_the_rating_page_and_the_bulk_proposal_number_the_rows_as_a_roster(
    client, world, cell, cell_secretary
):
    client.force_login(cell_secretary)
    url = f"/dot/{world.cycle_province.pk}/don-vi/{cell.pk}/"
    page = client.get(url).content.decode()
    assert _in_page_order(page) == ROSTER
    # The bulk proposal numbers its rows as the page lists them: a bad row 2 is Nguyễn Thị Đào's.
    members = {
        ev.subject_name: ev
        for ev in Evaluation.objects.filter(
            cycle=world.cycle_province, unit=cell, subject_type="party_member"
        ).select_related("person")
    }
    data = {"attendees": "5"}
    for name, ev in members.items():
        data[f"rating-{ev.pk}"] = ""
        data[f"version-{ev.pk}"] = str(ev.version)
        data[f"votes-{ev.pk}"] = "x" if name == "Nguyễn Thị Đào" else ""
    response = client.post(f"{url}de-xuat/", data)
    text = response.content.decode()
    assert re.search(r"Dòng 2 \(Nguyễn Thị Đào\)", text), text[:2000]


def test_the_bulk_decision_lists_the_members_as_a_roster(client, world, cell, grassroots_officer):
    client.force_login(grassroots_officer)
    page = client.get(f"/dot/{world.cycle_province.pk}/don-vi/{cell.pk}/quyet-dinh/").content.decode()
    assert _in_page_order(page) == ROSTER
