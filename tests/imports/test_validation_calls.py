"""The cost of validating a people file grows with the Python calls made per cell: 140,000 people are 2.4 million
cells, so each call a cell makes costs about a second of the 140k import (bench `import_140k_s`). A text or choice
cell is read by `Row.text`/`Row.choice` → `Row.raw` → its parser, without `is_blank` and a closure per cell (five
calls each before, three now; 95 → 62 a row): 4.45 → 3.38 s of CPU for the loop over 140,000 rows, the same plan."""

import sys

import pytest

from kiemdiem.imports import validation
from kiemdiem.imports.parsing import read_sheet
from tests.imports.helpers import person_row, xlsx

pytestmark = pytest.mark.django_db


def _calls_per_row(user, rows: int) -> float:  # type: ignore[no-untyped-def]
    sheet = read_sheet(
        xlsx("people", [person_row(f"NV{i}", "NH-001-01") for i in range(rows)]),
        preferred=validation.SPECS["people"].sheet,
    )
    calls = 0

    def count(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal calls
        if event == "call" and frame.f_code.co_filename == validation.__file__:
            calls += 1

    original = validation._match_people
    validation._match_people = lambda people, user, errors: validation.PeoplePlan(
        new=people
    )  # the loop alone
    sys.setprofile(count)
    try:
        plan = validation.validate_people(sheet, user)
    finally:
        sys.setprofile(None)
        validation._match_people = original
    assert len(plan.new) == rows and all(row.ok for row, _ in plan.new)
    return calls / rows


def test_a_people_row_is_validated_in_a_bounded_number_of_python_calls(district_officer, world):
    per_row = _calls_per_row(district_officer, 50)
    # 17 columns read (a few twice), with the row's own checks: 95 calls a row before, 62 now.
    assert per_row <= 64, per_row
