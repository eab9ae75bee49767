"""State changes of the organisation tree; views, imports, the admin and commands all call these.

The tree is a materialised path (`Unit.path`): every write that sets a parent goes through `_rehang`, which refuses
loops and rewrites the whole subtree's paths and depths in one UPDATE, so the scoped reads never see a stale path.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from kiemdiem.orgs.models import SEGMENT_WIDTH, Unit

if TYPE_CHECKING:
    from kiemdiem.accounts.models import User


def _visible_ids(user: User | None, ids: list[int]) -> set[int] | None:
    """The ids among `ids` the user reaches; None when the user reaches everything (no user: code, superuser)."""
    from kiemdiem.orgs.queries import scope_roots, units_visible_to

    if user is None or scope_roots(user) is None:
        return None
    return set(units_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def check_parent(*, unit: Unit, parent: Unit | None, user: User | None = None) -> Unit | None:
    """Return the parent `unit` may be given by `user`, or raise a ValidationError naming the rule.

    - A user who does not reach the unit's current parent (the top of their own subtree) cannot change it: the
      parent is kept, whatever the form sent (its list holds only the units they reach).
    - The new parent must be one the user reaches; only a user who reaches the whole tree may make a top unit.
    - A unit can be hung neither under itself nor under one of its own descendants.
    """
    current_parent_id = None
    if unit.pk:
        current_parent_id = Unit.objects.filter(pk=unit.pk).values_list("parent_id", flat=True).first()
    if current_parent_id is not None:
        visible = _visible_ids(user, [current_parent_id])
        if visible is not None and current_parent_id not in visible:
            return Unit.objects.get(pk=current_parent_id)
    if parent is None:
        if _visible_ids(user, []) is not None:
            raise ValidationError(
                {
                    "parent": "Chỉ quản trị hệ thống được đặt một đơn vị ở cấp cao nhất; hãy chọn đơn vị cấp trên."
                }
            )
        return None
    visible = _visible_ids(user, [parent.pk])
    if visible is not None and parent.pk not in visible:
        raise ValidationError({"parent": f"Đơn vị cấp trên «{parent}» nằm ngoài phạm vi quản lý của bạn."})
    if unit.pk:
        if parent.pk == unit.pk:
            raise ValidationError({"parent": f"Không thể đặt «{unit}» làm cấp trên của chính nó."})
        stored = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first() or ""
        parent_path = Unit.objects.filter(pk=parent.pk).values_list("path", flat=True).first() or parent.path
        if stored and parent_path.startswith(stored):
            raise ValidationError(
                {
                    "parent": f"Không thể chuyển «{unit}» vào «{parent}»: «{parent}» là đơn vị cấp dưới của nó "
                    "(cây đơn vị sẽ thành vòng lặp)."
                }
            )
    return parent


def _rehang(unit: Unit, parent: Unit | None) -> None:
    """Set the unit's parent and rewrite its own and every descendant's path and depth in one UPDATE."""
    old_path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).get()
    parent_path = Unit.objects.filter(pk=parent.pk).values_list("path", flat=True).get() if parent else ""
    new_path = parent_path + old_path[-SEGMENT_WIDTH:] if old_path else ""
    unit.parent = parent
    if not old_path:  # a unit being created
        unit.path = parent_path + f"{unit.pk:06d}."
        unit.depth = len(unit.path) // SEGMENT_WIDTH - 1
        Unit.objects.filter(pk=unit.pk).update(parent=parent, path=unit.path, depth=unit.depth)
        return
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    if new_path != old_path:
        shift = (len(new_path) - len(old_path)) // SEGMENT_WIDTH
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + shift,
        )
    unit.path = new_path
    unit.depth = len(new_path) // SEGMENT_WIDTH - 1


@transaction.atomic
def do_create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    valid_from: datetime.date = datetime.date(2000, 1, 1),
    valid_to: datetime.date | None = None,
    user: User | None = None,
) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to)
    parent = check_parent(unit=unit, parent=parent, user=user)
    unit.full_clean(exclude=["path"])
    unit.save()
    _rehang(unit, parent)
    return unit


@transaction.atomic
def do_save_unit(*, unit: Unit, user: User | None = None) -> Unit:
    """Create or correct a unit in place (the admin's data fix): its fields as given, its parent checked.

    The parent the instance carries is checked by `check_parent` (an out-of-reach parent is kept as it is stored,
    loops and out-of-scope parents are refused), and a change of parent rewrites the whole subtree's paths. This is
    a correction of the tree as it always was; a change of the tree from a date on is a reorganisation.
    """
    if unit.pk:
        Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk").get()
    parent = check_parent(unit=unit, parent=unit.parent, user=user)
    stored_parent_id = (
        Unit.objects.filter(pk=unit.pk).values_list("parent_id", flat=True).first() if unit.pk else None
    )
    unit.parent = parent
    unit.full_clean(exclude=["path", "parent"])
    creating = unit.pk is None
    unit.save()
    if creating or (parent.pk if parent else None) != stored_parent_id:
        if creating:
            unit.path = ""
        _rehang(unit, parent)
    return unit


@transaction.atomic
def do_move_unit(*, unit: Unit, new_parent: Unit | None, user: User | None = None) -> Unit:
    """Re-hang a unit and its subtree under another parent (a correction, in place), rewriting the paths."""
    Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk").get()
    parent = check_parent(unit=unit, parent=new_parent, user=user)
    _rehang(unit, parent)
    return unit


@transaction.atomic
def do_create_units(*, units: list[Unit], batch_size: int = 2000) -> list[Unit]:
    """Insert many new units at once (imports, the demo): parents before children, then their paths in bulk.

    Each unit's `parent` is None, a stored unit, or another unit of the list; ids may be given (the demo's are, to
    stay deterministic) or left to the database. New units have no descendants, so the only possible loop is among
    the list itself, which is refused.
    """
    in_batch = {id(u) for u in units}
    level: dict[int, int] = {}

    def parent_of(unit: Unit) -> Unit | None:
        return unit._state.fields_cache.get("parent")  # None when only parent_id (a stored unit) was given

    def level_of(unit: Unit) -> int:
        chain: list[Unit] = []
        at: Unit | None = unit
        while at is not None and id(at) in in_batch and id(at) not in level:
            if any(c is at for c in chain):
                raise ValidationError(f"Các đơn vị cấp trên khai báo vòng tròn, từ «{unit}».")
            chain.append(at)
            at = parent_of(at)
        base = level[id(at)] if at is not None and id(at) in level else -1
        for c in reversed(chain):
            base += 1
            level[id(c)] = base
        return level[id(unit)]

    levels: dict[int, list[Unit]] = {}
    for unit in units:
        levels.setdefault(level_of(unit), []).append(unit)
    for depth in sorted(levels):
        batch = levels[depth]
        for unit in batch:
            parent = parent_of(unit)
            if parent is not None:
                unit.parent_id = parent.pk
        Unit.objects.bulk_create(batch, batch_size=batch_size)
        for unit in batch:
            parent = parent_of(unit)
            if parent is None and unit.parent_id:
                parent = Unit.objects.only("path").get(pk=unit.parent_id)
            unit.path = (parent.path if parent is not None else "") + f"{unit.pk:06d}."
            unit.depth = len(unit.path) // SEGMENT_WIDTH - 1
        Unit.objects.bulk_update(batch, ["path", "depth"], batch_size=batch_size)
    return units
