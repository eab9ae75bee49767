"""Pages of the campaign: a unit's rating page, an evaluation, and the progress against the deadlines."""

from __future__ import annotations

import datetime
import hashlib
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Iterable
from typing import NamedTuple, TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models.base import ModelState
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # in Django, not in its stubs
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem import rules
from kiemdiem.accounts.http import AuthenticatedHttpRequest
from kiemdiem.accounts.models import User
from kiemdiem.campaigns import actions, hooks, quarterly
from kiemdiem.campaigns.actions import ActionError
from kiemdiem.campaigns.compliance import (
    Compliance,
    PageStamps,
    check_apart,
    frame_part,
    group_stamps,
    names_part,
    page_stamps,
    quota_plans,
    with_group_quotas,
)
from kiemdiem.campaigns.models import (
    FACT_FIELDS,
    AuditRecord,
    Cycle,
    Evaluation,
    EvaluationState,
    Order,
    OrderKind,
    QuotaGroup,
    RatingLevel,
    SubjectType,
)
from kiemdiem.campaigns.permissions import (
    can_decide,
    can_order,
    can_propose,
    can_self_review,
    can_verify,
    deciding_unit_for,
    require,
)
from kiemdiem.campaigns.queries import (
    evaluations_visible_to,
    get_cycle_and_unit_for_user,
    get_evaluation_for_user,
    prerequisites_for,
    progress_by_child,
)
from kiemdiem.campaigns.review_forms import GRADES, form_of
from kiemdiem.fragments import esc, shown
from kiemdiem.joined import JoinedRead, converters_of
from kiemdiem.orgs.models import Unit
from kiemdiem.orgs.queries import (
    period_end,
    scope_roots,
    show_names_as_of,
    visible_ancestors,
)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        # A tampered version must not silently switch off the lost-update check.
        raise ActionError("Phiên bản của biểu mẫu không hợp lệ; đề nghị tải lại trang rồi nhập lại.")
    return int(raw) if raw else None


def _report(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, str(exc))


@require_GET
@login_required
def rating_page(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Every subject of one unit with its rating, the findings next to it, and a quota meter per group."""
    cycle, unit = get_cycle_and_unit_for_user(request.user, cycle_pk, unit_pk)
    return render(request, "campaigns/rating_page.html", _rating_context(request, cycle, unit, posted={}))


def _period_names(cycle: Cycle, units: Iterable[Unit]) -> None:
    """A cycle's pages name units as they were named in its period (a rename since keeps the old name here)."""
    show_names_as_of(units, period_end(cycle.year, cycle.quarter))


# How long a rendered table may be served. The key holds the data version of everything the page shows or its rules
# read (`page_stamps`: the unit's rows, their quota groups' peers, what a ceiling links them to, the subtree below
# for the children's progress, the deadlines), so a write there through the actions shows at once and a save in
# another cell's group leaves the page cached; the time bounds only what no action writes (a standing member's
# assigned units). The rows' people's names are in the key (a renamed person stamps no evaluation).
TABLES_SECONDS = 60


def _rating_version(cycle: Cycle, stamps: PageStamps) -> str:
    """One string for the data version of the page: `page_stamps` (one query), and the cycle's own fields."""
    groups = ",".join(f"{pk}={stamp}" for pk, stamp in sorted(stamps.groups.items()))
    own = f"{cycle.state}:{cycle.regime}:{cycle.review_deadline}:{cycle.dossier_deadline}:{cycle.report_deadline}"
    whole = f"{own}|{stamps.own}|{groups}"
    return hashlib.sha1(whole.encode(), usedforsecurity=False).hexdigest()


def _who(user) -> str:
    """What the controls of a rating page depend on of its user: per user, as the page is kept."""
    return f"{user.pk}:{user.role}:{user.unit_id}:{int(user.is_superuser)}"


def _rating_context(
    request: AuthenticatedHttpRequest, cycle, unit, *, posted: dict[str, str]
) -> dict[str, object]:
    user = request.user
    # The key's query also reads the unit's name in the cycle's period and, for a page not redrawn from a form, its
    # meeting line: a cached page reads nothing else of the database.
    stamps = page_stamps(cycle, unit, named_on=period_end(cycle.year, cycle.quarter), meeting=not posted)
    # Per user: the controls are theirs. No CSRF token and no message is inside the tables.
    today = timezone.localdate()  # the children's "late" flags
    version = _rating_version(cycle, stamps)
    key = f"rating-tables:{cycle.pk}:{unit.pk}:{unit.path}:{version}:{today}:{_who(user)}"
    tables = cache.get(key)
    if tables is None:
        tables = _rating_tables(user, cycle, unit, stamps)
        tables["ancestors"], tables["children"] = _frame(user, cycle, unit, stamps, today)
        # Kept even when drawn for a refused form: the secretary's next page is this one.
        cache.set(key, tables, TABLES_SECONDS)
    if posted:
        # A refused form comes back with what was entered: its members' table is drawn again with the values typed
        # (each row not typed over is one kept under what it shows, `_members_html`), never kept as the page's.
        tables = _rating_tables(user, cycle, unit, stamps, drawn=tables, posted=posted)
    if stamps.name is not None:  # `_period_names`, read with the key
        unit.name = stamps.name
    return {
        "cycle": cycle,
        "unit": unit,
        "ancestors": tables["ancestors"],
        "tables": tables,
        "children": tables["children"],
        # The meeting's attendance as last recorded for this cell: the secretary confirms it, not retypes it.
        "attendees": posted.get("attendees", "") if posted else tables.get("attendees", ""),
        "can_decide_members": tables.get("can_decide_members", False),
        "comments": posted.get("comments", ""),
        "meeting": _meeting_fields(cycle, unit, posted, stamps.meeting),
    }


def _frame(user, cycle, unit, stamps: PageStamps, today: datetime.date) -> tuple[list[Unit], list[dict]]:
    """The page's breadcrumbs (the user's and the unit's place in the tree are in the key) and the children's progress
    (`frame_part`: the subtree below and the deadlines): they read neither the unit's own rows nor the quota groups'
    counts, so they are kept apart from the page, and neither a save in another cell of the group nor the unit's
    own save (a new page key) reads them again."""
    version = _rating_version(cycle, PageStamps(frame_part(stamps.own), {}))
    key = f"rating-frame:{cycle.pk}:{unit.pk}:{unit.path}:{version}:{today}:{_who(user)}"
    frame = cache.get(key)
    if frame is None:
        ancestors = visible_ancestors(user, unit)
        children = progress_by_child(cycle, unit)
        _period_names(cycle, [*ancestors, *(row["unit"] for row in children)])
        frame = (ancestors, children)
        cache.set(key, frame, TABLES_SECONDS)
    return frame


def _options(selected: str) -> str:
    """The <option>s of a member's rating, as the template wrote them; one string per selected value."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (code, " selected" if code and code == selected else "", code or "—")
            for code in ["", *RatingLevel.values]
        ),
    )


class _MemberRow(TypedDict):
    """One party member's row of the rating page's bulk form."""

    ev: Evaluation
    name: str
    url: str
    state: str
    findings: list[tuple[rules.Finding, str]]
    editable: bool
    rating: str  # the level selected: as posted, or as proposed
    options: str
    votes: str  # as posted, or as recorded in the evaluation's votes; as the input shows it


# A members' row kept as HTML under everything it shows (`_members_html`): the same TTL bounds what no write moves.
ROW_SECONDS = TABLES_SECONDS


def _members_html(cycle, unit, user, members: list[_MemberRow], bulk: bool) -> str:
    """The members' table, each row kept under what it shows and whose page it is (the cycle, unit and user, as the
    page): the row's version and last change, name, state, levels, findings, controls and the values in them. After a
    save of 1–3 rows, or a refused form that typed over a few, only those rows are drawn again."""
    who = _who(user)
    keys = []
    for m in members:
        ev = m["ev"]
        shown = (
            ev.pk,
            ev.version,
            ev.updated_at,
            m["name"],
            m["state"],
            ev.self_rating,
            ev.proposed_rating,
            ev.decided_rating,
            ev.not_rated_reason,
            [(f.code, f.subjects, text, f.citation, f.verified) for f, text in m["findings"]],
            m["editable"],
            m["rating"],
            m["votes"],
            bulk,
        )
        digest = hashlib.sha1(repr(shown).encode(), usedforsecurity=False).hexdigest()
        keys.append(f"rating-row:{cycle.pk}:{unit.pk}:{unit.path}:{who}:{digest}")
    kept = cache.get_many(keys)
    drawn: dict[str, str] = {}
    options: dict[str, str] = {}
    html = []
    template = None
    for key, m in zip(keys, members, strict=True):
        row = kept.get(key)
        if row is None:
            if template is None:
                template = get_template("campaigns/rating_page.html#member_row")
            m["url"] = reverse("evaluation", args=[m["ev"].pk])
            if m["rating"] not in options:
                options[m["rating"]] = _options(m["rating"])
            m["options"] = options[m["rating"]]
            row = drawn[key] = template.render({"r": m, "bulk": bulk})
        html.append(row)
    if drawn:
        cache.set_many(drawn, ROW_SECONDS)
    context = {"rows": mark_safe("\n  ".join(html)), "bulk": bulk}  # noqa: S308  # rows drawn by the template
    return render_to_string("campaigns/rating_page.html#members", context)


class _KeptRows(NamedTuple):
    version: str  # the unit's part of the page key it was read for
    read_at: float  # when its rows were read whole (`TABLES_SECONDS` bounds what no write moves)
    seen: dict[int, datetime.datetime]  # each row's last change as read
    own: list[Evaluation]
    apart: Compliance
    names: str  # the people's names' part of the key (`names_part`)


# A unit's rows and the rules over them, kept in this process as objects (a cache pickles them: 1,200 objects for
# a cell of 300, 20–40 ms to store and to load) and never changed once kept: every request only reads them. At most
# `_KEPT_UNITS` units, the least recently used dropped. Django's `cache.clear()` drops them too (`_kept_token`).
_KEPT: OrderedDict[str, _KeptRows] = OrderedDict()
_KEPT_LOCK = threading.Lock()
_KEPT_UNITS = 500
# A unit of up to this many rows is read whole when its part moved (one query), a bigger one row by row (two).
_READ_WHOLE = 30


def _kept_token() -> str:
    """A token kept in Django's cache: the kept rows hang under it, so clearing the cache forgets them."""
    token = cache.get("rating-rows-token")
    if token is None:
        token = uuid.uuid4().hex
        cache.set("rating-rows-token", token, None)
    return token


# A unit's rows with what the page shows of them, in SQL written once per process (kiemdiem/joined.py): the ORM
# compiled the query again on every page after a save, a third of that page's CPU (issue 21).
_OWN_READ: JoinedRead[Evaluation] = JoinedRead(Evaluation, ("person", "collective", "unit", "quota_group"))


def _read_own(cycle, unit, ids: list[int] | None = None) -> list[Evaluation]:
    """The unit's evaluations (only `ids`, when given) in the model's order, their person, collective, unit and quota
    group with them: the objects `Evaluation.objects.filter(…).select_related(…)` makes."""
    where, params = "t0.cycle_id = %s AND t0.unit_id = %s", [cycle.pk, unit.pk]
    if ids is not None:
        if not ids:
            return []
        where += f" AND t0.id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    return [ev for ev, _ in _OWN_READ.read(f"{where} ORDER BY t0.subject_type, t0.id", params)]


def _kept_rows(cycle, unit) -> tuple[str, _KeptRows | None]:
    key = f"{_kept_token()}:{cycle.pk}:{unit.pk}:{unit.path}"
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
    if kept is not None and time.monotonic() - kept.read_at >= TABLES_SECONDS:
        kept = None
    return key, kept


def _last_changes(cycle, unit) -> dict[int, datetime.datetime]:
    """Each of the unit's rows' last change, by plain SQL: the ORM compiled it again on every save (issue 21)."""
    table = Evaluation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, updated_at FROM {table} WHERE cycle_id = %s AND unit_id = %s", [cycle.pk, unit.pk]
        )
        rows = cursor.fetchall()
    # SQLite's text of a time made a datetime, as the ORM makes it
    col, converters = converters_of(Evaluation._meta.get_field("updated_at"), connection)
    found = {}
    for pk, at in rows:
        for convert in converters:
            at = convert(at, col, connection)
        found[pk] = at
    return found


def _refreshed(
    cycle, unit, kept: _KeptRows
) -> tuple[list[Evaluation], dict[int, datetime.datetime], list[Evaluation]]:
    """The unit's rows as they are now: the kept objects whose last change has not moved (one query of the rows'
    ids and last changes), the others read again (returned apart too), a row gone left out; and each one's last
    change as read."""
    seen = _last_changes(cycle, unit)
    moved = sorted(pk for pk, at in seen.items() if kept.seen.get(pk) != at)
    fresh = _read_own(cycle, unit, moved) if moved else []
    by_pk = {ev.pk: ev for ev in kept.own if ev.pk in seen}
    by_pk.update((ev.pk, ev) for ev in fresh)
    seen.update((ev.pk, ev.updated_at) for ev in fresh)  # as read: a write in between is seen next time
    return list(by_pk.values()), seen, fresh


def _rows_now(cycle, unit) -> list[Evaluation]:
    """The unit's evaluations as they are now, with their person, collective, unit and quota group: the rows kept
    for its page where their last change has not moved, else read. Copies (`_copy_of`): the caller may change them."""
    _, kept = _kept_rows(cycle, unit)
    own = _read_own(cycle, unit) if kept is None else _refreshed(cycle, unit, kept)[0]
    return [_copy_of(ev) for ev in own] if kept is not None else own


def _copy_of(ev: Evaluation) -> Evaluation:
    """A kept row to change: its own fields and relations' cache, the related objects shared (read, not changed)."""
    copy = Evaluation.__new__(Evaluation)
    copy.__dict__.update(ev.__dict__)
    copy._state = ModelState()
    copy._state.db, copy._state.adding = ev._state.db, False
    copy._state.fields_cache = dict(ev._state.fields_cache)
    return copy


def _own_rows(cycle, unit, stamps: PageStamps) -> tuple[list[Evaluation], Compliance]:
    """The unit's evaluations in the page's order and the rules over them and their links, quota groups apart
    (`check_apart`): kept for every user under what they read (`PageStamps.own`), so a save in another cell of the
    group redraws the page from them and the group's new count, without reading or checking them again.

    When the unit's part moved (its own save), a unit of more than `_READ_WHOLE` rows reads again only the rows
    whose last change moved (one query of the rows' ids and last changes, one of those rows); the rules run again
    over them all (a row's change may bring a finding to another: its collective, its organisation)."""
    version = _rating_version(cycle, PageStamps(stamps.own, {}))
    key, kept = _kept_rows(cycle, unit)
    if kept is not None and kept.version == version:
        return kept.own, kept.apart
    if kept is not None and kept.names != names_part(stamps.own):
        kept = None  # a person renamed: the rows' last changes did not move, their people are read again
    if kept is None or len(kept.own) <= _READ_WHOLE:
        own = _read_own(cycle, unit)
        seen = {ev.pk: ev.updated_at for ev in own}
        read_at = time.monotonic()
        # Every row's unit is this one: named as of the cycle's period, as read with the page's key.
        if stamps.name is not None:
            for ev in own:
                ev.unit.name = stamps.name
    else:
        own, seen, fresh = _refreshed(cycle, unit, kept)
        read_at = kept.read_at
        # every row's unit is this one, named as of the cycle's period when read whole
        named = kept.own[0].unit
        for ev in fresh:
            ev.unit = named
    own.sort(key=lambda ev: (_type_rank(ev), ev.role != "head", ev.subject_sort_key, ev.pk))
    apart = check_apart(cycle, own)
    with _KEPT_LOCK:
        _KEPT[key] = _KeptRows(version, read_at, seen, own, apart, names_part(stamps.own))
        _KEPT.move_to_end(key)
        while len(_KEPT) > _KEPT_UNITS:
            _KEPT.popitem(last=False)
    return own, apart


def _rating_tables(
    user,
    cycle,
    unit,
    stamps: PageStamps,
    *,
    drawn: dict[str, object] | None = None,
    posted: dict[str, str] | None = None,
) -> dict[str, object]:
    """The page's tables as HTML: the unit's subjects, their findings (the rules over what they read), meters.

    `drawn`: the page's tables as kept for these stamps; only the members' table is drawn again (with what was
    `posted`), the rest of them is the page's."""
    own, apart = _own_rows(cycle, unit, stamps)
    compliance = with_group_quotas(cycle, apart, stamps.groups, [ev.pk for ev in own])
    if drawn is not None:
        members = _member_rows(user, own, compliance, posted or {}, allowed=bool(drawn["bulk"]))
        html = _members_html(cycle, unit, user, members, bool(drawn["bulk"])) if members else ""
        return {**drawn, "members": html}
    # The members' table reads the unit's rows, the user's rights and each row's findings, not its quota groups'
    # counts: a save in another cell of the group (every save of a district whose cells share one group) draws the
    # meters again and serves this table from the cache, unless a finding on one of its rows changed (a group pushed
    # over its cap names its HTXS). Per user, as the page (the controls are theirs).
    seen = repr([(ev.pk, compliance.by_subject.get(ev.pk, ())) for ev in own])
    digest = hashlib.sha1(seen.encode(), usedforsecurity=False).hexdigest()
    version = _rating_version(cycle, PageStamps(stamps.own, {}))
    members_key = f"rating-members:{cycle.pk}:{unit.pk}:{unit.path}:{version}:{_who(user)}:{digest}"
    kept = cache.get(members_key)
    if kept is not None:
        return {**kept, "head": _rating_head(cycle, unit, own, compliance, kept)}
    # Every row is of this one unit: the permission is the same for all of them.
    allowed = bool(own) and can_propose(user, own[0])
    rows = [
        {"ev": ev, "findings": [(f, compliance.message(f)) for f in compliance.by_subject.get(ev.pk, [])]}
        for ev in own
        if ev.subject_type != SubjectType.PARTY_MEMBER
    ]
    members = _member_rows(user, own, compliance, {}, allowed=allowed)
    context = {
        "members": members,
        "bulk": allowed and bool(members),
        "preview_url": reverse("quota_preview", args=[cycle.pk, unit.pk]) if allowed and members else "",
    }
    attendance = Counter(
        (m["ev"].votes or {}).get("attendees") for m in members if (m["ev"].votes or {}).get("attendees")
    )
    tables = {
        "attendees": attendance.most_common(1)[0][0] if attendance else "",
        "can_decide_members": bool(members) and can_decide(user, members[0]["ev"]),
        "preview_url": context["preview_url"],
        "members": _members_html(cycle, unit, user, members, allowed) if members else "",
        "has_members": bool(members),
        "bulk": context["bulk"],
        "rows": rows,
    }
    cache.set(members_key, tables, TABLES_SECONDS)
    return {**tables, "head": _rating_head(cycle, unit, own, compliance, tables)}


def _member_rows(
    user, own: list[Evaluation], compliance: Compliance, posted: dict[str, str], *, allowed: bool
) -> list[_MemberRow]:
    """The members' rows of the page, with what a refused form `posted` in place of what is saved."""
    members: list[_MemberRow] = []
    for ev in own:
        if ev.subject_type != SubjectType.PARTY_MEMBER:
            continue
        # A refused bulk form comes back with what the secretary entered, not with the old values.
        rating = posted.get(f"rating-{ev.pk}", ev.proposed_rating) if posted else ev.proposed_rating
        votes = posted.get(f"votes-{ev.pk}", "") if posted else (ev.votes or {}).get("in_favour", "")
        members.append(
            {
                "ev": ev,
                "name": ev.subject_name,
                "url": "",  # drawn rows only (`_members_html`)
                "state": ev.get_state_display(),
                "findings": [(f, compliance.message(f)) for f in compliance.by_subject.get(ev.pk, [])],
                "editable": allowed
                and ev.state not in (EvaluationState.DECIDED, EvaluationState.DRAFT)
                and not ev.not_rated_reason,
                "rating": rating,
                "options": "",
                "votes": str(votes) if votes else "",  # as the input showed it (`|default:''`)
            }
        )
    return members


def _rating_head(
    cycle, unit, own: list[Evaluation], compliance: Compliance, tables: dict[str, object]
) -> str:
    """The meters of the unit's quota groups, the count of findings and the table of its other subjects."""
    group_codes = {ev.quota_group.code: ev.quota_group for ev in own if ev.quota_group is not None}
    context = {
        "rows": tables["rows"],
        "meters": _meters(cycle, group_codes, compliance.result.quota_groups),
        "finding_count": sum(len(compliance.by_subject.get(ev.pk, ())) for ev in own),
    }
    return render_to_string("campaigns/rating_page.html#head", context)


def _meters(
    cycle, groups: dict[str, QuotaGroup], plans: dict[str, rules.QuotaPlan]
) -> list[dict[str, object]]:
    return [
        {"group": group, "plan": plans[code], "message": meter_message(cycle, group, plans[code])}
        for code, group in sorted(groups.items())
        if code in plans
    ]


def meter_message(cycle, group: QuotaGroup, plan: rules.QuotaPlan) -> str:
    """What the meter says, true before anyone is proposed: the planner's message once there is a pool."""
    if plan.excellent == 0 and plan.good == 0:
        return "chưa có ai được đề xuất HTT"
    if plan.excellent == 0 and plan.max_excellent == 0:
        regime = rules.regime_for_year(cycle.year)
        exception = group.has_exception and bool(regime.has("quota_exception_ratio_pct"))
        need = next(
            (
                n
                for n in range(plan.good + 1, plan.good + 200)
                if rules.plan_quota(excellent=0, good=n, exception=exception, regime=regime).max_excellent
            ),
            None,
        )
        if need is not None:
            return f"chưa có suất HTXS: {plan.good} HTT, cần từ {need} người HTT trở lên mới có 1 suất"
    return plan.message


@require_POST
@login_required
def quota_preview(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """The meters with the levels picked on the page and not saved yet (htmx swaps them in): the rules engine's
    planner on the server, not a copy of the rule in the browser. Writes nothing."""
    cycle, unit = get_cycle_and_unit_for_user(request.user, cycle_pk, unit_pk)
    own = list(
        Evaluation.objects.filter(
            cycle=cycle, unit=unit, subject_type=SubjectType.PARTY_MEMBER
        ).select_related("quota_group")
    )
    # As the save will read the form: a level picked replaces the proposal; a row left blank keeps what it has.
    ratings: dict[int, str | None] = {ev.pk: ev.rating or None for ev in own}
    for ev in own:
        picked = request.POST.get(f"rating-{ev.pk}", "")
        if picked in RatingLevel.values and not ev.decided_rating:
            ratings[ev.pk] = picked
    plans = quota_plans(cycle, ratings)
    groups = {ev.quota_group.code: ev.quota_group for ev in own if ev.quota_group is not None}
    context = {"meters": _meters(cycle, groups, plans), "preview": True}
    return render(request, "campaigns/rating_page.html#meters", context)


def _type_rank(ev: Evaluation) -> int:
    ranks: dict[str, int] = {
        SubjectType.PARTY_ORGANIZATION: 0,
        SubjectType.AGENCY: 0,
        SubjectType.LEADERSHIP_COLLECTIVE: 1,
        SubjectType.LEADER: 2,
    }
    return ranks.get(ev.subject_type, 3)


@require_POST
@login_required
def propose_many(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """The meeting's proposals for the members of a cell, saved all together or not at all."""
    user = request.user
    cycle, unit = get_cycle_and_unit_for_user(user, cycle_pk, unit_pk)
    # As they are now, with what the rules read (`fresh` below): the check before the lock uses these objects. The
    # rows kept for the page where their last change has not moved (a cell of 300: one query of ids and last
    # changes instead of 1,200 objects made again).
    evaluations = {ev.pk: ev for ev in _rows_now(cycle, unit) if ev.subject_type == SubjectType.PARTY_MEMBER}
    for ev in evaluations.values():
        ev.cycle, ev.unit = cycle, unit  # the ones read for the scope check
    rows = []
    try:
        # Numbered as the page lists them, so that "Dòng 3" in an error is the third line the secretary sees.
        ordered = sorted(evaluations.values(), key=lambda ev: (ev.subject_sort_key, ev.pk))
        for number, ev in enumerate(ordered, start=1):
            rating = request.POST.get(f"rating-{ev.pk}", "")
            version = request.POST.get(f"version-{ev.pk}", "")
            votes = request.POST.get(f"votes-{ev.pk}", "")
            if version and not (version.isascii() and version.isdigit() and len(version) <= 9):
                # A tampered version must not silently switch off the lost-update check.
                raise ActionError(
                    f"Phiên bản của dòng “{ev.subject_name}” không hợp lệ; đề nghị tải lại trang rồi nhập lại."
                )
            if votes.strip() and not (votes.strip().isascii() and votes.strip().isdigit()):
                raise ActionError(
                    f"Dòng {number} ({ev.subject_name}): số phiếu tán thành “{votes[:20]}” không phải là số nguyên."
                )
            if not rating:
                continue
            rows.append(actions.Proposal(ev, rating, votes, int(version) if version else None, number=number))
        if not rows:
            raise ActionError("Chưa chọn mức đề xuất cho đảng viên nào.")
        count = actions.do_propose_ratings(
            user=user,
            rows=rows,
            attendees=request.POST.get("attendees", ""),
            comments=request.POST.get("comments", ""),
            meeting=_meeting_details(request.POST),
            fresh=True,
        )
    except ActionError as exc:
        # Nothing was written: show the page again with what was entered and the reason, so nothing is retyped.
        _report(request, exc)
        context = _rating_context(request, cycle, unit, posted=request.POST.dict())
        return render(request, "campaigns/rating_page.html", context, status=422)
    if count:
        messages.success(request, f"Đã ghi mức đề xuất của {count} đảng viên.")
    else:
        messages.info(request, "Không có dòng nào thay đổi; không ghi gì thêm.")
    return redirect("rating_page", cycle_pk=cycle.pk, unit_pk=unit.pk)


def _meeting_details(post) -> actions.MeetingDetails | None:
    """The meeting line's time (a datetime-local field), venue and secretary; None when the form has none."""
    keys = ("meeting_held_at", "meeting_venue", "meeting_secretary")
    if not any(key in post for key in keys):
        return None
    raw = post.get("meeting_held_at", "").strip()
    held_at = None
    if raw:
        try:
            held_at = timezone.make_aware(datetime.datetime.strptime(raw, "%Y-%m-%dT%H:%M"))
        except ValueError:
            raise ActionError(
                f"Thời gian họp “{raw[:20]}” không hợp lệ: cần ngày/tháng/năm và giờ:phút."
            ) from None
    return actions.MeetingDetails(
        held_at=held_at, venue=post.get("meeting_venue", ""), secretary=post.get("meeting_secretary", "")
    )


def _meeting_fields(
    cycle, unit, posted: dict[str, str], recorded: tuple[datetime.datetime | None, str, str] | None = None
) -> dict[str, str]:
    """The meeting line as typed (a refused save) or as recorded (`recorded`: read with the page's key)."""
    if posted:
        return {k: posted.get(k, "") for k in ("meeting_held_at", "meeting_venue", "meeting_secretary")}
    if recorded is None:
        return {"meeting_held_at": "", "meeting_venue": "", "meeting_secretary": ""}
    held_at, venue, secretary = recorded
    held = f"{timezone.localtime(held_at):%Y-%m-%dT%H:%M}" if held_at else ""
    return {"meeting_held_at": held, "meeting_venue": venue, "meeting_secretary": secretary}


@require_http_methods(["GET", "POST"])
@login_required
def decide_many(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """The deciding body decides a unit's members on one page: all recorded together, or none (issue 17)."""
    user = request.user
    cycle, unit = get_cycle_and_unit_for_user(user, cycle_pk, unit_pk)
    members = list(
        Evaluation.objects.filter(
            cycle=cycle, unit=unit, subject_type=SubjectType.PARTY_MEMBER
        ).select_related("person", "cycle", "unit", "quota_group")
    )
    members.sort(key=lambda ev: (ev.subject_sort_key, ev.pk))
    if not members or not can_decide(user, members[0]):
        raise PermissionDenied(
            "Việc quyết định mức xếp loại các đảng viên này thuộc thẩm quyền của cấp khác."
        )
    posted: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        posted = request.POST.dict()
        try:
            rows = []
            for number, ev in enumerate(members, start=1):
                rating = request.POST.get(f"rating-{ev.pk}", "")
                if not rating:
                    continue
                version = request.POST.get(f"version-{ev.pk}", "")
                if version and not (version.isascii() and version.isdigit() and len(version) <= 9):
                    raise ActionError(
                        f"Phiên bản của dòng “{ev.subject_name}” không hợp lệ; đề nghị tải lại trang rồi nhập lại."
                    )
                rows.append(
                    actions.Decision(
                        ev,
                        rating,
                        int(version) if version else None,
                        reason=request.POST.get(f"reason-{ev.pk}", ""),
                        number=number,
                    )
                )
            if not rows:
                raise ActionError("Chưa chọn mức quyết định cho đảng viên nào.")
            count = actions.do_decide_ratings(
                user=user,
                rows=rows,
                decided_on=_decision_date(request.POST.get("decided_on", "")),
                confirm_date="confirm_date" in request.POST,
                override_reason=request.POST.get("override_reason", ""),
            )
        except ActionError as exc:
            _report(request, exc)  # nothing was written; the page comes back with what was chosen
            status = 422
        else:
            messages.success(request, f"Đã ghi quyết định xếp loại của {count} đảng viên.")
            return redirect("decide_many", cycle_pk=cycle.pk, unit_pk=unit.pk)
    decidable = {EvaluationState.PROPOSED, EvaluationState.VERIFIED, EvaluationState.DECIDED}
    rows_context = [
        {
            "ev": ev,
            "number": number,
            "name": ev.subject_name,
            "state": ev.get_state_display(),
            "editable": ev.state in decidable and not ev.not_rated_reason,
            "options": _options(posted.get(f"rating-{ev.pk}", "")),
            "reason": posted.get(f"reason-{ev.pk}", ""),
        }
        for number, ev in enumerate(members, start=1)
    ]
    groups = {ev.quota_group.code: ev.quota_group for ev in members if ev.quota_group is not None}
    plans = quota_plans(cycle, {ev.pk: ev.rating or None for ev in members})
    context = {
        "cycle": cycle,
        "unit": unit,
        "ancestors": visible_ancestors(user, unit),
        "deciding_unit": deciding_unit_for(members[0]),
        "rows": rows_context,
        "meters": _meters(cycle, groups, plans),
        "decided_on": posted.get("decided_on", ""),
        "confirm_date": "confirm_date" in posted,
        "override_reason": posted.get("override_reason", ""),
    }
    return render(request, "campaigns/decide_page.html", context, status=status)


@require_GET
@login_required
def evaluation_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _evaluation_response(request, get_evaluation_for_user(request.user, pk))


def _with_posted(ev: Evaluation, post: QueryDict) -> Evaluation:
    """The evaluation as the refused form had it (never saved): the page shows back what the user typed."""
    form = form_of(ev)
    review, criteria = dict(ev.self_review or {}), dict(ev.criteria or {})
    for key, _heading in form.sections:
        if f"section-{key}" in post:
            review[key] = post[f"section-{key}"]
    for c in form.criteria:
        if f"criterion-{c.key}" in post:
            criteria[c.key] = post[f"criterion-{c.key}"]
    for field, key in (("score_general", "general"), ("score_results", "results")):
        if field in post:
            criteria[key] = post[field]
    ev.self_review, ev.criteria = review, criteria
    if any(key in post for key in FACT_FIELDS):  # the facts form: an unticked box is absent from the POST
        ev.facts = {**(ev.facts or {}), **{key: post.get(key, "") for key in FACT_FIELDS}}
    plain = {
        "self_rating": "self_rating",
        "comments": "meeting_comments",
        "proposed_rating": "proposed_rating",
        "not_rated_reason": "not_rated_reason",
        "note": "verification_note",
        "rating": "decided_rating",
    }
    for name, attr in plain.items():
        if name in post:
            setattr(ev, attr, post[name])
    if "attendees" in post or "votes_for" in post:
        ev.votes = {
            **(ev.votes or {}),
            "attendees": post.get("attendees"),
            "in_favour": post.get("votes_for"),
        }
    return ev


def _reaches_unit(user: User, unit: Unit) -> bool:
    """`units_visible_to(user)` holds this unit (tested on its path, as that query does): no query."""
    roots = scope_roots(user)
    return roots is None or any(unit.path.startswith(root.path) for root in roots)


def _audit_rows(audit: list[AuditRecord]) -> SafeString:
    """The history table's rows, as the template wrote them (one loop of nested tags per row was a good share of the
    page's rendering, issue 21): time, who, what, old → new, why."""
    if not audit:
        return mark_safe('<tr><td colspan="5" class="muted">Chưa có thay đổi nào.</td></tr>')
    return mark_safe(
        "".join(
            f"<tr><td>{esc(date_filter(template_localtime(a.at), 'd/m/Y H:i'))}</td><td>{esc(a.user)}</td>"
            f"<td>{esc(a.action_label)}</td><td>{esc(a.old_label or '—')} → {esc(a.new_label or '—')}</td>"
            f"<td>{esc(a.reason)}</td></tr>\n  "
            for a in audit
        )
    )


def _fact_fields(facts: list[tuple[str, str, str, object]], computed: frozenset[str]) -> SafeString:
    """The facts form's fields, as the template's loop wrote them (issue 21): a computed fact shown, a box, a
    rating's select or a number; each `(key, label, kind, value)`."""
    out = []
    for key, label, kind, value in facts:
        if key in computed:
            field = (
                f"<p>{esc(label)}: <strong>{shown(value or '—')}</strong> "
                '<span class="muted">(tính từ danh mục nhiệm vụ, sản phẩm)</span></p>'
            )
        elif kind == "bool":
            checked = " checked" if value else ""
            field = f'<label><input type="checkbox" name="{esc(key)}"{checked}> {esc(label)}</label>'
        elif kind == "rating":
            options = "".join(
                f'<option value="{esc(code)}"{" selected" if value == code else ""}>{esc(code)}</option>'
                for code, _label in RatingLevel.choices
            )
            field = f'<label>{esc(label)} <select name="{esc(key)}"><option value="">—</option>{options}</select></label>'
        else:  # the template's last branch: the others ended with the line break before the next one
            field = (
                f'<label>{esc(label)} <input type="number" step="any" min="0" name="{esc(key)}" '
                f'value="{shown(value)}"></label>'
            )
            out.append(f"\n    {field}\n  ")
            continue
        out.append(f"\n    {field}\n    \n  ")
    return mark_safe("".join(out))


# The history with who wrote each line, in SQL written once per process (kiemdiem/joined.py): the ORM compiled it
# on every page (issue 21).
_AUDIT_READ: JoinedRead[AuditRecord] = JoinedRead(AuditRecord, ("user",))


def _evaluation_response(
    request: AuthenticatedHttpRequest, ev: Evaluation, *, posted: QueryDict | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    form = form_of(ev)
    # Which of the page's lists have rows, the panels' and its own, in one query (campaigns.hooks.probe_evaluation).
    orders_table = Order._meta.db_table
    present = hooks.probe_evaluation(
        ev,
        {
            "campaigns.orders": (f"SELECT 1 FROM {orders_table} WHERE evaluation_id = %s", [ev.pk]),
            **quarterly.quarters_probe(ev),
        },
    )
    orders = list(ev.orders.select_related("ordered_by")) if present["campaigns.orders"] else []
    # Only what this subject's rules read: what a ceiling links it to, and its quota group's count (from the
    # group's ratings alone, once per change of the group: not its members' rows and rules).
    saved = (
        ev if posted is None else get_evaluation_for_user(user, ev.pk)
    )  # a refused form: the rules read the saved
    apart = check_apart(ev.cycle, [saved], whole_unit=False)
    groups = group_stamps(ev.cycle, [ev.quota_group_id] if ev.quota_group_id else [])
    compliance = with_group_quotas(ev.cycle, apart, groups, [ev.pk])
    findings = [(f, compliance.message(f)) for f in compliance.by_subject.get(ev.pk, [])]
    plan = compliance.result.quota_groups.get(ev.quota_group.code) if ev.quota_group is not None else None
    sections = [(key, heading, (ev.self_review or {}).get(key, "")) for key, heading in form.sections]
    criteria = [(c, (ev.criteria or {}).get(c.key, "")) for c in form.criteria]
    # What must be decided first, as far as the user may read it: a member who is also a head sees that the
    # rule applies, not their colleagues' names and review states.
    deciding = deciding_unit_for(ev)
    if ev.deciding_unit_id == deciding.pk:  # the committee that decided it, already read: no query
        ev.deciding_unit = deciding
    audit = [a for a, _ in _AUDIT_READ.read("t0.evaluation_id = %s ORDER BY t0.at DESC, t0.id DESC", [ev.pk])]
    waiting = prerequisites_for(ev)
    readable = (
        set(evaluations_visible_to(user).filter(pk__in=[w.pk for w in waiting]).values_list("pk", flat=True))
        if waiting
        else set()
    )
    facts = [(key, label, kind, ev.recorded_facts.get(key, "")) for key, (label, kind) in FACT_FIELDS.items()]
    computed = hooks.computed_fact_keys(ev)
    context = {
        "ev": ev,
        # A member reaches their own evaluation but not their cell's rating page: no link they cannot follow.
        "unit_reachable": _reaches_unit(user, ev.unit),
        "form": form,
        "sections": sections,
        "criteria": criteria,
        "grades": GRADES,
        "ratings": RatingLevel.choices,
        "findings": findings,
        "plan": plan,
        "fact_fields": _fact_fields(facts, computed),
        "waiting": [w for w in waiting if w.pk in readable],
        "waiting_unreadable": len(waiting) - len(readable),
        "deciding_unit": deciding,
        "audit": audit,
        "audit_rows": _audit_rows(audit),
        "orders": orders,
        "order_kinds": OrderKind.choices,
        "can": {
            "self_review": can_self_review(user, ev) and not ev.state_at_least(EvaluationState.REVIEWED),
            "propose": can_propose(user, ev) and ev.state != EvaluationState.DECIDED,
            "facts": can_propose(user, ev),
            "verify": can_verify(user, ev) and ev.state == EvaluationState.PROPOSED,
            "decide": can_decide(user, ev) and ev.state_at_least(EvaluationState.PROPOSED),
            "order": can_order(user, ev) and ev.state_at_least(EvaluationState.SELF_REVIEWED),
        },
        "today": datetime.date.today(),
        "posted": posted or {},
        **hooks.evaluation_panels(user, ev),
    }
    return render(request, "campaigns/evaluation_page.html", context, status=status)


def _act(request: AuthenticatedHttpRequest, pk: int, do) -> HttpResponse:
    ev = get_evaluation_for_user(request.user, pk)
    try:
        message = do(ev)
        messages.success(request, message)
    except ActionError as exc:  # a refused change; a PermissionDenied becomes Django's 403 page
        _report(request, exc)
        # The page again, from the database but with what was typed: nothing the user entered is lost.
        fresh = get_evaluation_for_user(request.user, pk)
        return _evaluation_response(
            request, _with_posted(fresh, request.POST), posted=request.POST, status=422
        )
    return redirect("evaluation", pk=pk)


@require_POST
@login_required
def save_self_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        form = form_of(ev)
        sections = {key: request.POST.get(f"section-{key}", "") for key, _ in form.sections}
        criteria = {c.key: request.POST.get(f"criterion-{c.key}", "") for c in form.criteria}
        submit = "submit" in request.POST
        actions.do_save_self_review(
            user=request.user,
            evaluation=ev,
            sections=sections,
            criteria=criteria,
            score_general=_number(request.POST.get("score_general")),
            score_results=_number(request.POST.get("score_results")),
            self_rating=request.POST.get("self_rating", ""),
            submit=submit,
            version=_version(request),
        )
        return "Đã nộp bản tự kiểm điểm." if submit else "Đã lưu bản nháp tự kiểm điểm."

    return _act(request, pk, do)


def _number(raw: str | None) -> float | None:
    if raw in (None, ""):
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ActionError(f"Điểm “{raw}” không phải là số.") from None


@require_POST
@login_required
def save_facts(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        facts: dict[str, object] = {}
        computed = hooks.computed_fact_keys(ev)
        for key, (_, kind) in FACT_FIELDS.items():
            if key in computed:
                continue  # shown, never posted: computed from the task register
            if kind == "bool":
                facts[key] = key in request.POST
            else:
                facts[key] = request.POST.get(key, "")
        facts = {k: v for k, v in facts.items() if v not in (False, "")}
        actions.do_update_facts(user=request.user, evaluation=ev, facts=facts, version=_version(request))
        return "Đã cập nhật dữ kiện xếp loại."

    return _act(request, pk, do)


@require_POST
@login_required
def record_meeting(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        actions.do_record_meeting(
            user=request.user,
            evaluation=ev,
            comments=request.POST.get("comments", ""),
            attendees=request.POST.get("attendees", ""),
            votes_for=request.POST.get("votes_for", ""),
            proposed_rating=request.POST.get("proposed_rating", ""),
            not_rated_reason=request.POST.get("not_rated_reason", ""),
            version=_version(request),
        )
        return "Đã ghi kết quả hội nghị và mức đề xuất."

    return _act(request, pk, do)


@require_POST
@login_required
def verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        actions.do_verify(
            user=request.user, evaluation=ev, note=request.POST.get("note", ""), version=_version(request)
        )
        return "Đã ghi ý kiến thẩm định."

    return _act(request, pk, do)


def _decision_date(raw: str) -> datetime.date:
    """The date the deciding body typed: required, day/month/year (a blank is never silently today)."""
    raw = (raw or "").strip()
    if not raw:
        raise ActionError("Cần ghi ngày quyết định (ngày/tháng/năm) của cấp có thẩm quyền.")
    try:
        return datetime.datetime.strptime(raw, "%d/%m/%Y").date()
    except ValueError:
        raise ActionError(f"Ngày quyết định “{raw[:20]}” không đúng dạng ngày/tháng/năm.") from None


@require_POST
@login_required
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        require(
            can_decide(request.user, ev),
            "Việc quyết định mức xếp loại đối tượng này thuộc thẩm quyền của cấp khác.",
        )
        actions.do_decide_rating(
            user=request.user,
            evaluation=ev,
            rating=request.POST.get("rating", ""),
            decided_on=_decision_date(request.POST.get("decided_on", "")),
            confirm_date="confirm_date" in request.POST,
            override_reason=request.POST.get("override_reason", ""),
            reason=request.POST.get("reason", ""),
            version=_version(request),
        )
        return "Đã ghi quyết định xếp loại."

    return _act(request, pk, do)


@require_POST
@login_required
def order(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def do(ev: Evaluation) -> str:
        created = actions.do_order(
            user=request.user,
            evaluation=ev,
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
        )
        return f"Đã ra yêu cầu {created.get_kind_display().lower()}."

    return _act(request, pk, do)


@require_GET
@login_required
def progress_page(request: AuthenticatedHttpRequest, cycle_pk: int, unit_pk: int) -> HttpResponse:
    """Each child of a unit against the deadline: how many evaluations are decided, who is late."""
    cycle, unit = get_cycle_and_unit_for_user(request.user, cycle_pk, unit_pk)
    rows = progress_by_child(cycle, unit)
    ancestors = visible_ancestors(request.user, unit)
    _period_names(cycle, [unit, *ancestors, *(row["unit"] for row in rows)])
    context = {
        "cycle": cycle,
        "unit": unit,
        "ancestors": ancestors,
        "rows": rows,
        "late": sum(1 for r in rows if r["late"]),
        "states": EvaluationState.choices,
    }
    return render(request, "campaigns/progress_page.html", context)
