"""In real Chromium: an officer types "vu thanh van" in the header's search box and finds Vũ Thanh Vân."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.accounts.models import User
from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import Person, UnitKind

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_vu_thanh_van_is_found_without_accents_from_the_header(live_server, page):
    district = do_create_unit(
        code="TK-NH", name="Đảng bộ huyện Na Hang", kind=UnitKind.DISTRICT_COMMITTEE, parent=None
    )
    cell = do_create_unit(
        code="TK-NH-1", name="Chi bộ thôn Nà Mỏ", kind=UnitKind.GRASSROOTS_CELL, parent=district
    )
    for code, name in [("TK-VAN", "Vũ Thanh Vân"), ("TK-DUC", "Đỗ Minh Đức"), ("TK-HA", "Hà Thị Vân Anh")]:
        Person.objects.create(
            code=code,
            full_name=name,
            gender="f",
            admitted_on=datetime.date(2004, 4, 4),
            membership="full",
            home_cell=cell,
        )
    User.objects.create_user(
        "timkiem", password="mat-khau-thu-nghiem", role="district_officer", unit=district
    )
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", "timkiem")
    page.fill("#id_password", "mat-khau-thu-nghiem")
    page.click("button[type=submit]")
    page.wait_for_url("**/don-vi/*/")
    page.get_by_role("searchbox", name="Tìm người, đơn vị").fill("vu thanh van")
    page.get_by_role("searchbox", name="Tìm người, đơn vị").press("Enter")
    page.wait_for_url("**/tim-kiem/?q=vu+thanh+van")
    found = page.locator(".search-persons li")
    assert found.count() == 1
    assert found.first.get_by_role("link").inner_text() == "Vũ Thanh Vân"
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "search.png"), full_page=True)
    found.first.get_by_role("link").click()
    page.wait_for_url("**/ca-nhan/*/")
    expect(page.locator("h1")).to_have_text("Vũ Thanh Vân")
