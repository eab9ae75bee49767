"""The rating page's cache key (issue 14): read in one query, and no write through the actions leaves a page stale.

Each test draws the page (cached), writes one kind of data the page or its rules read through its action, and asks
for the page again: a key that did not see that write would serve the page drawn before it.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client

from kiemdiem.assessments import actions as register
from kiemdiem.assessments.models import Task
from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, SubjectType
from kiemdiem.orgs.models import LeadershipCollective, Position, Role
from tests.assessments.helpers import add_tasks, evaluation_of, open_2026
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def row(body: str, pk: int) -> str:
    found = re.search(rf'<tr id="ev-{pk}">(.*?)</tr>', body, re.S)
    assert found, f"no row for evaluation {pk}"
    return " ".join(found.group(1).split())


def page(client: Client, cycle, unit) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/dot/{cycle.pk}/don-vi/{unit.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def drawn(monkeypatch):  # type: ignore[no-untyped-def]
    """How many times the page's tables were drawn (not served from the cache)."""
    from kiemdiem.campaigns import views

    cache.clear()
    count: list[int] = []
    draw = views._rating_tables
    monkeypatch.setattr(views, "_rating_tables", lambda *a, **k: count.append(1) or draw(*a, **k))
    return count


def a_peer_in_the_group(world, own: int = 2, others: int = 2) -> Evaluation:  # type: ignore[no-untyped-def]
    """A second cell of Na Hang's grassroots committee (its members share the cell's quota group), `own` members in
    the cell and `others` in it, the cycle's evaluations made: one member's evaluation of the second cell."""
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import UnitKind

    other = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ dân phố số 2", kind=UnitKind.CELL, parent=world.go_na_hang
    )
    make_members(world.cell_na_hang, own)
    make_members(other, others, prefix="Q")
    actions.ensure_evaluations(cycle=world.cycle_province)
    peer = Evaluation.objects.filter(
        cycle=world.cycle_province, unit=other, subject_type=SubjectType.PARTY_MEMBER
    )
    return peer.first()


def test_a_rating_in_another_cell_of_the_quota_group_changes_the_meter(
    world, cell_secretary, province_admin, drawn
):
    peer = a_peer_in_the_group(world)
    cycle = world.cycle_province
    client = login(cell_secretary)
    assert "0 HTXS / 0 HTT" in page(client, cycle, world.cell_na_hang)
    assert "0 HTXS / 0 HTT" in page(client, cycle, world.cell_na_hang) and len(drawn) == 1  # cached
    propose(province_admin, peer, "HTT")
    assert "0 HTXS / 1 HTT" in page(client, cycle, world.cell_na_hang)


def leadership(world):  # type: ignore[no-untyped-def]
    """The agency (UBND huyện Na Hang), its leadership collective and one deputy."""
    collective = LeadershipCollective.objects.create(
        unit=world.agency_na_hang, kind="lanh_dao_co_quan", name="Tập thể lãnh đạo UBND huyện Na Hang"
    )
    (person,) = make_members(world.cell_na_hang, 1, prefix="P")
    Position.objects.create(
        person=person,
        unit=world.agency_na_hang,
        collective=collective,
        title="Phó Chủ tịch",
        role=Role.DEPUTY,
    )
    actions.ensure_evaluations(cycle=world.cycle_province)
    return collective


def test_a_decided_leader_changes_the_page(world, district_officer, drawn):
    collective = leadership(world)
    cycle = world.cycle_province
    unit = Evaluation.objects.get(cycle=cycle, unit=world.agency_na_hang, subject_type="agency")
    coll = Evaluation.objects.get(cycle=cycle, collective=collective)
    deputy = Evaluation.objects.get(cycle=cycle, subject_type="leader", leader_collective=collective)
    for ev in (unit, coll):
        actions.do_decide_rating(
            user=district_officer, evaluation=propose(district_officer, ev, "HTT"), rating="HTT"
        )
    propose(district_officer, deputy, "HTT")
    actions.do_verify(user=district_officer, evaluation=deputy, note="Đủ điều kiện.")
    client = login(district_officer)
    before = row(page(client, cycle, world.agency_na_hang), deputy.pk)
    assert "<strong>—</strong>" in before
    assert row(page(client, cycle, world.agency_na_hang), deputy.pk) == before and len(drawn) == 1
    actions.do_decide_rating(user=district_officer, evaluation=deputy, rating="HTT")
    assert "<strong>HTT</strong>" in row(page(client, cycle, world.agency_na_hang), deputy.pk)


def test_a_new_position_synced_into_the_cycle_changes_the_page(
    world, district_officer, province_admin, drawn
):
    collective = leadership(world)
    cycle = world.cycle_province
    client = login(district_officer)
    assert "Người Mới" not in page(client, cycle, world.agency_na_hang)
    page(client, cycle, world.agency_na_hang)
    assert len(drawn) == 1
    (person,) = make_members(world.cell_na_hang, 1, prefix="R")
    person.full_name = "Người Mới"
    person.save(update_fields=["full_name"])
    Position.objects.create(
        person=person, unit=world.agency_na_hang, collective=collective, title="Chủ tịch", role=Role.HEAD
    )
    actions.do_sync_cycle(cycle=cycle, user=province_admin)
    assert "Người Mới" in page(client, cycle, world.agency_na_hang)


def test_a_task_register_entry_changes_the_findings_on_the_page(
    world, cell_secretary, member, grassroots_officer, drawn
):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded", "exceeded"] + ["on_time"] * 7 + ["late"])
    # Set up as a meeting would have left it (the rules refuse to propose HTXS on 20 % exceeded).
    Evaluation.objects.filter(pk=ev.pk).update(proposed_rating="HTXS", state="proposed")
    client = login(cell_secretary)
    before = row(page(client, cycle, world.cell_na_hang), ev.pk)
    assert "vượt mức" in before
    assert row(page(client, cycle, world.cell_na_hang), ev.pk) == before and len(drawn) == 1
    # The assigner confirms one more task as exceeded: 30 %, and the finding goes.
    task = Task.objects.filter(evaluation=ev, result="on_time").first()
    register.do_confirm_task(user=grassroots_officer, task=task, result="exceeded")
    assert "vượt mức" not in row(page(client, cycle, world.cell_na_hang), ev.pk)


def test_a_level_deadline_changes_the_childrens_progress(world, district_officer, province_admin, drawn):
    cycle = world.cycle_province
    client = login(district_officer)
    assert "30/11/2021" not in page(client, cycle, world.na_hang)
    page(client, cycle, world.na_hang)
    assert len(drawn) == 1
    actions.do_set_cycle_deadlines(
        user=province_admin,
        cycle=cycle,
        review_deadline=cycle.review_deadline,
        dossier_deadline=cycle.dossier_deadline,
        report_deadline=cycle.report_deadline,
        levels={"grassroots": datetime.date(2021, 11, 30)},
    )
    assert "30/11/2021" in page(client, cycle, world.na_hang)  # Na Hang town's grassroots committee


def test_a_cached_page_costs_one_query_for_its_key(
    world, cell_secretary, drawn, django_assert_max_num_queries
):
    make_members(world.cell_na_hang, 5)
    actions.ensure_evaluations(cycle=world.cycle_province)
    client = login(cell_secretary)
    page(client, world.cycle_province, world.cell_na_hang)
    # Session, user, cycle, unit and its scope check, the key: the related set read row by row took 7 queries more.
    with django_assert_max_num_queries(8) as captured:
        page(client, world.cycle_province, world.cell_na_hang)
    assert len(drawn) == 1
    evaluation_table = Evaluation._meta.db_table
    assert sum(evaluation_table in q["sql"] for q in captured.captured_queries) == 1


def test_a_decision_below_changes_the_childrens_progress(world, district_officer, grassroots_officer, drawn):
    """Only the subtree's part of the key sees this: the member's quota group is not one of the district's rows'."""
    make_members(world.cell_na_hang, 3)
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    ev = Evaluation.objects.filter(
        cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    propose(grassroots_officer, ev, "HTT")
    client = login(district_officer)
    decided = re.compile(
        r"Đảng bộ thị trấn Na Hang</a></td>\s*<td class=\"num\">\d+</td><td class=\"num\">(\d+)</td>"
    )
    assert decided.search(page(client, cycle, world.na_hang)).group(1) == "0"  # type: ignore[union-attr]
    page(client, cycle, world.na_hang)
    assert len(drawn) == 1
    actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HTT")
    assert decided.search(page(client, cycle, world.na_hang)).group(1) == "1"  # type: ignore[union-attr]


def test_the_page_counts_a_quota_group_apart_with_the_same_findings_and_meters(world, province_admin, drawn):
    """Issue 21: the page's rules run over its own rows and links, each group counted from its ratings alone; what it
    shows is what the whole check over every member of the group finds (a group over its cap: the same finding)."""
    from kiemdiem.campaigns.compliance import check_page, check_touching, page_stamps
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import UnitKind

    other = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ dân phố số 2", kind=UnitKind.CELL, parent=world.go_na_hang
    )
    make_members(world.cell_na_hang, 3)
    make_members(other, 3, prefix="Q")
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    members = Evaluation.objects.filter(cycle=cycle, subject_type=SubjectType.PARTY_MEMBER).order_by("pk")
    # Two HTXS of seven in the grassroots group, as a meeting before the cap was checked might have left it.
    for ev, rating in zip(
        list(members.filter(unit__in=[world.cell_na_hang, other]))[:5],
        ["HTXS", "HTT", "HTT", "HTXS", "HTT"],
        strict=True,
    ):
        Evaluation.objects.filter(pk=ev.pk).update(proposed_rating=rating, state="proposed")
    ids = list(Evaluation.objects.filter(cycle=cycle, unit=world.cell_na_hang).values_list("pk", flat=True))
    whole = check_touching(cycle, ids)
    apart = check_page(cycle, ids, page_stamps(cycle, world.cell_na_hang).groups)
    assert any(f.code == "QUOTA_EXCELLENT" for f in whole.result.findings)
    assert apart.result.quota_groups == {
        code: plan for code, plan in whole.result.quota_groups.items() if code in apart.result.quota_groups
    }
    assert len(apart.result.quota_groups) == 2  # the members' group and the party organisations' group

    def shown(c):  # type: ignore[no-untyped-def]
        return {pk: [(f.code, c.message(f)) for f in found] for pk, found in c.by_subject.items()}

    assert shown(apart) == shown(whole) and any(
        code == "QUOTA_EXCELLENT" for found in shown(apart).values() for code, _ in found
    )
    # An evaluation's page the same way: its own row and links, its group counted apart.
    for pk in ids:
        assert shown(one_apart(cycle, pk)) == shown(check_touching(cycle, [pk]))


def one_apart(cycle, pk):  # type: ignore[no-untyped-def]
    from kiemdiem.campaigns.compliance import check_apart, group_stamps, with_group_quotas

    ev = Evaluation.objects.select_related("person", "unit", "quota_group", "collective").get(pk=pk)
    groups = group_stamps(cycle, [ev.quota_group_id] if ev.quota_group_id else [])
    return with_group_quotas(cycle, check_apart(cycle, [ev], whole_unit=False), groups, [pk])


def test_a_save_in_another_cell_of_the_group_redraws_the_page_without_reading_the_group(
    world, cell_secretary, province_admin, drawn, django_assert_max_num_queries
):
    from kiemdiem.campaigns import compliance

    peer = a_peer_in_the_group(world, own=3, others=30)
    cycle = world.cycle_province
    client = login(cell_secretary)
    page(client, cycle, world.cell_na_hang)
    propose(province_admin, peer, "HTT")
    loaded: list[int] = []
    rows_of = compliance._rows_of
    compliance._rows_of = lambda ids: loaded.append(len(list(ids))) or rows_of(ids)  # type: ignore[assignment]
    try:
        # The key, one count of the changed group (the other group, the cell organisations', is served from the
        # cache), the breadcrumbs, names and the meeting line: not the cell's rows, their links or their rules'.
        with django_assert_max_num_queries(12):
            assert "0 HTXS / 1 HTT" in page(client, cycle, world.cell_na_hang)
    finally:
        compliance._rows_of = rows_of  # type: ignore[assignment]
    assert len(drawn) == 2
    # Neither the 30 peers' rows nor the cell's own: what the cell's rules found is kept under what they read.
    assert loaded == []


def test_a_save_in_another_cell_of_the_group_or_in_the_cell_keeps_the_breadcrumbs_and_the_childrens_progress(
    world, cell_secretary, province_admin, drawn, monkeypatch
):
    """They read the tree and the subtree below (`frame_part`), neither the group's count nor the unit's own rows:
    kept apart from the page (a save below moves them: `test_a_decision_below_changes_the_childrens_progress`)."""
    from kiemdiem.campaigns import views

    peer = a_peer_in_the_group(world)
    cycle = world.cycle_province
    own = Evaluation.objects.filter(
        cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    ).first()
    read: list[str] = []
    for name in ("visible_ancestors", "progress_by_child"):
        real = getattr(views, name)
        monkeypatch.setattr(views, name, lambda *a, _n=name, _f=real, **k: read.append(_n) or _f(*a, **k))
    client = login(cell_secretary)
    first = page(client, cycle, world.cell_na_hang)
    assert read == ["visible_ancestors", "progress_by_child"]
    propose(province_admin, peer, "HTT")  # the group's count moves, the cell's own rows do not
    again = page(client, cycle, world.cell_na_hang)
    assert "0 HTXS / 1 HTT" in again and len(drawn) == 2 and len(read) == 2
    crumbs = re.compile(r'<nav class="crumbs".*?</nav>', re.S)
    assert crumbs.search(first) and crumbs.search(first).group(0) == crumbs.search(again).group(0)
    propose(province_admin, own, "HTT")  # the cell's own rows move: the page is drawn again, not its frame
    third = page(client, cycle, world.cell_na_hang)
    assert "0 HTXS / 2 HTT" in third and len(drawn) == 3 and len(read) == 2
    assert crumbs.search(third).group(0) == crumbs.search(first).group(0)  # type: ignore[union-attr]


def test_a_refused_save_keeps_the_page_for_the_next_view(world, cell_secretary, province_admin, monkeypatch):
    """A refused form whose page key moved (a save elsewhere in the group) draws the page once, keeps it, and draws
    its members' table with what was typed from it: the secretary's next page is served from the cache."""
    from kiemdiem.campaigns import views

    cache.clear()
    whole: list[int] = []
    draw = views._rating_tables
    monkeypatch.setattr(
        views, "_rating_tables", lambda *a, **k: (k.get("drawn") is None and whole.append(1)) or draw(*a, **k)
    )
    peer = a_peer_in_the_group(world)
    cycle = world.cycle_province
    own = Evaluation.objects.filter(
        cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER
    )
    submit_self_review(province_admin, own[0], "HT")  # a row the meeting can propose for
    client = login(cell_secretary)
    page(client, cycle, world.cell_na_hang)
    propose(province_admin, peer, "HTT")  # the page's key moves
    form = {
        "attendees": "2",
        f"rating-{own[0].pk}": "HTT",
        f"version-{own[0].pk}": "x1",
    }  # a tampered version
    refused = client.post(f"/dot/{cycle.pk}/don-vi/{world.cell_na_hang.pk}/de-xuat/", form)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "không hợp lệ" in body and 'value="HTT" selected' in row(body, own[0].pk)  # what was typed, kept
    assert len(whole) == 2
    again = page(client, cycle, world.cell_na_hang)
    assert len(whole) == 2  # served from the page the refused form drew
    assert 'value="HTT" selected' not in row(again, own[0].pk) and "0 HTXS / 1 HTT" in again


def test_a_leadership_page_finds_what_the_whole_check_finds(world, district_officer):
    """The ceilings between the agency, its collective and its leaders, read from the page's own rows."""
    from kiemdiem.campaigns.compliance import check_page, check_touching, page_stamps

    collective = leadership(world)
    cycle = world.cycle_province
    unit = Evaluation.objects.get(cycle=cycle, unit=world.agency_na_hang, subject_type="agency")
    coll = Evaluation.objects.get(cycle=cycle, collective=collective)
    deputy = Evaluation.objects.get(cycle=cycle, subject_type="leader", leader_collective=collective)
    # The deputy above the collective, the collective above the unit: two ceilings broken.
    for ev, rating in ((unit, "HT"), (coll, "HTT"), (deputy, "HTXS")):
        Evaluation.objects.filter(pk=ev.pk).update(proposed_rating=rating, state="proposed")
    ids = list(Evaluation.objects.filter(cycle=cycle, unit=world.agency_na_hang).values_list("pk", flat=True))
    whole = check_touching(cycle, ids)
    apart = check_page(cycle, ids, page_stamps(cycle, world.agency_na_hang).groups)

    def shown(c):  # type: ignore[no-untyped-def]
        return {pk: sorted((f.code, c.message(f)) for f in found) for pk, found in c.by_subject.items()}

    codes = {code for found in shown(whole).values() for code, _ in found}
    assert {"HEAD_ABOVE_COLLECTIVE", "COLLECTIVE_ABOVE_UNIT"} <= codes
    assert shown(apart) == shown(whole)
    for pk in ids:  # each one's evaluation page
        assert shown(one_apart(cycle, pk)) == shown(check_touching(cycle, [pk]))
