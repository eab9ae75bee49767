"""A member opens their own record from the header and sees each year they were reviewed, and as what (issue 17)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from tests.e2e.test_campaign_journeys import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_opens_their_own_record_and_sees_their_years(live_server, page, world, member):
    actions.ensure_evaluations(cycle=world.cycle_province)
    later = actions.do_open_cycle(unit=world.go_na_hang, year=2022)
    actions.do_sync_cycle(cycle=later)
    years = set(Evaluation.objects.filter(person=world.member_na_hang).values_list("cycle__year", flat=True))
    assert years == {2021, 2022}
    login(page, live_server, "dangvien")
    page.get_by_role("link", name="Hồ sơ của tôi").click()
    page.wait_for_url(f"**/ca-nhan/{world.member_na_hang.pk}/")
    expect(page.locator("h1")).to_have_text("Ma Văn Hùng")
    rows = page.locator("table.grid").first.locator("tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any(t.startswith("2021") and "Đảng viên Chi bộ tổ dân phố số 1" in t for t in texts), texts
    assert any(t.startswith("2022") and "Đảng viên Chi bộ tổ dân phố số 1" in t for t in texts), texts
    shot(page, "own-record")
    # Each year opens the member's own evaluation of that year.
    own_2022 = Evaluation.objects.get(person=world.member_na_hang, cycle=later)
    page.get_by_role("link", name="2022").click()
    page.wait_for_url(f"**/danh-gia/{own_2022.pk}/")
    assert "2022" in page.title()
