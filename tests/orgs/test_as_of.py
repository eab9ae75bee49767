"""Reads of the tree as it stood on a day: units by validity, members by their dated home cells."""

import datetime

from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import CellMembership, Person, UnitKind
from kiemdiem.orgs.queries import home_cells_as_of, members_as_of, period_end, units_as_of

D = datetime.date(2025, 7, 1)


def test_period_end_is_the_last_day_of_the_year_or_quarter():
    assert period_end(2021) == datetime.date(2021, 12, 31)
    assert period_end(2024, 1) == datetime.date(2024, 3, 31)
    assert period_end(2024, 2) == datetime.date(2024, 6, 30)


def test_units_and_members_as_of_a_day(world):
    new_cell = do_create_unit(
        code="NH-001-09", name="Chi bộ mới", kind=UnitKind.CELL, parent=world.go_na_hang, valid_from=D
    )
    member = world.member_na_hang
    CellMembership.objects.create(
        person=member, cell=world.cell_na_hang, valid_to=D - datetime.timedelta(days=1)
    )
    Person.objects.filter(pk=member.pk).update(home_cell=new_cell, home_cell_since=D)
    in_2021 = set(units_as_of(world.na_hang, datetime.date(2021, 12, 31)).values_list("code", flat=True))
    assert "NH-001-09" not in in_2021 and "NH-001-01" in in_2021
    assert "NH-001-09" in set(units_as_of(world.na_hang, D).values_list("code", flat=True))
    assert list(members_as_of(world.cell_na_hang, datetime.date(2021, 12, 31))) == [member]
    assert list(members_as_of(world.cell_na_hang, D)) == []
    assert list(members_as_of(new_cell, D)) == [member]
    assert list(members_as_of(world.na_hang, datetime.date(2021, 12, 31))) == [member]
    assert home_cells_as_of([member.pk], datetime.date(2021, 1, 1)) == {member.pk: world.cell_na_hang.pk}
    assert home_cells_as_of([member.pk], D) == {member.pk: new_cell.pk}
