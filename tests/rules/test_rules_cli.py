"""`kiemdiem rules check|show` through cli.main: exit codes 0/1/2 and clear errors, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kiemdiem.rules.cli import main

VALID = {
    "year": 2021,
    "subjects": [
        {"id": "so", "type": "agency", "rating": "HTT"},
        {"id": "bgd", "type": "leadership_collective", "unit": "so", "rating": "HTT"},
        {"id": "gd", "type": "leader", "role": "head", "collective": "bgd", "rating": "HTT"},
    ],
}


def _run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def _with(**changes: object) -> dict:
    data = json.loads(json.dumps(VALID))
    data.update(changes)
    return data


def _subjects(*extra: dict) -> dict:
    return _with(subjects=[*VALID["subjects"], *extra])


def test_it_exits_0_for_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(VALID), encoding="utf-8")
    code, out, err = _run(["check", str(path)])
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["valid"] is True and result["regime"] == "QD132_HD21"
    assert out.startswith("{\n  ")  # indent 2


def test_it_exits_1_with_findings_from_stdin() -> None:
    data = _subjects({"id": "pgd", "type": "leader", "role": "deputy", "collective": "bgd", "rating": "HTXS"})
    code, out, err = _run(["check", "-"], json.dumps(data))
    assert code == 1 and err == ""
    result = json.loads(out)
    assert result["valid"] is False
    assert result["findings"][0]["code"] == "HEAD_ABOVE_COLLECTIVE"
    assert "Cấp phó" in out  # ensure_ascii=False: Vietnamese as is
    assert result["findings"][0]["citation"]["document"] == "CV 854-CV/TU"


BAD = [
    ("malformed JSON", '{"year": 2021, "subjects": [', "JSON không hợp lệ"),
    ("not an object", "[1, 2]", "đối tượng JSON"),
    ("missing year", json.dumps({"subjects": []}), "year"),
    ("unsupported year", json.dumps({"year": 2010, "subjects": []}), "2010"),
    ("unknown top-level field", json.dumps(_with(extra=1)), "extra"),
    (
        "unknown rating code",
        json.dumps(_subjects({"id": "x", "type": "party_member", "rating": "XUAT_SAC"})),
        "XUAT_SAC",
    ),
    ("duplicate id", json.dumps(_subjects({"id": "so", "type": "agency", "rating": "HT"})), "bị trùng"),
    (
        "dangling collective",
        json.dumps(
            _subjects({"id": "x", "type": "leader", "role": "head", "collective": "nope", "rating": "HT"})
        ),
        "nope",
    ),
    (
        "dangling unit",
        json.dumps(_subjects({"id": "x", "type": "leadership_collective", "unit": "ghost", "rating": "HT"})),
        "ghost",
    ),
    (
        "dangling child",
        json.dumps(
            _subjects({"id": "cb", "type": "party_organization", "children": ["dv404"], "rating": "HT"})
        ),
        "dv404",
    ),
    (
        "reference to the wrong kind",
        json.dumps(
            _subjects({"id": "x", "type": "leader", "role": "head", "collective": "so", "rating": "HT"})
        ),
        "leadership_collective",
    ),
    (
        "unknown subject type",
        json.dumps(_subjects({"id": "x", "type": "citizen", "rating": "HT"})),
        "citizen",
    ),
    (
        "unknown subject field",
        json.dumps(_subjects({"id": "x", "type": "party_member", "rating": "HT", "nickname": "a"})),
        "nickname",
    ),
    (
        "field of another type",
        json.dumps(_subjects({"id": "x", "type": "party_member", "rating": "HT", "role": "head"})),
        "role",
    ),
    (
        "unknown fact",
        json.dumps(_subjects({"id": "x", "type": "party_member", "rating": "HT", "facts": {"lucky": True}})),
        "lucky",
    ),
    (
        "fact of the wrong type",
        json.dumps(_subjects({"id": "x", "type": "party_member", "rating": "HT", "facts": {"exempt": "no"}})),
        "exempt",
    ),
    ("leader without a role", json.dumps(_subjects({"id": "x", "type": "leader", "rating": "HT"})), "role"),
    ("unknown option", json.dumps(_with(options={"strict": True})), "strict"),
    ("bad option value", json.dumps(_with(options={"quota_basis": "all"})), "quota_basis"),
    (
        "score before 2025",
        json.dumps(_subjects({"id": "x", "type": "party_member", "rating": "HT", "score": 80})),
        "score",
    ),
    ("25% exception before 2025", json.dumps(_with(quota_groups={"g": {"exception": True}})), "25%"),
    ("quarter before 2025", json.dumps(_with(quarter=1)), "quarter"),
]


@pytest.mark.parametrize(("name", "text", "needle"), BAD, ids=[b[0] for b in BAD])
def test_it_exits_2_on_bad_input(name: str, text: str, needle: str) -> None:
    code, out, err = _run(["check", "-"], text)
    assert code == 2, (name, out)
    assert out == ""
    assert err.startswith("Lỗi dữ liệu vào: ")
    assert needle in err
    assert "Traceback" not in err


def test_it_exits_2_on_a_missing_file(tmp_path: Path) -> None:
    code, _, err = _run(["check", str(tmp_path / "none.json")])
    assert code == 2 and err.startswith("Lỗi dữ liệu vào: ") and "none.json" in err


def test_it_exits_2_on_usage_errors() -> None:
    assert _run([])[0] == 2
    assert _run(["check"])[0] == 2
    assert _run(["frobnicate", "x"])[0] == 2


def test_show_prints_the_regime_overlay_parameters_and_deadlines() -> None:
    code, out, err = _run(["show", "2021"])
    assert (code, err) == (0, "")
    assert "QD132_HD21" in out and "TUYEN_QUANG_2021" in out
    assert "10/01/2022" in out and "15/01/2022" in out and "10/02/2022" in out
    assert "quota_basis = good_only; CHƯA XÁC MINH" in out
    assert "cap_deputies = có; đã xác minh; CV 854-CV/TU, mục 2, điểm (5)" in out
    assert "head_cap = có; đã xác minh; HD 21-HD/BTCTW" in out


def test_show_for_2025_has_the_100_point_scale() -> None:
    code, out, _ = _run(["show", "2025"])
    assert code == 0
    assert "QD366_HD43" in out and "score_excellent_min = 90" in out and "31/12/2025" in out
    assert "không có cho tuyen-quang năm 2025" in out


@pytest.mark.parametrize("year", ["2010", "năm", "2018"])
def test_show_rejects_unsupported_years(year: str) -> None:
    code, out, err = _run(["show", year])
    assert code == 2 and out == "" and err.startswith("Lỗi dữ liệu vào: ")
