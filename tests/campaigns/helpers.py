"""Walk evaluations through the steps with the actions, as the pages do."""

import random
from collections.abc import Iterator

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation, EvaluationState
from kiemdiem.campaigns.review_forms import form_of, required_sections


def submit_self_review(user, ev: Evaluation, rating: str = "HTT") -> Evaluation:  # type: ignore[no-untyped-def]
    form = form_of(ev)  # the regime's form for the subject; Mẫu 05 in a quarter
    sections = {key: f"Nội dung mục {key} của {ev.subject_name}." for key in required_sections(form)}
    grade = {"HTXS": "XS", "HTT": "T", "HT": "TB", "KHT": "K"}[rating]
    criteria = {c.key: grade for c in form.criteria}
    return actions.do_save_self_review(
        user=user,
        evaluation=ev,
        sections=sections,
        criteria=criteria,
        self_rating=rating,
        submit=True,
        score_general=27 if form.scored else None,
        score_results=60 if form.scored else None,
    )


def propose(user, ev: Evaluation, rating: str) -> Evaluation:  # type: ignore[no-untyped-def]
    ev.refresh_from_db()
    if ev.state == EvaluationState.DRAFT:
        submit_self_review(user, ev, rating)
    return actions.do_record_meeting(
        user=user,
        evaluation=ev,
        comments="Tập thể thống nhất.",
        attendees=10,
        votes_for=9,
        proposed_rating=rating,
    )


def random_batches(
    rows: list[Evaluation], seed: int, count: int, most: int
) -> Iterator[tuple[dict[int, str | None], dict[int, str]]]:
    """`count` batches of 1 to `most` of `rows`, each row given a random level (or none) and the proposed state: what
    `check_changes` takes, to compare its verdicts counted apart with the whole check's."""
    rng = random.Random(seed)
    levels = ["HTXS", "HTT", "HT", "KHT", None]
    for _ in range(count):
        batch = rng.sample(rows, rng.randint(1, most))
        ratings = {ev.pk: rng.choice(levels) for ev in batch}
        yield ratings, {pk: EvaluationState.PROPOSED for pk in ratings}
