"""Scoped reads of the follow-up: the evaluation panel, the upper committee's tracking, years in a row, reminders."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns import hooks
from kiemdiem.campaigns.hooks import Probe
from kiemdiem.campaigns.models import (
    Cycle,
    CycleState,
    Evaluation,
    EvaluationState,
    Order,
    OrderKind,
    SubjectType,
)
from kiemdiem.campaigns.permissions import can_propose, can_self_review
from kiemdiem.campaigns.queries import evaluations_visible_to
from kiemdiem.campaigns.review_forms import form_of, required_sections
from kiemdiem.followup import permissions as perms
from kiemdiem.followup import textcheck
from kiemdiem.followup.models import (
    BreakthroughResult,
    BreakthroughTask,
    DegradationConclusion,
    Notice,
    RemediationItem,
    RemediationStatus,
    ResponsibleBoard,
    SignRelation,
    Suggestion,
    SuggestionItem,
)
from kiemdiem.followup.signs import GROUPS, SIGNS, Sign
from kiemdiem.joined import JoinedRead
from kiemdiem.orgs.models import Unit
from kiemdiem.vietnamese import format_number, name_sort_key

REMIND_DAYS = 14
# Only yearly cycles count towards years in a row: a quarter's rating feeds the year's, it is not a year.
YEARLY = Q(cycle__quarter__isnull=True)


# -- The same subject across cycles ----------------------------------------------------------------------------------


def same_subject(ev: Evaluation) -> Q:
    """The same person in the same capacity, the same collective, or the same unit as the same kind of subject."""
    if ev.person_id:
        return Q(person_id=ev.person_id, subject_type=ev.subject_type)
    if ev.collective_id:
        return Q(collective_id=ev.collective_id)
    return Q(unit_id=ev.unit_id, subject_type=ev.subject_type, person__isnull=True, collective__isnull=True)


def previous_evaluation(ev: Evaluation) -> Evaluation | None:
    """The subject's evaluation of the year before (yearly cycles), the decided one first."""
    return (
        Evaluation.objects.filter(same_subject(ev), YEARLY, cycle__year=ev.cycle.year - 1)
        .select_related("cycle")
        .order_by(F("decided_on").desc(nulls_last=True), "-pk")
        .first()
    )


def rating_history(ev: Evaluation) -> list[tuple[int, str]]:
    """(year, decided rating) of the subject's yearly evaluations up to this cycle's year, newest first."""
    rows = (
        Evaluation.objects.filter(same_subject(ev), YEARLY, cycle__year__lte=ev.cycle.year)
        .exclude(decided_rating="")
        .order_by("-cycle__year", "-decided_on", "-pk")
        .values_list("cycle__year", "decided_rating")
    )
    seen: dict[int, str] = {}
    for year, rating in rows:
        seen.setdefault(year, rating)
    return sorted(seen.items(), reverse=True)


@dataclass(frozen=True)
class StreakFlag:
    code: str  # KHT_TWO_YEARS, HTXS_FIVE_YEARS
    message: str
    citation: str


def streak_flags(subject_type: str, history: list[tuple[int, str]], *, year: int) -> list[StreakFlag]:
    """Flags from the ratings of consecutive years ending this year or the year before."""
    if not history or history[0][0] < year - 1:
        return []
    last_year, rating = history[0]
    streak = 1
    for (y1, _r1), (y2, r2) in zip(history, history[1:], strict=False):
        if r2 != rating or y2 != y1 - 1:
            break
        streak += 1
    span = f"{last_year - streak + 1}–{last_year}"
    flags = []
    if rating == "KHT" and streak >= 2:
        if subject_type == SubjectType.PARTY_MEMBER:
            flags.append(
                StreakFlag(
                    "KHT_TWO_YEARS",
                    f"{streak} năm liền không hoàn thành nhiệm vụ ({span}): chi bộ phải giáo dục, giúp đỡ; "
                    "sau 12 tháng không tiến bộ thì xem xét đưa ra khỏi Đảng.",
                    "HD 02-HD/BTCTW (2021); Điều lệ Đảng",
                )
            )
        elif subject_type == SubjectType.LEADER:
            flags.append(
                StreakFlag(
                    "KHT_TWO_YEARS",
                    f"{streak} năm liên tiếp không hoàn thành nhiệm vụ ({span}): căn cứ xem xét cho thôi chức, "
                    "miễn nhiệm.",
                    "QĐ 41-QĐ/TW (2021)",
                )
            )
        else:
            flags.append(
                StreakFlag("KHT_TWO_YEARS", f"{streak} năm liền không hoàn thành nhiệm vụ ({span}).", "")
            )
    if rating == "HTXS" and streak >= 5:
        flags.append(
            StreakFlag(
                "HTXS_FIVE_YEARS",
                f"{streak} năm liền hoàn thành xuất sắc nhiệm vụ ({span}): đủ điều kiện đề nghị khen thưởng.",
                "HD 06-HD/TW (2025) tiểu mục 19.2",
            )
        )
    return flags


class RepeatedRating(TypedDict):
    """A person with the same rating in each of `years` years in a row (one row of repeated_ratings)."""

    person_id: int
    person__full_name: str
    subject_type: str
    years: int


def repeated_ratings(cycle: Cycle, unit: Unit) -> dict[str, list[RepeatedRating]]:
    """People under a unit with two years in a row at KHT, or five at HTXS: grouped SQL.

    Like the evaluation panel (`streak_flags`), a run may end in the cycle's year or, while this year is not decided
    yet, the year before.
    """
    base = Evaluation.objects.filter(YEARLY, unit__path__startswith=unit.path, person__isnull=False)

    def having(rating: str, years: int) -> list[RepeatedRating]:
        found: dict[tuple[int, str], RepeatedRating] = {}
        for last in (cycle.year, cycle.year - 1):
            for row in (
                base.filter(decided_rating=rating, cycle__year__gt=last - years, cycle__year__lte=last)
                .values("person_id", "person__full_name", "subject_type")
                .annotate(years=Count("cycle__year", distinct=True))
                .filter(years=years)
            ):
                found.setdefault((row["person_id"], row["subject_type"]), row)
        return sorted(found.values(), key=lambda r: name_sort_key(str(r["person__full_name"])))

    return {"kht_two": having("KHT", 2), "htxs_five": having("HTXS", 5)}


# -- The evaluation panel --------------------------------------------------------------------------------------------


def missing_answers(ev: Evaluation) -> list[str]:
    return missing_suggestion_answers(ev)


def missing_suggestion_answers(ev: Evaluation) -> list[str]:
    """What the self-review still has to answer, one line per point (the hook of do_save_self_review)."""
    rows = (
        SuggestionItem.objects.filter(suggestion__evaluation_id=ev.pk, answer="")
        .select_related("suggestion__issuing_unit")
        .order_by("suggestion_id", "number")
    )
    return [f"giải trình nội dung gợi ý số {i.number} của {i.suggestion.issuing_unit.name}" for i in rows]


def remediation_pct(previous: Evaluation) -> float | None:
    """Share of last period's items marked remedied (a partly remedied item is not remedied); None if none."""
    counts = RemediationItem.objects.filter(evaluation=previous).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=RemediationStatus.REMEDIED))
    )
    if not counts["total"]:
        return None
    return round(100 * counts["done"] / counts["total"], 1)


_UNREAD = object()


def text_warnings(user: User, ev: Evaluation, *, previous: object = _UNREAD) -> list[str]:
    """Warnings against a perfunctory review; peers' names only for those who may see the whole unit.

    `previous`: the subject's `previous_evaluation`, when the caller has read it."""
    if not ev.self_review:
        return []
    form = form_of(ev)  # Mẫu 05 in a quarter
    headings = dict(form.sections)
    required = [(k, headings[k]) for k in required_sections(form)]
    peers_qs = (
        Evaluation.objects.filter(cycle=ev.cycle, unit=ev.unit, subject_type=ev.subject_type)
        .exclude(pk=ev.pk)
        .exclude(self_review={})
        .values_list("person__full_name", "collective__name", "self_review")
    )
    peers = [(person or collective or "?", sections) for person, collective, sections in peers_qs]
    if previous is _UNREAD:
        previous = previous_evaluation(ev)
    last = previous.self_review if isinstance(previous, Evaluation) else None
    found = textcheck.check_self_review(
        sections=ev.self_review,
        required=required,
        peers=peers,
        last_year=last,
    )
    if can_propose(user, ev):
        return [w.message for w in found]
    # The subject sees that a near-copy exists, not whose review it resembles.
    return [
        "Bản kiểm điểm gần trùng với bản kiểm điểm khác trong cùng đơn vị."
        if w.code == "NEAR_COPY_PEER"
        else w.message
        for w in found
    ]


class SuggestionEntry(TypedDict):
    """One suggestion on the evaluation panel, with its points and whether the user may conclude it."""

    s: Suggestion
    items: list[SuggestionItem]
    can_conclude: bool


class SignEntry(TypedDict):
    """One sign of degradation on the evaluation panel, with the subject's recorded relation to it."""

    sign: Sign
    group: str
    relation: SignRelation | None


class FollowupPanel(TypedDict):
    """What the follow-up adds to an evaluation's page (the context entry `followup`; the API's FollowupOut)."""

    suggestions: list[SuggestionEntry]
    missing_answers: list[str]
    can_answer: bool
    can_issue: bool
    attendees: list[User]
    previous: Evaluation | None
    prev_items: list[RemediationItem]
    prev_pct: float | None
    fact_pct: object  # as stored in the evaluation's facts (JSON), compared with prev_pct
    pct_unsynced: bool
    can_assess: bool
    statuses: list[tuple[str, str]]
    plan: list[RemediationItem]
    can_plan: bool
    is_individual: bool
    signs: list[SignEntry]
    signs_related: int
    can_relate: bool
    conclusions: list[DegradationConclusion]
    can_conclude_degradation: bool
    is_province_cadre: bool
    tasks: list[BreakthroughTask]
    boards: list[tuple[str, str]]
    results: list[tuple[str, str]]
    can_breakthrough: bool
    history: list[tuple[int, str]]
    flags: list[StreakFlag]
    text_warnings: list[str]
    can_self_review: bool


def _same_subject_sql(ev: Evaluation, alias: str = "e") -> tuple[str, list[object]]:
    """`same_subject(ev)` as SQL over the evaluations' table under `alias`, and its parameters."""
    if ev.person_id:
        return f"{alias}.person_id = %s AND {alias}.subject_type = %s", [ev.person_id, ev.subject_type]
    if ev.collective_id:
        return f"{alias}.collective_id = %s", [ev.collective_id]
    return (
        f"{alias}.unit_id = %s AND {alias}.subject_type = %s AND {alias}.person_id IS NULL "
        f"AND {alias}.collective_id IS NULL",
        [ev.unit_id, ev.subject_type],
    )


# The subject's yearly evaluations with their cycles, in SQL written once per process (kiemdiem/joined.py).
_YEARS_READ: JoinedRead[Evaluation] = JoinedRead(Evaluation, ("cycle",))


def _subject_years(ev: Evaluation) -> tuple[Evaluation | None, list[tuple[int, str]]]:
    """`previous_evaluation` and `rating_history` of one subject, from one read of its yearly evaluations up to
    this cycle's year (a handful of rows: one a year), each with its cycle. Not compiled by the ORM: its compilation
    of this one query cost ~2 ms of the page's CPU, a raw read's making of the objects ~0.5 (issue 21); the rows
    are `same_subject`'s, `YEARLY`."""
    same, params = _same_subject_sql(ev, "t0")
    where = f"t1.quarter IS NULL AND t1.year <= %s AND {same}"  # t1: the cycle
    rows = [r for r, _ in _YEARS_READ.read(where, [ev.cycle.year, *params])]
    year = {r.pk: r.cycle.year for r in rows}
    # The orders of the two reads: the latest decision first (undecided last), then the newest row.
    newest = sorted(rows, key=lambda r: -r.pk)
    newest.sort(key=lambda r: (r.decided_on is None, -(r.decided_on.toordinal() if r.decided_on else 0)))
    previous = next((r for r in newest if year[r.pk] == ev.cycle.year - 1), None)
    seen: dict[int, str] = {}
    for r in sorted(newest, key=lambda r: -year[r.pk]):  # a stable sort: each year's latest decision first
        if r.decided_rating:
            seen.setdefault(year[r.pk], r.decided_rating)
    return previous, sorted(seen.items(), reverse=True)


def _rows_of(model: type, pk: int) -> Probe:
    return (f"SELECT 1 FROM {model._meta.db_table} WHERE evaluation_id = %s", [pk])  # type: ignore[attr-defined]


def evaluation_probe(ev: Evaluation) -> dict[str, Probe]:
    """`campaigns.hooks` probes of the panel's lists: which have rows (the page asks them with its own, at once).

    Last year's plan is asked of every yearly evaluation of the subject the year before (`same_subject`): a superset
    of `previous_evaluation`'s, so a "no" is sure and a "yes" reads the items."""
    t = {m: m._meta.db_table for m in (Evaluation, Cycle, RemediationItem)}
    same, params = _same_subject_sql(ev)
    last_year = (
        f"SELECT 1 FROM {t[RemediationItem]} i JOIN {t[Evaluation]} e ON e.id = i.evaluation_id "
        f"JOIN {t[Cycle]} c ON c.id = e.cycle_id WHERE c.year = %s AND c.quarter IS NULL AND {same}"
    )
    return {
        "followup.suggestions": _rows_of(Suggestion, ev.pk),
        "followup.plan": _rows_of(RemediationItem, ev.pk),
        "followup.last_year_items": (last_year, [ev.cycle.year - 1, *params]),
        "followup.signs": _rows_of(SignRelation, ev.pk),
        "followup.conclusions": _rows_of(DegradationConclusion, ev.pk),
        "followup.tasks": _rows_of(BreakthroughTask, ev.pk),
    }


def _present(ev: Evaluation, previous: Evaluation | None) -> dict[str, bool]:
    """Which of the panel's lists have rows: as the page probed them (`evaluation_probe`), else in one query."""
    if hooks.probed(ev, "followup.suggestions") is None:
        found = hooks.ask(evaluation_probe(ev))
    else:
        found = {name: bool(hooks.probed(ev, name)) for name in evaluation_probe(ev)}
    present = {name.removeprefix("followup."): value for name, value in found.items()}
    present["prev_items"] = previous is not None and present.pop("last_year_items")
    return present


def panel_for(user: User, ev: Evaluation) -> FollowupPanel:
    """Everything the follow-up adds to an evaluation's page, as one context entry."""
    previous, history = _subject_years(ev)
    present = _present(ev, previous)
    suggestions = (
        list(
            Suggestion.objects.filter(evaluation=ev)
            .select_related("issuing_unit", "attendee", "issued_by", "concluded_by")
            .prefetch_related("items")
        )
        if present["suggestions"]
        else []
    )
    items: list[RemediationItem] = []
    if present["plan"] or present["prev_items"]:
        items = list(
            RemediationItem.objects.filter(
                evaluation_id__in=[ev.pk, *([previous.pk] if previous is not None else [])]
            ).select_related("assessed_in__cycle")
        )
    prev_items = [i for i in items if previous is not None and i.evaluation_id == previous.pk]
    # remediation_pct(previous), from the items read: remedied (not partly) of all, in %.
    prev_pct = (
        round(100 * sum(1 for i in prev_items if i.status == RemediationStatus.REMEDIED) / len(prev_items), 1)
        if prev_items
        else None
    )
    fact_pct = (ev.facts or {}).get("remediation_pct")
    relations = {r.code: r for r in SignRelation.objects.filter(evaluation=ev)} if present["signs"] else {}
    is_individual = ev.subject_type in perms.INDIVIDUAL_TYPES
    signs: list[SignEntry] = (
        [{"sign": s, "group": GROUPS[s.group], "relation": relations.get(s.code)} for s in SIGNS]
        if is_individual
        else []
    )
    tasks = (
        list(BreakthroughTask.objects.filter(evaluation=ev).select_related("evaluated_by"))
        if present["tasks"]
        else []
    )
    can_upper = can_propose(user, ev)
    return {
        "suggestions": [
            {"s": s, "items": list(s.items.all()), "can_conclude": perms.can_conclude_suggestion(user, s)}
            for s in suggestions
        ],
        "missing_answers": missing_answers(ev) if suggestions else [],
        "can_answer": perms.can_answer(user, ev),
        "can_issue": perms.can_issue_suggestion(user, ev) and not ev.state_at_least(EvaluationState.REVIEWED),
        "attendees": _attendee_choices(ev) if perms.can_issue_suggestion(user, ev) else [],
        "previous": previous,
        "prev_items": prev_items,
        "prev_pct": prev_pct,
        "fact_pct": fact_pct,
        "pct_unsynced": prev_pct is not None and fact_pct != prev_pct,
        "can_assess": bool(prev_items) and perms.can_assess(user, ev),
        "statuses": [(v, label) for v, label in RemediationStatus.choices if v != RemediationStatus.PENDING],
        "plan": [i for i in items if i.evaluation_id == ev.pk],
        "can_plan": perms.can_plan(user, ev) and ev.state == EvaluationState.DECIDED,
        "is_individual": is_individual,
        "signs": signs,
        "signs_related": len(relations),
        "can_relate": perms.can_relate_signs(user, ev),
        "conclusions": list(DegradationConclusion.objects.filter(evaluation=ev))
        if present["conclusions"]
        else [],
        "can_conclude_degradation": can_upper,
        "is_province_cadre": perms.is_province_cadre(ev),
        "tasks": tasks,
        "boards": ResponsibleBoard.choices,
        "results": [(v, label) for v, label in BreakthroughResult.choices if v],
        "can_breakthrough": perms.is_province_cadre(ev) and perms.can_manage_breakthrough(user, ev),
        "history": history,
        "flags": streak_flags(ev.subject_type, history, year=ev.cycle.year),
        "text_warnings": text_warnings(user, ev, previous=previous),
        "can_self_review": can_self_review(user, ev),
    }


def _attendee_choices(ev: Evaluation) -> list[User]:
    """Standing-committee members assigned to a unit that covers the subject's unit."""
    ids = [*ev.unit.ancestor_ids, ev.unit_id]
    users = User.objects.filter(
        role=UserRole.STANDING_MEMBER, is_active=True, assigned_units__in=ids
    ).distinct()
    # A handful of people: the roster's Vietnamese order (given name first, Đ after D) in Python.
    return sorted(users, key=lambda u: (name_sort_key(u.get_full_name()), u.username))


# -- The upper committee's tracking ----------------------------------------------------------------------------------


class Tracking(TypedDict):
    """The upper committee's follow-up of a subtree for one cycle (the tracking page; the API's TrackingOut)."""

    by_status: list[tuple[str, int]]
    item_total: int
    overdue: list[RemediationItem]
    suggestions: list[Suggestion]
    rereviews: list[Order]
    repeated: dict[str, list[RepeatedRating]]
    copies: list[tuple[int, str | None, int, str | None, float]]


def tracking(user: User, cycle: Cycle, unit: Unit, *, today: datetime.date | None = None) -> Tracking:
    """Plans, suggestions, pending re-reviews and years-in-a-row flags under a unit, for one cycle."""
    today = today or timezone.localdate()
    evals = evaluations_visible_to(user).filter(cycle=cycle, unit__path__startswith=unit.path)
    items = RemediationItem.objects.filter(evaluation__in=evals)
    by_status = dict(items.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    overdue = (
        items.filter(status=RemediationStatus.PENDING, due_on__lt=today)
        .select_related("evaluation__person", "evaluation__collective", "evaluation__unit")
        .order_by("due_on", "pk")[:100]
    )
    suggestions = (
        Suggestion.objects.filter(evaluation__in=evals)
        .select_related("evaluation__person", "evaluation__collective", "evaluation__unit", "attendee")
        .annotate(
            total=Count("items"),
            answered=Count("items", filter=~Q(items__answer="")),
        )
        .order_by("issued_on", "pk")
    )
    rereviews = (
        Order.objects.filter(evaluation__in=evals, kind=OrderKind.REREVIEW, resolved_at__isnull=True)
        .select_related("evaluation__person", "evaluation__collective", "evaluation__unit", "ordered_by")
        .order_by("ordered_at")
    )
    own_texts = dict(
        Evaluation.objects.filter(cycle=cycle, unit=unit, subject_type=SubjectType.PARTY_MEMBER)
        .exclude(self_review={})
        .values_list("pk", "self_review")[:500]
    )
    pairs = textcheck.near_copy_pairs({pk: textcheck.joined(s) for pk, s in own_texts.items()})
    names = dict(
        Evaluation.objects.filter(pk__in={p for a, b, _ in pairs for p in (a, b)}).values_list(
            "pk", "person__full_name"
        )
    )
    return {
        "by_status": [(label, by_status.get(value, 0)) for value, label in RemediationStatus.choices],
        "item_total": sum(by_status.values()),
        "overdue": list(overdue),
        "suggestions": list(suggestions),
        "rereviews": list(rereviews),
        "repeated": repeated_ratings(cycle, unit),
        "copies": [(a, names.get(a), b, names.get(b), score) for a, b, score in pairs[:50]],
    }


def breakthrough_summary(user: User, cycle: Cycle, *, board: str = "") -> dict[str, object]:
    """Each responsible body's tasks by result (CV 854 mục 2(7)), and the tasks of one body."""
    tasks = BreakthroughTask.objects.filter(evaluation__in=evaluations_visible_to(user).filter(cycle=cycle))
    counts: dict[str, dict[str, int]] = {}
    for row in tasks.values("board", "result").annotate(n=Count("pk")):
        counts.setdefault(row["board"], {})[row["result"]] = row["n"]
    rows = [
        {
            "board": value,
            "label": label,
            "total": sum(counts.get(value, {}).values()),
            "results": [counts.get(value, {}).get(r, 0) for r, _ in BreakthroughResult.choices],
        }
        for value, label in ResponsibleBoard.choices
    ]
    listed = (
        tasks.filter(board=board)
        .select_related("evaluation__person", "evaluation__unit")
        .order_by("evaluation__unit__path")
        if board in ResponsibleBoard.values
        else tasks.none()
    )
    return {
        "rows": rows,
        "result_labels": [label for _, label in BreakthroughResult.choices],
        "tasks": list(listed),
    }


# -- Reminders -------------------------------------------------------------------------------------------------------


def notices_for(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user)


class Reminder(TypedDict):
    """A deadline coming up for a user (one row of reminders_for)."""

    text: str
    due_on: datetime.date
    overdue: bool
    url: str


def reminders_for(user: User, *, today: datetime.date | None = None) -> list[Reminder]:
    """The deadlines coming up for a user, computed now: each says what is still open before it."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=REMIND_DAYS)
    found: list[Reminder] = []

    def add(text: str, due: datetime.date, url: str = "") -> None:
        found.append({"text": text, "due_on": due, "overdue": due < today, "url": url})

    if user.person_id:
        own = Evaluation.objects.filter(
            person_id=user.person_id, cycle__state=CycleState.OPEN, state=EvaluationState.DRAFT
        ).select_related("cycle", "unit", "leader_collective")
        for ev in own.filter(cycle__review_deadline__lte=horizon):
            add(
                f"Bản tự kiểm điểm {ev.cycle.period} của đồng chí (với tư cách {ev.capacity}) chưa nộp.",
                ev.cycle.review_deadline,
                reverse("evaluation", args=[ev.pk]),
            )
    scoped = evaluations_visible_to(user).filter(cycle__state=CycleState.OPEN)
    if user.role in perms.UPPER_ROLES | {UserRole.CELL_SECRETARY} or user.is_superuser:
        rows = (
            scoped.filter(cycle__review_deadline__lte=horizon)
            .exclude(state=EvaluationState.DECIDED)
            .exclude(not_rated_reason__gt="")
            .values("cycle_id", "cycle__year", "cycle__review_deadline")
            .annotate(n=Count("pk"))
            .order_by("cycle__review_deadline")
        )
        for row in rows:
            add(
                f"Hạn hoàn thành kiểm điểm năm {row['cycle__year']}: còn {format_number(row['n'])} đối tượng chưa có quyết định xếp loại.",
                row["cycle__review_deadline"],
                reverse("cycle", args=[row["cycle_id"]]),
            )
    if user.role in perms.UPPER_ROLES or user.is_superuser:
        for cycle in Cycle.objects.filter(pk__in=scoped.values("cycle_id")).order_by("year"):
            if (
                cycle.dossier_deadline
                and today - datetime.timedelta(days=7) <= cycle.dossier_deadline <= horizon
            ):
                add(
                    f"Hạn gửi hồ sơ đánh giá cán bộ năm {cycle.year}.",
                    cycle.dossier_deadline,
                    reverse("cycle", args=[cycle.pk]),
                )
            if today - datetime.timedelta(days=7) <= cycle.report_deadline <= horizon:
                add(
                    f"Hạn báo cáo kết quả kiểm điểm năm {cycle.year}.",
                    cycle.report_deadline,
                    reverse("cycle", args=[cycle.pk]),
                )
    own_items = Q(evaluation__person_id=user.person_id) if user.person_id else Q(pk__in=[])
    item_scope = RemediationItem.objects.filter(
        own_items | Q(evaluation__in=evaluations_visible_to(user))
        if user.role != UserRole.MEMBER
        else own_items,
        status=RemediationStatus.PENDING,
        due_on__lte=horizon,
    )
    for due_row in item_scope.values("due_on").annotate(n=Count("pk")).order_by("due_on")[:20]:
        add(f"{format_number(due_row['n'])} nội dung kế hoạch khắc phục đến hạn.", due_row["due_on"])
    if user.role == UserRole.STANDING_MEMBER:
        for s in Suggestion.objects.filter(attendee=user, conclusion="").select_related(
            "evaluation__cycle", "evaluation__person", "evaluation__collective", "evaluation__unit"
        ):
            add(
                f"Chưa ghi kết luận buổi kiểm điểm của {s.evaluation.subject_name} (được gợi ý kiểm điểm).",
                s.evaluation.cycle.review_deadline,
                reverse("evaluation", args=[s.evaluation_id]),
            )
    found.sort(key=lambda r: r["due_on"])
    return found
