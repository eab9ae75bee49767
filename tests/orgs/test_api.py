"""The API for other systems: keys (scoped, read or read-write, revocable, audited, throttled), one error shape,
pagination, and the people search."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client

from kiemdiem.accounts.apikit import hash_secret
from kiemdiem.accounts.models import ApiKey, ApiKeyEvent
from kiemdiem.api import api
from kiemdiem.orgs.actions import do_issue_api_key, do_revoke_api_key
from kiemdiem.orgs.models import Person


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _person(code: str, name: str, cell) -> Person:  # type: ignore[no-untyped-def]
    return Person.objects.create(
        code=code,
        full_name=name,
        gender="m",
        admitted_on=datetime.date(2001, 1, 1),
        membership="full",
        home_cell=cell,
    )


def test_a_key_is_stored_hashed_and_its_secret_shown_once_in_the_admin(client, world, district_officer):
    client.force_login(district_officer)
    response = client.post(
        "/quan-tri/accounts/apikey/add/",
        {"name": "Phần mềm quản lý đảng viên", "unit": world.go_na_hang.pk, "access": "read"},
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    secret = response.context["secret"]
    assert secret in response.content.decode() and "no-store" in response["Cache-Control"]
    assert key.secret_hash == hash_secret(secret) and secret not in key.secret_hash
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey")
        assert not any(secret in str(v) for row in cursor.fetchall() for v in row)
    for url in ("/quan-tri/accounts/apikey/", f"/quan-tri/accounts/apikey/{key.pk}/change/"):
        page = client.get(url).content.decode()
        assert key.prefix in page and secret not in page
    assert [e.kind for e in key.events.all()] == ["issue"]
    assert key.events.get().actor == district_officer
    assert (
        _bearer(secret).get(f"/api/units/{world.go_na_hang.pk}").json()["name"] == "Đảng bộ thị trấn Na Hang"
    )


def test_an_officer_issues_keys_only_inside_their_subtree_and_an_inspector_none(
    world, district_officer, inspector
):
    with pytest.raises(PermissionDenied):
        do_issue_api_key(issued_by=district_officer, name="Hệ thống khác", unit=world.lam_binh, access="read")
    with pytest.raises(PermissionDenied):
        do_issue_api_key(issued_by=inspector, name="Hệ thống khác", unit=world.na_hang, access="read")
    assert not ApiKey.objects.exists()


def test_a_revoked_key_is_refused_and_every_use_is_recorded(world, district_officer):
    key, secret = do_issue_api_key(issued_by=district_officer, name="Cổng", unit=world.na_hang, access="read")
    client = _bearer(secret)
    assert client.get("/api/units/").status_code == 200
    assert client.get(f"/api/persons/{world.member_na_hang.pk}").status_code == 200
    do_revoke_api_key(key=key, revoked_by=district_officer)
    refused = client.get("/api/units/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_key" and "thu hồi" in refused.json()["message"]
    events = list(ApiKeyEvent.objects.filter(key=key).order_by("pk").values_list("kind", "path"))
    assert events == [
        ("issue", ""),
        ("use", "/api/units/"),
        ("use", f"/api/persons/{world.member_na_hang.pk}"),
        ("revoke", ""),
    ]
    key.refresh_from_db()
    assert key.revoked_by == district_officer and key.last_used_at is not None
    assert _bearer(secret[:-1] + ("A" if secret[-1] != "A" else "B")).get("/api/units/").status_code == 401


def test_a_key_is_throttled_with_a_retry_after(world, district_officer, settings):
    settings.KIEMDIEM_API_KEY_RATE = "3/m"
    cache.clear()
    _, secret = do_issue_api_key(issued_by=district_officer, name="Cổng", unit=world.na_hang, access="read")
    client = _bearer(secret)
    assert [client.get("/api/units/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = client.get("/api/units/")
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    cache.clear()


def test_every_error_has_one_shape_with_a_vietnamese_message(client, world, district_officer):
    anonymous = Client().get("/api/units/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    client.force_login(district_officer)
    missing = client.get(f"/api/units/{world.lam_binh.pk}").json()
    assert missing == {"code": "not_found", "message": "Không tìm thấy đơn vị.", "errors": []}
    invalid = client.get("/api/persons/?limit=0&unit_id=abc")
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"limit", "unit_id"}
    assert "không được nhỏ hơn 1" in body["message"]
    refused = client.post("/api/rules/check", "{", content_type="application/json").json()
    assert refused["code"] == "bad_request" and "JSON" in refused["message"]


def test_the_schema_documents_the_error_statuses_of_every_operation():
    schema = api.get_openapi_schema()
    assert set(schema["components"]["schemas"]["ApiError"]["properties"]) == {"code", "message", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            expected = {"404", "422"} if not operation.get("security") else {"401", "403", "404", "422"}
            assert expected <= {str(s) for s in statuses}, (method, path)
            for status in statuses:
                if str(status).startswith("4"):
                    ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ApiError"), (method, path, status)


def test_people_are_paginated_searched_and_sorted_as_a_roster(client, world, district_officer):
    cell = world.cell_na_hang
    for code, name in [
        ("P1", "Vũ Thanh Vân"),
        ("P2", "Đỗ Thị Hà"),
        ("P3", "Nguyễn Văn Hoàng"),
        ("P4", "Lê Văn An"),
        ("P5", "Trần Thị Đào"),
        ("P6", "Phạm Văn Dũng"),
    ]:
        _person(code, name, cell)
    _person("X1", "Vũ Thanh Vân", world.cell_lam_binh)  # the same name in another district
    client.force_login(district_officer)
    for query in ("vu thanh van", "VŨ THANH VÂN", "van vu", "  Vũ   thanh "):
        found = client.get("/api/persons/", {"q": query}).json()
        assert [p["code"] for p in found["items"]] == ["P1"], query
    assert client.get("/api/persons/", {"q": "an"}).json()["count"] == 1  # a word start, not "Vân" or "Hoàng"
    roster = client.get("/api/persons/", {"limit": 4}).json()
    assert roster["count"] == 7  # the six and Ma Văn Hùng
    # By given name in Vietnamese order: An, Dũng, Đào, Hà, Hoàng, Hùng, Vân.
    assert [p["full_name"] for p in roster["items"]] == [
        "Lê Văn An",
        "Phạm Văn Dũng",
        "Trần Thị Đào",
        "Đỗ Thị Hà",
    ]
    rest = client.get("/api/persons/", {"limit": 4, "offset": 4}).json()
    assert [p["full_name"] for p in rest["items"]] == ["Nguyễn Văn Hoàng", "Ma Văn Hùng", "Vũ Thanh Vân"]
    assert client.get("/api/persons/", {"unit_id": world.lam_binh.pk}).status_code == 404


def test_units_are_searched_within_the_reach(client, world, district_officer):
    client.force_login(district_officer)
    found = client.get("/api/units/", {"q": "chi bo to dan pho"}).json()
    assert [u["code"] for u in found["items"]] == ["NH-001-01"]
    assert client.get("/api/units/", {"q": "na kha"}).json() == {"count": 0, "items": []}  # Lâm Bình's cell
