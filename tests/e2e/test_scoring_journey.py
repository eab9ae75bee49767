"""HD 43 in real Chromium, on a phone: a member lists tasks with evidence and scores item by item; HTXS is refused
with its article when fewer than 30 % of the tasks exceeded their target."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiemdiem.assessments.models import Task
from kiemdiem.campaigns.models import Evaluation
from tests.assessments.helpers import evaluation_of, open_2026
from tests.campaigns.helpers import propose
from tests.conftest import make_members

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "mat-khau-thu-nghiem"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True}


def login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def add_task(page, title: str, result: str, *, evidence: bool = False) -> None:  # type: ignore[no-untyped-def]
    details = page.locator("#nhiem-vu details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    page.fill("#task-title", title)
    page.fill("#task-target", "Đúng hạn, đạt yêu cầu")
    page.fill("#task-deadline", "15/12/2026")
    page.select_option("#task-result", result)
    if evidence:
        page.set_input_files(
            "#task-evidence",
            files=[
                {
                    "name": "bien-ban-nghiem-thu.pdf",
                    "mimeType": "application/pdf",
                    "buffer": b"%PDF-1.7 bien ban",
                }
            ],
        )
    page.get_by_role("button", name="Thêm vào danh mục").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"Đã kê khai nhiệm vụ “{title}”.")).to_be_visible()


def test_a_member_lists_tasks_scores_item_by_item_and_htxs_is_refused_below_30_pct_exceeded(
    live_server, page, world, member, grassroots_officer
):
    peers = make_members(world.cell_na_hang, 5)
    cycle = open_2026(world)
    for person in peers:  # room for one HTXS in the group, so only the task condition can refuse it
        propose(grassroots_officer, evaluation_of(cycle, person), "HTT")
    ev = evaluation_of(cycle, world.member_na_hang)

    login(page, live_server, "dangvien")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    expect(page.get_by_role("heading", name="Mẫu 2C-HD KĐ.ĐG 2025")).to_be_visible()
    add_task(page, "Vận động 20 hộ đóng góp làm đường", "exceeded", evidence=True)
    for number in range(2, 6):
        add_task(page, f"Tham gia sinh hoạt tổ dân phố lần {number}", "on_time")
    summary = page.locator("#task-summary").inner_text()
    assert "5 nhiệm vụ" in summary and "vượt mức 20%" in summary
    expect(page.get_by_role("link", name="bien-ban-nghiem-thu.pdf")).to_be_visible()
    assert Task.objects.get(evaluation=ev, result="exceeded").evidence.size == len(b"%PDF-1.7 bien ban")

    # Part A and part B; one item over its maximum is refused and nothing typed is lost.
    for textarea in page.locator("textarea[name^=section-]").all():
        textarea.fill("Luôn giữ vững lập trường, tham gia đầy đủ sinh hoạt chi bộ.")
    inputs = page.locator("input[name^=score-]").all()
    assert len(inputs) == 5  # Phụ lục 5: two general items and three results items
    maxima = ["20", "10", "30", "20", "20"]
    for box, top in zip(inputs, maxima, strict=True):
        box.fill(top)
    inputs[0].fill("25")
    page.select_option("#self_rating", "HTXS")
    shot(page, "scored-review-phone")
    width = page.evaluate("document.querySelector('#cham-diem').scrollWidth")
    assert width <= PHONE["width"], f"the form is {width}px wide on a {PHONE['width']}px phone"
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    assert "25 điểm vượt điểm tối đa 20" in page.locator(".messages li.error").inner_text()
    assert page.locator("input[name^=score-]").nth(0).input_value() == "25"
    assert page.locator("input[name^=score-]").nth(4).input_value() == "20"
    assert page.locator("#self_rating").input_value() == "HTXS"
    assert "Luôn giữ vững lập trường" in page.locator("textarea[name=section-quality]").input_value()
    page.locator("input[name^=score-]").nth(0).fill("19,5")
    page.get_by_role("button", name="Nộp bản tự kiểm điểm").click()
    expect(page.get_by_text("Đã nộp bản tự kiểm điểm.")).to_be_visible()
    expect(page.locator("#total-self")).to_have_text("99,5")
    assert "thuộc khung HTXS" in page.locator("#band").inner_text()
    assert "mức cao nhất được xếp là HTT" in page.locator("#band").inner_text()

    # The cell's meeting proposes HTXS: refused, with the article, because 20 % < 30 % exceeded.
    page.context.clear_cookies()
    login(page, live_server, "danguy")
    page.goto(f"{live_server.url}/danh-gia/{ev.pk}/")
    page.fill("input[name=attendees]", "6")
    page.fill("input[name=votes_for]", "6")
    page.select_option("#proposed_rating", "HTXS")
    page.get_by_role("button", name="Ghi kết quả hội nghị").click()
    error = page.locator(".messages li.error").inner_text()
    assert "Không thể xếp mức HTXS" in error
    assert "20% nhiệm vụ vượt mức (cần từ 30%)" in error and "QĐ 366-QĐ/TW, Điều 11" in error
    shot(page, "htxs-refused-tasks-exceeded")
    assert Evaluation.objects.get(pk=ev.pk).proposed_rating == ""
