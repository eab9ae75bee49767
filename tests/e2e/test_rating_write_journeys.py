"""Chromium journeys of issue 17: the meter follows the levels as they are picked; a bulk decision of a cell."""

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, EvaluationState
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members
from tests.e2e.test_campaign_journeys import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def cell(world):  # type: ignore[no-untyped-def]
    make_members(world.cell_na_hang, 11)  # with Ma Văn Hùng, twelve members
    actions.ensure_evaluations(cycle=world.cycle_province)
    return list(
        Evaluation.objects.filter(
            cycle=world.cycle_province, unit=world.cell_na_hang, subject_type="party_member"
        )
        .select_related("person")
        .order_by("person__full_name")
    )


def test_the_meter_changes_as_levels_are_picked(live_server, page, world, cell_secretary):
    evs = cell(world)
    for ev in evs:
        submit_self_review(cell_secretary, ev, "HTT")
    login(page, live_server, "chibo")
    page.goto(f"{live_server.url}/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    meters = page.locator("#meters")
    expect(meters).to_contain_text("chưa có ai được đề xuất HTT", timeout=20_000)
    for ev in evs[:6]:
        page.get_by_label(f"Mức đề xuất cho {ev.subject_name}").select_option("HTT")
    expect(meters).to_contain_text("0 HTXS / 6 HTT", timeout=20_000)
    expect(meters).to_contain_text("còn 1 suất HTXS", timeout=20_000)
    for ev in evs[6:8]:
        page.get_by_label(f"Mức đề xuất cho {ev.subject_name}").select_option("HTXS")
    expect(meters).to_contain_text("2 HTXS / 6 HTT", timeout=20_000)
    expect(meters).to_contain_text("vượt 1 suất HTXS", timeout=20_000)
    shot(page, "meter-follows-picked-levels")
    assert not Evaluation.objects.filter(pk__in=[e.pk for e in evs]).exclude(proposed_rating="").exists()


def test_a_bulk_decision_of_a_cell(live_server, page, world, cell_secretary, grassroots_officer):
    evs = cell(world)
    for ev in evs:
        propose(cell_secretary, ev, "HTT")
    login(page, live_server, "danguy")
    page.goto(f"{live_server.url}/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/")
    page.get_by_role("link", name="Quyết định xếp loại các đảng viên").click()
    for ev in evs:
        page.get_by_label(f"Mức quyết định cho {ev.subject_name}").select_option("HTT")
    page.get_by_label(f"Mức quyết định cho {evs[3].subject_name}").select_option("HT")
    page.get_by_role("button", name="Ghi quyết định của Đảng bộ thị trấn Na Hang").click()
    # No date chosen: the browser asks for it (required), nothing is sent.
    assert not Evaluation.objects.filter(pk__in=[e.pk for e in evs], state=EvaluationState.DECIDED).exists()
    page.fill("#decided_on", "08/01/2022")
    page.get_by_role("button", name="Ghi quyết định của Đảng bộ thị trấn Na Hang").click()
    expect(page.get_by_text("Đã ghi quyết định xếp loại của 12 đảng viên.")).to_be_visible()
    shot(page, "bulk-decision-of-a-cell")
    decided = dict(
        Evaluation.objects.filter(pk__in=[e.pk for e in evs], state=EvaluationState.DECIDED).values_list(
            "pk", "decided_rating"
        )
    )
    assert len(decided) == 12 and decided[evs[3].pk] == "HT"
