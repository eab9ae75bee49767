"""In real Chromium: the province officer previews a merger of two communes, applies it, and the 2021 cycle still
shows the old tree while the new commune stands under the province from 01/07/2025; then the officer opens the 2026
cycle, which reviews the new tree."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.demo.province import DEMO_PASSWORD, build_demo_province
from kiemdiem.orgs.models import Person, Reorganisation, Unit

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_province_officer_previews_and_applies_a_merger_then_opens_2026_on_the_new_tree(
    empty_db, live_server, page
):
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
    expect(page.locator("h1")).to_have_text("Sắp xếp tổ chức")
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

    # The officer opens the 2026 cycle from the cycle pages: it reviews the tree of 31/12/2026.
    page.goto(live_server.url + "/dot/")
    page.get_by_role("link", name="Mở đợt kiểm điểm mới").click()
    page.fill("input[name=year]", "2026")
    page.get_by_role("button", name="Xem chế độ và hạn mặc định").click()
    assert "Quy định 366-QĐ/TW" in page.locator("#regime").inner_text()
    page.get_by_role("button", name="Mở đợt năm 2026").click()
    page.wait_for_url("**/dot/*/")
    cycle = Cycle.objects.get(year=2026, quarter=None)
    assert cycle.opened_by.username == "tinhuy"
    total = Evaluation.objects.filter(cycle=cycle).count()
    if "/dot/tao/" in page.url:  # a province's subtree is made in the background: the worker's turn
        from kiemdiem.campaigns import cycle_jobs
        from kiemdiem.campaigns.models import CycleJob

        cycle_jobs.run_cycle_job(CycleJob.objects.get(cycle=cycle).pk)
        page.get_by_role("link", name="Mở trang đợt kiểm điểm").click()
        total = Evaluation.objects.filter(cycle=cycle).count()
    assert total > members
    assert page.locator("#cycle-total").inner_text().startswith(str(total))
    page.get_by_role("link", name="Đánh giá, xếp loại — Đảng bộ tỉnh Tuyên Quang").click()
    children = page.locator("table", has_text="Đảng bộ xã Na Hang")
    assert children.count() >= 1  # the merged commune is a child of the province in 2026
    assert "Đảng bộ xã Na Hang" in page.content()
    page.screenshot(path=str(ARTEFACTS / "reorganisation-cycle-2026.png"), full_page=True)
    in_merged = Evaluation.objects.filter(
        cycle=cycle, subject_type="party_member", unit__path__startswith=merged.path
    )
    assert in_merged.count() == members  # every member of the two communes, once, in the new commune
    assert not Evaluation.objects.filter(cycle=cycle, unit__in=[first, second]).exists()
    page.get_by_role("link", name="Đảng bộ xã Na Hang").first.click()
    expect(page.locator("h1")).to_have_text("Đánh giá, xếp loại 2026 — Đảng bộ xã Na Hang")
    # The 2021 cycle's province page still lists Na Hang's two communes under the district, not the merged one.
    cycle_2021 = Cycle.objects.get(year=2021, quarter=None, unit__code="TQ")
    page.goto(f"{live_server.url}/dot/{cycle_2021.pk}/don-vi/{first.parent_id}/")
    assert first.name in page.content() and "Đảng bộ xã Na Hang" not in page.content()
