"""The follow-up's JSON API: the same panel and tracking as the pages, scoped the same way."""

from kiemdiem.followup import actions
from tests.followup.helpers import decide, member_evaluation, open_year


def test_it_returns_the_suggestions_still_to_answer_and_the_years(client, world, district_officer, member):
    ev = member_evaluation(world, open_year(world, 2021))
    actions.do_issue_suggestion(user=district_officer, evaluation=ev, items=["Làm rõ việc vắng sinh hoạt."])
    client.force_login(member)
    data = client.get(f"/api/followup/evaluations/{ev.pk}").json()
    assert data["suggestions"][0]["issuing_unit"] == "Đảng bộ huyện Na Hang"
    assert data["suggestions"][0]["items"] == [
        {"number": 1, "content": "Làm rõ việc vắng sinh hoạt.", "answered": False}
    ]
    assert data["missing_answers"] == ["giải trình nội dung gợi ý số 1 của Đảng bộ huyện Na Hang"]
    assert data["remediation_pct"] is None and data["flags"] == []


def test_it_counts_the_tracking_of_a_subtree(
    client, world, district_officer, cell_secretary, grassroots_officer
):
    decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2020)), "KHT")
    ev = decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2021)), "KHT")
    client.force_login(district_officer)
    data = client.get(f"/api/followup/cycles/{ev.cycle.pk}/units/{world.na_hang.pk}").json()
    assert data["kht_two_years"] == ["Ma Văn Hùng"] and data["pending_rereviews"] == 0
    assert client.get(f"/api/followup/cycles/{ev.cycle.pk}/units/{world.lam_binh.pk}").status_code == 404
