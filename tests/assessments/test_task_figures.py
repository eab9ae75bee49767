"""The register's percentages live in the evaluation's own columns: kept by the task actions, read by the whole-cycle
check in its one query (no facts JSON), and filled for existing data by a migration."""

from __future__ import annotations

import importlib

from django.apps import apps

from kiemdiem.assessments import actions
from kiemdiem.assessments.models import Task
from kiemdiem.campaigns.compliance import check_cycle
from kiemdiem.campaigns.models import Evaluation
from tests.assessments.helpers import add_tasks, evaluation_of, open_2026

fill_task_figures = importlib.import_module("kiemdiem.assessments.migrations.0005_fill_task_figures")


def _excellent_findings(cycle, ev) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        f.message
        for f in check_cycle(cycle).findings
        if f.subjects[:1] == (f"e{ev.pk}",) and "vượt mức" in f.message
    ]


def test_changing_a_task_updates_the_columns_and_the_cycles_check(world, member, grassroots_officer):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    add_tasks(member, ev, ["exceeded", "exceeded"] + ["on_time"] * 7 + ["late"])
    ev.refresh_from_db()
    assert (ev.task_completion_pct, ev.tasks_overdue_pct, ev.tasks_exceeded_pct) == (100.0, 10.0, 20.0)
    assert ev.facts == {}  # nothing for the check to parse
    Evaluation.objects.filter(pk=ev.pk).update(proposed_rating="HTXS", state="proposed")
    assert _excellent_findings(cycle, ev) == [
        f for f in _excellent_findings(cycle, ev) if "20% nhiệm vụ vượt mức (cần từ 30%)" in f
    ]
    assert _excellent_findings(cycle, ev)
    # The assigner confirms one more task as exceeded: 30 %, and the whole-cycle check no longer objects.
    task = Task.objects.filter(evaluation=ev, result="on_time").first()
    actions.do_confirm_task(user=grassroots_officer, task=task, result="exceeded")
    ev.refresh_from_db()
    assert (ev.task_completion_pct, ev.tasks_overdue_pct, ev.tasks_exceeded_pct) == (100.0, 10.0, 30.0)
    assert _excellent_findings(cycle, ev) == []
    # The office deletes the unconfirmed tasks: the one confirmed as exceeded is the whole register.
    for task in Task.objects.filter(evaluation=ev, confirmed_by__isnull=True):
        actions.do_delete_task(user=grassroots_officer, task=task)
    ev.refresh_from_db()
    assert ev.task_figures == {
        "task_completion_pct": 100.0,
        "tasks_overdue_pct": 0.0,
        "tasks_exceeded_pct": 100.0,
    }


def test_the_migration_moves_the_percentages_out_of_the_facts(world, member):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    other = evaluation_of(cycle, world.member_lam_binh)
    add_tasks(member, ev, ["exceeded", "on_time", "not_done"])
    # As the data stood before the columns: the percentages in the facts, the columns empty; and a typed completion
    # on an evaluation without a register (allowed before QĐ 366), which stays where it is.
    Evaluation.objects.filter(pk=ev.pk).update(
        facts={
            "sick_leave_days": 2,
            "task_completion_pct": 66.6,
            "tasks_overdue_pct": 0.0,
            "tasks_exceeded_pct": 33.3,
        },
        task_completion_pct=None,
        tasks_overdue_pct=None,
        tasks_exceeded_pct=None,
    )
    Evaluation.objects.filter(pk=other.pk).update(facts={"task_completion_pct": 80})
    fill_task_figures.fill(apps, None)
    ev.refresh_from_db()
    other.refresh_from_db()
    assert (ev.task_completion_pct, ev.tasks_overdue_pct, ev.tasks_exceeded_pct) == (66.6, 0.0, 33.3)
    assert ev.facts == {"sick_leave_days": 2}
    assert ev.task_figures == actions.task_facts(["exceeded", "on_time", "not_done"])
    assert other.facts == {"task_completion_pct": 80} and other.task_completion_pct is None
    fill_task_figures.unfill(apps, None)
    ev.refresh_from_db()
    assert ev.facts["tasks_exceeded_pct"] == 33.3
