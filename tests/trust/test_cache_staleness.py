"""An attacker's and an inspector's review of the speed work's caches (issues 14 and 21): what one process keeps must
never show another user's content or controls, nor outlive a write made by another path.

The "other process" is simulated by clearing nothing: the page is drawn (and its tables, rows and objects kept in
this process), then a write goes through another path (an action, an import's `update()`, the upper level, an
order), then the page is asked again.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members


def _url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/dot/{world.cycle_province.pk}/don-vi/{world.cell_na_hang.pk}/"


def _page(client: Client, world) -> str:  # type: ignore[no-untyped-def]
    response = client.get(_url(world))
    assert response.status_code == 200
    return response.content.decode()


def _row(body: str, ev: Evaluation) -> str:
    found = re.search(rf'<tr id="ev-{ev.pk}">.*?</tr>', body, re.S)
    assert found, ev.pk
    return found.group(0)


@pytest.fixture
def cell(world, cell_secretary):  # type: ignore[no-untyped-def]
    people = make_members(world.cell_na_hang, 3, prefix="C")
    actions.ensure_evaluations(cycle=world.cycle_province)
    evs = [
        Evaluation.objects.select_related("cycle", "unit", "person").get(
            cycle=world.cycle_province, person=p, subject_type="party_member"
        )
        for p in people
    ]
    for ev in evs:
        submit_self_review(cell_secretary, ev, "HT")
    return evs


def _secretary(cell_secretary) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(cell_secretary)
    return client


def test_a_rating_written_by_an_update_with_its_last_change_shows_at_once(world, cell, cell_secretary):
    client = _secretary(cell_secretary)
    ev = cell[0]
    assert ">HTT<" not in _row(_page(client, world), ev).split("<strong>")[0].split("</td>")[-3]
    _page(client, world)  # served from what this process keeps
    # An import's path: a plain update() that stamps the row, as every writer of the project does.
    Evaluation.objects.filter(pk=ev.pk).update(proposed_rating="HTT", updated_at=timezone.now())
    assert "<td>HTT</td>" in _row(_page(client, world), ev)


def test_a_decision_of_the_upper_level_and_an_order_reopening_show_at_once(
    world, cell, cell_secretary, grassroots_officer, district_officer
):
    client = _secretary(cell_secretary)
    ev = propose(cell_secretary, cell[1], "HT")
    before = _row(_page(client, world), ev)
    assert "<strong>—</strong>" in before
    decided = actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HT")
    row = _row(_page(client, world), ev)
    assert "<strong>HT</strong>" in row and row != before
    actions.do_order(user=district_officer, evaluation=decided, kind="rerating", reason="Xếp loại chưa đúng.")
    reopened = _row(_page(client, world), ev)
    assert reopened != row
    assert Evaluation.objects.get(pk=ev.pk).get_state_display() in reopened


def test_another_user_of_the_same_unit_never_gets_the_kept_controls(world, cell, cell_secretary, inspector):
    propose(cell_secretary, cell[2], "HT")
    body = _page(_secretary(cell_secretary), world)
    assert f'name="rating-{cell[2].pk}"' in body
    reader = Client()
    reader.force_login(inspector)
    seen = _page(reader, world)  # the same unit, the same data version: the tables kept for the secretary
    assert f'name="rating-{cell[2].pk}"' not in seen and 'name="version-' not in seen


def test_an_outsider_and_a_member_get_a_404_for_a_kept_page(world, cell, cell_secretary, outsider, member):
    _page(_secretary(cell_secretary), world)
    for user in (outsider, member):
        other = Client()
        other.force_login(user)
        assert other.get(_url(world)).status_code == 404, user.username


def _as_drawn_afresh(client: Client, world, url: str = "") -> str:  # type: ignore[no-untyped-def]
    """The page as served now, checked equal to the page drawn with nothing kept (this process's cache cleared:
    what another process, which kept nothing, would draw)."""
    url = url or _url(world)
    served = client.get(url).content.decode()
    cache.clear()
    fresh = client.get(url).content.decode()
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub("", served) == token.sub("", fresh)
    return served


def test_a_closed_cycle_is_drawn_as_afresh(world, cell, cell_secretary, province_admin):
    propose(cell_secretary, cell[2], "HT")
    client = _secretary(cell_secretary)
    _page(client, world)
    actions.do_close_cycle(user=province_admin, cycle=world.cycle_province)
    _as_drawn_afresh(client, world)


def test_a_person_renamed_shows_at_once(world, cell, cell_secretary):
    from kiemdiem.orgs.actions import do_update_people

    client = _secretary(cell_secretary)
    _page(client, world)
    do_update_people(updates=[(cell[0].person_id, {"full_name": "Hoàng Văn Mới"})], on=timezone.localdate())
    assert "Hoàng Văn Mới" in _as_drawn_afresh(client, world)


def test_a_tampered_session_row_is_no_session(world, cell, cell_secretary):
    """The plain-query session store decodes as Django's does: a row whose signed data was altered (or forged
    without the secret key) is an empty session, not the user's."""
    import base64
    import json

    from django.contrib.sessions.models import Session

    client = _secretary(cell_secretary)
    _page(client, world)
    row = Session.objects.get()
    forged = base64.urlsafe_b64encode(json.dumps({"_auth_user_id": str(cell_secretary.pk)}).encode()).decode()
    for data in (row.session_data[:-3] + "abc", forged + ":1abc:zzz", "khong-hop-le"):
        Session.objects.filter(pk=row.pk).update(session_data=data)
        response = client.get(_url(world))
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"], data


def test_the_fast_escape_is_djangos_for_hostile_values():
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from kiemdiem.fragments import esc

    values = [
        "<script>alert('x')</script>",
        'Trần "Văn" A & B\'s',
        "&amp; đã thoát",
        mark_safe("<b>đã an toàn</b>"),  # noqa: S308  # a value that is already HTML is kept as Django keeps it
        gettext_lazy("<i>lười</i>"),
        None,
        42,
    ]
    for value in values:
        assert esc(value) == str(conditional_escape(value)), value
    assert "<" not in esc("<script>") and '"' not in esc('"') and "'" not in esc("'")


def test_hostile_names_and_reasons_are_escaped_on_both_pages(world, cell, cell_secretary, grassroots_officer):
    from kiemdiem.orgs.actions import do_update_people

    hostile = "<script>alert(1)</script> \"Trần\" & 'Lê'"
    do_update_people(updates=[(cell[0].person_id, {"full_name": hostile})], on=timezone.localdate())
    client = _secretary(cell_secretary)
    body = _page(client, world)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    ev = propose(cell_secretary, cell[0], "HT")
    actions.do_decide_rating(user=grassroots_officer, evaluation=ev, rating="HT", reason=hostile)
    page = client.get(f"/danh-gia/{ev.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_evaluation_page_shows_a_plan_and_a_confirmed_task_at_once(
    world, cell_secretary, grassroots_officer, member, district_officer
):
    """The page asks which of its lists have rows (EXISTS probes) and keeps frameworks per process: a list that
    was empty when the page was first drawn shows its first row on the next request."""
    from kiemdiem.assessments.actions import do_add_task, do_confirm_task
    from kiemdiem.assessments.models import Task
    from kiemdiem.followup import actions as followup
    from tests.assessments.helpers import evaluation_of, open_2026
    from tests.followup.helpers import decide, member_evaluation, open_year
    from tests.followup.test_remediation import PLAN

    ev = decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2021)), "HTT")
    client = Client()
    client.force_login(member)
    url = f"/danh-gia/{ev.pk}/"
    assert PLAN[1]["shortcoming"] not in client.get(url).content.decode()
    followup.do_add_remediation_items(user=member, evaluation=ev, items=PLAN)
    assert PLAN[1]["shortcoming"] in client.get(url).content.decode()

    scored = evaluation_of(open_2026(world), world.member_na_hang)
    url = f"/danh-gia/{scored.pk}/"
    assert "Nhiệm vụ <mới>" not in client.get(url).content.decode()
    do_add_task(user=member, evaluation=scored, title="Nhiệm vụ <mới>")
    page = client.get(url).content.decode()
    assert "Nhiệm vụ &lt;mới&gt;" in page and "chưa xác nhận" in page
    task = Task.objects.get(evaluation=scored)
    do_confirm_task(user=district_officer, task=task, result="on_time")
    assert "đã xác nhận (" in client.get(url).content.decode()


def test_a_cell_moved_to_another_district_leaves_the_old_scope_at_once(
    world, cell, cell_secretary, district_officer, outsider, province_admin
):
    from kiemdiem.orgs.actions import do_move_unit

    officer = Client()
    officer.force_login(district_officer)
    assert officer.get(_url(world)).status_code == 200
    above = f"/dot/{world.cycle_province.pk}/don-vi/{world.go_na_hang.pk}/"
    assert world.cell_na_hang.name in officer.get(above).content.decode()
    # A correction of the past (`do_move_unit`): the cell itself moves, its path with it (a dated move makes a
    # successor and leaves this one where it was, for the cycles of its time).
    do_move_unit(unit=world.cell_na_hang, new_parent=world.cell_lam_binh.parent, user=province_admin)
    assert officer.get(_url(world)).status_code == 404
    assert world.cell_na_hang.name not in _as_drawn_afresh(officer, world, above)
    lam_binh = Client()
    lam_binh.force_login(outsider)
    _as_drawn_afresh(lam_binh, world)


def test_a_refused_form_redraws_hostile_typed_values_escaped_and_never_for_another_user(
    world, cell, cell_secretary, district_officer
):
    from tests.campaigns.test_bulk_save_cost import page_and_form

    for ev in cell:
        propose(cell_secretary, ev, "HT")
    client = _secretary(cell_secretary)
    _, form = page_and_form(client, world.cycle_province, world.cell_na_hang)
    hostile = '"><script>alert(1)</script>'
    form[f"votes-{cell[0].pk}"] = hostile
    response = client.post(_url(world) + "de-xuat/", form)
    assert response.status_code == 422
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body and "&quot;&gt;&lt;script&gt;" in body
    # The rows drawn with what was typed are kept under what they show: another user's page never gets them.
    officer = Client()
    officer.force_login(district_officer)
    assert "alert(1)" not in _page(officer, world)
    assert "alert(1)" not in _page(client, world)  # nor the secretary's own page, once the form is gone
