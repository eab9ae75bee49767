"""HD 43 scoring: frameworks frozen into cycles, item-by-item scores, the task register feeding the rules."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.assessments import actions
from kiemdiem.assessments.actions import ActionError
from kiemdiem.assessments.models import Appendix, CycleFramework, FrameworkVersion, ItemScore, Task
from kiemdiem.campaigns import actions as campaign_actions
from kiemdiem.campaigns.actions import RuleViolation, do_open_cycle
from kiemdiem.campaigns.models import AuditRecord, Evaluation
from tests.assessments.helpers import (
    add_tasks,
    evaluation_of,
    full_marks_but,
    open_2026,
    sections_for,
    submit_scored,
)
from tests.campaigns.helpers import propose
from tests.conftest import make_members

pytestmark = pytest.mark.django_db


def _items(version: FrameworkVersion, **changes: str) -> list[dict[str, object]]:
    rows = [
        {
            "group": c.group,
            "code": c.code,
            "label": c.label,
            "max_points": str(c.max_points),
            "citation": c.citation,
            "verified": c.verified,
        }
        for c in version.criteria.order_by("order")
    ]
    for code, value in changes.items():
        next(r for r in rows if r["code"] == code)["max_points"] = value
    return rows


def _meeting(user, ev, rating):  # type: ignore[no-untyped-def]
    return campaign_actions.do_record_meeting(
        user=user, evaluation=ev, comments="", attendees=10, votes_for=9, proposed_rating=rating
    )


def test_it_seeds_five_appendices_adding_up_to_30_and_70():
    for appendix in Appendix.values:
        version = FrameworkVersion.objects.get(unit__isnull=True, appendix=appendix, number=1)
        general = sum(c.max_points for c in version.criteria.filter(group="general"))
        results = sum(c.max_points for c in version.criteria.filter(group="results"))
        assert (general, results) == (30, 70)
        assert all(c.citation.startswith("QĐ 366-QĐ/TW, Điều 10") for c in version.criteria.all())


def test_it_freezes_the_version_a_cycle_was_opened_with(world, province_admin):
    cycle = open_2026(world)
    kept = CycleFramework.objects.get(cycle=cycle, appendix="pl4").version
    assert kept.unit_id is None and kept.number == 1
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix="pl4")
    new = actions.do_edit_framework(
        user=province_admin,
        unit=world.province,
        appendix="pl4",
        items=_items(central, **{"1": "12", "2": "13"}),
        note="Tỉnh ủy cụ thể hóa: tăng điểm năng lực chuyên môn.",
    )
    assert (new.unit_id, new.number, new.created_by_id) == (world.province.pk, 1, province_admin.pk)
    # The open cycle keeps its version; a cycle opened now (a quarter) takes the province's.
    assert CycleFramework.objects.get(cycle=cycle, appendix="pl4").version == kept
    quarter = do_open_cycle(unit=world.province, year=2026, quarter=1)
    assert CycleFramework.objects.get(cycle=quarter, appendix="pl4").version == new
    # Earlier regimes score no items: nothing is frozen for them.
    assert not CycleFramework.objects.filter(cycle=world.cycle_province).exists()


def test_it_refuses_a_framework_that_does_not_add_up_or_an_editor_below_the_province(
    world, province_admin, district_officer
):
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix="pl4")
    with pytest.raises(
        ActionError, match="Nhóm tiêu chí chung: tổng điểm tối đa của các tiêu chí là 31, phải đúng 30"
    ):
        actions.do_edit_framework(
            user=province_admin,
            unit=world.province,
            appendix="pl4",
            items=_items(central, **{"1": "16"}),
            note="Sửa",
        )
    with pytest.raises(ActionError, match="lý do thay đổi: chưa nhập"):
        actions.do_edit_framework(
            user=province_admin, unit=world.province, appendix="pl4", items=_items(central), note=""
        )
    with pytest.raises(PermissionDenied):
        actions.do_edit_framework(
            user=district_officer,
            unit=world.na_hang,
            appendix="pl4",
            items=_items(central),
            note="Huyện tự sửa",
        )
    assert not FrameworkVersion.objects.filter(unit__isnull=False).exists()


def test_a_member_scores_item_by_item_and_the_score_is_the_total(world, member):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    assert actions.appendix_for(ev) == Appendix.OUTSIDE  # no civil-service post: Phụ lục 5, Mẫu 2C
    submit_scored(member, ev, missing=4.5)
    ev.refresh_from_db()
    assert ev.state == "self_reviewed" and ev.score == Decimal("95.5")
    assert ev.criteria == {"general": 30.0, "results": 65.5}
    assert AuditRecord.objects.filter(evaluation=ev, action="score", new_value="95.50").exists()


def test_a_score_above_an_items_maximum_is_refused_naming_the_item_and_nothing_is_kept(world, member):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    scores = full_marks_but(ev)
    first = actions.framework_for(ev).criteria.order_by("order").first()
    scores[str(first.pk)] = "25"
    with pytest.raises(ActionError, match=r"Tiêu chí 1 «Về chính trị.*25 điểm vượt điểm tối đa 20"):
        actions.do_save_scored_review(
            user=member, evaluation=ev, sections=sections_for(ev), scores=scores, submit=True
        )
    assert not ItemScore.objects.filter(evaluation=ev).exists()
    with pytest.raises(ActionError, match="còn thiếu điểm tự chấm của tiêu chí: 2 «"):
        actions.do_save_scored_review(
            user=member, evaluation=ev, sections=sections_for(ev), scores={str(first.pk): "18"}, submit=True
        )
    assert not ItemScore.objects.filter(evaluation=ev).exists()


def test_the_register_computes_the_percentages_and_htxs_needs_30_pct_exceeded(
    world, member, grassroots_officer
):
    peers = make_members(world.cell_na_hang, 5)
    cycle = open_2026(world)
    for person in peers:  # five HTT in the group: room for one HTXS under the 20 % cap
        propose(grassroots_officer, evaluation_of(cycle, person), "HTT")
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded", "exceeded"] + ["on_time"] * 8)
    ev.refresh_from_db()
    # in the evaluation's own columns, never in the facts JSON
    assert (ev.task_completion_pct, ev.tasks_overdue_pct, ev.tasks_exceeded_pct) == (100.0, 0.0, 20.0)
    assert ev.facts == {}
    submit_scored(member, ev, missing=2)
    with pytest.raises(RuleViolation) as refused:
        _meeting(grassroots_officer, ev, "HTXS")
    assert "20% nhiệm vụ vượt mức (cần từ 30%)" in str(refused.value)
    assert "QĐ 366-QĐ/TW, Điều 11" in str(refused.value)
    # The one who assigned a task confirms it as exceeded: 30 %, and HTXS is allowed.
    task = Task.objects.filter(evaluation=ev, result="on_time").first()
    actions.do_confirm_task(user=grassroots_officer, task=task, result="exceeded")
    ev.refresh_from_db()
    assert ev.tasks_exceeded_pct == 30.0
    _meeting(grassroots_officer, ev, "HTXS")


def test_the_percentages_are_never_typed_under_qd_366(world, member, grassroots_officer):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["on_time", "late"])
    with pytest.raises(ActionError, match="được tính từ danh mục nhiệm vụ, sản phẩm, không nhập tay"):
        campaign_actions.do_update_facts(
            user=grassroots_officer, evaluation=ev, facts={"task_completion_pct": 80}
        )
    campaign_actions.do_update_facts(user=grassroots_officer, evaluation=ev, facts={"sick_leave_days": 3})
    ev.refresh_from_db()
    assert ev.facts == {"sick_leave_days": 3}
    assert ev.recorded_facts == {
        "sick_leave_days": 3,
        "task_completion_pct": 100.0,
        "tasks_overdue_pct": 50.0,
        "tasks_exceeded_pct": 0.0,
    }


def test_only_whoever_assigned_the_work_confirms_and_confirmed_tasks_stay(world, member, grassroots_officer):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    task = actions.do_add_task(user=member, evaluation=ev, title="Tuyên truyền nghị quyết", result="on_time")
    with pytest.raises(PermissionDenied):
        actions.do_confirm_task(user=member, task=task)
    actions.do_confirm_task(user=grassroots_officer, task=task, result="late")
    with pytest.raises(ActionError, match="đã được xác nhận"):
        actions.do_update_task(user=member, task=task, title="Khác", result="exceeded")
    with pytest.raises(ActionError, match="đã được xác nhận"):
        actions.do_delete_task(user=member, task=task)
    ev.refresh_from_db()
    assert ev.tasks_overdue_pct == 100.0
    assert AuditRecord.objects.filter(evaluation=ev, action="task", reason__startswith="Xác nhận").exists()


def test_task_facts_round_against_the_subject():
    assert actions.task_facts(["exceeded", "on_time", "on_time"]) == {
        "task_completion_pct": 100.0,
        "tasks_overdue_pct": 0.0,
        "tasks_exceeded_pct": 33.3,
    }
    assert actions.task_facts(["late", "on_time", "", "not_done", "exceeded", "on_time"]) == {
        "task_completion_pct": 66.6,
        "tasks_overdue_pct": 16.7,
        "tasks_exceeded_pct": 16.6,
    }
    assert actions.task_facts([]) == {}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bao-cao.pdf", b"MZ\x90\x00 not a pdf", "nội dung không phải là tệp .pdf thật"),
        ("virus.exe", b"MZ\x90\x00", "chỉ nhận các loại"),
        ("lon.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "vượt giới hạn 10 MB"),
    ],
)
def test_it_refuses_evidence_of_the_wrong_type_or_size(world, member, name, content, message):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    with pytest.raises(ActionError, match=message):
        actions.do_add_task(
            user=member, evaluation=ev, title="Báo cáo", result="on_time", evidence=(name, content)
        )
    assert not Task.objects.filter(evaluation=ev).exists()


def test_evidence_downloads_only_within_scope(client, world, member, outsider, district_officer):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    task = actions.do_add_task(
        user=member,
        evaluation=ev,
        title="Báo cáo",
        result="on_time",
        evidence=("bao cáo.pdf", b"%PDF-1.7 noi dung"),
    )
    url = f"/danh-gia/{ev.pk}/nhiem-vu/{task.pk}/minh-chung/"
    client.force_login(district_officer)
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.7 noi dung"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''bao%20c%C3%A1o.pdf"
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_evaluation_page_shows_the_hd43_form_item_by_item(client, world, member):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    client.force_login(member)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "Mẫu 2C-HD KĐ.ĐG 2025" in page and "Phần B — Tự đánh giá theo từng tiêu chí" in page
    assert "I.1. Tư tưởng chính trị" not in page  # the 2019 form is gone for 2025+
    assert 'name="score-' in page and "Danh mục nhiệm vụ, sản phẩm" in page


def test_a_refused_save_keeps_what_was_typed(client, world, member):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    client.force_login(member)
    scores = full_marks_but(ev)
    first = min(scores, key=int)
    data = {f"score-{pk}": value for pk, value in scores.items()}
    data[f"score-{first}"] = "99"
    data["section-quality"] = "Giữ vững bản lĩnh chính trị."
    data["self_rating"] = "HTT"
    data["submit"] = "1"
    response = client.post(f"/danh-gia/{ev.pk}/cham-diem/", data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "vượt điểm tối đa" in body and 'value="99"' in body and "Giữ vững bản lĩnh chính trị." in body
    assert '<option value="HTT" selected>' in body
    assert not ItemScore.objects.filter(evaluation=ev).exists()


def test_verifier_and_decider_score_items_and_the_rules_read_the_decided_total(
    world, member, grassroots_officer, district_officer
):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded"] * 3 + ["on_time"] * 7)
    submit_scored(member, ev)
    criteria = list(actions.framework_for(ev).criteria.order_by("order"))
    lowered = {str(c.pk): str(c.max_points) for c in criteria}
    lowered[str(criteria[0].pk)] = str(criteria[0].max_points - 12)
    actions.do_score_items(user=district_officer, evaluation=ev, stage="verified", scores=lowered)
    ev.refresh_from_db()
    assert ev.score == Decimal("88")
    # 88 points: band HTT, so HTXS is refused with SCORE_BAND.
    with pytest.raises(RuleViolation, match="88 điểm, chỉ tới mức HTT"):
        _meeting(grassroots_officer, ev, "HTXS")
    _meeting(grassroots_officer, ev, "HTT")
    with pytest.raises(PermissionDenied):
        actions.do_score_items(user=member, evaluation=ev, stage="decided", scores=lowered)
    actions.do_score_items(user=grassroots_officer, evaluation=ev, stage="decided", scores=full_marks_but(ev))
    ev.refresh_from_db()
    assert ev.score == Decimal("100")


def test_a_leaders_units_feed_the_leader_rules(world, district_officer):
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import LeadershipCollective, Person, Position, UnitKind

    leader = Person.objects.create(
        code="LD1",
        full_name="Nông Văn Bình",
        gender="m",
        admitted_on=datetime.date(2000, 1, 1),
        membership="full",
        home_cell=world.cell_na_hang,
        civil_service_status="can_bo",
    )
    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="bgd", name="Lãnh đạo UBND huyện"
    )
    Position.objects.create(
        person=leader, unit=world.agency_na_hang, collective=collective, title="Phó Chủ tịch", role="deputy"
    )
    schools = [
        do_create_unit(
            code=f"NH-TH{i}",
            name=f"Trường Tiểu học số {i}",
            kind=UnitKind.PUBLIC_SERVICE_UNIT,
            parent=world.na_hang,
        )
        for i in range(3)
    ]
    cycle = open_2026(world)
    lead = Evaluation.objects.get(cycle=cycle, person=leader, subject_type="leader")
    assert actions.appendix_for(lead) == Appendix.LEADER
    actions.do_set_led_units(user=district_officer, evaluation=lead, units=schools)
    unit_evs = [Evaluation.objects.get(cycle=cycle, unit=s, subject_type="agency") for s in schools]
    propose(district_officer, unit_evs[0], "KHT")
    propose(district_officer, unit_evs[1], "KHT")
    propose(district_officer, unit_evs[2], "HTT")
    with pytest.raises(RuleViolation, match=r"66\.7% đơn vị phụ trách bị xếp KHT \(quá 50%\)"):
        propose(district_officer, lead, "HT")


def test_the_page_says_how_unfinished_tasks_are_read(client, world, member):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["on_time"] * 7 + ["not_done"] * 3)
    submit_scored(member, ev, missing=20)  # 80 points: band HTT, but 70 % of the tasks done
    client.force_login(member)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert (
        "thuộc khung <strong>HTT</strong>" in page and "mức cao nhất được xếp là <strong>HT</strong>" in page
    )
    assert 'id="band-reading"' in page and "Tối đa HT" in page


def test_a_province_edits_its_framework_on_the_page_and_a_refusal_keeps_the_rows(
    client, world, province_admin, district_officer
):
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix="pl5")
    rows = _items(central)
    data = {"rows": str(len(rows)), "note": "Tỉnh ủy cụ thể hóa"}
    for i, r in enumerate(rows):
        data.update({f"group-{i}": r["group"], f"code-{i}": r["code"], f"label-{i}": r["label"]})
        data.update({f"max-{i}": r["max_points"], f"citation-{i}": r["citation"]})
    data["max-0"] = "21"
    client.force_login(province_admin)
    refused = client.post("/khung-tieu-chi/pl5/", data)
    assert refused.status_code == 422 and 'value="21"' in refused.content.decode()
    assert "tổng điểm tối đa của các tiêu chí là 31, phải đúng 30" in refused.content.decode()
    data["max-0"], data["max-1"] = "22", "8"
    assert client.post("/khung-tieu-chi/pl5/", data).status_code == 302
    version = FrameworkVersion.objects.get(unit=world.province, appendix="pl5")
    assert [c.max_points for c in version.criteria.order_by("order")][:2] == [22, 8]
    assert "Tỉnh ủy cụ thể hóa" in client.get("/khung-tieu-chi/").content.decode()
    client.force_login(district_officer)
    assert client.post("/khung-tieu-chi/pl5/", data).status_code == 403
