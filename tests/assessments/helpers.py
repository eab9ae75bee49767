"""A minimal 2026 campaign under QĐ 366 for the scoring tests: built through the actions, nothing more."""

from __future__ import annotations

from decimal import Decimal

from kiemdiem.assessments import actions
from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.campaigns.review_forms import form_for, required_sections


def open_2026(world) -> Cycle:  # type: ignore[no-untyped-def]
    cycle = do_open_cycle(unit=world.province, year=2026)
    ensure_evaluations(cycle=cycle)
    return cycle


def evaluation_of(cycle: Cycle, person) -> Evaluation:  # type: ignore[no-untyped-def]
    return Evaluation.objects.select_related("cycle", "person", "unit").get(
        cycle=cycle, person=person, subject_type="party_member"
    )


def full_marks_but(ev: Evaluation, missing: float = 0) -> dict[str, str]:
    """Every item at its maximum, minus `missing` points taken from the last item."""
    criteria = list(actions.framework_for(ev).criteria.order_by("order", "id"))
    scores = {str(c.pk): str(c.max_points) for c in criteria}
    last = criteria[-1]
    scores[str(last.pk)] = str(last.max_points - Decimal(str(missing)))
    return scores


def sections_for(ev: Evaluation) -> dict[str, str]:
    form = form_for(
        regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=ev.subject_type == "leader"
    )
    return {key: f"Nội dung mục {key}: hoàn thành các nhiệm vụ được giao." for key in required_sections(form)}


def submit_scored(user, ev: Evaluation, *, missing: float = 0, rating: str = "HTXS") -> Evaluation:  # type: ignore[no-untyped-def]
    return actions.do_save_scored_review(
        user=user,
        evaluation=ev,
        sections=sections_for(ev),
        scores=full_marks_but(ev, missing),
        self_rating=rating,
        submit=True,
    )


def add_tasks(user, ev: Evaluation, results: list[str]) -> None:  # type: ignore[no-untyped-def]
    for number, result in enumerate(results, start=1):
        actions.do_add_task(
            user=user, evaluation=ev, title=f"Nhiệm vụ số {number}", target="100%", result=result
        )
