"""Reorganisations from a workbook: each row one change (a split one row per new unit), run in order through the
tree's one writer, all or nothing; a preview runs them all and rolls back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction

from kiemdiem.accounts.models import User
from kiemdiem.imports.parsing import Sheet
from kiemdiem.imports.validation import (
    UNIT_KINDS,
    Errors,
    ImportRefused,
    Row,
    Tick,
    _choice_index,
    _each,
    iter_rows,
)
from kiemdiem.orgs.actions import (
    SplitPart,
    do_dissolve_unit,
    do_merge_units,
    do_move_subtree,
    do_rename_unit,
    do_split_unit,
)
from kiemdiem.orgs.models import Reorganisation, ReorganisationKind, Unit
from kiemdiem.orgs.queries import units_visible_to

KINDS = _choice_index(
    ReorganisationKind.choices,
    {
        "hợp nhất": "merge",
        "sáp nhập": "merge",
        "hop nhat": "merge",
        "chia tach": "split",
        "giai the": "dissolve",
        "chuyển": "move",
        "doi ten": "rename",
    },
)


class _Common(TypedDict):
    """What every reorganisation action of a step takes besides its units."""

    effective_on: datetime.date
    user: User
    decision: str


@dataclass
class Step:
    row: Row
    kind: str
    day: datetime.date
    codes: list[str]
    target: str
    new_code: str
    new_name: str
    new_kind: str
    new_parent: str
    children: list[str]
    decision: str
    parts: list[Step] = field(default_factory=list)  # a split: its other rows


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace(",", ";").split(";") if c.strip()]


def parse_reorganisations(sheet: Sheet, tick: Tick | None = None) -> list[Step]:
    from kiemdiem.imports.validation import SPECS

    errors = Errors()
    steps: list[Step] = []
    for row in _each(iter_rows(sheet, SPECS["reorganisation"], errors), tick):
        step = Step(
            row=row,
            kind=row.choice(
                "kind", KINDS, "Hợp nhất; Chia tách; Giải thể; Chuyển trực thuộc; Đổi tên", required=True
            ),
            day=row.date("effective_on", required=True),  # type: ignore[arg-type]  # None: the row is refused
            codes=_codes(row.text("units", 2000, required=True)),
            target=row.text("target", 40),
            new_code=row.text("new_code", 40),
            new_name=row.text("new_name", 255),
            new_kind=row.choice("new_kind", UNIT_KINDS, "xem trang Hướng dẫn"),
            new_parent=row.text("new_parent", 40),
            children=_codes(row.text("children", 4000)),
            decision=row.text("decision", 255),
        )
        if step.kind == "merge":
            if len(step.codes) < 2 and not step.target:
                row.error(
                    "units", "hợp nhất cần ít nhất hai mã đơn vị (cách nhau bởi dấu ;), hoặc một đơn vị nhận"
                )
            if not step.target and not (step.new_code and step.new_name and step.new_kind):
                row.error("new_code", "hợp nhất thành đơn vị mới cần mã, tên và loại đơn vị mới")
        elif step.kind in ("split", "dissolve", "move", "rename") and len(step.codes) != 1:
            row.error("units", "chỉ một mã đơn vị cho loại thay đổi này")
        if step.kind == "split" and not (step.new_code and step.new_name and step.new_kind):
            row.error("new_code", "mỗi dòng chia tách cần mã, tên và loại của một đơn vị mới")
        if step.kind == "move" and not step.target:
            row.error("target", "bắt buộc: mã đơn vị cấp trên mới")
        if step.kind == "rename" and not step.new_name:
            row.error("new_name", "bắt buộc: tên mới")
        last = steps[-1] if steps else None
        if (
            step.kind == "split"
            and last is not None
            and last.kind == "split"
            and last.codes == step.codes
            and last.day == step.day
        ):
            last.parts.append(step)
        else:
            steps.append(step)
    errors.refuse_if_any()
    return steps


def run_reorganisations(steps: list[Step], user: User, *, dry_run: bool) -> dict[str, object]:
    """Apply every step in order in one transaction; a failing step refuses the whole file (named by its row)."""
    reach = units_visible_to(user)
    done: list[Reorganisation] = []

    def unit(step: Step, code: str, column: str) -> Unit:
        found = reach.filter(code__iexact=code).valid_on(step.day).first()
        if found is None:
            raise _StepError(
                step.row,
                column,
                f"không tìm thấy đơn vị mã '{code}' còn hiệu lực ngày {step.day:%d/%m/%Y} trong phạm vi quản lý của đồng chí",
            )
        return found

    try:
        with transaction.atomic():
            for step in steps:
                common: _Common = {"effective_on": step.day, "user": user, "decision": step.decision}
                try:
                    if step.kind == "merge":
                        sources = [unit(step, c, "units") for c in step.codes]
                        if step.new_code:
                            parent = (
                                unit(step, step.new_parent, "new_parent")
                                if step.new_parent
                                else sources[0].parent
                            )
                            reorg = do_merge_units(
                                sources=sources,
                                code=step.new_code,
                                name=step.new_name,
                                kind=step.new_kind,
                                parent=parent,
                                **common,
                            )
                        else:
                            reorg = do_merge_units(
                                sources=sources, into=unit(step, step.target, "target"), **common
                            )
                    elif step.kind == "split":
                        parts = [
                            SplitPart(
                                code=s.new_code,
                                name=s.new_name,
                                kind=s.new_kind,
                                children=[unit(s, c, "children") for c in s.children],
                            )
                            for s in [step, *step.parts]
                        ]
                        reorg = do_split_unit(unit=unit(step, step.codes[0], "units"), parts=parts, **common)
                    elif step.kind == "dissolve":
                        receiver = unit(step, step.target, "target") if step.target else None
                        dissolved = unit(step, step.codes[0], "units")
                        reorg = do_dissolve_unit(
                            unit=dissolved,
                            children_to=receiver,
                            members_to=receiver if receiver is not None and receiver.is_cell else None,
                            **common,
                        )
                    elif step.kind == "move":
                        reorg = do_move_subtree(
                            unit=unit(step, step.codes[0], "units"),
                            new_parent=unit(step, step.target, "target"),
                            **common,
                        )
                    else:
                        reorg = do_rename_unit(
                            unit=unit(step, step.codes[0], "units"), name=step.new_name, **common
                        )
                except ValidationError as exc:
                    raise _StepError(step.row, None, " ".join(exc.messages).rstrip(".")) from None
                done.append(reorg)
            summary = _sum(done)
            if dry_run:
                raise _Preview(summary)
    except _Preview as preview:
        return preview.summary
    except _StepError as exc:
        errors = Errors()
        exc.row.errors = errors
        exc.row.error(exc.column, exc.message)
        raise ImportRefused([text for _, _, text in errors.items]) from None
    return summary


def _sum(done: list[Reorganisation]) -> dict[str, object]:
    counts: dict[str, int] = {}
    out: dict[str, list[object]] = {"lines": [], "ended": [], "begun": []}
    for reorg in done:
        for key, n in reorg.summary["counts"].items():
            counts[key] = counts.get(key, 0) + n
        for key in out:
            out[key] += reorg.summary[key]
    return {"reorganisations": len(done), "counts": counts, **out, "preview": True}


class _Preview(Exception):
    def __init__(self, summary: dict[str, object]) -> None:
        self.summary = summary


class _StepError(Exception):
    def __init__(self, row: Row, column: str | None, message: str) -> None:
        self.row, self.column, self.message = row, column, message
