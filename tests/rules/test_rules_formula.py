"""The province's results formula (HD 43 tiết 7.12): parsed as data, points from the register's percentages."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from kiemdiem.rules import BadInput
from kiemdiem.rules import formula as f
from kiemdiem.rules.cli import main

# facts: (completion, late, exceeded) as the register computes them
ALL_ON_TIME = {"task_completion_pct": 100.0, "tasks_overdue_pct": 0.0, "tasks_exceeded_pct": 0.0}
MIXED = {"task_completion_pct": 80.0, "tasks_overdue_pct": 20.0, "tasks_exceeded_pct": 20.0}
THIRD_EXCEEDED = {"task_completion_pct": 100.0, "tasks_overdue_pct": 0.0, "tasks_exceeded_pct": 33.3}
HALF_DONE = {"task_completion_pct": 50.0, "tasks_overdue_pct": 50.0, "tasks_exceeded_pct": 0.0}

LINEAR = "0,25 × hoàn thành"
DEDUCT = "15 - 0,25 × chậm - 0,5 × không hoàn thành"
STEPS = "vượt mức ≥ 30: 20; vượt mức ≥ 20: 15; còn lại: 10"
LATE_STEPS = "chậm tiến độ ≤ 0: 15\nchậm < 50: 8"


@pytest.mark.parametrize(
    ("text", "top", "facts", "points"),
    [
        (LINEAR, 25, ALL_ON_TIME, "25"),
        (LINEAR, 25, MIXED, "20"),
        (LINEAR, 25, HALF_DONE, "12.5"),
        (DEDUCT, 15, ALL_ON_TIME, "15"),
        (DEDUCT, 15, MIXED, "0"),  # 15 − 5 − 10
        (DEDUCT, 15, {**ALL_ON_TIME, "tasks_overdue_pct": 10.0}, "12.5"),
        (DEDUCT, 15, HALF_DONE, "0"),  # 15 − 12.5 − 25 < 0: kept at 0
        (STEPS, 20, ALL_ON_TIME, "10"),
        (STEPS, 20, MIXED, "15"),
        (STEPS, 20, THIRD_EXCEEDED, "20"),
        (LATE_STEPS, 15, ALL_ON_TIME, "15"),
        (LATE_STEPS, 15, MIXED, "8"),
        (LATE_STEPS, 15, HALF_DONE, "0"),  # no row met, no "còn lại": 0
        ("0,3 × đúng hạn", 30, MIXED, "18"),  # on time = done − late = 60
        ("1,5 × hoàn thành", 100, ALL_ON_TIME, "100"),  # kept at the item's maximum
        ("0,3 × vượt mức", 10, THIRD_EXCEEDED, "9.99"),  # rounded down to 0,01, never up
        ("hoan thanh * 0.1", 10, MIXED, "8"),  # written without diacritics, with * and a point
    ],
)
def test_points_follow_the_register_percentages(text, top, facts, points):
    data = f.parse(text, max_points=Decimal(top))
    shares = f.shares_from_facts(facts)
    assert shares is not None
    assert f.points(data, shares, max_points=Decimal(top)) == Decimal(points)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        (LINEAR, {"kind": "linear", "base": "0", "terms": [["done", "0.25"]]}),
        (DEDUCT, {"kind": "linear", "base": "15", "terms": [["late", "-0.25"], ["not_done", "-0.5"]]}),
        (
            STEPS,
            {
                "kind": "steps",
                "rows": [["exceeded", ">=", "30", "20"], ["exceeded", ">=", "20", "15"]],
                "else": "10",
            },
        ),
        (
            LATE_STEPS,
            {"kind": "steps", "rows": [["late", "<=", "0", "15"], ["late", "<", "50", "8"]], "else": "0"},
        ),
        ("", None),
        ("   ", None),
    ],
)
def test_a_formula_is_stored_as_data_and_written_back_as_text(text, data):
    parsed = f.parse(text, max_points=Decimal(20))
    assert parsed == data
    if data is not None:
        assert json.loads(json.dumps(parsed)) == parsed  # plain JSON, nothing to evaluate
        again = f.parse(f.to_text(parsed), max_points=Decimal(20))
        assert again == parsed
        assert f.validate(parsed, max_points=Decimal(20)) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "“abc” không phải là tỷ lệ của danh mục nhiệm vụ"),
        ("5", "phải dùng ít nhất một tỷ lệ"),
        ("hoàn thành - hoàn thành", "phải dùng ít nhất một tỷ lệ"),
        ("2 × 3 × hoàn thành", "mỗi số hạng chỉ nhân một hệ số với một tỷ lệ"),
        ("vượt mức ≥ 30: 25", "bậc 1: 25 điểm vượt điểm tối đa 20"),
        ("vượt mức ≥ 130: 5", "bậc 1: ngưỡng 130% vượt 100%"),
        ("còn lại: 5; vượt mức ≥ 30: 10", "bậc 1: “còn lại” chỉ viết một lần, ở bậc cuối"),
        ("vượt mức = 30: 10", "bậc 1: “vượt mức = 30” phải có dạng “tỷ lệ ≥ ngưỡng”"),
        ("vượt mức ≥ ba mươi: 10", "phải có dạng “tỷ lệ ≥ ngưỡng”"),
        ("vượt mức ≥ 30: mười", "bậc 1: “mười” không phải là số"),
        ("x" * 1001, "dài quá 1000 ký tự"),
    ],
)
def test_a_bad_formula_is_refused_saying_why(text, message):
    with pytest.raises(BadInput, match=message):
        f.parse(text, max_points=Decimal(20), label="Dòng 3")


def test_the_shares_are_those_the_conditions_read():
    assert f.shares_from_facts({}) is None  # nothing listed: no derived points
    assert f.shares_from_facts({"sick_leave_days": 3}) is None
    shares = f.shares_from_facts(MIXED)
    assert shares is not None
    assert shares.to_dict() == {"done": 80, "on_time": 60, "exceeded": 20, "late": 20, "not_done": 20}
    with pytest.raises(BadInput, match="task_completion_pct: phải là số phần trăm"):
        f.shares_from_facts({"task_completion_pct": 120})
    with pytest.raises(BadInput, match="tasks_overdue_pct"):
        f.shares_from_facts({"task_completion_pct": 100, "tasks_overdue_pct": True})


def test_the_rule_carries_its_citation_and_verified_flags():
    assert f.CITATION.text == "HD 43-HD/BTCTW, Mục 7, tiết 7.12"
    assert f.VERIFIED is True
    assert f.FILL_CITATION.document == "QĐ 366-QĐ/TW" and f.FILL_VERIFIED is False


REQUEST = {
    "facts": MIXED,
    "items": [
        {"code": "3", "max_points": 30, "formula": "0,3 × hoàn thành"},
        {"code": "4", "max_points": 20, "formula": STEPS},
        {"code": "5", "max_points": 20},
    ],
}


def test_the_command_line_derives_the_points():
    out, err = io.StringIO(), io.StringIO()
    assert main(["formula", "-"], io.StringIO(json.dumps(REQUEST)), out, err) == 0, err.getvalue()
    answer = json.loads(out.getvalue())
    assert [i["points"] for i in answer["items"]] == [24.0, 15.0, None]
    assert answer["derived_points"] == 39.0
    assert answer["shares"]["on_time"] == 60.0
    assert answer["citation"]["text"] == "HD 43-HD/BTCTW, Mục 7, tiết 7.12" and answer["verified"] is True
    bad = {**REQUEST, "items": [{"code": "3", "max_points": 30, "formula": "vượt mức ≥ 30: 40"}]}
    err = io.StringIO()
    assert main(["formula", "-"], io.StringIO(json.dumps(bad)), io.StringIO(), err) == 2
    assert "Tiêu chí 3, bậc 1: 40 điểm vượt điểm tối đa 30" in err.getvalue()
    assert (
        main(["formula", "-"], io.StringIO('{"facts": {}, "items": []}'), io.StringIO(), io.StringIO()) == 2
    )


def test_no_register_no_points():
    answer = f.derive_json({**REQUEST, "facts": {}})
    assert answer["shares"] is None and [i["points"] for i in answer["items"]] == [None, None, None]
    assert answer["derived_points"] == 0
