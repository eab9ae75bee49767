"""Every page in Chromium at a desktop width and at a phone's 390 px: axe-core finds no critical or serious
violation, and at 390 px the page never widens past the screen (wide tables scroll inside their own box)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from tests.campaigns.helpers import submit_self_review
from tests.conftest import make_members
from tests.e2e.test_campaign_journeys import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def pages_for(world) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The pages each account opens in a campaign week, by account."""
    make_members(world.cell_na_hang, 8)
    cycle = world.cycle_province
    actions.ensure_evaluations(cycle=cycle)
    member_ev = Evaluation.objects.get(cycle=cycle, person=world.member_na_hang, subject_type="party_member")
    cell_ev = Evaluation.objects.get(cycle=cycle, unit=world.cell_na_hang, subject_type="party_organization")
    c, nh, go, cell = cycle.pk, world.na_hang.pk, world.go_na_hang.pk, world.cell_na_hang.pk
    return {
        "nahang": [
            f"/don-vi/{nh}/",
            f"/don-vi/{cell}/",
            "/dot/",
            f"/dot/{c}/",
            f"/dot/{c}/tien-do/{nh}/",
            f"/dot/{c}/don-vi/{go}/",
            f"/danh-gia/{cell_ev.pk}/",
            "/bao-cao/",
            f"/bao-cao/dot/{c}/don-vi/{nh}/",
            "/theo-doi/",
            f"/theo-doi/dot/{c}/don-vi/{nh}/",
            "/nhap-lieu/",
            f"/ca-nhan/{world.member_na_hang.pk}/",
        ],
        "chibo": [f"/dot/{c}/don-vi/{cell}/", f"/danh-gia/{member_ev.pk}/", "/theo-doi/"],
        "dangvien": [f"/ca-nhan/{world.member_na_hang.pk}/", f"/danh-gia/{member_ev.pk}/", "/theo-doi/"],
    }


def serious(page) -> list[str]:  # type: ignore[no-untyped-def]
    found = AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("critical", "serious")
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_violation_and_no_widening(
    live_server, page, world, district_officer, cell_secretary, member, width
):
    accounts = pages_for(world)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/dang-nhap/")
    problems = [f"/dang-nhap/: {v}" for v in serious(page)]
    opened = 1
    for username, paths in accounts.items():
        page.context.clear_cookies()
        login(page, live_server, username)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (username, path)
            opened += 1
            problems += [f"{path}: {v}" for v in serious(page)]
            if width == 390:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    problems.append(f"{path}: the page widens to {scroll} px at {width} px")
    assert opened >= 20
    assert problems == []


def test_the_secretary_reaches_every_input_of_the_rating_page_on_a_phone(
    live_server, page, world, cell_secretary
):
    make_members(world.cell_na_hang, 8)
    actions.ensure_evaluations(cycle=world.cycle_province)
    for ev in Evaluation.objects.filter(
        cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_member"
    ):
        submit_self_review(cell_secretary, ev, "HTT")  # the meeting proposes for the reviewed
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, live_server, "chibo")
    page.goto(f"{live_server.url}/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    selects = page.locator("select[name^=rating-]")
    assert selects.count() >= 9
    last = selects.last
    last.scroll_into_view_if_needed()
    last.select_option("HT")  # reachable: inside the table's own scroll box
    assert last.input_value() == "HT"
    shot(page, "rating-page-390")
