"""The register's percentages move from the facts JSON to the evaluation's own columns.

Every evaluation with a task register gets its three percentages computed from its tasks (as
`assessments.actions.task_facts` does: completed and exceeded rounded down to 0.1, late up), and the three keys are
taken out of its facts, so the columns are their one home. Evaluations without a register keep their facts as they
are (before QĐ 366 a completion could be typed by hand).
"""

import json

from django.db import migrations
from django.db.models import Count, Q

KEYS = ("task_completion_pct", "tasks_overdue_pct", "tasks_exceeded_pct")
CHUNK = 5000


def _figures(n: int, done: int, late: int, exceeded: int) -> tuple[float, float, float]:
    return (1000 * done // n) / 10, -(-1000 * late // n) / 10, (1000 * exceeded // n) / 10


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Task = apps.get_model("assessments", "Task")
    Evaluation = apps.get_model("campaigns", "Evaluation")
    counts = (
        Task.objects.order_by()
        .values("evaluation_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(result__in=["on_time", "exceeded", "late"])),
            late=Count("id", filter=Q(result="late")),
            exceeded=Count("id", filter=Q(result="exceeded")),
        )
    )
    by_figures: dict[tuple[float, float, float], list[int]] = {}
    for row in counts.iterator(chunk_size=CHUNK):
        figures = _figures(row["n"], row["done"], row["late"], row["exceeded"])
        by_figures.setdefault(figures, []).append(row["evaluation_id"])
    with_register: list[int] = []
    for (completion, overdue, exceeded), ids in by_figures.items():
        with_register.extend(ids)
        for start in range(0, len(ids), CHUNK):
            Evaluation.objects.filter(pk__in=ids[start : start + CHUNK]).update(
                task_completion_pct=completion, tasks_overdue_pct=overdue, tasks_exceeded_pct=exceeded
            )
    # The keys leave the facts of those evaluations (grouped by the facts that remain: most become empty).
    with_register.sort()
    for start in range(0, len(with_register), CHUNK):
        by_facts: dict[str, list[int]] = {}
        rows = Evaluation.objects.filter(pk__in=with_register[start : start + CHUNK]).values_list(
            "pk", "facts"
        )
        for pk, facts in rows:
            if facts and any(k in facts for k in KEYS):
                rest = {k: v for k, v in facts.items() if k not in KEYS}
                by_facts.setdefault(json.dumps(rest, sort_keys=True), []).append(pk)
        for text, ids in by_facts.items():
            Evaluation.objects.filter(pk__in=ids).update(facts=json.loads(text))


def unfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back into the facts, for a migration backwards."""
    Evaluation = apps.get_model("campaigns", "Evaluation")
    rows = Evaluation.objects.filter(task_completion_pct__isnull=False).values_list("pk", "facts", *KEYS)
    for pk, facts, *figures in rows.iterator(chunk_size=CHUNK):
        Evaluation.objects.filter(pk=pk).update(
            facts={**(facts or {}), **dict(zip(KEYS, figures, strict=True))}
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_criterion_formula"), ("campaigns", "0006_evaluation_task_figures")]

    operations = [migrations.RunPython(fill, unfill)]
