"""Walk a subject through a whole year with the actions, so later years have something to read."""

from __future__ import annotations

import datetime

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Cycle, Evaluation
from tests.campaigns.helpers import propose, submit_self_review


def open_year(world, year: int) -> Cycle:  # type: ignore[no-untyped-def]
    """The province's yearly cycle of a year (the fixture already has 2021), with every evaluation."""
    cycle = Cycle.objects.filter(unit=world.province, year=year, quarter__isnull=True).first()
    if cycle is None:
        cycle = actions.do_open_cycle(unit=world.province, year=year)
    actions.ensure_evaluations(cycle=cycle)
    return cycle


def member_evaluation(world, cycle: Cycle, person=None) -> Evaluation:  # type: ignore[no-untyped-def]
    return Evaluation.objects.select_related("cycle", "unit", "person").get(
        cycle=cycle, person=person or world.member_na_hang, subject_type="party_member"
    )


def decide(secretary, decider, ev: Evaluation, rating: str) -> Evaluation:  # type: ignore[no-untyped-def]
    """Self-review, meeting and decision; a lone HTXS passes the quota with a written reason, as the body may."""
    if rating == "HTXS":  # the meeting cannot pass the cap; the competent body may, with a reason
        submit_self_review(secretary, ev, "HTXS")
    ev = propose(secretary, ev, "HTT" if rating == "HTXS" else rating)
    return actions.do_decide_rating(
        user=decider,
        evaluation=ev,
        rating=rating,
        decided_on=datetime.date(ev.cycle.year + 1, 1, 5),
        override_reason="Thành tích nổi trội, cấp có thẩm quyền quyết định." if rating == "HTXS" else "",
    )
