"""Who may do what to an evaluation, and which body decides it (HD 21 Mục III; HD 43 Mục 3)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from kiemdiem.accounts.models import User, UserRole
from kiemdiem.campaigns.models import Evaluation, SubjectType
from kiemdiem.orgs.models import GRASSROOTS_KINDS, PARTY_KINDS, Unit, UnitKind
from kiemdiem.orgs.queries import scope_roots

# Roles that enter and record work for their subtree (inspectors only read; members write their own).
RECORDING_ROLES = frozenset({UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER, UserRole.CELL_SECRETARY})


def _ancestors_and_self(unit: Unit, units: dict[int, Unit] | None = None) -> list[Unit]:
    """Return the unit's chain from itself up to the root, in one query (none when `units` holds the chain).

    Read once per unit object and kept on it under its path (the chain is the path's ids): an evaluation's page
    asks for its deciding committee five times (the page, and each right to verify or decide, twice)."""
    ids = [*unit.ancestor_ids, unit.pk]
    if units is not None:
        return [units[i] for i in reversed(ids) if i in units]
    kept = unit.__dict__.get("_chain")
    if kept is not None and kept[0] == unit.path:
        return list(kept[1])
    # In SQL: the ORM's compilation of this one query was ~0.7 ms of the evaluation page's CPU (issue 21).
    marks = ", ".join(["%s"] * len(ids))
    by_id = {
        u.pk: u for u in Unit.objects.raw(f"SELECT * FROM {Unit._meta.db_table} WHERE id IN ({marks})", ids)
    }
    chain = [by_id[i] for i in reversed(ids) if i in by_id]
    unit.__dict__["_chain"] = (unit.path, chain)
    return list(chain)


def ancestor_read(unit: Unit, pk: int) -> Unit | None:
    """The unit `pk` if it is `unit` or one of its ancestors and this object's chain has been read (by
    `deciding_unit_for`, this request): no query; else None."""
    kept = unit.__dict__.get("_chain")
    if kept is None or kept[0] != unit.path:
        return None
    return next((u for u in kept[1] if u.pk == pk), None)


def chains_of(units: Iterable[Unit]) -> dict[int, Unit]:
    """These units and all their ancestors by id, read at once: `deciding_unit_for(…, units=)` of a whole batch
    (a district's paper file) costs one query, not one per unit while the batch holds its locks."""
    ids = sorted({i for unit in units for i in (*unit.ancestor_ids, unit.pk)})
    found: dict[int, Unit] = {}
    for start in range(0, len(ids), 5000):
        found.update(Unit.objects.in_bulk(ids[start : start + 5000]))
    return found


def grassroots_of(unit: Unit, units: dict[int, Unit] | None = None) -> Unit:
    """Return the grassroots party organisation a unit belongs to (itself if it is one)."""
    for u in _ancestors_and_self(unit, units):
        if u.kind in GRASSROOTS_KINDS:
            return u
    return unit


def deciding_unit_for(evaluation: Evaluation, *, units: dict[int, Unit] | None = None) -> Unit:
    """The committee whose decision fixes the rating (HD 21 Mục III.3 as HD 16 lays it out; HD 43 Mục 3).

    Members: the grassroots committee (đảng ủy cơ sở, chi bộ cơ sở). Cells and sub-committees: the grassroots
    committee. Grassroots organisations and upper committees: the committee one level up. Collectives and
    agencies: the party committee above their unit. Leaders: the committee that manages them as cadres, else the
    committee above their unit. The provincial committee's own subjects are recorded by the province.
    """
    unit = evaluation.unit
    kind = evaluation.subject_type
    if kind == SubjectType.PARTY_MEMBER:
        return grassroots_of(unit, units)
    if kind == SubjectType.PARTY_ORGANIZATION and unit.kind in (UnitKind.CELL, UnitKind.SUB_COMMITTEE):
        if not unit.parent_id:
            return unit
        parent = units[unit.parent_id] if units is not None else unit.parent
        return grassroots_of(parent, units)  # type: ignore[arg-type]  # parent_id checked above: never None
    person = evaluation.person
    if kind == SubjectType.LEADER and person is not None and person.managing_unit is not None:
        return person.managing_unit
    chain = _ancestors_and_self(unit, units)[1:]
    for u in chain:
        if u.kind in PARTY_KINDS:
            return u
    return unit


def _root_ids(user: User) -> set[int] | None:
    roots = scope_roots(user)
    return None if roots is None else {r.pk for r in roots}


def _covers(user: User, unit: Unit) -> bool:
    roots = scope_roots(user)
    return roots is None or any(unit.path.startswith(r.path) for r in roots)


def can_self_review(user: User, evaluation: Evaluation) -> bool:
    if evaluation.person_id and user.person_id == evaluation.person_id:
        return True
    return _records(user) and _covers(user, evaluation.unit)


def _records(user: User) -> bool:
    return user.is_superuser or user.role in RECORDING_ROLES


def can_propose(user: User, evaluation: Evaluation) -> bool:
    return _records(user) and _covers(user, evaluation.unit)


def can_verify(user: User, evaluation: Evaluation) -> bool:
    """The organisation board of the deciding committee, or of a committee above it."""
    return _records(user) and _covers(user, deciding_unit_for(evaluation))


def can_decide(user: User, evaluation: Evaluation) -> bool:
    """Only an account of the deciding committee itself records its decision."""
    if user.is_superuser:
        return True
    roots = _root_ids(user)
    return _records(user) and roots is not None and deciding_unit_for(evaluation).pk in roots


def can_enter_paper_decision(user: User, deciding_unit: Unit) -> bool:
    """A decision taken on paper is entered by the deciding committee or an office above it, never below."""
    return _records(user) and _covers(user, deciding_unit)


def can_order(user: User, evaluation: Evaluation) -> bool:
    """The upper-level committee's boards covering the subject (QĐ 366 Đ13; CV 854 mục 2(6)).

    Cancelling a rating and having it reviewed or rated again is the directly superior party committee's power
    (QĐ 366 Điều 13: "kiểm tra, giám sát, hủy bỏ, xếp loại lại"), entered by its offices. The inspection
    committee inspects and supervises (reads everything in its province) and reports what it finds to that
    committee, which orders; it orders nothing itself (docs/decisions.md, "The inspector reads").
    """
    allowed = user.is_superuser or user.role in {UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER}
    return allowed and _covers(user, evaluation.unit)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
