"""Reads for the scored forms, the task register and a leader's units; and the facts the rules read from them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from kiemdiem import rules
from kiemdiem.accounts.models import User
from kiemdiem.assessments.actions import (
    TASK_FACT_KEYS,
    appendix_for,
    can_confirm_task,
    criteria_of,
    derived_points,
    framework_for,
    stage_totals,
    task_facts,
)
from kiemdiem.assessments.models import (
    Appendix,
    CriterionGroup,
    FrameworkVersion,
    ItemScore,
    LedUnit,
    Task,
    TaskEvidence,
    TaskResult,
)
from kiemdiem.campaigns import hooks
from kiemdiem.campaigns.hooks import Probe
from kiemdiem.campaigns.models import Cycle, Evaluation, EvaluationState, SubjectType
from kiemdiem.campaigns.permissions import ancestor_read, can_decide, can_propose, can_self_review, can_verify
from kiemdiem.campaigns.queries import evaluations_visible_to
from kiemdiem.campaigns.review_forms import form_for
from kiemdiem.joined import JoinedRead
from kiemdiem.orgs.models import Position, Role, Unit
from kiemdiem.rules import formula as rules_formula

_UNIT_TYPES = (SubjectType.PARTY_ORGANIZATION, SubjectType.AGENCY)

# Mẫu 2C (members outside the political system) asks about a member's rights, duties and the cell's tasks instead
# of the duties of a post (report-forms.md §2.2).
_OUTSIDE_HEADINGS = {
    "duties": "I.2. Thực hiện quyền, nghĩa vụ đảng viên và nhiệm vụ chi bộ giao; kết quả cụ thể trong năm",
}


def get_task_for_user(user: User, evaluation: Evaluation, pk: int) -> Task:
    """A task of an evaluation the user reaches; anything else is a 404."""
    try:
        return (
            Task.objects.filter(evaluation__in=evaluations_visible_to(user), evaluation=evaluation)
            .select_related("evaluation__cycle", "evaluation__person", "evaluation__unit")
            .get(pk=pk)
        )
    except Task.DoesNotExist:
        raise Http404("Không tìm thấy nhiệm vụ.") from None


def framework_versions_for(unit: Unit, appendix: str) -> QuerySet[FrameworkVersion]:
    """The versions of an appendix that apply to a unit: the central ones and its chain's own, newest first."""
    chain = [*unit.ancestor_ids, unit.pk]
    return (
        FrameworkVersion.objects.filter(appendix=appendix)
        .filter(Q(unit__isnull=True) | Q(unit_id__in=chain))
        .select_related("unit", "created_by")
        .order_by("-created_at", "-id")
    )


def led_units_of(evaluation: Evaluation) -> list[dict[str, object]]:
    """A leader's units with their own evaluations in the cycle: rating and task completion (from their register)."""
    units = [lu.unit for lu in LedUnit.objects.filter(evaluation=evaluation).select_related("unit")]
    explicit = bool(units)
    if not units:
        units = [evaluation.unit]
    evs = {
        ev.unit_id: ev
        for ev in Evaluation.objects.filter(
            cycle_id=evaluation.cycle_id, unit__in=units, subject_type__in=_UNIT_TYPES
        )
    }
    return [
        {
            "unit": unit,
            "evaluation": evs.get(unit.pk),
            "rating": (evs[unit.pk].rating if unit.pk in evs else "") or "",
            "completion": (
                evs[unit.pk].recorded_facts.get("task_completion_pct") if unit.pk in evs else None
            ),
            "explicit": explicit,
        }
        for unit in units
    ]


def leader_facts(units: list[tuple[str, object]], *, explicit: bool) -> dict[str, object]:
    """QĐ 366 Điều 11 (cá nhân LĐQL, KHT a): the share of the leader's units rated KHT, the lowest completion.

    `units` are (rating, task completion) of each unit's own evaluation. The share is given only for units listed
    by hand (the leader's own unit alone is already read by the engine through the subject's unit).
    """
    facts: dict[str, object] = {}
    rated = [r for r, _ in units if r]
    if explicit and rated:
        facts["led_units_failed_pct"] = -(-1000 * sum(1 for r in rated if r == "KHT") // len(rated)) / 10
    completions = [float(c) for _, c in units if c is not None]  # type: ignore[arg-type]  # a number (led_units_of)
    if completions:
        facts["led_unit_task_completion_pct"] = min(completions)
    return facts


def _completion(column: float | None, facts: dict[str, object] | None) -> object:
    """A unit's task completion: its register's, else what was typed before QĐ 366."""
    return column if column is not None else (facts or {}).get("task_completion_pct")


# What `derived_leader_facts` reads beyond the rows themselves, for the rating page's key (`hooks.derived_reads`):
# the own evaluations of the units a leader of the page lists (a leader without a list reads their own unit's,
# which is on the same page). Who is listed moves the leader's own `updated_at` (`do_set_led_units`).
LEADER_FACTS_READ = (
    f"SELECT e.id, e.updated_at FROM {Evaluation._meta.db_table} e WHERE e.cycle_id = {{cycle}} "
    f"AND e.subject_type IN ({', '.join(f"'{t}'" for t in _UNIT_TYPES)}) AND e.unit_id IN ("
    f"SELECT l.unit_id FROM {LedUnit._meta.db_table} l WHERE l.evaluation_id IN (SELECT id FROM own))"
)


def derived_leader_facts(cycle: Cycle, rows: list) -> dict[int, dict[str, object]]:
    """`campaigns.hooks.derived_facts`: each leader's unit results, read when the rules run (never stale)."""
    leaders = [r for r in rows if r.subject_type == SubjectType.LEADER]
    if not leaders:
        return {}
    by_unit: dict[int, tuple[str, object]] = {}
    for r in rows:
        if r.subject_type in _UNIT_TYPES:
            by_unit[r.unit_id] = (
                r.decided_rating or r.proposed_rating,
                _completion(r.task_completion_pct, r.facts),
            )
    listed: dict[int, list[int]] = {}
    for ev_id, unit_id in LedUnit.objects.filter(evaluation__cycle=cycle).values_list(
        "evaluation_id", "unit_id"
    ):
        listed.setdefault(ev_id, []).append(unit_id)
    wanted = {u for r in leaders for u in listed.get(r.id, [r.unit_id])}
    missing = wanted - by_unit.keys()
    if missing and any(r.id in listed for r in leaders):
        for unit_id, decided, proposed, completion, facts in Evaluation.objects.filter(
            cycle=cycle, unit_id__in=missing, subject_type__in=_UNIT_TYPES
        ).values_list("unit_id", "decided_rating", "proposed_rating", "task_completion_pct", "facts"):
            by_unit[unit_id] = (decided or proposed, _completion(completion, facts))
    out: dict[int, dict[str, object]] = {}
    for r in leaders:
        unit_ids = listed.get(r.id)
        if unit_ids is None:
            own = by_unit.get(r.unit_id)
            # Only what the engine cannot see itself: the own unit's task completion, from its register.
            if own is None or own[1] is None:
                continue
            facts = leader_facts([own], explicit=False)
        else:
            facts = leader_facts([by_unit[u] for u in unit_ids if u in by_unit], explicit=True)
        recorded = r.facts or {}
        facts = {k: v for k, v in facts.items() if k not in recorded}  # a fact recorded by hand wins
        if facts:
            out[r.id] = facts
    return out


def _band(cycle: Cycle, ev: Evaluation, total: Decimal | None) -> dict[str, object] | None:
    """The band the total reaches and the highest level the task conditions allow (QĐ 366 Điều 11)."""
    if total is None:
        return None
    regime = rules.regime_for_year(cycle.year)
    facts = ev.recorded_facts
    band = rules.score_band(regime, float(total))
    top = rules.max_rating_from_score(
        regime,
        float(total),
        task_completion_pct=float(facts.get("task_completion_pct", 100)),
        tasks_overdue_pct=float(facts.get("tasks_overdue_pct", 0)),
        tasks_exceeded_pct=facts.get("tasks_exceeded_pct"),
        remediation_pct=facts.get("remediation_pct"),
    )
    # When unfinished or late tasks are what lowers the level, the page says how the gap between the bands'
    # conditions and the KHT list is read (rules.score_band_gap_reading, issue 18), and whether that is verified.
    gap = float(facts.get("task_completion_pct", 100)) < 100 or float(
        facts.get("tasks_overdue_pct", 0)
    ) > float(
        regime.value("max_overdue_pct_pass")  # type: ignore[arg-type]  # a number in every regime (rules/regimes.py)
    )
    reading = rules.score_band_gap_reading(cycle.year) if gap and top < band else None
    return {
        "band": band,
        "top": top,
        "citation": regime.parameter("score_excellent_min").citation,
        "reading": reading,
    }


# The register: each task with who confirmed it and its evidence's name (not its content), in SQL written once per
# process (kiemdiem/joined.py).
_REGISTER_READ: JoinedRead[Task] = JoinedRead(
    Task, ("confirmed_by",), extra=[("evidence", TaskEvidence, "{alias}.task_id = t0.id", ("id", "name"))]
)


def _register_of(ev: Evaluation) -> list[tuple[Task, str | None]]:
    """The evaluation's tasks in their order, each with who confirmed it, and its evidence's name (None: no file).

    Not compiled by the ORM: its compilation of this one query was ~1.5 ms of the evaluation page's CPU, a raw
    read's making of the objects ~0.4 (issue 21)."""
    return [
        (task, extra["evidence"].name if extra["evidence"] is not None else None)
        for task, extra in _REGISTER_READ.read("t0.evaluation_id = %s ORDER BY t0.id", [ev.pk])
    ]


def evaluation_probe(ev: Evaluation) -> dict[str, Probe]:
    """`campaigns.hooks` probes of the scored form: item scores entered yet, and whether the subject holds a head's
    or deputy's post now (`appendix_for`; asked only where it decides)."""
    probes: dict[str, Probe] = {
        "assessments.scores": (f"SELECT 1 FROM {ItemScore._meta.db_table} WHERE evaluation_id = %s", [ev.pk])
    }
    if ev.person_id and ev.subject_type == SubjectType.PARTY_MEMBER:
        probes["assessments.post"] = (
            f"SELECT 1 FROM {Position._meta.db_table} WHERE person_id = %s AND role IN (%s, %s) "
            "AND valid_to IS NULL",
            [ev.person_id, Role.HEAD.value, Role.DEPUTY.value],
        )
    return probes


def scoring_context(
    user: User, ev: Evaluation, *, posted: Mapping[str, str] | None = None
) -> dict[str, object]:
    """What the HD 43 form shows for one evaluation: part A, part B item by item, the register, the leader's units.

    With `posted` (a refused save), the fields show what was typed, not what is stored.
    """
    posted = posted or {}
    appendix = appendix_for(ev, holds_post=hooks.probed(ev, "assessments.post"))
    version = framework_for(ev, appendix=appendix)
    if version.unit_id is not None and not FrameworkVersion.unit.is_cached(version):
        # A committee's version is shown with its name: the evaluation's chain of committees, read this request
        # for the deciding one, holds it when it is above the subject (the province's): no query.
        owner = ancestor_read(ev.unit, version.unit_id)
        if owner is not None:
            FrameworkVersion.unit.field.set_cached_value(version, owner)
    form = form_for(
        regime=ev.cycle.regime, subject_type=ev.subject_type, is_leader=ev.subject_type == SubjectType.LEADER
    )
    headings = dict(form.sections)
    if appendix == Appendix.OUTSIDE:
        headings.update(_OUTSIDE_HEADINGS)
    sections = [
        (
            key,
            headings[key],
            posted.get(f"section-{key}", (ev.self_review or {}).get(key, ""))
            if posted
            else (ev.self_review or {}).get(key, ""),
        )
        for key, _ in form.sections
    ]
    criteria = criteria_of(version)
    scores = (
        {s.criterion_id: s for s in ItemScore.objects.filter(evaluation=ev)}
        if hooks.probed(ev, "assessments.scores") is not False  # the page asked: none yet
        else {}
    )
    derived = derived_points(ev, criteria)
    groups = []
    for group in CriterionGroup:
        items = []
        for c in criteria:
            if c.group != group.value:
                continue
            s = scores.get(c.pk)
            own = getattr(s, "self_score", None)
            points = derived.get(c.pk)
            items.append(
                {
                    "c": c,
                    # A blank self-score of a derived item shows the formula's points (they are what a save
                    # stores for it); what the subject typed, or a refused save's text, wins.
                    "self": posted.get(f"score-{c.pk}", _fmt(own))
                    if posted
                    else _fmt(own if own is not None else points),
                    "verified": _fmt(getattr(s, "verified_score", None)),
                    "decided": _fmt(getattr(s, "decided_score", None)),
                    "derived": _fmt(points),
                    "formula": c.formula_text,
                    "differs": {
                        stage: points is not None and value is not None and value != points
                        for stage, value in (
                            ("self", own),
                            ("verified", getattr(s, "verified_score", None)),
                            ("decided", getattr(s, "decided_score", None)),
                        )
                    },
                }
            )
        groups.append(
            {
                "group": group,
                "items": items,
                "max": sum(c.max_points for c in criteria if c.group == group.value),
            }
        )
    totals = {stage: stage_totals(criteria, scores, stage) for stage in ("self", "verified", "decided")}
    with_formula = [c for c in criteria if c.formula]
    register = _register_of(ev)
    tasks = [t for t, _name in register]
    counts = {value: 0 for value in TaskResult.values}
    for t in tasks:
        counts[t.result] = counts.get(t.result, 0) + 1
    editable = can_self_review(user, ev) and not ev.state_at_least(EvaluationState.REVIEWED)
    return {
        "ev": ev,
        "version": version,
        "appendix": appendix,
        "form_code": version.form_code,
        "form_title": version.form_title,
        "sections": sections,
        "groups": groups,
        "totals": totals,
        "band": _band(ev.cycle, ev, ev.score),
        "formula": {
            "items": len(with_formula),
            "derived": _fmt(sum(derived.values(), Decimal(0))) if derived else "",
            "citation": rules_formula.CITATION,
            "verified": rules_formula.VERIFIED,
            "fill_citation": rules_formula.FILL_CITATION,
            "fill_verified": rules_formula.FILL_VERIFIED,
        }
        if with_formula
        else None,
        "self_rating": posted.get("self_rating", ev.self_rating) if posted else ev.self_rating,
        "ratings": [
            (r.code, r.label)
            for r in (rules.Rating.HTXS, rules.Rating.HTT, rules.Rating.HT, rules.Rating.KHT)
        ],
        "tasks": [{"t": t, "has_evidence": name is not None, "evidence_name": name} for t, name in register],
        "task_counts": [(label, counts.get(value, 0)) for value, label in TaskResult.choices],
        "task_facts": task_facts(t.result for t in tasks),
        "task_keys": sorted(TASK_FACT_KEYS),
        "unconfirmed": sum(1 for t in tasks if not t.is_confirmed),
        "results": TaskResult.choices,
        "led_units": led_units_of(ev) if ev.subject_type == SubjectType.LEADER else [],
        "can": {
            "edit": editable,
            "tasks": can_self_review(user, ev) and ev.state != EvaluationState.DECIDED,
            "confirm": can_confirm_task(user, ev) and ev.state != EvaluationState.DECIDED,
            "verify": can_verify(user, ev)
            and ev.state_at_least(EvaluationState.SELF_REVIEWED)
            and ev.state != EvaluationState.DECIDED,
            "decide": can_decide(user, ev)
            and ev.state_at_least(EvaluationState.PROPOSED)
            and ev.state != EvaluationState.DECIDED,
            "led_units": can_propose(user, ev) and ev.subject_type == SubjectType.LEADER,
        },
        "posted": posted,
    }


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"
