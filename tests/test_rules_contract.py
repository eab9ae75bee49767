"""The rules contract: `kiemdiem rules check` and POST /api/rules/check take and give the same JSON."""

import json
import subprocess
import sys
from pathlib import Path

from django.test import Client

SCENARIO = {
    "year": 2021,
    "options": {"quota_basis": "good_only", "cap_deputies": True},
    "subjects": [
        {"id": "dv1", "type": "party_member", "quota_group": "tccs-1", "rating": "HTXS"},
        {"id": "dv2", "type": "party_member", "quota_group": "tccs-1", "rating": "HTT"},
        {"id": "so-gd", "type": "agency", "rating": "HTT"},
        {"id": "bgd", "type": "leadership_collective", "unit": "so-gd", "rating": "HTT"},
        {
            "id": "gd1",
            "type": "leader",
            "role": "head",
            "collective": "bgd",
            "unit": "so-gd",
            "rating": "HTXS",
        },
    ],
}
KIEMDIEM = [sys.executable, "-m", "kiemdiem"]
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KIEMDIEM, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_the_cli_and_the_api_give_the_same_answer(db):
    cli = run_cli("rules", "check", "-", stdin=json.dumps(SCENARIO))
    assert cli.returncode == 1, cli.stderr
    api = Client().post("/api/rules/check", json.dumps(SCENARIO), content_type="application/json")
    assert api.status_code == 200
    assert json.loads(cli.stdout) == api.json()
    codes = {f["code"] for f in api.json()["findings"]}
    assert {"QUOTA_EXCELLENT", "HEAD_ABOVE_COLLECTIVE"} <= codes
    # Every finding says whether the rule behind it was checked against the text (DESIGN.md's contract).
    assert {type(f["verified"]) for f in api.json()["findings"]} == {bool}


def test_a_valid_scenario_exits_zero(db, tmp_path):
    valid = {**SCENARIO, "subjects": SCENARIO["subjects"][1:4]}
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(valid), encoding="utf-8")
    cli = run_cli("rules", "check", str(path))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert json.loads(cli.stdout)["valid"] is True


def test_bad_input_is_exit_2_in_the_cli_and_400_in_the_api(db):
    bad = {**SCENARIO, "subjects": [{"id": "x", "type": "party_member", "rating": "GIOI"}]}
    cli = run_cli("rules", "check", "-", stdin=json.dumps(bad))
    assert cli.returncode == 2
    assert "Lỗi dữ liệu vào" in cli.stderr and "Traceback" not in cli.stderr
    api = Client().post("/api/rules/check", json.dumps(bad), content_type="application/json")
    assert api.status_code == 400 and "GIOI" in api.json()["message"]
    malformed = Client().post("/api/rules/check", "{not json", content_type="application/json")
    assert malformed.status_code == 400 and "JSON" in malformed.json()["message"]


def test_rules_show_lists_the_parameters_of_a_year():
    shown = run_cli("rules", "show", "2021")
    assert shown.returncode == 0
    assert "QD132_HD21" in shown.stdout and "cap_deputies" in shown.stdout and "854" in shown.stdout


def test_the_console_command_wraps_the_management_commands():
    help_text = run_cli("demo", "--help")
    assert help_text.returncode == 0 and "--members" in help_text.stdout
