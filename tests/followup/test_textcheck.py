"""Checks against perfunctory reviews (CV 854-CV/TU mục 1: "tránh kiểm điểm qua loa, hình thức")."""

from kiemdiem.campaigns import actions as campaign_actions
from kiemdiem.campaigns.review_forms import form_for, required_sections
from kiemdiem.followup import queries, textcheck
from tests.conftest import make_members
from tests.followup.helpers import member_evaluation, open_year

TEXT = (
    "Năm qua tôi luôn giữ vững lập trường tư tưởng chính trị, chấp hành nghiêm chủ trương của Đảng, tham gia đầy "
    "đủ sinh hoạt chi bộ, hoàn thành tốt nhiệm vụ được giao tại tổ dân phố số 1, vận động 12 hộ hiến đất làm đường."
)
REQUIRED = [("politics", "I.1. Tư tưởng chính trị"), ("duties", "I.5. Kết quả thực hiện nhiệm vụ")]


def test_it_flags_empty_and_one_word_sections():
    found = textcheck.check_self_review(sections={"politics": "Tốt.", "duties": ""}, required=REQUIRED)
    assert [w.code for w in found] == ["SECTION_TOO_SHORT", "SECTION_EMPTY"]
    assert "I.1. Tư tưởng chính trị" in found[0].message


def test_it_flags_a_near_copy_of_a_peer_but_not_an_own_text():
    own = {"politics": TEXT, "duties": TEXT.replace("12 hộ", "15 hộ")}
    copy = {"politics": TEXT, "duties": TEXT}
    other = {
        "politics": "Tôi tích cực học tập nghị quyết, gương mẫu trong thực hiện nếp sống văn minh ở khu dân cư.",
        "duties": "Hoàn thành nhiệm vụ tổ trưởng tổ hòa giải, hòa giải thành 4 vụ việc, không để khiếu kiện vượt cấp.",
    }
    found = textcheck.check_self_review(
        sections=own, required=REQUIRED, peers=[("Ma Văn Hùng", copy), ("Lan", other)]
    )
    assert [w.code for w in found] == ["NEAR_COPY_PEER"]
    assert "Ma Văn Hùng" in found[0].message and "Lan" not in found[0].message


def test_it_flags_last_years_text_reused():
    found = textcheck.check_self_review(
        sections={"politics": TEXT, "duties": TEXT},
        required=REQUIRED,
        last_year={"politics": TEXT, "duties": TEXT},
    )
    assert [w.code for w in found] == ["NEAR_COPY_LAST_YEAR"]


def test_similar_wording_with_different_substance_is_not_a_copy():
    a = textcheck.shingles(TEXT)
    b = textcheck.shingles(
        "Năm qua tôi đã chủ động nghiên cứu, đề xuất mô hình trồng cam sành cho 30 hộ dân thôn Nà Khà."
    )
    assert textcheck.similarity(a, b) < 0.2


def _write(user, ev, text):  # type: ignore[no-untyped-def]
    form = form_for(regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=False)
    campaign_actions.do_save_self_review(
        user=user, evaluation=ev, sections={k: text for k in required_sections(form)}, self_rating="HTT"
    )


def test_the_panel_and_the_tracking_page_flag_copies_within_a_cell(
    world, cell_secretary, member, district_officer
):
    (other_person,) = make_members(world.cell_na_hang, 1)
    cycle = open_year(world, 2021)
    mine, other = member_evaluation(world, cycle), member_evaluation(world, cycle, other_person)
    _write(cell_secretary, mine, TEXT)
    _write(cell_secretary, other, TEXT)
    mine.refresh_from_db()
    # The member learns a near-copy exists, not whose; the committee sees the name.
    assert queries.text_warnings(member, mine) == [
        "Bản kiểm điểm gần trùng với bản kiểm điểm khác trong cùng đơn vị."
    ]
    assert "Đảng viên M00" in queries.text_warnings(cell_secretary, mine)[0]
    pairs = queries.tracking(district_officer, cycle, world.cell_na_hang)["copies"]
    assert [(a, b) for a, _, b, _, _ in pairs] == [tuple(sorted((mine.pk, other.pk)))]


def test_last_years_review_reused_is_flagged_on_the_panel(world, cell_secretary):
    _write(cell_secretary, member_evaluation(world, open_year(world, 2021)), TEXT)
    ev = member_evaluation(world, open_year(world, 2022))
    _write(cell_secretary, ev, TEXT)
    ev.refresh_from_db()
    assert any("năm trước" in w for w in queries.text_warnings(cell_secretary, ev))
