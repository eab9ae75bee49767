"""What a cell's bulk save costs, and what its page costs after it (issue 21's write load).

Each of the write load's 20 secretaries loops "page → bulk save of 1–3 rows → one evaluation" on two shared cores, so
each request's latency follows its CPU: a written save read the cell's rows three times (the view, the check without
a lock, the lock), ran the rules' reads twice, read the cycle and the quota groups again under the lock, and saved the
meeting's line with four statements; a refused save rendered the whole members' table again; and the page after a
save drew every row again for the 1–3 that changed. The save now reads the rows once before the lock and once under
it, and the table keeps each row's HTML under what it shows.
"""

from __future__ import annotations

import random
import re

import pytest
from django.core.cache import cache
from django.test import Client

from kiemdiem.campaigns import actions, compliance
from kiemdiem.campaigns.models import AuditRecord, Evaluation
from kiemdiem.orgs.actions import do_create_unit
from kiemdiem.orgs.models import UnitKind
from tests.campaigns.helpers import propose
from tests.conftest import make_members


@pytest.fixture
def two_cells(world, province_admin):  # type: ignore[no-untyped-def]
    """The secretary's cell (2 HTXS, 5 HTT, 1 HT) and another of the same grassroots committee (5 HTT): 10 HTT and
    2 HTXS in the one quota group, at its cap (lowering any HTT is refused)."""
    other = do_create_unit(
        code="NH-001-02", name="Chi bộ tổ dân phố số 2", kind=UnitKind.CELL, parent=world.go_na_hang
    )
    mine = make_members(world.cell_na_hang, 8)
    theirs = make_members(other, 5, prefix="Q")
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    own = list(Evaluation.objects.filter(cycle=cycle, person__in=mine).order_by("person__code"))
    peers = list(Evaluation.objects.filter(cycle=cycle, person__in=theirs).order_by("person__code"))
    # The eighth reviewed itself as HTT and its meeting proposed HT; the HTXS last: the cap counts the HTT there.
    propose(province_admin, own[7], "HTT")
    propose(province_admin, own[7], "HT")
    for ev in [*own[2:7], *peers, *own[:2]]:
        propose(province_admin, ev, "HTXS" if ev in own[:2] else "HTT")
    # The meeting's line as a first save left it: every save of the page sends it again.
    actions._save_meeting(
        cycle=cycle, unit=world.cell_na_hang, details=actions.MeetingDetails(None, "Nhà văn hóa")
    )
    cache.clear()
    return cycle, [Evaluation.objects.get(pk=ev.pk) for ev in own], peers


def form_of_page(body: str) -> dict[str, str]:
    """The bulk form as the browser sends it: every input and select of the page's form, as drawn."""
    form = body[body.index('id="bulk-form"') :]
    form = form[: form.index("</form>")]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            data[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return data


def page_and_form(client: Client, cycle, unit) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/dot/{cycle.pk}/don-vi/{unit.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    return body, form_of_page(body)


def test_a_one_row_save_reads_its_rows_once_before_the_lock_and_once_under_it(
    world, cell_secretary, two_cells, django_assert_max_num_queries
):
    cycle, own, peers = two_cells
    client = Client()
    client.force_login(cell_secretary)
    _, form = page_and_form(client, cycle, world.cell_na_hang)
    assert form["attendees"] == "10" and "meeting_venue" in form  # the form as the page draws it
    form[f"rating-{own[7].pk}"] = "HTT"
    # session, user, the cycle and unit in the user's scope (3); the cell's rows; the group's count without a lock;
    # then under it: the group's lock, the row's lock and read, the group's count, the row, its audit, the meeting
    # line; the transaction's two ends. Before: 28 (the rows read three times, the rules' reads twice, the cycle and
    # the groups read again, the meeting's update_or_create in four statements).
    with django_assert_max_num_queries(15):
        response = client.post(f"/dot/{cycle.pk}/don-vi/{world.cell_na_hang.pk}/de-xuat/", form)
    assert response.status_code == 302
    saved = Evaluation.objects.get(pk=own[7].pk)
    assert saved.proposed_rating == "HTT" and saved.version == own[7].version + 1
    assert (
        list(
            AuditRecord.objects.filter(evaluation=saved).values_list("field", "old_value", "new_value")
        ).count(("proposed_rating", "HT", "HTT"))
        == 1
    )
    # The rows the form did not change keep their version (a second tab holding them still saves).
    assert all(Evaluation.objects.get(pk=ev.pk).version == ev.version for ev in own[:7])


def test_a_refused_save_redraws_the_page_with_what_was_typed_in_few_queries(
    world, cell_secretary, two_cells, django_assert_max_num_queries
):
    cycle, own, peers = two_cells
    client = Client()
    client.force_login(cell_secretary)
    _, form = page_and_form(client, cycle, world.cell_na_hang)
    # Lowering a HTT of a group at its cap is refused; the attendance and a vote typed alongside come back as typed.
    form[f"rating-{own[3].pk}"] = "HT"
    form[f"votes-{own[5].pk}"] = "8"
    form["comments"] = "Ý kiến vừa gõ"
    form["meeting_venue"] = "Hội trường tổ dân phố"
    with django_assert_max_num_queries(12):
        response = client.post(f"/dot/{cycle.pk}/don-vi/{world.cell_na_hang.pk}/de-xuat/", form)
    assert response.status_code == 422
    body = response.content.decode()
    assert (
        "có 2 HTXS và 9 HTT" in body and f"Dòng 5 ({own[3].subject_name})" in body
    )  # the world's own member first
    again = form_of_page(body)
    assert again[f"rating-{own[3].pk}"] == "HT"  # what was typed, not what is saved
    assert again[f"votes-{own[5].pk}"] == "8"
    assert again["comments"] == "Ý kiến vừa gõ" and again["meeting_venue"] == "Hội trường tổ dân phố"
    assert again == form  # every other field as it was sent
    assert Evaluation.objects.get(pk=own[3].pk).proposed_rating == "HTT"  # nothing written


def test_the_rules_over_a_batch_read_by_the_caller_give_the_same_verdicts_without_reading_it_again(
    two_cells, django_assert_max_num_queries
):
    """`check_changes(read=)`: the batch's objects as the save read them stand for the rows the rules read."""
    cycle, own, peers = two_cells
    rows = [
        ev
        for ev in Evaluation.objects.filter(pk__in=[e.pk for e in [*own, *peers]]).select_related(
            "person", "unit", "collective", "quota_group", "cycle"
        )
    ]
    by_pk = {ev.pk: ev for ev in rows}
    rng = random.Random(7)
    refused = 0
    for _ in range(30):
        batch = rng.sample(rows, rng.randint(1, 3))
        ratings = {ev.pk: rng.choice(["HTXS", "HTT", "HT", "KHT", None]) for ev in batch}
        states = {pk: "proposed" for pk in ratings}
        with django_assert_max_num_queries(2):  # the quota group's count (and the HTXS a refusal names)
            given = compliance.check_changes(cycle, ratings, states=states, read=by_pk)
        assert sorted(given, key=repr) == sorted(
            compliance.check_changes(cycle, ratings, states=states), key=repr
        )
        refused += bool(given)
    assert 3 <= refused <= 27
