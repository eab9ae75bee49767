"""Who may do what in the follow-up; built on the campaign's permissions so the scopes stay the same."""

from __future__ import annotations

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns.models import Evaluation, EvaluationState, SubjectType
from kiemdiem.campaigns.permissions import can_propose, can_self_review
from kiemdiem.orgs.models import ManagementTier
from kiemdiem.orgs.queries import scope_roots, under_roots

INDIVIDUAL_TYPES = frozenset({SubjectType.PARTY_MEMBER, SubjectType.LEADER})
UPPER_ROLES = frozenset({UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER})


def _covers(user: User, ev: Evaluation) -> bool:
    roots = scope_roots(user)
    return under_roots(ev.unit, roots)


def can_issue_suggestion(user: User, ev: Evaluation) -> bool:
    """An upper committee's office (province, district or affiliated committee) over the subject's unit."""
    if user.is_superuser:
        return True
    return user.role in UPPER_ROLES and user.unit_id != ev.unit_id and _covers(user, ev)


def can_answer(user: User, ev: Evaluation) -> bool:
    return can_self_review(user, ev) and not ev.state_at_least(EvaluationState.REVIEWED)


def can_conclude_suggestion(user: User, suggestion) -> bool:
    """The assigned attendee; with nobody assigned, the upper committee's office that may issue suggestions."""
    if user.is_superuser:
        return True
    if suggestion.attendee_id is not None:
        return bool(suggestion.attendee_id == user.pk)
    return can_issue_suggestion(user, suggestion.evaluation)


def can_plan(user: User, ev: Evaluation) -> bool:
    """The subject (or whoever records for it) makes its plan right after the decision (CV 854 mục 2(4))."""
    return can_self_review(user, ev) or can_propose(user, ev)


def can_assess(user: User, ev: Evaluation) -> bool:
    """The self-review marks last period's items; the recorder may still confirm them until the decision."""
    if ev.state == EvaluationState.DECIDED:
        return False
    if can_propose(user, ev):
        return True
    return can_self_review(user, ev) and not ev.state_at_least(EvaluationState.REVIEWED)


def can_relate_signs(user: User, ev: Evaluation) -> bool:
    return ev.subject_type in INDIVIDUAL_TYPES and can_answer(user, ev)


def is_province_cadre(ev: Evaluation) -> bool:
    return (
        ev.subject_type == SubjectType.LEADER
        and ev.person is not None
        and ev.person.management_tier == ManagementTier.PROVINCE_STANDING
    )


def can_manage_breakthrough(user: User, ev: Evaluation) -> bool:
    """The provincial organisation board assigns and evaluates breakthrough tasks (QĐ 03-QĐ/TU; CV 854 mục 2(7))."""
    if user.is_superuser:
        return True
    return user.role == UserRole.PROVINCE_ADMIN and _covers(user, ev)
