"""A refused save in Chromium gives back everything the member typed: nothing to type again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from tests.e2e.test_campaign_journeys import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_refused_long_save_keeps_the_text(live_server, page, world, member):
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    login(page, live_server, "dangvien")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    sections = page.locator("textarea[name^=section-]")
    assert sections.first.get_attribute("maxlength") == "20000"
    # A paste an old browser lets through: 20,001 characters in the first section, a short text in the second.
    sections.first.evaluate("(el) => { el.removeAttribute('maxlength'); el.value = 'Đ'.repeat(20001); }")
    sections.nth(1).fill("Giữ gìn đạo đức, lối sống giản dị.")
    page.select_option("#self_rating", "HTT")
    page.get_by_role("button", name="Lưu nháp").click()
    assert "vượt giới hạn" in page.locator(".messages li.error").inner_text()
    assert len(sections.first.input_value()) == 20001
    assert sections.nth(1).input_value() == "Giữ gìn đạo đức, lối sống giản dị."
    assert page.locator("#self_rating").input_value() == "HTT"
    shot(page, "refused-long-save")
    # Shortened, the same form saves.
    sections.first.fill("Luôn giữ vững lập trường chính trị.")
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Đã lưu bản nháp tự kiểm điểm.")).to_be_visible()
    ev.refresh_from_db()
    saved = set(ev.self_review.values())
    assert {"Luôn giữ vững lập trường chính trị.", "Giữ gìn đạo đức, lối sống giản dị."} <= saved
    assert ev.self_rating == "HTT"
