"""The header's search box, the admin's search and the people API find "Vũ Thanh Vân" from "vu thanh van", within
the user's reach only."""

from __future__ import annotations

import datetime

import pytest

from kiemdiem.orgs.models import Person


@pytest.fixture
def van(world):  # type: ignore[no-untyped-def]
    def person(code: str, name: str, cell):  # type: ignore[no-untyped-def]
        return Person.objects.create(
            code=code,
            full_name=name,
            gender="f",
            admitted_on=datetime.date(2003, 3, 3),
            membership="full",
            home_cell=cell,
        )

    person("LB-VAN", "Vũ Thanh Vân", world.cell_lam_binh)
    person("NH-VU", "Vũ Văn Thắng", world.cell_na_hang)
    return person("NH-VAN", "Vũ Thanh Vân", world.cell_na_hang)


@pytest.mark.parametrize("query", ["vu thanh van", "VŨ THANH VÂN", "Vu Thanh Vân"])
def test_the_search_page_finds_a_person_whatever_the_accents_within_the_reach(
    client, district_officer, van, query
):
    client.force_login(district_officer)
    page = client.get("/tim-kiem/", {"q": query}).content.decode()
    assert f"/ca-nhan/{van.pk}/" in page
    assert "NH-VU" not in page  # "Vũ Văn Thắng": every word must start a word of the name
    assert "LB-VAN" not in page and "Nà Khà" not in page  # the namesake in Lâm Bình is outside the reach


def test_the_search_page_finds_units_and_the_header_carries_the_box(client, district_officer, world):
    client.force_login(district_officer)
    page = client.get("/tim-kiem/", {"q": "thi tran na hang"}).content.decode()
    assert f"/don-vi/{world.go_na_hang.pk}/" in page
    assert 'role="search"' in client.get(f"/don-vi/{world.na_hang.pk}/").content.decode()
    assert "Lăng Can" not in client.get("/tim-kiem/", {"q": "lang can"}).content.decode()


def test_the_admin_search_is_accent_insensitive_and_scoped(client, district_officer, van):
    client.force_login(district_officer)
    page = client.get("/quan-tri/orgs/person/", {"q": "VU THANH VAN"}).content.decode()
    assert "NH-VAN" in page and "LB-VAN" not in page and "NH-VU" not in page
