"""A 2026 review under QĐ 366 in real Chromium, through its three steps (Điều 12): the member's self-assessment with
the results points the province's formula derives from the task register, the cell secretary's meeting proposes,
the organisation board verifies item by item and proposes, the deciding committee scores and decides."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.assessments import actions
from kiemdiem.assessments.models import FrameworkVersion, ItemScore
from kiemdiem.campaigns.models import AuditRecord, Evaluation
from tests.assessments.helpers import add_tasks, evaluation_of, open_2026

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "mat-khau-thu-nghiem"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_the_secretary_and_the_verifier_propose_and_the_deciding_committee_decides_a_2026_review(
    live_server, page, world, province_admin, member, cell_secretary, district_officer, grassroots_officer
):
    # The province states how Phụ lục 5's results items 3 and 4 follow from the register (HD 43 tiết 7.12).
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix="pl5")
    formulas = {"3": "0,3 × hoàn thành", "4": "vượt mức ≥ 30: 20; vượt mức ≥ 20: 15; còn lại: 10"}
    actions.do_edit_framework(
        user=province_admin,
        unit=world.province,
        appendix="pl5",
        items=[
            {
                "group": c.group,
                "code": c.code,
                "label": c.label,
                "max_points": str(c.max_points),
                "citation": c.citation,
                "formula": formulas.get(c.code, ""),
            }
            for c in central.criteria.order_by("order")
        ],
        note="Tỉnh ủy cụ thể hóa cách chấm nhóm kết quả theo danh mục nhiệm vụ.",
    )
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded"] + ["on_time"] * 3)  # 100 % done, 25 % exceeded
    codes = {c.code: c.pk for c in actions.framework_for(ev).criteria.all()}

    # 1. The member: the derived points stand in the boxes of items 3 and 4; the others are typed.
    login(page, live_server, "dangvien")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    assert "30 điểm" in page.locator("#derived-hint-3").inner_text()
    assert "15 điểm" in page.locator("#derived-hint-4").inner_text()
    assert page.locator(f"#score-{codes['3']}").input_value() == "30"
    assert page.locator(f"#score-{codes['4']}").input_value() == "15"
    for textarea in page.locator("textarea[name^=section-]").all():
        textarea.fill("Chấp hành nghị quyết, tham gia đầy đủ sinh hoạt chi bộ và tổ dân phố.")
    page.fill(f"#score-{codes['1']}", "18")
    page.fill(f"#score-{codes['2']}", "9")
    page.fill(f"#score-{codes['5']}", "18")
    page.select_option("#self_rating", "HTT")
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    expect(page.get_by_text("Đã nộp bản tự kiểm điểm.")).to_be_visible()
    expect(page.locator("#total-self")).to_have_text("90")
    assert "mức cao nhất được xếp là HTT" in page.locator("#band").inner_text()  # 25 % < 30 % exceeded
    shot(page, "decision-chain-1-self")
    page.set_viewport_size({"width": 390, "height": 844})  # the formula's column and hints fit a phone
    width = page.evaluate("document.querySelector('#cham-diem').scrollWidth")
    assert width <= 390, f"the scored form is {width}px wide on a 390px phone"
    page.set_viewport_size({"width": 1280, "height": 900})

    # 2. The cell secretary records the meeting and its proposal.
    login(page, live_server, "chibo")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    page.fill("input[name=attendees]", "9")
    page.fill("input[name=votes_for]", "9")
    page.select_option("#proposed_rating", "HTT")
    page.get_by_role("button", name="Ghi kết quả hội nghị").click()
    expect(page.get_by_text("Đã ghi kết quả hội nghị và mức đề xuất.")).to_be_visible()
    assert Evaluation.objects.get(pk=ev.pk).proposed_rating == "HTT"

    # 3. The organisation board verifies item by item (its boxes start from the formula) and proposes.
    login(page, live_server, "nahang")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    expect(page.locator("#derived-3")).to_have_text("30")
    expect(page.locator("#derived-4")).to_have_text("15")
    page.get_by_text("Thẩm định điểm từng tiêu chí").click()
    assert page.locator(f"input[name=verified-{codes['4']}]").input_value() == "15"
    for code, value in {"1": "17", "2": "9", "3": "30", "4": "15", "5": "16"}.items():
        page.fill(f"input[name=verified-{codes[code]}]", value)
    page.get_by_role("button", name="Ghi điểm thẩm định").click()
    expect(page.get_by_text("Đã ghi điểm thẩm định.")).to_be_visible()
    page.fill("#note", "Danh mục nhiệm vụ đã được chi bộ xác nhận; đề nghị xếp mức hoàn thành tốt nhiệm vụ.")
    page.get_by_role("button", name="Ghi ý kiến thẩm định").click()
    expect(page.get_by_text("Đã ghi ý kiến thẩm định.")).to_be_visible()
    expect(page.locator("#state")).to_have_text("Đã thẩm định")
    shot(page, "decision-chain-2-verified")

    # 4. The grassroots committee sees the derived column and every stage, scores and decides.
    login(page, live_server, "danguy")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    assert "Theo công thức" in page.locator("#cham-diem").inner_text()
    page.get_by_text("Điểm do cấp có thẩm quyền quyết định").click()
    assert page.locator(f"input[name=decided-{codes['5']}]").input_value() == "16"  # from the verifier
    page.get_by_role("button", name="Ghi điểm quyết định").click()
    expect(page.get_by_text("Đã ghi điểm quyết định.")).to_be_visible()
    page.select_option("#rating", "HTT")
    page.fill("input[name=decided_on]", datetime.date.today().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Ghi quyết định").click()
    expect(page.get_by_text("Đã ghi quyết định xếp loại.")).to_be_visible()
    assert "Hoàn thành tốt nhiệm vụ" in page.locator("#decided").inner_text()
    shot(page, "decision-chain-3-decided")

    ev.refresh_from_db()
    assert (ev.state, ev.proposed_rating, ev.decided_rating, ev.score) == (
        "decided",
        "HTT",
        "HTT",
        Decimal(87),
    )
    decided = dict(ItemScore.objects.filter(evaluation=ev).values_list("criterion_id", "decided_score"))
    assert decided[codes["3"]] == 30 and decided[codes["4"]] == 15
    verified = AuditRecord.objects.get(
        evaluation=ev, action="score", reason="Điểm thẩm định theo từng tiêu chí"
    )
    assert (Decimal(verified.old_value), Decimal(verified.new_value)) == (90, 87)
