"""The province's formula deriving results points from the task register (HD 43 tiết 7.12), in the app.

Versioned and audited with the framework, frozen into a cycle when it opens, shown on the self-review beside every
stage's score, filling a blank self-score; the total → band → level stays capped by the task conditions.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from kiemdiem.assessments import actions
from kiemdiem.assessments.actions import ActionError
from kiemdiem.assessments.models import CycleFramework, FrameworkVersion, ItemScore, Task
from kiemdiem.campaigns.actions import RuleViolation, do_open_cycle, do_record_meeting, ensure_evaluations
from kiemdiem.campaigns.models import AuditRecord
from tests.assessments.helpers import add_tasks, evaluation_of, open_2026, sections_for

pytestmark = pytest.mark.django_db

# Phụ lục 5's results items: 3 (/30), 4 (/20), 5 (/20).
FORMULAS = {"3": "0,3 × hoàn thành", "4": "vượt mức ≥ 30: 20; vượt mức ≥ 20: 15; còn lại: 10"}


def _rows(version: FrameworkVersion, formulas: dict[str, str]) -> list[dict[str, object]]:
    return [
        {
            "group": c.group,
            "code": c.code,
            "label": c.label,
            "max_points": str(c.max_points),
            "citation": c.citation,
            "verified": c.verified,
            "formula": formulas.get(c.code, c.formula_text),
        }
        for c in version.criteria.order_by("order")
    ]


def _with_formula(world, province_admin, formulas=FORMULAS) -> FrameworkVersion:  # type: ignore[no-untyped-def]
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix="pl5")
    return actions.do_edit_framework(
        user=province_admin,
        unit=world.province,
        appendix="pl5",
        items=_rows(central, formulas),
        note="Tỉnh ủy cụ thể hóa cách chấm nhóm kết quả theo danh mục nhiệm vụ.",
    )


def _derived(ev) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    ev.refresh_from_db()
    criteria = list(actions.framework_for(ev).criteria.order_by("order"))
    by_pk = actions.derived_points(ev, criteria)
    return {c.code: by_pk[c.pk] for c in criteria if c.pk in by_pk}


def test_the_formula_is_a_new_attributed_version_frozen_into_the_cycle(world, province_admin, member):
    before = open_2026(world)  # opened with the central version: no formula
    version = _with_formula(world, province_admin)
    assert (version.unit_id, version.number, version.created_by_id) == (
        world.province.pk,
        1,
        province_admin.pk,
    )
    stored = {c.code: c.formula for c in version.criteria.all() if c.formula}
    assert stored["3"] == {"kind": "linear", "base": "0", "terms": [["done", "0.3"]]}
    assert stored["4"]["kind"] == "steps" and set(stored) == {"3", "4"}
    # The cycle opened before keeps no formula; a cycle opened now (Q1) keeps the province's.
    ev = evaluation_of(before, world.member_na_hang)
    add_tasks(member, ev, ["on_time"] * 4)
    assert _derived(ev) == {}
    quarter = do_open_cycle(unit=world.province, year=2026, quarter=1)
    assert CycleFramework.objects.get(cycle=quarter, appendix="pl5").version == version
    # A later edit of the formula is a new version; the cycle still reads the one it was opened with.
    new_year = do_open_cycle(unit=world.province, year=2027)
    ensure_evaluations(cycle=new_year)
    _with_formula(world, province_admin, {"3": "0,1 × hoàn thành", "4": ""})
    ev27 = evaluation_of(new_year, world.member_na_hang)
    add_tasks(member, ev27, ["on_time"] * 4)
    assert _derived(ev27) == {"3": Decimal("30"), "4": Decimal("10")}


@pytest.mark.parametrize(
    ("code", "formula", "message"),
    [
        ("1", "0,2 × hoàn thành", "chỉ tiêu chí thuộc nhóm kết quả thực hiện nhiệm vụ"),
        (
            "3",
            "vượt mức ≥ 30: 35",
            r"Dòng 3 \(«Thực hiện quyền, nghĩa vụ đảng viên»\), công thức, bậc 1: 35 điểm",
        ),
        ("4", "tien do × 2", "“tien do” không phải là tỷ lệ của danh mục nhiệm vụ"),
    ],
)
def test_a_bad_formula_is_refused_naming_the_row_and_nothing_is_kept(
    world, province_admin, code, formula, message
):
    with pytest.raises(ActionError, match=message):
        _with_formula(world, province_admin, {code: formula})
    assert not FrameworkVersion.objects.filter(unit=world.province).exists()


def test_changing_a_tasks_result_changes_the_derived_points_on_the_page(
    client, world, province_admin, member
):
    _with_formula(world, province_admin)
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded"] + ["on_time"] * 3)
    client.force_login(member)
    page = client.get(f"/danh-gia/{ev.pk}/cham-diem/").content.decode()
    # 100 % done → 30; 25 % exceeded → 15 (the 20 % step): 45 derived points.
    assert 'id="derived-3">30<' in page and 'id="derived-4">15<' in page
    assert 'id="derived-total">45<' in page and "HD 43-HD/BTCTW, Mục 7, tiết 7.12" in page
    assert "0,3 × hoàn thành" in page
    criteria = {c.code: c for c in actions.framework_for(ev).criteria.all()}
    assert (
        f'name="score-{criteria["3"].pk}" type="text" inputmode="decimal" class="points" value="30"' in page
    )
    # The member corrects a task: exceeded → not done. 75 % done → 22,5; nothing exceeded → 10.
    task = Task.objects.get(evaluation=ev, result="exceeded")
    response = client.post(
        f"/danh-gia/{ev.pk}/nhiem-vu/{task.pk}/",
        {"do": "update", "title": task.title, "result": "not_done"},
    )
    assert response.status_code == 302
    page = client.get(f"/danh-gia/{ev.pk}/cham-diem/").content.decode()
    assert 'id="derived-3">22,5<' in page and 'id="derived-4">10<' in page
    assert 'id="derived-total">32,5<' in page


def test_a_blank_derived_item_takes_the_formula_and_a_typed_one_is_marked(
    client, world, province_admin, member, grassroots_officer
):
    _with_formula(world, province_admin)
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded"] * 2 + ["on_time"] * 8)  # 100 % done, 20 % exceeded
    criteria = {c.code: c for c in actions.framework_for(ev).criteria.all()}
    scores = {str(criteria[k].pk): str(criteria[k].max_points) for k in ("1", "2", "5")}
    scores[str(criteria["3"].pk)] = ""  # left blank: 30 by the formula
    scores[str(criteria["4"].pk)] = "20"  # claimed 20 against the formula's 15
    actions.do_save_scored_review(
        user=member, evaluation=ev, sections=sections_for(ev), scores=scores, self_rating="HTXS", submit=True
    )
    own = {
        s.criterion.code: s.self_score
        for s in ItemScore.objects.filter(evaluation=ev).select_related("criterion")
    }
    assert own["3"] == 30 and own["4"] == 20
    ev.refresh_from_db()
    assert ev.score == 100
    audit = AuditRecord.objects.get(evaluation=ev, action="score")
    assert "1 tiêu chí điền theo công thức của cấp ủy cấp trên, HD 43 tiết 7.12" in audit.reason
    # The verifier and the deciding committee see the derived column and the departure from it.
    client.force_login(grassroots_officer)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert "Theo công thức" in page and 'id="derived-4">15<' in page
    assert page.count('title="Khác điểm theo công thức"') == 1
    assert (
        f'name="verified-{criteria["4"].pk}" value="15"' in page
    )  # the verifier's form starts from the formula
    # 100 points, yet 20 % exceeded: the conditions cap the level at HTT whatever the points.
    assert "mức cao nhất được xếp là <strong>HTT</strong>" in page
    with pytest.raises(RuleViolation, match="20% nhiệm vụ vượt mức"):
        do_record_meeting(
            user=grassroots_officer,
            evaluation=ev,
            comments="",
            attendees=9,
            votes_for=9,
            proposed_rating="HTXS",
        )
    # Proposed HTT; nobody has verified: the deciding committee's boxes start from the formula too.
    do_record_meeting(
        user=grassroots_officer, evaluation=ev, comments="", attendees=9, votes_for=9, proposed_rating="HTT"
    )
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert f'name="decided-{criteria["4"].pk}" value="15"' in page
    assert f'name="decided-{criteria["1"].pk}" value=""' in page


def test_the_framework_page_takes_a_formula_and_a_refusal_keeps_it(client, world, province_admin):
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix="pl5")
    rows = _rows(central, {"4": "vượt mức ≥ 30: 25"})
    data = {"rows": str(len(rows)), "note": "Công thức nhóm kết quả"}
    for i, r in enumerate(rows):
        data.update({f"group-{i}": r["group"], f"code-{i}": r["code"], f"label-{i}": r["label"]})
        data.update(
            {f"max-{i}": r["max_points"], f"citation-{i}": r["citation"], f"formula-{i}": r["formula"]}
        )
    client.force_login(province_admin)
    assert 'name="formula-0"' in client.get("/khung-tieu-chi/pl5/").content.decode()
    refused = client.post("/khung-tieu-chi/pl5/", data)
    body = refused.content.decode()
    assert refused.status_code == 422 and "25 điểm vượt điểm tối đa 20" in body
    assert 'value="vượt mức ≥ 30: 25"' in body
    data["formula-3"] = "vượt mức ≥ 30: 20; còn lại: 12"
    assert client.post("/khung-tieu-chi/pl5/", data).status_code == 302
    version = FrameworkVersion.objects.get(unit=world.province, appendix="pl5")
    assert version.criteria.get(code="4").formula_text == "vượt mức ≥ 30: 20; còn lại: 12"
    assert "Công thức: vượt mức ≥ 30: 20; còn lại: 12" in client.get("/khung-tieu-chi/").content.decode()


def test_the_api_derives_as_the_page_does(world, province_admin, member):
    _with_formula(world, province_admin)
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded", "late", "on_time", "not_done"])
    ev.refresh_from_db()
    criteria = list(actions.framework_for(ev).criteria.order_by("order"))
    body = {
        "facts": ev.task_figures,
        "items": [{"code": c.code, "max_points": str(c.max_points), "formula": c.formula} for c in criteria],
    }
    answer = Client().post("/api/rules/formula", json.dumps(body), content_type="application/json")
    assert answer.status_code == 200
    by_code = {i["code"]: i["points"] for i in answer.json()["items"]}
    assert {k: Decimal(str(v)) for k, v in by_code.items() if v is not None} == _derived(ev)
    assert _derived(ev) == {"3": Decimal("22.5"), "4": Decimal("15")}  # 75 % done, 25 % exceeded
    body["items"][2]["formula"] = "vượt mức ≥ 30: 99"
    refused = Client().post("/api/rules/formula", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400 and "99 điểm vượt điểm tối đa 30" in refused.json()["message"]
