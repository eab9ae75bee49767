"""Import the decided ratings of units that worked on paper: the same rules, one audit record per change.

The paper record says the review was held and the competent body decided; so an imported rating takes the
evaluation straight to "decided" — but only if the rules engine accepts the whole file's ratings together
(the quota may be passed over only with a written reason, as `do_decide_rating` allows), and each change
writes an AuditRecord naming the file and row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kiemdiem import rules
from kiemdiem.accounts.models import User
from kiemdiem.campaigns.actions import ensure_evaluations, prerequisites_for
from kiemdiem.campaigns.compliance import (
    OVERRIDABLE_CODES,
    Compliance,
    names_of,
    related_evaluations,
    row_of,
    subjects_for,
)
from kiemdiem.campaigns.models import (
    AuditRecord,
    Cycle,
    CycleState,
    Evaluation,
    EvaluationState,
    Order,
    QuotaGroup,
    RatingLevel,
    SubjectType,
)
from kiemdiem.campaigns.permissions import can_enter_paper_decision, deciding_unit_for
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
    if cycle.state != CycleState.OPEN:
        raise ImportRefused(
            [f"Đợt kiểm điểm năm {cycle.year} đã đóng; chỉ mở lại được bằng yêu cầu của cấp trên."]
        )
    parsed = _parse(sheet, user, cycle, tick)
    if before_write:
        before_write()
    with transaction.atomic():
        return _apply(user=user, cycle=cycle, parsed=parsed, file_name=file_name)


def _apply(*, user: User, cycle: Cycle, parsed: list[RatingRow], file_name: str) -> dict[str, int]:
    anchor = _common_anchor(cycle, parsed)
    created = ensure_evaluations(cycle=cycle, unit=anchor)
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
        pk = ids_by_key.get(item.key)
        if pk is None:
            errors.add(
                item.number,
                "đối tượng không có trong danh sách đánh giá của đợt "
                "(kiểm tra loại đối tượng; cán bộ lãnh đạo phải đang giữ chức vụ đứng đầu hoặc cấp phó)",
            )
        else:
            wanted[pk] = item
    errors.refuse_if_any()
    # Lock the groups, then the rows the file touches, so no one decides in between (PostgreSQL row locks);
    # the same order as do_decide_rating, so an import and a decision cannot deadlock.
    group_ids: set[int] = set()
    for chunk in _chunks(sorted(wanted)):
        group_ids.update(
            Evaluation.objects.filter(pk__in=chunk, quota_group__isnull=False).values_list(
                "quota_group_id", flat=True
            )
        )
    list(QuotaGroup.objects.select_for_update().filter(pk__in=sorted(group_ids)).values_list("pk"))
    for chunk in _chunks(sorted(wanted)):
        list(Evaluation.objects.select_for_update(of=("self",)).filter(pk__in=chunk).values_list("pk"))
    evaluations = related_evaluations(cycle, anchor)
    by_id = {ev.pk: ev for ev in evaluations}
    deciding = _check_authority(user, by_id, wanted, errors)
    errors.refuse_if_any()
    for pk, item in wanted.items():
        ev = by_id[pk]
        if ev.state == EvaluationState.DECIDED and ev.decided_rating != item.rating and not item.reason:
            errors.add(
                item.number,
                f"“{ev.subject_name}” đã có quyết định mức {ev.decided_rating or 'không xếp loại'}; "
                "quyết định lại phải ghi rõ lý do ở cột «Lý do»",
            )
    errors.refuse_if_any()
    overrides = _check_rules(cycle, evaluations, wanted, errors)
    errors.refuse_if_any()
    return _write(
        user=user, by_id=by_id, wanted=wanted, overrides=overrides, deciding=deciding, file_name=file_name
    ) | {"evaluations_created": created}


def _deciding_key(ev: Evaluation) -> tuple[object, ...]:
    return (ev.subject_type, ev.unit_id, ev.person.managing_unit_id if ev.person_id else None)  # type: ignore[union-attr]


def _check_authority(
    user: User, by_id: dict[int, Evaluation], wanted: dict[int, RatingRow], errors: Errors
) -> dict[tuple[object, ...], Unit]:
    """Paper decisions are entered by the deciding committee or an office above it; heads after their collective."""
    deciding: dict[tuple[object, ...], Unit] = {}
    for pk, item in wanted.items():
        ev = by_id[pk]
        key = _deciding_key(ev)
        if key not in deciding:
            deciding[key] = deciding_unit_for(ev)
        if not can_enter_paper_decision(user, deciding[key]):
            errors.add(
                item.number,
                f"quyết định xếp loại “{ev.subject_name}” thuộc thẩm quyền của {deciding[key].name}; "
                "chỉ cấp đó hoặc cấp trên mới nhập được quyết định này",
            )
        elif ev.subject_type == SubjectType.LEADER and ev.role in (Role.HEAD, Role.DEPUTY):
            waiting = [w for w in prerequisites_for(ev) if w.pk not in wanted]
            if waiting:
                names = ", ".join(w.subject_name for w in waiting[:10])
                errors.add(
                    item.number,
                    "người đứng đầu được xếp loại sau cùng (HD 21-HD/BTCTW II.B.4): cần quyết định trước, "
                    f"hoặc nhập cùng tệp: {names}",
                )
    return deciding


def _check_rules(
    cycle: Cycle, evaluations: list[Evaluation], wanted: dict[int, RatingRow], errors: Errors
) -> dict[int, str]:
    """Run the engine on the file's ratings all together; return the quota overrides to audit."""
    rows = [row_of(ev) for ev in evaluations]
    after_rows = [r._replace(state=EvaluationState.DECIDED) if r.id in wanted else r for r in rows]
    ratings = {pk: (item.rating or None) for pk, item in wanted.items()}

    def check(rows_, ratings_):  # type: ignore[no-untyped-def]
        subjects, groups = subjects_for(rows_, cycle.regime, ratings=ratings_)
        return rules.check(
            rules.make_scenario(cycle.year, subjects, quota_groups=groups, quarter=cycle.quarter)
        )

    before = {(f.code, f.subjects) for f in check(rows, None).findings}
    result = check(after_rows, ratings)
    compliance = Compliance(result=result, names=names_of(evaluations))
    overrides: dict[int, str] = {}
    for finding in result.findings:
        if (finding.code, finding.subjects) in before:
            continue
        ids = [int(s[1:]) for s in finding.subjects if s.startswith("e") and s[1:].isdigit()]
        text = f"{compliance.message(finding)} ({finding.citation})"
        if finding.code in OVERRIDABLE_CODES:
            rows_here = [wanted[i] for i in ids if i in wanted and wanted[i].rating == "HTXS"]
            for item in rows_here:
                if item.reason:
                    overrides[_pk_of(wanted, item)] = (
                        f"Quyết định vượt cảnh báo ({finding.code}): {item.reason}"
                    )
                else:
                    errors.add(
                        item.number,
                        f"không thể xếp mức HTXS: {text}. Cấp có thẩm quyền chỉ được quyết định vượt tỷ lệ "
                        "khi ghi rõ lý do ở cột «Lý do»",
                    )
        elif ids and ids[0] in wanted:
            item = wanted[ids[0]]
            errors.add(item.number, f"không thể xếp mức {item.rating or '(không xếp loại)'}: {text}")
    return overrides


def _pk_of(wanted: dict[int, RatingRow], item: RatingRow) -> int:
    return next(pk for pk, other in wanted.items() if other is item)


def _chunks(ids: list[int], size: int = 5000):  # type: ignore[no-untyped-def]
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _write(
    *,
    user: User,
    by_id: dict[int, Evaluation],
    wanted: dict[int, RatingRow],
    overrides: dict[int, str],
    deciding: dict[tuple[object, ...], Unit],
    file_name: str,
) -> dict[str, int]:
    audits: list[AuditRecord] = []
    changed: list[Evaluation] = []
    for pk, item in wanted.items():
        ev = by_id[pk]
        if (
            ev.state == EvaluationState.DECIDED
            and ev.decided_rating == item.rating
            and ev.not_rated_reason == item.not_rated_reason
            and ev.decided_on == item.decided_on
        ):
            continue
        where = f"Nhập từ tệp “{file_name}”, dòng {item.number}"
        override = overrides.get(pk, "")
        why = "; ".join(
            x
            for x in (
                where,
                item.not_rated_reason and f"Không xếp loại: {item.not_rated_reason}",
                override or item.reason,
            )
            if x
        )
        audits.append(
            AuditRecord(
                evaluation=ev,
                user=user,
                action="import",
                field="decided_rating",
                old_value=ev.decided_rating,
                new_value=item.rating,
                reason=why,
            )
        )
        if ev.state != EvaluationState.DECIDED:
            audits.append(
                AuditRecord(
                    evaluation=ev,
                    user=user,
                    action="state",
                    field="state",
                    old_value=ev.state,
                    new_value=EvaluationState.DECIDED,
                    reason=where,
                )
            )
        ev.decided_rating = item.rating
        ev.not_rated_reason = item.not_rated_reason
        ev.override_reason = override
        ev.deciding_unit = deciding[_deciding_key(ev)]
        ev.decided_by = user
        ev.decided_on = item.decided_on
        ev.state = EvaluationState.DECIDED
        ev.version += 1
        ev.updated_at = timezone.now()
        changed.append(ev)
    fields = [
        "decided_rating",
        "not_rated_reason",
        "override_reason",
        "deciding_unit",
        "decided_by",
        "decided_on",
        "state",
        "version",
        "updated_at",
    ]
    Evaluation.objects.bulk_update(changed, fields, batch_size=1000)
    AuditRecord.objects.bulk_create(audits, batch_size=2000)
    for chunk in _chunks([ev.pk for ev in changed]):
        Order.objects.filter(evaluation_id__in=chunk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    return {"ratings": len(changed), "unchanged": len(wanted) - len(changed)}
