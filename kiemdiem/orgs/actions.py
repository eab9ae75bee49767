"""State changes of the organisation tree; views, imports and commands all call these."""

from __future__ import annotations

import datetime

from django.db import transaction

from kiemdiem.orgs.models import SEGMENT_WIDTH, Unit


@transaction.atomic
def do_create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    valid_from: datetime.date = datetime.date(2000, 1, 1),
    valid_to: datetime.date | None = None,
) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.compute_path()
    unit.save(update_fields=["path", "depth"])
    return unit


@transaction.atomic
def do_move_unit(*, unit: Unit, new_parent: Unit) -> Unit:
    """Re-hang a unit and its subtree under another parent, rewriting the paths in one pass."""
    if new_parent.path.startswith(unit.path):
        raise ValueError(f"Không thể chuyển {unit} vào chính đơn vị cấp dưới của nó.")
    old_path = unit.path
    unit.parent = new_parent
    unit.compute_path()
    unit.save(update_fields=["parent", "path", "depth"])
    shift = len(unit.path) - len(old_path)
    for sub in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
        sub.path = unit.path + sub.path[len(old_path) :]
        sub.depth += shift // SEGMENT_WIDTH
        sub.save(update_fields=["path", "depth"])
    return unit
