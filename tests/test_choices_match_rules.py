"""The Django choices and the rules engine's enums name the same things: one set of codes, one meaning."""

from __future__ import annotations

from kiemdiem import rules
from kiemdiem.campaigns.models import RatingLevel, SubjectType
from kiemdiem.orgs.models import Role
from kiemdiem.rules.levels import Rating


def test_the_rating_choices_are_the_engines_levels_with_the_same_labels() -> None:
    engine = {r.value: r.label for r in Rating}
    assert dict(RatingLevel.choices) == engine
    # Ordered the same way (best first), so a list of choices reads as the engine ranks them.
    assert [c for c, _ in RatingLevel.choices] == sorted(engine, key=lambda code: -Rating(code).rank)


def test_the_subject_types_are_the_engines() -> None:
    assert set(SubjectType.values) == {t.value for t in rules.SubjectType}


def test_the_roles_are_the_engines() -> None:
    assert set(Role.values) == {r.value for r in rules.Role}
