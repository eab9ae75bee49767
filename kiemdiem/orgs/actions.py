"""State changes of the organisation tree; views, imports, the admin and commands all call these.

The tree is a materialised path (`Unit.path`): every write that sets a parent goes through `_rehang`, which refuses
loops and rewrites the whole subtree's paths and depths in one UPDATE, so the scoped reads never see a stale path.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Q, Value, When
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from kiemdiem.accounts.apikit import hash_secret, new_secret
from kiemdiem.accounts.models import ApiAccess, ApiKey, ApiKeyEvent, ApiKeyEventKind, User, UserRole
from kiemdiem.orgs.models import (
    CELL_KINDS,
    GRASSROOTS_KINDS,
    SEGMENT_WIDTH,
    CellMembership,
    LeadershipCollective,
    Person,
    Position,
    Reorganisation,
    Succession,
    Unit,
    UnitName,
    search_text_of,
)
from kiemdiem.vietnamese import format_number, text_sort_key


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
                unit.parent = parent  # now saved: sets parent_id and keeps the object (the id alone drops it)
        Unit.objects.bulk_create(batch, batch_size=batch_size)
        stored = {u.parent_id for u in batch if u.parent_id and parent_of(u) is None}
        paths: dict[int | None, str] = (
            dict(Unit.objects.filter(pk__in=stored).values_list("pk", "path")) if stored else {}
        )
        for unit in batch:
            parent = parent_of(unit)
            prefix = parent.path if parent is not None else paths.get(unit.parent_id, "")
            unit.path = prefix + f"{unit.pk:06d}."
            unit.depth = len(unit.path) // SEGMENT_WIDTH - 1
        Unit.objects.bulk_update(batch, ["path", "depth"], batch_size=batch_size)
    return units


# -- Reorganisation: the tree changes from a date on ---------------------------------------------------------------
#
# A unit that changes place ends the day before the effective date and a new version of it (same code, valid from
# that date) begins under its new parent, with its own new subtree: the old versions keep their paths, so an old
# cycle's evaluations, reports and tallies keep reading the old tree. A unit that itself began on the effective date
# (made by an earlier step of the same reorganisation) is moved in place. Members, positions, leadership
# collectives and accounts follow the new versions with dates; nothing is deleted.


class _Rollback(Exception):
    """Undo a preview: the reorganisation was run to show exactly what it would write."""


class _Run:
    """One reorganisation being applied: what it ended, began and moved, for the record and the preview."""

    def __init__(self, reorg: Reorganisation, user: User | None) -> None:
        self.reorg = reorg
        self.day = reorg.effective_on
        self.eve = reorg.effective_on - datetime.timedelta(days=1)
        self.user = user
        self.ended: list[Unit] = []
        self.begun: list[Unit] = []
        self.moved_in_place: list[Unit] = []
        self.members = 0
        self.positions = 0
        self.collectives = 0
        self.users_moved: list[str] = []
        self.users_left: list[str] = []
        self.lines: list[str] = []
        self.successions: list[Succession] = []

    # Checks ------------------------------------------------------------------------------------------------------

    def reach(self, *units: Unit) -> None:
        visible = _visible_ids(self.user, [u.pk for u in units])
        for unit in units:
            if visible is not None and unit.pk not in visible:
                raise ValidationError(f"«{unit}» nằm ngoài phạm vi quản lý của bạn.")

    def in_force(self, unit: Unit) -> None:
        unit.refresh_from_db()
        if not (unit.valid_from <= self.day and (unit.valid_to is None or unit.valid_to >= self.day)):
            raise ValidationError(
                f"«{unit}» ({unit.code}) không còn hiệu lực vào ngày {self.day:%d/%m/%Y} "
                f"(hiệu lực {_period(unit)})."
            )

    def can_end(self, unit: Unit) -> None:
        self.in_force(unit)
        if unit.valid_from >= self.day:
            raise ValidationError(
                f"«{unit}» ({unit.code}) bắt đầu từ chính ngày {self.day:%d/%m/%Y} nên không thể kết thúc trước "
                "ngày đó; hãy sắp xếp từ cấp dưới lên (hợp nhất cơ sở trước, giải thể cấp trên sau)."
            )
        later = Unit.objects.subtree_of(unit).filter(valid_from__gt=self.day).first()
        if later:
            raise ValidationError(
                f"«{later}» ({later.code}) bắt đầu sau ngày {self.day:%d/%m/%Y}: đã có thay đổi muộn hơn trong "
                f"«{unit}», không sắp xếp lùi ngày được."
            )

    # Writes ------------------------------------------------------------------------------------------------------

    def end(self, unit: Unit) -> None:
        """End a unit, its collectives and their positions the day before the effective date."""
        Unit.objects.filter(pk=unit.pk).update(valid_to=self.eve)
        self.ended.append(unit)
        self._end_leadership([unit.pk])

    def _end_leadership(self, unit_ids: list[int]) -> None:
        live = Q(valid_to__isnull=True) | Q(valid_to__gte=self.day)
        Position.objects.filter(live, unit_id__in=unit_ids).update(valid_to=self.eve)
        LeadershipCollective.objects.filter(live, unit_id__in=unit_ids).update(valid_to=self.eve)

    def new_unit(self, *, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
        if parent is not None:
            self.in_force(parent)
        unit = Unit(code=code, name=name, kind=kind, parent=parent, valid_from=self.day)
        parent = check_parent(unit=unit, parent=parent, user=self.user)
        try:
            unit.full_clean(exclude=["path", "parent"])
        except ValidationError as exc:
            raise ValidationError(f"Đơn vị mới «{name}» ({code}): " + "; ".join(exc.messages)) from None
        clash = Unit.objects.filter(code__iexact=code).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.day)
        )
        clash = clash.exclude(pk__in=[u.pk for u in self.ended])
        if clash.exists():
            raise ValidationError(f"Mã «{code}» đang được một đơn vị khác dùng vào ngày {self.day:%d/%m/%Y}.")
        unit.save()
        _rehang(unit, parent)
        self.begun.append(unit)
        return unit

    def move_members(self, source: Unit, target: Unit) -> int:
        """Move the people whose home cell is `source` to `target` from the effective date, keeping where they were."""
        people = Person.objects.filter(home_cell=source)
        n = people.count()
        if not n:
            return 0
        if not target.is_cell:
            raise ValidationError(
                f"«{source}» còn {format_number(n)} đảng viên sinh hoạt; đơn vị nhận «{target}» không phải là chi bộ."
            )
        CellMembership.objects.bulk_create(
            [
                CellMembership(
                    person_id=pk,
                    cell_id=source.pk,
                    valid_from=since,
                    valid_to=self.eve,
                    reorganisation=self.reorg,
                )
                for pk, since in people.values_list("pk", "home_cell_since")
            ],
            batch_size=2000,
        )
        people.update(home_cell=target, home_cell_since=self.day)
        Person.objects.filter(temporary_cell=source).update(temporary_cell=target)
        self.members += n
        return n

    def carry(self, roots: Unit | list[Unit], new_parent: Unit) -> dict[int, Unit]:
        """Hang the roots' subtrees (as in force on the day) under `new_parent` from the day on, in one pass.

        Returns old id → the unit that stands for it from the day on (a new version, or itself when it began that day).
        """
        roots = [roots] if isinstance(roots, Unit) else list(roots)
        if not roots:
            return {}
        if len(roots) > 200:  # keeps the OR of path prefixes small; each batch is still one pass
            mapping: dict[int, Unit] = {}
            for at in range(0, len(roots), 200):
                mapping |= self.carry(roots[at : at + 200], new_parent)
            return mapping
        root_ids = {r.pk for r in roots}
        prefixes = Q(pk__in=[])
        for r in roots:
            prefixes |= Q(path__startswith=r.path)
        units = list(Unit.objects.filter(prefixes).valid_on(self.day).order_by("path"))
        target_path = Unit.objects.filter(pk=new_parent.pk).values_list("path", flat=True).get()
        for root in roots:
            if target_path.startswith(root.path):
                raise ValidationError(
                    f"Không thể chuyển «{root}» vào «{new_parent}», một đơn vị cấp dưới của nó."
                )
        new_parent.path = target_path
        mapping = {}
        versions: list[tuple[Unit, Unit]] = []
        by_depth: dict[int, list[Unit]] = {}
        for unit in units:
            if unit.pk in root_ids:
                parent: Unit | None = new_parent
            else:
                parent = mapping.get(unit.parent_id) if unit.parent_id is not None else None
            if parent is None:
                raise ValidationError(
                    f"«{unit}» ({unit.code}) còn hiệu lực ngày {self.day:%d/%m/%Y} nhưng cấp trên của nó thì không; "
                    "hãy sửa thời gian hiệu lực trước."
                )
            if unit.valid_from >= self.day:
                unit.parent = parent
                mapping[unit.pk] = unit
                self.moved_in_place.append(unit)
            else:
                version = Unit(
                    code=unit.code,
                    name=unit.name,
                    kind=unit.kind,
                    parent=parent,
                    valid_from=self.day,
                    valid_to=unit.valid_to,
                    established_on=unit.established_on,
                )
                mapping[unit.pk] = version
                versions.append((unit, version))
            by_depth.setdefault(unit.depth, []).append(mapping[unit.pk])
        Unit.objects.filter(pk__in=[old.pk for old, _ in versions]).update(valid_to=self.eve)
        for depth in sorted(by_depth):
            level = by_depth[depth]
            fresh = [u for u in level if u.pk is None]
            for u in fresh:
                u.parent = (
                    u.parent
                )  # now saved: sets parent_id and keeps the object (setting the id alone drops it)
            Unit.objects.bulk_create(fresh, batch_size=2000)
            for u in level:
                u.path = u.parent.path + f"{u.pk:06d}."  # type: ignore[union-attr]  # set just above, from mapping
                u.depth = len(u.path) // SEGMENT_WIDTH - 1
            Unit.objects.bulk_update(level, ["parent", "path", "depth"], batch_size=2000)
        for old, version in versions:
            self.ended.append(old)
            self.begun.append(version)
            self.successions.append(Succession(reorganisation=self.reorg, predecessor=old, successor=version))
        successor = {old.pk: version.pk for old, version in versions}
        for chunk in _chunks(list(successor.items()), 500):  # one CASE per chunk, never a query per unit
            self._follow(dict(chunk))
        return mapping

    def _follow(self, successor: dict[int, int]) -> None:
        """Members, cadres' managing units, leadership and accounts of ended units follow their new versions."""
        old_ids = list(successor)
        people = Person.objects.filter(home_cell_id__in=old_ids)
        rows = list(people.values_list("pk", "home_cell_id", "home_cell_since"))
        CellMembership.objects.bulk_create(
            [
                CellMembership(
                    person_id=pk, cell_id=cell, valid_from=since, valid_to=self.eve, reorganisation=self.reorg
                )
                for pk, cell, since in rows
            ],
            batch_size=2000,
        )
        self.members += len(rows)
        if rows:
            people.update(home_cell_id=_case("home_cell_id", successor), home_cell_since=self.day)
        for fk in ("temporary_cell_id", "managing_unit_id"):
            moved = Person.objects.filter(**{f"{fk}__in": old_ids})
            if moved.exists():
                moved.update(**{fk: _case(fk, successor)})
        live = Q(valid_to__isnull=True) | Q(valid_to__gte=self.day)
        old_collectives = list(LeadershipCollective.objects.filter(live, unit_id__in=old_ids))
        new_collectives = [
            LeadershipCollective(
                unit_id=successor[c.unit_id],
                kind=c.kind,
                name=c.name,
                valid_from=self.day,
                valid_to=c.valid_to,
            )
            for c in old_collectives
        ]
        LeadershipCollective.objects.bulk_create(new_collectives, batch_size=2000)
        collective_of = {old.pk: new.pk for old, new in zip(old_collectives, new_collectives, strict=True)}
        positions = list(Position.objects.filter(live, unit_id__in=old_ids))
        self._end_leadership(old_ids)
        Position.objects.bulk_create(
            [
                Position(
                    person_id=p.person_id,
                    unit_id=successor[p.unit_id],
                    collective_id=collective_of.get(p.collective_id) if p.collective_id else None,
                    title=p.title,
                    role=p.role,
                    valid_from=self.day,
                    valid_to=p.valid_to,
                )
                for p in positions
            ],
            batch_size=2000,
        )
        self.collectives += len(new_collectives)
        self.positions += len(positions)
        from kiemdiem.accounts.models import User

        for account in User.objects.filter(unit_id__in=old_ids):
            account.unit_id = successor[account.unit_id]  # type: ignore[index]  # unit_id__in=old_ids: never None
            account.save(update_fields=["unit"])
            self.users_moved.append(account.username)
        through = User.assigned_units.through
        for link in through.objects.filter(unit_id__in=old_ids).select_related("user"):
            through.objects.get_or_create(user_id=link.user_id, unit_id=successor[link.unit_id])
            link.delete()
            self.users_moved.append(link.user.username)

    def _carry_users(self, old: Unit, new: Unit) -> None:
        from kiemdiem.accounts.models import User

        for account in User.objects.filter(unit=old):
            account.unit = new
            account.save(update_fields=["unit"])
            self.users_moved.append(account.username)
        for account in User.objects.filter(assigned_units=old):
            account.assigned_units.remove(old)
            account.assigned_units.add(new)
            self.users_moved.append(account.username)

    def leave_users(self, unit: Unit) -> None:
        from kiemdiem.accounts.models import User

        self.users_left += [
            u.username for u in User.objects.filter(Q(unit=unit) | Q(assigned_units=unit)).distinct()
        ]

    def summary(self) -> dict[str, object]:
        everyone = [*self.ended, *self.begun, *self.moved_in_place]
        names: dict[int, str] = {}
        for u in everyone:  # parents at hand (new versions, in-place units) are not looked up again
            cached = u._state.fields_cache.get("parent")
            if cached is not None:
                names[cached.pk] = cached.name
        wanted = {u.parent_id for u in everyone if u.parent_id and u.parent_id not in names}
        names |= dict(Unit.objects.filter(pk__in=wanted).values_list("pk", "name"))

        def row(u: Unit) -> dict[str, object]:
            parent = names.get(u.parent_id, "") if u.parent_id else ""
            return {"id": u.pk, "code": u.code, "name": u.name, "parent": parent}

        return {
            "lines": self.lines,
            "ended": [row(u) for u in self.ended],
            "begun": [row(u) for u in self.begun],
            "moved_in_place": [row(u) for u in self.moved_in_place],
            "counts": {
                "units_ended": len(self.ended),
                "units_begun": len(self.begun),
                "members_moved": self.members,
                "positions_moved": self.positions,
                "collectives_moved": self.collectives,
            },
            "users_moved": sorted(set(self.users_moved)),
            "users_to_reassign": sorted(set(self.users_left)),
        }


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _case(field_name: str, mapping: dict[int, int]) -> Case:
    return Case(
        *[When(**{field_name: old}, then=Value(new)) for old, new in mapping.items()],
        default=F(field_name),
        output_field=BigIntegerField(),
    )


def _period(unit: Unit) -> str:
    end = f"{unit.valid_to:%d/%m/%Y}" if unit.valid_to else "nay"
    return f"{unit.valid_from:%d/%m/%Y}–{end}"


def _reorganise(
    kind: str,
    *,
    effective_on: datetime.date,
    user: User | None,
    decision: str,
    dry_run: bool,
    body: Callable[[_Run], None],
) -> Reorganisation:
    """Run one reorganisation atomically and record it; a dry run writes it all, reads the record, and rolls back."""
    outcome: Reorganisation | None = None
    try:
        with transaction.atomic():
            reorg = Reorganisation.objects.create(
                kind=kind, effective_on=effective_on, decision=decision, created_by=user
            )
            run = _Run(reorg, user)
            body(run)
            Succession.objects.bulk_create(run.successions, batch_size=2000)
            reorg.summary = run.summary()
            reorg.save(update_fields=["summary"])
            outcome = reorg
            if dry_run:
                raise _Rollback
    except _Rollback:
        assert outcome is not None
        outcome.pk = None
        outcome.id = None
    return outcome


def _d(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def do_merge_units(
    *,
    sources: list[Unit],
    effective_on: datetime.date,
    into: Unit | None = None,
    code: str = "",
    name: str = "",
    kind: str = "",
    parent: Unit | None = None,
    user: User | None = None,
    decision: str = "",
    dry_run: bool = False,
) -> Reorganisation:
    """Merge units from a date: into an existing unit (`into`) or a new one (`code`, `name`, `kind`, `parent`).

    Each source ends the day before; its subtree in force moves under the merged unit as new versions, its members
    (a cell's) move to it, its leadership collectives end (the merged unit's are appointed anew), its accounts
    follow the merged unit.
    """

    def body(run: _Run) -> None:
        if not sources or (into is None and len(sources) < 2):
            raise ValidationError(
                "Cần ít nhất hai đơn vị để hợp nhất (hoặc một đơn vị sáp nhập vào đơn vị khác)."
            )
        run.reach(*sources, *([into] if into else []), *([parent] if parent else []))
        for source in sources:
            run.can_end(source)
        paths = [s.path for s in sources]
        for source in sources:
            if any(source.path != p and source.path.startswith(p) for p in paths):
                raise ValidationError(f"«{source}» nằm trong một đơn vị khác cũng được hợp nhất.")
        if into is not None:
            run.in_force(into)
            if any(into.path.startswith(p) for p in paths):
                raise ValidationError(f"Đơn vị nhận «{into}» nằm trong một đơn vị bị hợp nhất.")
            target = into
        else:
            if not (code and name and kind):
                raise ValidationError("Đơn vị mới cần có mã, tên và loại.")
            if parent is not None and any(parent.path.startswith(p) for p in paths):
                raise ValidationError(f"Cấp trên «{parent}» nằm trong một đơn vị bị hợp nhất.")
            target = run.new_unit(code=code, name=name, kind=kind, parent=parent)
        names = ", ".join(f"{s.name} ({s.code})" for s in sources)
        run.lines.append(f"Hợp nhất {names} thành {target.name} ({target.code}) từ ngày {_d(run.day)}.")
        run.carry(list(Unit.objects.filter(parent__in=sources).valid_on(run.day).order_by("path")), target)
        for source in sources:
            run.move_members(source, target)
            Person.objects.filter(managing_unit=source).update(managing_unit=target)
            run._carry_users(source, target)
            run.end(source)
            run.successions.append(Succession(reorganisation=run.reorg, predecessor=source, successor=target))

    return _reorganise(
        "merge", effective_on=effective_on, user=user, decision=decision, dry_run=dry_run, body=body
    )


@dataclass
class SplitPart:
    """One unit a split makes: its code, name and kind, the children and (for a cell) the members it takes."""

    code: str
    name: str
    kind: str
    children: list[Unit] = field(default_factory=list)
    members: list[Person] = field(default_factory=list)


def do_split_unit(
    *,
    unit: Unit,
    parts: list[SplitPart],
    effective_on: datetime.date,
    user: User | None = None,
    decision: str = "",
    dry_run: bool = False,
) -> Reorganisation:
    """Split a unit into new units under the same parent; every child and member in force goes to exactly one."""

    def body(run: _Run) -> None:
        if len(parts) < 2:
            raise ValidationError("Chia tách cần ít nhất hai đơn vị mới.")
        run.reach(unit)
        run.can_end(unit)
        children = {c.pk: c for c in Unit.objects.filter(parent=unit).valid_on(run.day)}
        members = set(Person.objects.filter(home_cell=unit).values_list("pk", flat=True))
        taken: dict[int, str] = {}
        for part in parts:
            for child in part.children:
                if child.pk not in children:
                    raise ValidationError(
                        f"«{child}» không phải đơn vị trực thuộc «{unit}» vào ngày {_d(run.day)}."
                    )
                if child.pk in taken:
                    raise ValidationError(f"«{child}» được giao cho cả {taken[child.pk]} và {part.code}.")
                taken[child.pk] = part.code
        missing = [c for pk, c in children.items() if pk not in taken]
        if missing:
            raise ValidationError(
                "Chưa giao cho đơn vị mới nào: " + ", ".join(f"{c.name} ({c.code})" for c in missing) + "."
            )
        given: set[int] = set()
        for part in parts:
            for person in part.members:
                if person.pk not in members or person.pk in given:
                    raise ValidationError(
                        f"{person} ({person.code}) không sinh hoạt tại «{unit}» hoặc bị giao hai lần."
                    )
                given.add(person.pk)
        if members - given:
            raise ValidationError(
                f"Còn {format_number(len(members - given))} đảng viên của «{unit}» chưa được giao cho đơn vị mới."
            )
        parent = unit.parent
        run.lines.append(
            f"Chia tách {unit.name} ({unit.code}) thành {format_number(len(parts))} đơn vị từ ngày {_d(run.day)}."
        )
        made = []
        for part in parts:
            new = run.new_unit(code=part.code, name=part.name, kind=part.kind, parent=parent)
            made.append(new)
            run.carry(part.children, new)
            if part.members:
                if not new.is_cell:
                    raise ValidationError(f"«{new}» nhận đảng viên nên phải là chi bộ.")
                ids = [p.pk for p in part.members]
                CellMembership.objects.bulk_create(
                    [
                        CellMembership(
                            person_id=pk,
                            cell_id=unit.pk,
                            valid_from=since,
                            valid_to=run.eve,
                            reorganisation=run.reorg,
                        )
                        for pk, since in Person.objects.filter(pk__in=ids).values_list(
                            "pk", "home_cell_since"
                        )
                    ]
                )
                Person.objects.filter(pk__in=ids).update(home_cell=new, home_cell_since=run.day)
                run.members += len(ids)
            run.successions.append(Succession(reorganisation=run.reorg, predecessor=unit, successor=new))
        run.leave_users(unit)
        run.end(unit)

    return _reorganise(
        "split", effective_on=effective_on, user=user, decision=decision, dry_run=dry_run, body=body
    )


def do_dissolve_unit(
    *,
    unit: Unit,
    effective_on: datetime.date,
    children_to: Unit | None = None,
    members_to: Unit | None = None,
    user: User | None = None,
    decision: str = "",
    dry_run: bool = False,
) -> Reorganisation:
    """Dissolve a unit from a date: its children in force move under `children_to`, its members to `members_to`."""

    def body(run: _Run) -> None:
        run.reach(unit, *([children_to] if children_to else []), *([members_to] if members_to else []))
        run.can_end(unit)
        children = list(Unit.objects.filter(parent=unit).valid_on(run.day).order_by("path"))
        if children and children_to is None:
            raise ValidationError(
                f"«{unit}» còn {format_number(len(children))} đơn vị trực thuộc; hãy chọn đơn vị nhận các đơn vị này."
            )
        if children_to is not None:
            run.in_force(children_to)
            if children_to.path.startswith(unit.path):
                raise ValidationError(f"Đơn vị nhận «{children_to}» nằm trong đơn vị bị giải thể.")
        if Person.objects.filter(home_cell=unit).exists() and members_to is None:
            raise ValidationError(
                f"«{unit}» còn đảng viên sinh hoạt; hãy chọn chi bộ nhận các đảng viên này."
            )
        run.lines.append(f"Giải thể {unit.name} ({unit.code}) từ ngày {_d(run.day)}.")
        if children_to is not None:  # refused above when there are children and no receiving unit
            run.carry(children, children_to)
        if members_to is not None:
            run.in_force(members_to)
            run.move_members(unit, members_to)
        run.leave_users(unit)
        run.end(unit)

    return _reorganise(
        "dissolve", effective_on=effective_on, user=user, decision=decision, dry_run=dry_run, body=body
    )


def do_move_subtree(
    *,
    unit: Unit,
    new_parent: Unit,
    effective_on: datetime.date,
    user: User | None = None,
    decision: str = "",
    dry_run: bool = False,
) -> Reorganisation:
    """Move a unit and its subtree under another parent from a date (a correction of the past is `do_move_unit`)."""

    def body(run: _Run) -> None:
        run.reach(unit, new_parent)
        run.in_force(unit)
        run.in_force(new_parent)
        if unit.parent_id == new_parent.pk:
            raise ValidationError(f"«{unit}» đã trực thuộc «{new_parent}».")
        if new_parent.path.startswith(unit.path):
            raise ValidationError(
                f"Không thể chuyển «{unit}» vào «{new_parent}», một đơn vị cấp dưới của nó."
            )
        run.lines.append(
            f"Chuyển {unit.name} ({unit.code}) về trực thuộc {new_parent.name} từ ngày {_d(run.day)}."
        )
        if unit.valid_from < run.day:
            run.can_end(unit)
        run.carry(unit, new_parent)

    return _reorganise(
        "move", effective_on=effective_on, user=user, decision=decision, dry_run=dry_run, body=body
    )


def do_rename_unit(
    *,
    unit: Unit,
    name: str,
    effective_on: datetime.date,
    user: User | None = None,
    decision: str = "",
    dry_run: bool = False,
) -> Reorganisation:
    """Rename a unit from a date: the unit, its subtree and its evaluations stay; the former name is kept, dated."""

    def body(run: _Run) -> None:
        run.reach(unit)
        run.in_force(unit)
        new_name = name.strip()
        if not new_name or new_name == unit.name:
            raise ValidationError("Tên mới phải khác tên hiện tại.")
        if len(new_name) > 255:
            raise ValidationError("Tên mới dài quá 255 ký tự.")
        run.lines.append(f"Đổi tên {unit.name} ({unit.code}) thành {new_name} từ ngày {_d(run.day)}.")
        if unit.valid_from < run.day:
            UnitName.objects.create(unit=unit, name=unit.name, valid_to=run.eve, reorganisation=run.reorg)
        Unit.objects.filter(pk=unit.pk).update(
            name=new_name, search_text=search_text_of(new_name), sort_key=text_sort_key(new_name)
        )
        unit.name = new_name

    return _reorganise(
        "rename", effective_on=effective_on, user=user, decision=decision, dry_run=dry_run, body=body
    )


# -- API keys for other systems (issued and revoked here: a key's scope is a unit of the tree) ---------------------

KEY_MANAGER_ROLES = frozenset({UserRole.PROVINCE_ADMIN, UserRole.DISTRICT_OFFICER})


def can_manage_api_keys(user: User) -> bool:
    """Province and district (affiliated) officers issue keys for their own subtree; inspectors only read."""
    return bool(user.is_active and (user.is_superuser or (user.is_staff and user.role in KEY_MANAGER_ROLES)))


def _key_role(unit: Unit, access: str) -> str:
    if access != ApiAccess.READ_WRITE:
        return UserRole.INSPECTOR  # reads the whole subtree, writes nothing anywhere
    if unit.kind in GRASSROOTS_KINDS or unit.kind in CELL_KINDS:
        return UserRole.CELL_SECRETARY
    return UserRole.DISTRICT_OFFICER


@transaction.atomic
def do_issue_api_key(*, issued_by: User, name: str, unit: Unit, access: str) -> tuple[ApiKey, str]:
    """Issue a key scoped to the unit's subtree; return it with its secret, which is stored only as a hash."""
    if not can_manage_api_keys(issued_by):
        raise PermissionDenied("Đồng chí không có quyền cấp khóa API.")
    from kiemdiem.orgs.queries import units_visible_to

    if not units_visible_to(issued_by).filter(pk=unit.pk).exists():
        raise PermissionDenied("Chỉ được cấp khóa API trong phạm vi đơn vị mình phụ trách.")
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Nhập tên hệ thống sử dụng khóa."})
    if access not in ApiAccess.values:
        raise ValidationError({"access": "Quyền của khóa phải là “Chỉ đọc” hoặc “Đọc và ghi”."})
    prefix, secret = new_secret()
    account = User(
        username=f"api-{prefix}",
        first_name=name[:150],
        role=_key_role(unit, access),
        unit=unit,
        is_active=True,
    )
    account.set_unusable_password()  # the key's account never logs in to the pages
    account.save()
    key = ApiKey.objects.create(
        name=name,
        unit=unit,
        access=access,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        user=account,
        issued_by=issued_by,
    )
    ApiKeyEvent.objects.create(
        key=key,
        kind=ApiKeyEventKind.ISSUE,
        actor=issued_by,
        note=f"Phạm vi: {unit.name}; quyền: {key.get_access_display()}."[:300],
    )
    return key, secret


@transaction.atomic
def do_revoke_api_key(*, key: ApiKey, revoked_by: User) -> ApiKey:
    """Revoke a key at once: its account is deactivated and every later request with it is a 401."""
    from kiemdiem.orgs.queries import units_visible_to

    if (
        not can_manage_api_keys(revoked_by)
        or not units_visible_to(revoked_by).filter(pk=key.unit_id).exists()
    ):
        raise PermissionDenied("Đồng chí không có quyền thu hồi khóa API này.")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.revoked_by = revoked_by
    key.save(update_fields=["revoked_at", "revoked_by"])
    User.objects.filter(pk=key.user_id).update(is_active=False)
    ApiKeyEvent.objects.create(key=key, kind=ApiKeyEventKind.REVOKE, actor=revoked_by)
    return key


@transaction.atomic
def do_update_people(
    *, updates: list[tuple[int, dict[str, object]]], on: datetime.date, batch_size: int = 2000
) -> int:
    """Write changed fields of existing people (by id, values already validated); a change of cell is dated.

    A member who changes cell belonged to the old one until the day before `on` (a `CellMembership`) and to the new
    one from `on`, so a cycle of an earlier period still counts them where they were.
    """
    if not updates:
        return 0
    ids = [pk for pk, _ in updates]
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    fields: set[str] = set()
    history: list[CellMembership] = []
    eve = on - datetime.timedelta(days=1)
    for pk, changes in updates:
        person = people[pk]
        if "home_cell_id" in changes and changes["home_cell_id"] != person.home_cell_id:
            if person.home_cell_id and (person.home_cell_since is None or person.home_cell_since <= eve):
                history.append(
                    CellMembership(
                        person_id=pk,
                        cell_id=person.home_cell_id,
                        valid_from=person.home_cell_since,
                        valid_to=eve,
                    )
                )
            person.home_cell_since = on
            fields.add("home_cell_since")
        for attname, value in changes.items():
            setattr(person, attname, value)
            fields.add(attname)
    Person.objects.bulk_update(list(people.values()), sorted(fields), batch_size=batch_size)
    CellMembership.objects.bulk_create(history, batch_size=batch_size)
    return len(people)
