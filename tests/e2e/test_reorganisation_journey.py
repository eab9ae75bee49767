"""In real Chromium: the province officer previews a merger of two communes, applies it, and the 2021 cycle still
shows the old tree while the new commune stands under the province from 01/07/2025."""

import datetime
from pathlib import Path

import pytest

from kiemdiem.demo.province import DEMO_PASSWORD, build_demo_province
from kiemdiem.orgs.models import Person, Reorganisation, Unit

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_province_officer_previews_and_applies_a_merger(live_server, page):
    build_demo_province(members=400, seed=5)
    ARTEFACTS.mkdir(exist_ok=True)
    first, second = Unit.objects.get(code="NH-001"), Unit.objects.get(code="NH-002")
    members = (
        Person.objects.filter(home_cell__path__startswith=first.path).count()
        + Person.objects.filter(home_cell__path__startswith=second.path).count()
    )
    assert members > 0
    page.goto(live_server.url + "/")
    page.fill("#id_username", "tinhuy")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/don-vi/*/")
    page.goto(live_server.url + "/don-vi/")
    page.get_by_role("link", name="Sắp xếp tổ chức (hợp nhất, chia tách, giải thể, chuyển, đổi tên)").click()
    assert page.locator("h1").inner_text() == "Sắp xếp tổ chức"
    page.select_option("#id_kind", "merge")
    page.fill("#id_effective_on", "01/07/2025")
    page.fill("#id_units", "NH-001; NH-002")
    page.fill("#id_new_code", "NH-XA-01")
    page.fill("#id_new_name", "Đảng bộ xã Na Hang")
    page.select_option("#id_new_kind", "dang_bo_co_so")
    page.fill("#id_new_parent", "TQ")
    page.fill("#id_decision", "Quyết định số 1234-QĐ/TU ngày 30/6/2025")
    page.get_by_role("button", name="Xem trước").click()
    preview = page.locator("#reorganise-preview")
    assert f"Hợp nhất {first.name} (NH-001), {second.name} (NH-002) thành Đảng bộ xã Na Hang (NH-XA-01)" in (
        preview.inner_text()
    )
    assert f"{members} đảng viên chuyển sinh hoạt" in preview.inner_text()
    page.screenshot(path=str(ARTEFACTS / "reorganisation-preview.png"), full_page=True)
    assert not Unit.objects.filter(code="NH-XA-01").exists()  # the preview wrote nothing
    # The form kept what was typed: applying sends the same change.
    assert page.locator("#id_new_name").input_value() == "Đảng bộ xã Na Hang"
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url("**/don-vi/sap-xep/*/")
    assert "Đã áp dụng" in page.locator("#reorganisation-applied").inner_text()
    assert page.locator("#reorganisation-by").inner_text() != "—"
    page.screenshot(path=str(ARTEFACTS / "reorganisation-applied.png"), full_page=True)
    merged = Unit.objects.get(code="NH-XA-01")
    assert merged.parent.code == "TQ" and merged.valid_from == datetime.date(2025, 7, 1)
    assert Person.objects.filter(home_cell__path__startswith=merged.path).count() == members
    assert Reorganisation.objects.get().created_by.username == "tinhuy"
    # The tree as of 2021 still has the two communes under Na Hang; as of 2026 the new one under the province.
    na_hang = Unit.objects.get(code="NH", valid_to__isnull=True)
    page.goto(f"{live_server.url}/don-vi/{na_hang.pk}/?nam=2021")
    assert first.name in page.content() and second.name in page.content()
    page.goto(f"{live_server.url}/don-vi/{merged.parent_id}/?nam=2026")
    assert "Đảng bộ xã Na Hang" in page.content()
    page.goto(f"{live_server.url}/don-vi/{na_hang.pk}/?nam=2026")
    assert first.name not in page.content()
