"""Turn evaluations into the rules engine's scenario and read its findings back.

The same `rules.check` serves the pages, the API, the CLI and the batch checks; this module only maps rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from kiemdiem import rules
from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState, SubjectType
from kiemdiem.campaigns.review_forms import form_for
from kiemdiem.orgs.models import Unit

# Findings the competent authority may pass over with a written, audited reason (the number of HTXS is
# "do cấp có thẩm quyền quyết định": HD 21 mục 2.3; rules-and-ambiguities §2.5 step 5).
OVERRIDABLE_CODES = frozenset({"QUOTA_EXCELLENT"})


def subject_id(evaluation_id: int) -> str:
    return f"e{evaluation_id}"


@dataclass
class Compliance:
    result: rules.Result
    names: dict[str, str]
    by_subject: dict[int, list[rules.Finding]] = field(default_factory=dict)

    def message(self, finding: rules.Finding) -> str:
        """The finding's message with subject ids replaced by names."""
        return re.sub(
            r'"([^"]+)"', lambda m: f"\u201c{self.names.get(m.group(1), m.group(1))}\u201d", finding.message
        )


def _facts(ev: Evaluation) -> dict[str, object]:
    facts: dict[str, object] = {k: v for k, v in (ev.facts or {}).items() if v not in (None, "")}
    facts["reviewed"] = ev.state_at_least(EvaluationState.SELF_REVIEWED)
    if ev.person_id and ev.subject_type == SubjectType.PARTY_MEMBER:
        p = ev.person
        facts.setdefault("exempt", p.is_exempt)  # type: ignore[union-attr]
        facts.setdefault("suspended", p.is_suspended)  # type: ignore[union-attr]
        if p.admitted_on:  # type: ignore[union-attr]
            facts.setdefault("admitted_on", p.admitted_on.isoformat())  # type: ignore[union-attr]
    if ev.subject_type != SubjectType.PARTY_MEMBER and ev.unit.established_on and not ev.person_id:
        facts.setdefault("founded_on", ev.unit.established_on.isoformat())
    return facts


def _criteria(ev: Evaluation, regime: str) -> dict[str, list[str]] | None:
    if not ev.criteria or regime == "QD366_HD43":
        return None
    form = form_for(regime=regime, subject_type=ev.subject_type, is_leader=bool(ev.role))
    results = [ev.criteria[c.key] for c in form.criteria if c.is_result and ev.criteria.get(c.key)]
    others = [ev.criteria[c.key] for c in form.criteria if not c.is_result and ev.criteria.get(c.key)]
    if not results and not others:
        return None
    return {"results": results, "others": others}


def related_evaluations(cycle: Cycle, unit: Unit) -> list[Evaluation]:
    """Evaluations in the unit's subtree, plus what their rules read: quota-group peers and parents' units."""
    base = Q(cycle=cycle) & Q(unit__path__startswith=unit.path)
    group_ids = set(
        Evaluation.objects.filter(base, quota_group__isnull=False).values_list("quota_group_id", flat=True)
    )
    q = base | Q(cycle=cycle, quota_group_id__in=group_ids) | Q(cycle=cycle, unit_id__in=unit.ancestor_ids)
    return list(
        Evaluation.objects.filter(q)
        .select_related("person", "collective", "unit", "quota_group")
        .order_by("id")
    )


def build_scenario(
    cycle: Cycle, evaluations: Iterable[Evaluation], *, ratings: dict[int, str | None] | None = None
) -> tuple[dict[str, object], dict[str, str]]:
    """Return the contract's scenario for these evaluations (ratings may be overridden) and id → name."""
    evaluations = list(evaluations)
    ratings = ratings or {}
    unit_eval: dict[int, int] = {}
    collective_eval: dict[int, int] = {}
    for ev in evaluations:
        if ev.subject_type in (SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY):
            unit_eval[ev.unit_id] = ev.pk
        elif ev.subject_type == SubjectType.LEADERSHIP_COLLECTIVE and ev.collective_id:
            collective_eval[ev.collective_id] = ev.pk
    children: dict[int, list[str]] = {}
    for ev in evaluations:
        if ev.subject_type == SubjectType.PARTY_MEMBER and ev.unit_id in unit_eval:
            children.setdefault(unit_eval[ev.unit_id], []).append(subject_id(ev.pk))
        elif ev.subject_type == SubjectType.PARTY_ORGANIZATION and ev.unit.parent_id in unit_eval:
            children.setdefault(unit_eval[ev.unit.parent_id], []).append(subject_id(ev.pk))  # type: ignore[index]
    subjects = []
    names = {}
    groups: dict[str, dict[str, bool]] = {}
    for ev in evaluations:
        sid = subject_id(ev.pk)
        names[sid] = ev.subject_name
        rating = ratings[ev.pk] if ev.pk in ratings else (ev.rating or None)
        subject: dict[str, object] = {
            "id": sid,
            "type": ev.subject_type,
            "rating": rating,
            "facts": _facts(ev),
        }
        if ev.quota_group_id:
            subject["quota_group"] = ev.quota_group.code  # type: ignore[union-attr]
            names[ev.quota_group.code] = ev.quota_group.name  # type: ignore[union-attr]
            if ev.quota_group.has_exception:  # type: ignore[union-attr]
                groups[ev.quota_group.code] = {"exception": True}  # type: ignore[union-attr]
        if ev.score is not None:
            subject["score"] = float(ev.score)
        criteria = _criteria(ev, cycle.regime)
        if criteria:
            subject["criteria"] = criteria
        if ev.subject_type == SubjectType.PARTY_ORGANIZATION:
            subject["children"] = children.get(ev.pk, [])
        elif ev.subject_type == SubjectType.LEADERSHIP_COLLECTIVE and ev.unit_id in unit_eval:
            subject["unit"] = subject_id(unit_eval[ev.unit_id])
        elif ev.subject_type == SubjectType.LEADER:
            subject["role"] = ev.role or "member"
            if ev.leader_collective_id in collective_eval:
                subject["collective"] = subject_id(collective_eval[ev.leader_collective_id])  # type: ignore[index]
            if ev.unit_id in unit_eval:
                subject["unit"] = subject_id(unit_eval[ev.unit_id])
            subject["facts"] = {k: v for k, v in subject["facts"].items() if k != "admitted_on"}  # type: ignore[union-attr]
        subjects.append(subject)
    scenario: dict[str, object] = {"year": cycle.year, "subjects": subjects}
    if cycle.quarter:
        scenario["quarter"] = cycle.quarter
    if groups:
        scenario["quota_groups"] = groups
    return scenario, names


def check_evaluations(
    cycle: Cycle, evaluations: Iterable[Evaluation], *, ratings: dict[int, str | None] | None = None
) -> Compliance:
    scenario, names = build_scenario(cycle, evaluations, ratings=ratings)
    result = rules.check(rules.parse_scenario(scenario))
    compliance = Compliance(result=result, names=names)
    for finding in result.findings:
        for sid in finding.subjects:
            compliance.by_subject.setdefault(int(sid[1:]), []).append(finding)
    return compliance


def findings_caused_by(
    cycle: Cycle, evaluations: list[Evaluation], evaluation: Evaluation, rating: str | None
) -> tuple[list[rules.Finding], Compliance]:
    """Findings the given rating of this evaluation would bring, compared with leaving it unrated.

    A finding counts when it names this subject first (its own ceilings and conditions), or when it is the
    quota of the group this subject would join as HTXS. Findings about a parent that a child's honest rating
    exposes (an organisation rated HTXS over a failing member) are the parent's to fix, not the child's.
    """
    with_rating = check_evaluations(cycle, evaluations, ratings={evaluation.pk: rating})
    without = check_evaluations(cycle, evaluations, ratings={evaluation.pk: None})
    before = {(f.code, f.subjects) for f in without.result.findings}
    sid = subject_id(evaluation.pk)
    caused = [
        f
        for f in with_rating.result.findings
        if (f.code, f.subjects) not in before
        and (
            f.subjects[:1] == (sid,)
            or (f.code == "QUOTA_EXCELLENT" and rating == "HTXS" and sid in f.subjects)
        )
    ]
    return caused, with_rating
