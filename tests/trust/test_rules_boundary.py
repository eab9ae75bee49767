"""The rules contract's boundary: hostile JSON is bad input (HTTP 400 / exit 2) with a clear message, never a
crash; the API's body is limited and callers without a login are throttled."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.test import Client

from kiemdiem.rules.cli import main as rules_main

HOSTILE = {
    "100,000 brackets": ("[" * 100_000 + "]" * 100_000, "lồng nhau quá sâu"),
    "100,000 braces in a subject": (
        '{"year": 2021, "subjects": [' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "]}",
        "lồng nhau quá sâu",
    ),
    "an integer of 5,000 digits": ('{"year": ' + "9" * 5000 + ', "subjects": []}', "5.000 chữ số"),
    "a year of 20 digits": ('{"year": 99999999999999999999, "subjects": []}', "số năm quá lớn"),
    "the year 10000": ('{"year": 10000, "subjects": []}', "năm 10000 nằm ngoài khoảng hỗ trợ"),
    "a float beyond double": ('{"year": 2021, "subjects": [], "quarter": 1e999}', "1e999 quá lớn"),
    "NaN": ('{"year": 2021, "subjects": [], "quarter": NaN}', "NaN không phải là giá trị JSON hợp lệ"),
}


def _cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = rules_main(list(argv), io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_the_command_line_exits_2_with_a_clear_message(case):
    text, message = HOSTILE[case]
    code, out, err = _cli("check", "-", stdin=text)
    assert code == 2 and out == ""
    assert err.startswith("Lỗi dữ liệu vào: ") and message in err and "Traceback" not in err


def test_the_command_line_refuses_a_year_the_calendar_cannot_hold():
    code, _, err = _cli("show", "99999")
    assert code == 2 and "năm 99999 nằm ngoài khoảng hỗ trợ" in err


@pytest.fixture
def fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_the_api_answers_400_with_a_clear_message(case, fresh_throttle, db):
    text, message = HOSTILE[case]
    response = Client(raise_request_exception=False).post(
        "/api/rules/check", text, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    detail = response.json()["message"]
    assert detail.startswith("Lỗi dữ liệu vào: ") and message in detail


def test_the_api_refuses_a_body_over_its_limit(fresh_throttle, db):
    body = json.dumps({"year": 2021, "subjects": [{"id": "x" * 3_000_000, "type": "party_member"}]})
    response = Client().post("/api/rules/check", body, content_type="application/json")
    assert response.status_code == 413
    assert "vượt giới hạn 2.097.152 byte" in response.json()["message"]


def test_the_api_throttles_callers_without_a_login_only(fresh_throttle, world, district_officer):
    body = json.dumps({"year": 2021, "subjects": []})
    anonymous = Client()
    answers = [
        anonymous.post("/api/rules/check", body, content_type="application/json").status_code
        for _ in range(61)
    ]
    assert answers[:60] == [200] * 60 and answers[60] == 429
    refused = anonymous.post("/api/rules/check", body, content_type="application/json")
    assert refused.status_code == 429 and refused["Retry-After"].isdigit()
    assert refused.json()["code"] == "throttled"
    assert refused.json()["message"].startswith("Quá nhiều yêu cầu trong thời gian ngắn. Thử lại sau")
    logged_in = Client()
    logged_in.force_login(district_officer)
    assert logged_in.post("/api/rules/check", body, content_type="application/json").status_code == 200
