"""Opening, re-syncing and closing cycles: regime by year, quarters, who may open, deadlines, never a duplicate."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.actions import ActionError, CycleError
from kiemdiem.campaigns.context_processors import current_cycle_for
from kiemdiem.campaigns.models import (
    AuditRecord,
    Cycle,
    CycleJob,
    Evaluation,
    EvaluationState,
    LevelDeadline,
    QuotaGroup,
)
from kiemdiem.orgs.models import LeadershipCollective, Person, Position, Role
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_2026_cycle_follows_qd366_and_hd43_with_their_deadlines(world):
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    assert cycle.regime == "QD366_HD43"
    assert "QĐ 366" in cycle.basis and "HD 43" in cycle.basis
    assert cycle.review_deadline == datetime.date(2026, 12, 31)  # HD 43 Mục 4: before 31/12
    assert cycle.report_deadline == datetime.date(2027, 2, 1)  # Mẫu 04 to the central board before 01/02
    assert cycle.opened_at is not None and cycle.is_open


def test_the_2021_cycle_takes_the_province_overlay_deadlines(world):
    cycle = actions.do_open_cycle(unit=world.province, year=2022)
    assert cycle.regime == "QD132_HD21"
    assert world.cycle_province.review_deadline == datetime.date(2022, 1, 10)  # CV 854-CV/TU
    assert world.cycle_province.report_deadline == datetime.date(2022, 2, 10)


@pytest.mark.parametrize(
    ("year", "quarter", "message"),
    [
        (2021, 1, "không có đánh giá hằng quý"),
        (2026, 4, "quý IV gộp vào đánh giá cả năm"),
        (2026, 0, "chỉ đánh giá quý I, II, III"),
        (2018, None, "chỉ hỗ trợ các năm từ 2019"),
    ],
)
def test_it_refuses_a_period_the_regulation_does_not_have(world, year, quarter, message):
    with pytest.raises(CycleError, match=message):
        actions.do_open_cycle(unit=world.province, year=year, quarter=quarter)
    assert not Cycle.objects.filter(year=year, quarter=quarter).exists()


def test_a_quarter_is_opened_from_2025_with_its_own_deadlines(world):
    cycle = actions.do_open_cycle(unit=world.province, year=2026, quarter=2)
    assert cycle.quarter == 2 and cycle.regime == "QD366_HD43"
    assert cycle.review_deadline == datetime.date(2026, 7, 15)
    assert str(cycle) == "Kiểm điểm quý 2/2026 — Đảng bộ tỉnh Tuyên Quang"


def test_the_same_period_cannot_be_opened_twice_for_one_committee(world):
    with pytest.raises(CycleError, match="đã có đợt kiểm điểm năm 2021"):
        actions.do_open_cycle(unit=world.province, year=2021)


def test_only_a_party_committee_opens_a_cycle(world):
    with pytest.raises(CycleError, match="không phải là tổ chức đảng"):
        actions.do_open_cycle(unit=world.agency_na_hang, year=2026)


def test_a_district_opens_its_own_cycle_only_when_the_province_delegates(
    world, district_officer, province_admin
):
    with pytest.raises(CycleError, match="không có quyền mở đợt"):
        actions.do_open_cycle(user=district_officer, unit=world.na_hang, year=2026)
    with pytest.raises(CycleError, match="Chỉ Ban Tổ chức Tỉnh ủy"):
        actions.do_delegate_cycles(user=district_officer, unit=world.na_hang, year=2026)
    actions.do_delegate_cycles(user=province_admin, unit=world.na_hang, year=2026)
    cycle = actions.do_open_cycle(user=district_officer, unit=world.na_hang, year=2026)
    assert cycle.opened_by == district_officer
    # The delegation is for Na Hang's subtree and that year only.
    with pytest.raises(CycleError, match="không có quyền mở đợt"):
        actions.do_open_cycle(user=district_officer, unit=world.na_hang, year=2027)
    with pytest.raises(CycleError, match="không có quyền mở đợt"):
        actions.do_open_cycle(user=district_officer, unit=world.province, year=2026)


def test_the_province_opens_for_the_province_and_a_cell_secretary_for_nothing(
    world, province_admin, cell_secretary
):
    assert (
        actions.do_open_cycle(user=province_admin, unit=world.province, year=2026).opened_by == province_admin
    )
    with pytest.raises(CycleError, match="không có quyền mở đợt"):
        actions.do_open_cycle(user=cell_secretary, unit=world.go_na_hang, year=2027)


def test_sync_creates_groups_and_evaluations_and_a_resync_adds_only_what_is_missing(world, cell_secretary):
    make_members(world.cell_na_hang, 3)
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    added = actions.do_sync_cycle(cycle=cycle)
    assert added["quota_groups"] > 0
    total = Evaluation.objects.filter(cycle=cycle).count()
    assert added["evaluations"] == total
    assert Evaluation.objects.get(cycle=cycle, person=world.member_na_hang).form_code == "2B-HD KĐ.ĐG 2025"
    ev = Evaluation.objects.get(cycle=cycle, person=world.member_na_hang)
    submit_self_review(cell_secretary, ev, "HTT")
    # The tree and the positions change: a new member, a new head.
    newcomer = make_members(world.cell_na_hang, 1, prefix="N")[0]
    collective = LeadershipCollective.objects.create(
        unit=world.go_na_hang, kind="bch", name="BCH Đảng bộ thị trấn"
    )
    Position.objects.create(
        person=world.member_na_hang,
        unit=world.go_na_hang,
        collective=collective,
        title="Bí thư",
        role=Role.HEAD,
    )
    again = actions.do_sync_cycle(cycle=cycle)
    assert again == {"quota_groups": 0, "evaluations": 3}  # the member, the collective, the leader
    assert Evaluation.objects.filter(cycle=cycle, person=newcomer).count() == 1
    assert Evaluation.objects.filter(cycle=cycle, collective=collective).count() == 1
    assert (
        Evaluation.objects.filter(cycle=cycle, person=world.member_na_hang, subject_type="leader").count()
        == 1
    )
    ev.refresh_from_db()
    assert ev.state == EvaluationState.SELF_REVIEWED and ev.self_rating == "HTT"  # kept as it was
    assert actions.do_sync_cycle(cycle=cycle) == {"quota_groups": 0, "evaluations": 0}
    assert Evaluation.objects.filter(cycle=cycle).count() == total + 3


def test_a_nested_cycle_is_refused_once_the_wider_one_evaluates_the_subtree(world, province_admin):
    cycle = actions.do_open_cycle(unit=world.province, year=2026)
    actions.do_sync_cycle(cycle=cycle)
    actions.do_delegate_cycles(user=province_admin, unit=world.na_hang, year=2026)
    with pytest.raises(CycleError, match="đã tạo bản đánh giá cho Đảng bộ huyện Na Hang"):
        actions.do_open_cycle(unit=world.na_hang, year=2026)


def test_a_wider_cycle_leaves_alone_the_subjects_of_a_delegated_cycle_inside_it(world):
    inner = actions.do_open_cycle(unit=world.na_hang, year=2026)
    actions.do_sync_cycle(cycle=inner)
    outer = actions.do_open_cycle(unit=world.province, year=2026)
    actions.do_sync_cycle(cycle=outer)
    assert Evaluation.objects.filter(person=world.member_na_hang, cycle__year=2026).count() == 1
    assert Evaluation.objects.filter(cycle=outer, person=world.member_lam_binh).exists()


def test_closing_locks_the_cycle_and_an_order_still_reopens_one_evaluation(
    world, grassroots_officer, district_officer, province_admin
):
    make_members(world.cell_na_hang, 9)
    cycle = actions.do_open_cycle(unit=world.province, year=2021 + 5)
    actions.do_sync_cycle(cycle=cycle)
    evs = list(
        Evaluation.objects.filter(cycle=cycle, unit=world.cell_na_hang, subject_type="party_member").order_by(
            "pk"
        )
    )
    ev, other = evs[0], evs[1]
    propose(grassroots_officer, ev, "HTT")
    actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTT")
    with pytest.raises(CycleError, match="quyền thay đổi đợt"):
        actions.do_close_cycle(user=district_officer, cycle=cycle)
    actions.do_close_cycle(user=province_admin, cycle=cycle)
    with pytest.raises(CycleError, match="đã đóng từ trước"):
        actions.do_close_cycle(user=province_admin, cycle=cycle)
    with pytest.raises(ActionError, match="đã đóng"):
        submit_self_review(grassroots_officer, other, "HTT")
    with pytest.raises(CycleError, match="đã đóng"):
        actions.do_sync_cycle(cycle=cycle)
    actions.do_order(
        user=district_officer, evaluation=ev, kind="rerating", reason="Xếp loại chưa đúng quy định."
    )
    ev.refresh_from_db()
    assert ev.state == EvaluationState.REVIEWED
    propose(grassroots_officer, ev, "HT")
    actions.do_decide_rating(
        user=grassroots_officer, evaluation=ev, rating="HT", reason="Xếp loại lại theo yêu cầu."
    )
    ev.refresh_from_db()
    assert ev.decided_rating == "HT"
    assert AuditRecord.objects.filter(evaluation=ev, action="decide").count() == 2
    with pytest.raises(ActionError, match="đã đóng"):  # decided again: locked with the cycle
        actions.do_update_facts(user=grassroots_officer, evaluation=ev, facts={"sick_leave_days": 3})


def test_deadlines_are_editable_per_cycle_and_per_level_lower_levels_first(
    world, province_admin, district_officer
):
    cycle = world.cycle_province
    day = datetime.date
    with pytest.raises(CycleError, match="quyền thay đổi đợt"):
        actions.do_set_cycle_deadlines(
            user=district_officer,
            cycle=cycle,
            review_deadline=day(2022, 1, 5),
            dossier_deadline=None,
            report_deadline=day(2022, 2, 5),
        )
    with pytest.raises(CycleError, match="trước hạn của cấp dưới"):
        actions.do_set_cycle_deadlines(
            user=province_admin,
            cycle=cycle,
            review_deadline=day(2022, 1, 8),
            dossier_deadline=None,
            report_deadline=day(2022, 2, 5),
            levels={"cell": day(2022, 1, 3), "grassroots": day(2022, 1, 2)},
        )
    with pytest.raises(CycleError, match="sau hạn hoàn thành kiểm điểm của đợt"):
        actions.do_set_cycle_deadlines(
            user=province_admin,
            cycle=cycle,
            review_deadline=day(2022, 1, 8),
            dossier_deadline=None,
            report_deadline=day(2022, 2, 5),
            levels={"upper": day(2022, 1, 9)},
        )
    with pytest.raises(CycleError, match="Hạn báo cáo kết quả .* trước hạn hoàn thành"):
        actions.do_set_cycle_deadlines(
            user=province_admin,
            cycle=cycle,
            review_deadline=day(2022, 1, 8),
            dossier_deadline=None,
            report_deadline=day(2022, 1, 5),
        )
    actions.do_set_cycle_deadlines(
        user=province_admin,
        cycle=cycle,
        review_deadline=day(2022, 1, 8),
        dossier_deadline=None,
        report_deadline=day(2022, 2, 5),
        levels={"cell": day(2021, 12, 25), "grassroots": day(2022, 1, 3)},
    )
    cycle.refresh_from_db()
    assert cycle.review_deadline == day(2022, 1, 8) and cycle.dossier_deadline is None
    assert dict(LevelDeadline.objects.filter(cycle=cycle).values_list("level", "review_deadline")) == {
        "cell": day(2021, 12, 25),
        "grassroots": day(2022, 1, 3),
    }


# -- Pages ---------------------------------------------------------------------------------------------------------


def test_the_open_page_shows_the_regime_by_its_documents_and_prefills_the_deadlines(world, province_admin):
    body = _client(province_admin).get("/dot/mo/?year=2026").content.decode()
    assert "QĐ 366-QĐ/TW" in body and "HD 43-HD/BTCTW" in body
    assert 'value="31/12/2026"' in body and 'value="01/02/2027"' in body
    old = _client(province_admin).get("/dot/mo/?year=2021").content.decode()
    assert "CV 854-CV/TU" in old and 'value="10/01/2022"' in old


def test_the_province_opens_a_cycle_on_the_page_and_its_evaluations_are_made(world, province_admin):
    client = _client(province_admin)
    response = client.post(
        "/dot/mo/",
        {
            "year": "2026",
            "quarter": "",
            "unit": str(world.province.pk),
            "review_deadline": "20/12/2026",
            "dossier_deadline": "",
            "report_deadline": "01/02/2027",
        },
    )
    cycle = Cycle.objects.get(unit=world.province, year=2026, quarter=None)
    assert response.status_code == 302 and response["Location"] == f"/dot/{cycle.pk}/"
    assert cycle.review_deadline == datetime.date(2026, 12, 20)
    assert Evaluation.objects.filter(cycle=cycle, person=world.member_na_hang).exists()
    assert CycleJob.objects.get(cycle=cycle).status == "done"
    assert current_cycle_for(province_admin) == cycle  # the home page's current cycle is the newest open one
    page = client.get("/dot/").content.decode()
    assert (
        "(đợt hiện hành)" in page and f"/dot/{world.cycle_province.pk}/" in page
    )  # past cycles one click away


def test_a_refused_opening_keeps_what_was_typed(world, district_officer):
    response = _client(district_officer).post(
        "/dot/mo/",
        {
            "year": "2026",
            "unit": str(world.na_hang.pk),
            "review_deadline": "20/12/2026",
            "report_deadline": "05/01/2027",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "không có quyền mở đợt" in body and 'value="05/01/2027"' in body
    assert not Cycle.objects.filter(year=2026).exists()


def test_a_large_subtree_is_made_in_the_background_with_a_progress_page(
    world, province_admin, outsider, monkeypatch
):
    from kiemdiem.campaigns import cycle_jobs

    monkeypatch.setattr(cycle_jobs, "INLINE_MAX_UNITS", 0)
    client = _client(province_admin)
    response = client.post(
        "/dot/mo/",
        {
            "year": "2026",
            "unit": str(world.province.pk),
            "review_deadline": "31/12/2026",
            "report_deadline": "01/02/2027",
        },
    )
    job = CycleJob.objects.get()
    assert response["Location"] == f"/dot/tao/{job.pk}/"  # queued for the worker (none runs in the tests)
    assert client.get(f"/dot/tao/{job.pk}/trang-thai/").json()["status"] == "queued"
    assert _client(outsider).get(f"/dot/tao/{job.pk}/trang-thai/").status_code == 404
    cycle_jobs.run_cycle_job(job.pk)  # the worker's turn
    polled = client.get(f"/dot/tao/{job.pk}/trang-thai/")
    assert polled["Cache-Control"] == "no-store"  # one status response for every job (kiemdiem/jobs.py)
    status = polled.json()
    assert set(status) >= {"status", "label", "progress", "finished", "error", "step", "added", "cycle_url"}
    assert status["finished"] and status["progress"] == 100 and status["added"]["evaluations"] > 0
    assert "Tạo nhóm tính tỷ lệ và bản đánh giá" in client.get(f"/dot/tao/{job.pk}/").content.decode()


def test_close_and_resync_from_the_page_and_no_one_outside_changes_it(
    world, province_admin, district_officer
):
    cycle = world.cycle_province
    assert _client(district_officer).post(f"/dot/{cycle.pk}/dong/").status_code == 302
    cycle.refresh_from_db()
    assert cycle.is_open  # refused with a message
    client = _client(province_admin)
    client.post(f"/dot/{cycle.pk}/dong-bo/")
    assert Evaluation.objects.filter(cycle=cycle).exists()
    client.post(f"/dot/{cycle.pk}/dong/")
    cycle.refresh_from_db()
    assert not cycle.is_open


def test_the_admin_lists_cycles_but_opens_none(world, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", password="mat-khau-quan-tri-1")
    client = _client(admin)
    assert client.get("/quan-tri/campaigns/cycle/").status_code == 200
    assert client.get("/quan-tri/campaigns/cycle/add/").status_code == 403
    assert (
        client.post(
            f"/quan-tri/campaigns/cycle/{world.cycle_province.pk}/change/", {"year": "2030"}
        ).status_code
        == 403
    )
    world.cycle_province.refresh_from_db()
    assert world.cycle_province.year == 2021


# -- Command line --------------------------------------------------------------------------------------------------


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("cycle", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_the_command_opens_lists_and_closes(world):
    make_members(world.cell_na_hang, 2)
    out = _run("open", "--year", "2026", "--unit", "TQ")
    cycle = Cycle.objects.get(year=2026, quarter=None)
    assert f"Đã mở đợt số {cycle.pk}" in out and "366-QĐ/TW" in out and "31/12/2026" in out
    total = Evaluation.objects.filter(cycle=cycle).count()
    assert f"{total} bản đánh giá" in out and total > 0
    listing = _run("list", "--year", "2026")
    line = next(line for line in listing.splitlines() if line.strip().startswith(str(cycle.pk)))
    assert (
        "2026" in line and "QD366_HD43" in line and "TQ" in line and "Đang mở" in line and str(total) in line
    )
    assert "0 bản đánh giá" in _run("sync", str(cycle.pk))
    assert "Đã đóng đợt" in _run("close", str(cycle.pk))
    assert "Đã đóng" in _run("list")
    with pytest.raises(CommandError, match="quý IV gộp"):
        _run("open", "--year", "2026", "--quarter", "4", "--unit", "TQ")
    with pytest.raises(CommandError, match="Không có đơn vị mã “XX”"):
        _run("open", "--year", "2026", "--unit", "XX")
    with pytest.raises(CommandError, match="Không có đợt kiểm điểm số 999999"):
        _run("close", "999999")


def test_quota_groups_of_a_quarter_are_the_cadres_groups_only(world):
    cycle = actions.do_open_cycle(unit=world.province, year=2026, quarter=1)
    actions.do_sync_cycle(cycle=cycle)
    assert set(QuotaGroup.objects.filter(cycle=cycle).values_list("subject_type", flat=True)) == {"leader"}
    assert not Evaluation.objects.filter(cycle=cycle).exists()  # nobody designated yet


def test_permission_denied_is_not_an_action_error(world, outsider):
    person = Person.objects.get(pk=world.member_na_hang.pk)
    with pytest.raises(PermissionDenied):
        actions.do_designate_cadre(user=outsider, person=person, year=2026, unit=world.lam_binh)


def test_a_level_deadline_makes_its_units_late_on_the_progress_page(world, province_admin):
    from kiemdiem.campaigns.queries import progress_by_child

    cycle = actions.do_open_cycle(unit=world.province, year=2025)
    actions.do_sync_cycle(cycle=cycle)
    day = datetime.date
    rows = {r["unit"].pk: r for r in progress_by_child(cycle, world.province)}
    assert rows[world.na_hang.pk]["deadline"] == day(2025, 12, 31)
    actions.do_set_cycle_deadlines(
        user=province_admin,
        cycle=cycle,
        review_deadline=day(2025, 12, 31),
        dossier_deadline=None,
        report_deadline=day(2026, 2, 1),
        levels={"upper": day(2025, 12, 20)},
    )
    rows = {r["unit"].pk: r for r in progress_by_child(cycle, world.province)}
    assert rows[world.na_hang.pk]["deadline"] == day(2025, 12, 20) and rows[world.na_hang.pk]["late"]
