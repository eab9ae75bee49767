"""Quarterly reviews as the year sees them: the designated cadres of a quarter, and a year's evaluation with its
quarters, their tasks and the level they point to (docs/decisions.md "Quarterly reviews")."""

from __future__ import annotations

from dataclasses import dataclass

from kiemdiem.accounts.models import User
from kiemdiem.campaigns import hooks
from kiemdiem.campaigns.models import Cycle, Evaluation, QuarterlyDesignation, RatingLevel
from kiemdiem.orgs.queries import persons_visible_to

RANK = {"KHT": 0, "HT": 1, "HTT": 2, "HTXS": 3}
LEVELS = ["KHT", "HT", "HTT", "HTXS"]


def reference_level(ratings: list[str]) -> str | None:
    """The level the quarters point to: their mean on KHT=0 … HTXS=3, a tie rounded down, and never more than one
    level above the weakest quarter. None when no quarter is rated."""
    ranks = [RANK[r] for r in ratings if r in RANK]
    if not ranks:
        return None
    total = sum(ranks)
    mean_rounded = (2 * total + len(ranks) - 1) // (2 * len(ranks))  # nearest, a tie down
    return LEVELS[min(mean_rounded, min(ranks) + 1)]


@dataclass
class QuarterRow:
    quarter: int
    evaluation: Evaluation | None
    rating: str
    final: bool  # decided, not only proposed
    tasks: str


@dataclass
class YearPanel:
    rows: list[QuarterRow]
    reference: str | None
    reference_label: str
    based_on: int


def quarters_probe(ev: Evaluation) -> dict[str, hooks.Probe]:
    """`year_panel` has something to show: a quarter's evaluation of the person that year, or a designation."""
    if ev.cycle.quarter is not None or not ev.person_id:
        return {}
    e, c, d = (m._meta.db_table for m in (Evaluation, Cycle, QuarterlyDesignation))
    sql = (
        f"SELECT 1 FROM {d} WHERE person_id = %s AND year = %s UNION ALL SELECT 1 FROM {e} "
        f"JOIN {c} ON {c}.id = {e}.cycle_id WHERE {e}.person_id = %s AND {c}.year = %s AND {c}.quarter IS NOT NULL"
    )
    return {"campaigns.quarters": (sql, [ev.person_id, ev.cycle.year, ev.person_id, ev.cycle.year])}


def year_panel(user: User, ev: Evaluation) -> YearPanel | None:
    """For a person's evaluation in a yearly cycle of a regime with quarters: quarters I–III of the same year."""
    if ev.cycle.quarter is not None or not ev.person_id:
        return None
    if hooks.probed(ev, "campaigns.quarters") is False:  # the page asked: no quarter, no designation
        return None
    quarters = {
        q.cycle.quarter: q
        for q in Evaluation.objects.filter(
            person_id=ev.person_id, cycle__year=ev.cycle.year, cycle__quarter__isnull=False
        ).select_related("cycle")
    }
    designated = QuarterlyDesignation.objects.filter(person_id=ev.person_id, year=ev.cycle.year).exists()
    if not quarters and not designated:
        return None
    rows = []
    for number in (1, 2, 3):
        q = quarters.get(number)
        rows.append(
            QuarterRow(
                quarter=number,
                evaluation=q,
                rating=(q.rating if q else ""),
                final=bool(q and q.decided_rating),
                tasks=((q.self_review or {}).get("quarter_tasks", "") if q else ""),
            )
        )
    rated = [r.rating for r in rows if r.rating]
    reference = reference_level(rated)
    return YearPanel(
        rows=rows,
        reference=reference,
        reference_label=dict(RatingLevel.choices).get(reference, "") if reference else "",
        based_on=len(rated),
    )


def cycle_panel(user: User, cycle: Cycle) -> dict[str, object]:
    """A quarterly cycle's page: the year's designated cadres the user reaches, and their quarter's evaluation."""
    designations = (
        QuarterlyDesignation.objects.filter(
            year=cycle.year,
            unit__path__startswith=cycle.unit.path,
            person__in=persons_visible_to(user),
        )
        .select_related("person", "unit")
        .order_by("person__sort_key", "person_id")
    )
    evaluations = {
        e.person_id: e
        for e in Evaluation.objects.filter(cycle=cycle, person__isnull=False).only(
            "id", "person_id", "state", "proposed_rating", "decided_rating"
        )
    }
    return {
        "designations": [(d, evaluations.get(d.person_id)) for d in designations],
    }
