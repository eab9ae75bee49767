"""The follow-up panel of an evaluation's page reads its lists in few queries (issue 21: ~9 queries a page before).

The subject's years are read once (last year's evaluation and the years' ratings), which of the panel's lists have
rows in one query, and only those lists. The panel says the same as before.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.campaigns.models import Evaluation
from kiemdiem.campaigns.queries import get_evaluation_for_user
from kiemdiem.followup import actions, queries
from tests.followup.helpers import decide, member_evaluation, open_year


def _panel(user, ev):  # type: ignore[no-untyped-def]
    ev = get_evaluation_for_user(user, ev.pk)
    with CaptureQueriesContext(connection) as read:
        panel = queries.panel_for(user, ev)
    return panel, len(read)


def test_an_evaluation_with_nothing_followed_up_reads_two_queries(world, cell_secretary):
    open_year(world, 2021)
    ev = member_evaluation(world, open_year(world, 2022))
    panel, count = _panel(cell_secretary, ev)
    assert count <= 2  # the subject's years; which lists have rows
    assert panel["suggestions"] == [] and panel["plan"] == [] and panel["prev_items"] == []
    assert panel["conclusions"] == [] and panel["tasks"] == [] and panel["signs_related"] == 0
    assert panel["previous"] is not None and panel["previous"].cycle.year == 2021
    assert len(panel["signs"]) == 27


def test_last_years_plan_and_this_years_are_told_apart_from_one_read(
    world, member, cell_secretary, grassroots_officer
):
    last = decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2021)), "HTT")
    plan = [{"shortcoming": "Chậm nộp đảng phí", "owner": "Ma Văn Hùng", "due_on": "31/03/2022"}]
    actions.do_add_remediation_items(user=member, evaluation=last, items=plan * 2)
    now = decide(cell_secretary, grassroots_officer, member_evaluation(world, open_year(world, 2022)), "HTT")
    actions.do_add_remediation_items(
        user=member,
        evaluation=now,
        items=[{**plan[0], "shortcoming": "Ít phát biểu", "due_on": "31/03/2023"}],
    )
    item = last.remediation_items.first()
    item.status = "remedied"
    item.save()
    panel, _ = _panel(cell_secretary, Evaluation.objects.get(pk=now.pk))
    assert [i.shortcoming for i in panel["prev_items"]] == ["Chậm nộp đảng phí"] * 2
    assert [i.shortcoming for i in panel["plan"]] == ["Ít phát biểu"]
    assert panel["prev_pct"] == 50.0 == queries.remediation_pct(last)
    assert panel["history"] == queries.rating_history(now) == [(2022, "HTT"), (2021, "HTT")]
    assert panel["previous"] == queries.previous_evaluation(now) == last


def test_last_years_evaluation_comes_with_its_cycle(world, cell_secretary):
    """The panel names last year's cycle (its plan's heading): read with the subject's years, not on its own."""
    open_year(world, 2021)
    ev = get_evaluation_for_user(cell_secretary, member_evaluation(world, open_year(world, 2022)).pk)
    with CaptureQueriesContext(connection) as read:
        panel = queries.panel_for(cell_secretary, ev)
        assert panel["previous"].cycle.year == 2021
    assert len(read) <= 2, [q["sql"][:120] for q in read.captured_queries]
