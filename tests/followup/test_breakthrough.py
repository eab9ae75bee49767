"""Breakthrough tasks (việc đột phá, đổi mới; QĐ 03-QĐ/TU of Tuyên Quang, CV 854-CV/TU mục 2(7))."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.followup import actions, queries
from kiemdiem.followup.models import BreakthroughTask
from kiemdiem.orgs.models import LeadershipCollective, Person, Position
from tests.followup.helpers import open_year


@pytest.fixture
def leader(world):  # type: ignore[no-untyped-def]
    """The chairman of Na Hang's People's Committee, a cadre the provincial standing committee manages."""
    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="lanh_dao_co_quan", name="Tập thể lãnh đạo UBND huyện Na Hang"
    )
    person = Person.objects.create(
        code="CB1",
        full_name="Nguyễn Văn Chủ",
        gender="m",
        admitted_on=world.member_na_hang.admitted_on,
        home_cell=world.cell_na_hang,
        management_tier="btv_tinh",
        managing_unit=world.province,
    )
    Position.objects.create(
        person=person,
        unit=world.agency_na_hang,
        collective=collective,
        title="Chủ tịch UBND huyện",
        role="head",
    )
    cycle = open_year(world, 2021)
    return Evaluation.objects.select_related("cycle", "unit", "person").get(
        cycle=cycle, person=person, subject_type="leader"
    )


def assign(user, ev, board="bcs_ubnd"):  # type: ignore[no-untyped-def]
    return actions.do_assign_breakthrough(
        user=user,
        evaluation=ev,
        title="Giải phóng mặt bằng dự án thủy điện Na Hang mở rộng",
        expected_result="Bàn giao 100% mặt bằng trước 30/9/2021",
        board=board,
    )


def test_the_province_assigns_and_evaluates_a_task_shown_in_the_leaders_evaluation(leader, province_admin):
    task = assign(province_admin, leader)
    actions.do_evaluate_breakthrough(
        user=province_admin, task=task, result="done", note="Bàn giao ngày 20/9/2021."
    )
    panel = queries.panel_for(province_admin, leader)
    assert panel["is_province_cadre"] and [t.get_result_display() for t in panel["tasks"]] == ["Hoàn thành"]


def test_only_the_provincial_organisation_board_assigns(leader, district_officer, province_admin):
    with pytest.raises(PermissionDenied):
        assign(district_officer, leader)
    assert not BreakthroughTask.objects.filter(evaluation=leader).exists()  # the refusal wrote nothing
    assert assign(province_admin, leader).evaluation == leader  # the same call by the board goes through


def test_a_task_goes_only_to_cadres_the_provincial_standing_committee_manages(world, province_admin):
    member_ev = Evaluation.objects.get(cycle=open_year(world, 2021), person=world.member_na_hang)
    with pytest.raises(ActionError, match="diện Ban Thường vụ Tỉnh ủy quản lý"):
        assign(province_admin, member_ev)


def test_each_responsible_body_sees_a_summary_of_its_tasks(client, leader, province_admin, district_officer):
    done = assign(province_admin, leader)
    actions.do_evaluate_breakthrough(user=province_admin, task=done, result="exceeded")
    assign(province_admin, leader, board="dan_van")
    summary = queries.breakthrough_summary(province_admin, leader.cycle, board="bcs_ubnd")
    rows = {r["board"]: r for r in summary["rows"]}
    assert (
        rows["bcs_ubnd"]["total"] == 1 and rows["dan_van"]["total"] == 1 and rows["noi_chinh"]["total"] == 0
    )
    assert [t.pk for t in summary["tasks"]] == [done.pk]
    client.force_login(province_admin)
    page = client.get(f"/theo-doi/dot/{leader.cycle.pk}/dot-pha/?ban=dan_van").content.decode()
    assert "Ban Dân vận Tỉnh ủy" in page and "Nguyễn Văn Chủ" in page


def test_the_summary_counts_only_what_the_user_reaches(leader, province_admin, outsider):
    assign(province_admin, leader)
    summary = queries.breakthrough_summary(outsider, leader.cycle, board="bcs_ubnd")
    assert sum(r["total"] for r in summary["rows"]) == 0 and summary["tasks"] == []
