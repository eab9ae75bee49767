"""A cycle's pages name units as they were named in its period (issue 15): a unit renamed from 01/07/2025 shows its
2021 name on the 2021 cycle's pages and its new name on the 2026 cycle's."""

import datetime

import pytest
from django.test import Client

from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
from kiemdiem.campaigns.models import Cycle
from kiemdiem.orgs.actions import do_rename_unit
from kiemdiem.orgs.queries import name_as_of, show_names_as_of

D = datetime.date(2025, 7, 1)
OLD_DISTRICT, NEW_DISTRICT = "Đảng bộ huyện Na Hang", "Đảng ủy khu vực Na Hang"
OLD_PROVINCE, NEW_PROVINCE = "Đảng bộ tỉnh Tuyên Quang", "Đảng bộ tỉnh Tuyên Quang (hợp nhất)"


@pytest.fixture
def renamed(world, province_admin):  # type: ignore[no-untyped-def]
    cycle_2021 = Cycle.objects.get(pk=world.cycle_province.pk)
    ensure_evaluations(cycle=cycle_2021)
    do_rename_unit(unit=world.na_hang, name=NEW_DISTRICT, effective_on=D, user=province_admin)
    do_rename_unit(unit=world.province, name=NEW_PROVINCE, effective_on=D, user=province_admin)
    cycle_2026 = do_open_cycle(unit=world.province, year=2026)
    ensure_evaluations(cycle=cycle_2026)
    client = Client()
    client.force_login(province_admin)
    return cycle_2021, cycle_2026, client


def test_show_names_as_of_matches_name_as_of_for_many_units_in_one_query(
    world, renamed, django_assert_num_queries
):
    units = [world.na_hang, world.lam_binh, world.province]
    for unit in units:
        unit.refresh_from_db()
    expected = [name_as_of(u, datetime.date(2021, 12, 31)) for u in units]
    with django_assert_num_queries(1):
        show_names_as_of(units, datetime.date(2021, 12, 31))
    assert [u.name for u in units] == expected == [OLD_DISTRICT, "Đảng bộ huyện Lâm Bình", OLD_PROVINCE]


def test_the_2021_pages_show_the_2021_names_and_the_2026_pages_the_new(world, renamed):
    cycle_2021, cycle_2026, client = renamed
    pages = {
        "rating": "/dot/{c}/don-vi/{u}/",
        "progress": "/dot/{c}/tien-do/{u}/",
    }
    for name, url in pages.items():
        old = client.get(url.format(c=cycle_2021.pk, u=world.province.pk)).content.decode()
        assert OLD_DISTRICT in old and NEW_DISTRICT not in old, name  # the child row
        assert f"{cycle_2021.year} — {OLD_PROVINCE}" in old and NEW_PROVINCE not in old, name  # the heading
        new = client.get(url.format(c=cycle_2026.pk, u=world.province.pk)).content.decode()
        assert NEW_DISTRICT in new and OLD_DISTRICT not in new, name
        assert f"{cycle_2026.year} — {NEW_PROVINCE}" in new, name
        # The district's own page: its heading and the breadcrumb above it.
        old = client.get(url.format(c=cycle_2021.pk, u=world.na_hang.pk)).content.decode()
        assert f"2021 — {OLD_DISTRICT}" in old and NEW_PROVINCE not in old, name
        new = client.get(url.format(c=cycle_2026.pk, u=world.na_hang.pk)).content.decode()
        assert f"2026 — {NEW_DISTRICT}" in new, name
    old = client.get(f"/dot/{cycle_2021.pk}/").content.decode()
    assert OLD_PROVINCE in old and NEW_PROVINCE not in old
    assert NEW_PROVINCE in client.get(f"/dot/{cycle_2026.pk}/").content.decode()
    listing = client.get("/dot/").content.decode()
    assert OLD_PROVINCE in listing and NEW_PROVINCE in listing  # each cycle's root as named in its period
