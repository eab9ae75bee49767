"""A user reaches only their subtree: everything else is 404, in pages and in the API."""

import pytest
from django.test import Client


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def pages_for(world, which: str) -> list[str]:  # type: ignore[no-untyped-def]
    unit = getattr(world, "na_hang" if which == "na_hang" else "lam_binh")
    cell = getattr(world, f"cell_{which}")
    person = getattr(world, f"member_{which}")
    cycle = getattr(world, f"cycle_{which}")
    return [
        f"/don-vi/{unit.pk}/",
        f"/don-vi/{cell.pk}/",
        f"/ca-nhan/{person.pk}/",
        f"/dot/{cycle.pk}/",
        f"/api/units/{unit.pk}",
        f"/api/units/{cell.pk}/children",
        f"/api/persons/{person.pk}",
        f"/api/cycles/{cycle.pk}",
    ]


def test_it_shows_a_district_officer_their_own_district(world, district_officer):
    client = client_for(district_officer)
    for url in pages_for(world, "na_hang"):
        response = client.get(url)
        assert response.status_code == 200, url


def test_it_gives_404_for_another_district(world, district_officer):
    client = client_for(district_officer)
    for url in pages_for(world, "lam_binh"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert world.member_lam_binh.full_name not in response.content.decode(), url


def test_it_gives_404_for_the_province_root_above_a_district(world, district_officer):
    client = client_for(district_officer)
    assert client.get(f"/don-vi/{world.province.pk}/").status_code == 404
    assert client.get(f"/api/units/{world.province.pk}").status_code == 404


def test_it_lets_a_district_see_the_province_cycle_that_covers_it(world, district_officer):
    client = client_for(district_officer)
    assert client.get(f"/dot/{world.cycle_province.pk}/").status_code == 200
    ids = [c["id"] for c in client.get("/api/cycles/").json()["items"]]
    assert world.cycle_province.pk in ids and world.cycle_na_hang.pk in ids
    assert world.cycle_lam_binh.pk not in ids


def test_it_lists_only_own_top_units(world, outsider):
    client = client_for(outsider)
    body = client.get("/don-vi/").content.decode()
    assert "Đảng bộ huyện Lâm Bình" in body
    assert "Đảng bộ huyện Na Hang" not in body
    assert [u["code"] for u in client.get("/api/units/").json()["items"]] == ["LB"]


def test_it_shows_the_province_admin_everything(world, province_admin):
    client = client_for(province_admin)
    for which in ("na_hang", "lam_binh"):
        for url in pages_for(world, which):
            assert client.get(url).status_code == 200, url


def test_it_confines_a_cell_secretary_to_their_cell(world, cell_secretary):
    client = client_for(cell_secretary)
    assert client.get(f"/don-vi/{world.cell_na_hang.pk}/").status_code == 200
    assert client.get(f"/ca-nhan/{world.member_na_hang.pk}/").status_code == 200
    assert client.get(f"/don-vi/{world.go_na_hang.pk}/").status_code == 404
    assert client.get(f"/don-vi/{world.agency_na_hang.pk}/").status_code == 404
    assert client.get(f"/ca-nhan/{world.member_lam_binh.pk}/").status_code == 404


def test_it_confines_a_member_to_their_own_record(world, member):
    client = client_for(member)
    assert client.get("/").url == f"/ca-nhan/{world.member_na_hang.pk}/"
    assert client.get(f"/ca-nhan/{world.member_na_hang.pk}/").status_code == 200
    assert client.get(f"/don-vi/{world.cell_na_hang.pk}/").status_code == 404
    assert client.get(f"/api/units/{world.cell_na_hang.pk}").status_code == 404
    assert client.get(f"/ca-nhan/{world.member_lam_binh.pk}/").status_code == 404
    # The cycles that cover the member's cell, not another district's.
    assert client.get(f"/dot/{world.cycle_province.pk}/").status_code == 200
    assert client.get(f"/dot/{world.cycle_lam_binh.pk}/").status_code == 404


def test_it_confines_a_standing_member_to_assigned_units(world, standing_member):
    client = client_for(standing_member)
    assert client.get(f"/don-vi/{world.go_na_hang.pk}/").status_code == 200
    assert client.get(f"/don-vi/{world.cell_na_hang.pk}/").status_code == 200
    assert client.get(f"/don-vi/{world.na_hang.pk}/").status_code == 404
    assert client.get(f"/don-vi/{world.cell_lam_binh.pk}/").status_code == 404


def test_it_lets_the_inspector_read_the_whole_province(world, inspector):
    client = client_for(inspector)
    assert client.get(f"/don-vi/{world.cell_lam_binh.pk}/").status_code == 200
    assert client.get(f"/ca-nhan/{world.member_na_hang.pk}/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/don-vi/", "/dot/"])
def test_it_sends_anonymous_users_to_login(world, url):
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith("/dang-nhap/")


def test_it_refuses_the_api_to_anonymous_users(world):
    assert Client().get(f"/api/units/{world.na_hang.pk}").status_code == 401


def test_it_scopes_the_admin(world, district_officer):
    client = client_for(district_officer)
    assert client.get(f"/quan-tri/orgs/unit/{world.cell_na_hang.pk}/change/").status_code == 200
    response = client.get(f"/quan-tri/orgs/unit/{world.cell_lam_binh.pk}/change/")
    assert response.status_code in (302, 404)  # admin redirects to its index with "does not exist"
    listing = client.get("/quan-tri/orgs/person/").content.decode()
    assert "Ma Văn Hùng" in listing and "Hoàng Thị Lan" not in listing
    # The province cycle is visible, but a district cannot change it.
    assert client.post(f"/quan-tri/campaigns/cycle/{world.cycle_province.pk}/change/", {}).status_code == 403


def test_the_admin_shows_each_unit_choice_with_the_names_above_it(world, district_officer):
    from django.test import Client

    client = Client()
    client.force_login(district_officer)
    body = client.get("/quan-tri/orgs/unit/add/").content.decode()
    assert "Đảng bộ huyện Na Hang › Đảng bộ thị trấn Na Hang › Chi bộ tổ dân phố số 1" in body
    assert "Lâm Bình" not in body  # still only the officer's own subtree


@pytest.mark.parametrize(
    "role",
    [
        "district_officer",
        "cell_secretary",
        "member",
        "standing_member",
        "province_admin",
        "inspector",
        "outsider",
    ],
)
def test_a_unit_already_read_is_in_scope_exactly_when_the_scoped_query_finds_it(world, role, request):
    """`under_roots` (the Python twin of `units_visible_to`'s SQL, used on units already read) agrees with it on
    every unit of the tree, for every kind of user."""
    from kiemdiem.orgs.models import Unit
    from kiemdiem.orgs.queries import scope_roots, under_roots, units_visible_to

    user = request.getfixturevalue(role)
    roots = scope_roots(user)
    visible = set(units_visible_to(user).values_list("pk", flat=True))
    units = list(Unit.objects.all())
    assert {u.pk for u in units if under_roots(u, roots)} == visible
    assert 0 < len(visible) < len(units) or role in ("member", "province_admin", "inspector")
