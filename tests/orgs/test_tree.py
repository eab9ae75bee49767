"""The materialised path: subtrees, counts, moves and validity periods."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.orgs.actions import do_create_unit, do_move_unit
from kiemdiem.orgs.models import Person, Unit, UnitKind
from kiemdiem.orgs.queries import subtree_counts


def test_it_builds_paths_from_ancestor_ids(world):
    cell = world.cell_na_hang
    assert cell.ancestor_ids == [world.province.pk, world.na_hang.pk, world.go_na_hang.pk]
    assert cell.depth == 3
    subtree = set(Unit.objects.subtree_of(world.na_hang).values_list("code", flat=True))
    assert subtree == {"NH", "NH-001", "NH-001-01", "NH-UBND"}


def test_it_counts_descendants_and_members_per_unit(world):
    Person.objects.create(
        code="DV3",
        full_name="Lý Thị Mai",
        gender="f",
        admitted_on=datetime.date(2001, 1, 1),
        membership="full",
        home_cell=world.cell_na_hang,
    )
    counts = subtree_counts([world.province, world.na_hang, world.lam_binh, world.cell_na_hang])
    assert counts[world.province.pk] == {"units": 7, "members": 3}
    assert counts[world.na_hang.pk] == {"units": 3, "members": 2}
    assert counts[world.lam_binh.pk] == {"units": 2, "members": 1}
    assert counts[world.cell_na_hang.pk] == {"units": 0, "members": 2}


def test_it_counts_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    units = list(Unit.objects.all())
    with django_assert_max_num_queries(2 * len({len(u.path) for u in units})):
        subtree_counts(units)


def test_it_moves_a_subtree_and_rewrites_paths(world):
    do_move_unit(unit=world.go_na_hang, new_parent=world.lam_binh)
    cell = Unit.objects.get(pk=world.cell_na_hang.pk)
    assert cell.path.startswith(world.lam_binh.path)
    assert cell.ancestor_ids == [world.province.pk, world.lam_binh.pk, world.go_na_hang.pk]
    assert not Unit.objects.subtree_of(world.na_hang).filter(pk=cell.pk).exists()


def test_it_refuses_to_move_a_unit_under_its_own_descendant(world):
    with pytest.raises(ValidationError, match="cấp dưới"):
        do_move_unit(unit=world.na_hang, new_parent=world.cell_na_hang)


def test_it_keeps_old_units_for_old_years(world):
    # Districts were merged in 2025: the old unit ends, the new one starts, and 2021 still shows the old tree.
    old = do_create_unit(
        code="HG",
        name="Đảng bộ tỉnh Hà Giang",
        kind=UnitKind.PROVINCE_COMMITTEE,
        parent=None,
        valid_from=datetime.date(1991, 10, 1),
        valid_to=datetime.date(2025, 6, 30),
    )
    assert Unit.objects.valid_in_year(2021).filter(pk=old.pk).exists()
    assert not Unit.objects.valid_in_year(2026).filter(pk=old.pk).exists()
    assert Unit.objects.valid_on(datetime.date(2025, 6, 30)).filter(pk=old.pk).exists()


def test_it_refuses_a_validity_that_ends_before_it_starts(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        do_create_unit(
            code="X",
            name="X",
            kind=UnitKind.CELL,
            parent=world.go_na_hang,
            valid_from=datetime.date(2022, 1, 1),
            valid_to=datetime.date(2021, 1, 1),
        )
