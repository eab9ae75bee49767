"""Import the decided ratings of units that worked on paper: the same rules, one audit record per change.

The paper record says the review was held and the competent body decided; so an imported rating takes the
evaluation straight to "decided" — but only if the rules engine accepts the whole file's ratings together
(the quota may be passed over only with a written reason, as `do_decide_rating` allows), and each change
writes an AuditRecord naming the file and row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiemdiem.accounts.models import User
from kiemdiem.campaigns.actions import (
    ActionError,
    Decision,
    check_paper_decisions,
    do_enter_paper_decisions,
    ensure_evaluations,
)
from kiemdiem.campaigns.models import Cycle, CycleState, Evaluation, RatingLevel, SubjectType
from kiemdiem.imports.parsing import Sheet
from kiemdiem.imports.validation import (
    SPECS,
    Errors,
    ImportRefused,
    Tick,
    UnitIndex,
    _choice_index,
    _each,
    _name_key,
    _safe_text,
    in_chunks,
    iter_rows,
    not_found_person,
    not_found_unit,
    parse_text,
)
from kiemdiem.orgs.models import PARTY_KINDS, SEGMENT_WIDTH, LeadershipCollective, Position, Role, Unit
from kiemdiem.orgs.queries import persons_visible_to

SUBJECT_TYPES = _choice_index(
    SubjectType.choices,
    {
        "tập thể lãnh đạo": SubjectType.LEADERSHIP_COLLECTIVE,
        "cán bộ lãnh đạo": SubjectType.LEADER,
        "cơ quan": SubjectType.AGENCY,
        "đơn vị": SubjectType.AGENCY,
    },
)
RATINGS = _choice_index(RatingLevel.choices)


@dataclass
class RatingRow:
    number: int
    subject_type: str
    rating: str
    decided_on: datetime.date
    not_rated_reason: str
    reason: str
    person_id: int | None = None
    unit_id: int | None = None
    collective_id: int | None = None
    anchor_paths: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int | None]:
        if self.subject_type in (SubjectType.PARTY_MEMBER, SubjectType.LEADER):
            return (self.subject_type, self.person_id)
        if self.subject_type == SubjectType.LEADERSHIP_COLLECTIVE:
            return (self.subject_type, self.collective_id)
        return (self.subject_type, self.unit_id)


def _parse(sheet: Sheet, user: User, cycle: Cycle, tick: Tick | None) -> list[RatingRow]:
    spec = SPECS["ratings"]
    errors = Errors()
    index = UnitIndex(user)
    rows = list(iter_rows(sheet, spec, errors))
    today = timezone.localdate()
    person_codes = [parse_text(r.raw("person"), limit=40) for r in rows if _safe_text(r.raw("person"))]
    persons = {
        code.casefold(): (pk, path)
        for code, pk, path in in_chunks(
            persons_visible_to(user), "code", person_codes, "code", "id", "home_cell__path"
        )
    }
    leader_units: dict[int, list[str]] = {}
    for person_id, path in Position.objects.filter(
        person_id__in=[pk for pk, _ in persons.values()],
        role__in=[Role.HEAD, Role.DEPUTY],
        valid_to__isnull=True,
    ).values_list("person_id", "unit__path"):
        leader_units.setdefault(person_id, []).append(path)
    parsed: list[RatingRow] = []
    seen: dict[tuple[str, int | None], int] = {}
    collectives: dict[int, dict[str, int]] = {}  # unit → its collectives by name, read once per unit
    for row in _each(rows, tick):
        subject_type = row.choice("subject_type", SUBJECT_TYPES, "xem trang Hướng dẫn", required=True)
        rating = row.choice("rating", RATINGS, "HTXS; HTT; HT; KHT")
        decided_on = row.date("decided_on", required=True)
        not_rated = row.text("not_rated_reason", 255)
        reason = row.text("reason", 2000)
        if not rating and not not_rated and row.raw("rating") is None:
            row.error("rating", "cần ghi mức xếp loại, hoặc ghi lý do không xếp loại")
        if rating and not_rated:
            row.error("not_rated_reason", "đã có mức xếp loại thì không ghi lý do không xếp loại")
        if decided_on and decided_on > today:
            row.error("decided_on", f"ngày {decided_on:%d/%m/%Y} ở tương lai")
        elif decided_on and decided_on < datetime.date(cycle.year, 1, 1):
            row.error("decided_on", f"ngày {decided_on:%d/%m/%Y} trước năm kiểm điểm {cycle.year}")
        item = RatingRow(row.number, subject_type, rating, decided_on or today, not_rated, reason)
        if subject_type in (SubjectType.PARTY_MEMBER, SubjectType.LEADER):
            code = row.text("person", 40, required=True)
            found = persons.get(code.casefold()) if code else None
            if code and found is None:
                row.error("person", not_found_person(code))
            elif found:
                item.person_id = found[0]
                paths = leader_units.get(found[0], []) if subject_type == SubjectType.LEADER else []
                item.anchor_paths = tuple(p for p in [found[1], *paths] if p)
        elif subject_type:
            code = row.text("unit", 40, required=True)
            ref = index.get(code) if code else None
            if code and ref is None:
                row.error("unit", not_found_unit(code))
            elif ref is not None:
                item.unit_id = ref.id
                item.anchor_paths = (ref.path,)
                is_party = ref.kind in _PARTY_KIND_VALUES
                if subject_type == SubjectType.PARTY_ORGANIZATION and not is_party:
                    row.error(
                        "subject_type", f"đơn vị mã '{code}' là cơ quan, đơn vị, không phải tổ chức đảng"
                    )
                elif subject_type == SubjectType.AGENCY and is_party:
                    row.error(
                        "subject_type", f"đơn vị mã '{code}' là tổ chức đảng, không phải cơ quan, đơn vị"
                    )
                elif subject_type == SubjectType.LEADERSHIP_COLLECTIVE:
                    name = row.text("collective", 255, required=True)
                    if name:
                        item.collective_id = _collective_id(collectives, ref.id, name)
                        if item.collective_id is None:
                            row.error("collective", f"đơn vị mã '{code}' không có tập thể “{name}”")
        for path in item.anchor_paths:
            if not path.startswith(cycle.unit.path):
                row.error(None, f"đối tượng không thuộc phạm vi của đợt kiểm điểm “{cycle}”")
                break
        if row.ok:
            if item.key in seen:
                row.error(None, f"đối tượng trùng với dòng {seen[item.key]}")
            seen.setdefault(item.key, row.number)
        parsed.append(item)
    errors.refuse_if_any()
    return parsed


_PARTY_KIND_VALUES = {k.value for k in PARTY_KINDS}


def _collective_id(collectives: dict[int, dict[str, int]], unit_id: int, name: str) -> int | None:
    if unit_id not in collectives:
        collectives[unit_id] = {
            _name_key(other): int(pk)
            for pk, other in LeadershipCollective.objects.filter(unit_id=unit_id).values_list("id", "name")
        }
    return collectives[unit_id].get(_name_key(name))


def _common_anchor(cycle: Cycle, rows: list[RatingRow]) -> Unit:
    """The smallest unit whose subtree holds every subject: evaluations are ensured and checked there only."""
    paths = [p for r in rows for p in r.anchor_paths]
    prefix = paths[0] if paths else cycle.unit.path
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[: n - n % SEGMENT_WIDTH]
    if len(prefix) < len(cycle.unit.path):
        return cycle.unit
    return Unit.objects.get(path=prefix)


def import_ratings(
    *, user: User, cycle: Cycle, sheet: Sheet, file_name: str, tick: Tick | None = None, before_write=None
) -> dict[str, int]:
    """Validate the whole file without holding anyone back, then write it in one short transaction.

    The rows and the rules are checked over the file's ratings all together without a lock (so a refused file costs
    writers nothing); the write then takes the quota groups' and rows' locks, in the order every save takes them,
    and judges again only the quota groups a secretary changed in between (`do_enter_paper_decisions` with the
    check), before one UPDATE per thousand rows and the audit records in one COPY: a district's file holds the
    other writers back for well under a second.
    """
    if cycle.state != CycleState.OPEN:
        raise ImportRefused(
            [f"Đợt kiểm điểm năm {cycle.year} đã đóng; chỉ mở lại được bằng yêu cầu của cấp trên."]
        )
    parsed = _parse(sheet, user, cycle, tick)
    anchor = _common_anchor(cycle, parsed)

    def prepare() -> tuple[int, list[Decision]]:
        # The subjects' evaluations (a cycle creates them anyway), then the file's rows as decisions on them.
        created = ensure_evaluations(cycle=cycle, unit=anchor)
        return created, _decisions(user=user, cycle=cycle, anchor=anchor, parsed=parsed, file_name=file_name)

    with transaction.atomic():
        created, decisions = prepare()
        checked = _refuse(check_paper_decisions, user, decisions)
        transaction.set_rollback(True)  # validating leaves nothing behind, not even the evaluations it made
    if before_write:
        before_write()
    with transaction.atomic():
        if created:
            # The evaluations the check made were rolled back: made again, and every row judged again under the lock.
            created, decisions = prepare()
            checked = None
        written = _refuse(do_enter_paper_decisions, user, decisions, checked=checked)
    return {"ratings": written, "unchanged": len(decisions) - written, "evaluations_created": created}


def _refuse(action: Callable[..., Any], user: User, decisions: list[Decision], **kwargs: Any) -> Any:
    """Run the action; its refusals become the file's errors, by row."""
    try:
        return action(user=user, rows=decisions, **kwargs)
    except ActionError as exc:
        errors = Errors()
        for index, message in getattr(exc, "rows", None) or [(0, str(exc))]:
            errors.add(decisions[index].number or 0, _lower_first(message.rstrip(".")))
        errors.refuse_if_any()
        raise


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text


def _decisions(
    *, user: User, cycle: Cycle, anchor: Unit, parsed: list[RatingRow], file_name: str
) -> list[Decision]:
    """The file's rows as decisions on the cycle's evaluations (each subject found in the user's scope)."""
    visible_units = {ref.id for ref in UnitIndex(user).by_code.values()}
    ids_by_key: dict[tuple[str, int | None], int] = {}
    for pk, stype, unit_id, person_id, collective_id in Evaluation.objects.filter(
        cycle=cycle, unit__path__startswith=anchor.path
    ).values_list("id", "subject_type", "unit_id", "person_id", "collective_id"):
        if unit_id not in visible_units:
            continue
        if person_id:
            ids_by_key[(stype, person_id)] = pk
        elif collective_id:
            ids_by_key[(stype, collective_id)] = pk
        else:
            ids_by_key[(stype, unit_id)] = pk
    errors = Errors()
    wanted: dict[int, RatingRow] = {}
    for item in parsed:
        evaluation_pk = ids_by_key.get(item.key)
        if evaluation_pk is None:
            errors.add(
                item.number,
                "đối tượng không có trong danh sách đánh giá của đợt "
                "(kiểm tra loại đối tượng; cán bộ lãnh đạo phải đang giữ chức vụ đứng đầu hoặc cấp phó)",
            )
        else:
            wanted[evaluation_pk] = item
    errors.refuse_if_any()
    evaluations: dict[int, Evaluation] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 5000):
        evaluations.update(
            (ev.pk, ev)
            for ev in Evaluation.objects.filter(pk__in=ordered[start : start + 5000]).select_related(
                "cycle", "unit", "person", "collective"
            )
        )
    return [
        Decision(
            evaluation=evaluations[pk],
            rating=item.rating,
            reason=item.reason,
            override_reason=item.reason,
            decided_on=item.decided_on,
            not_rated_reason=item.not_rated_reason,
            source=f"Nhập từ tệp “{file_name}”, dòng {item.number}",
            number=item.number,
        )
        for pk, item in wanted.items()
    ]
