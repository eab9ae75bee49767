"""In real Chromium: a district officer logs in, browses down to a cell, cannot reach another district."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.demo.province import DEMO_PASSWORD, build_demo_province
from kiemdiem.orgs.models import Unit

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_district_officer_logs_in_and_browses_their_district(empty_db, live_server, page):
    build_demo_province(members=400, seed=5)
    ARTEFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.screenshot(path=str(ARTEFACTS / "login.png"))
    page.fill("#id_username", "nahang")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/don-vi/*/")
    expect(page.locator("h1")).to_have_text("Đảng bộ huyện Na Hang")
    expect(page.get_by_text("Ban Thường vụ Huyện ủy Na Hang")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "unit-district.png"), full_page=True)
    page.get_by_role("link", name="Đảng bộ thị trấn Na Hang").click()
    page.get_by_role("link", name="Chi bộ tổ dân phố số 1").first.click()
    expect(page.get_by_text("Đảng viên sinh hoạt tại chi bộ")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "unit-cell.png"), full_page=True)
    other = Unit.objects.get(code="LB")
    response = page.goto(f"{live_server.url}/don-vi/{other.pk}/")
    assert response is not None and response.status == 404
