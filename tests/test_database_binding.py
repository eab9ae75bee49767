"""PostgreSQL: parameters bound by the server and statements prepared (settings.py), integers never wrapped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DataError, connection
from django.db.models import F, IntegerField, Value

from kiemdiem.accounts.models import User

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "KIEMDIEM_SECRET_KEY": "k" * 20 + "-một-khóa-thử-nghiệm-đủ-dài-và-ngẫu-nhiên-0123456789",
    "KIEMDIEM_ALLOWED_HOSTS": "kiemdiem.tuyenquang.dcs.vn",
}
SHOW = (
    "import django, json; django.setup(); from django.db import connection; "
    "print(json.dumps({'options': connection.settings_dict['OPTIONS'], "
    "'server': getattr(connection.features, 'uses_server_side_binding', None)}))"
)


def _options(settings_module: str, database_url: str, **env: str) -> dict:  # type: ignore[type-arg]
    """The database options a fresh process of these settings gets (no connection is opened)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIEMDIEM_") and k != "DATABASE_URL"}
    clean.update(DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=database_url, **PRODUCTION_ENV, **env)
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("settings_module", ["kiemdiem.settings", "kiemdiem.settings_production"])
def test_postgresql_binds_on_the_server_and_prepares_statements(settings_module):
    # The web processes, the worker (`kiemdiem db_worker`) and the tests all read these settings.
    shown = _options(settings_module, "postgres://kiemdiem@127.0.0.1:5432/kiemdiem")
    assert shown["server"] is True
    assert shown["options"]["server_side_binding"] is True
    assert shown["options"]["prepare_threshold"] == 2


@pytest.mark.slow
def test_the_switch_turns_it_off_and_sqlite_never_gets_it():
    off = _options(
        "kiemdiem.settings", "postgres://kiemdiem@127.0.0.1:5432/kiemdiem", KIEMDIEM_PG_PREPARE="0"
    )
    assert off["server"] is False and "prepare_threshold" not in off["options"]
    sqlite = _options("kiemdiem.settings", "sqlite:////tmp/kiemdiem-binding-test.sqlite3")
    assert sqlite["server"] is None
    assert "server_side_binding" not in sqlite["options"] and "prepare_threshold" not in sqlite["options"]


@pytest.mark.django_db
def test_a_statement_run_again_is_prepared_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL only")
    assert connection.features.uses_server_side_binding
    for _ in range(3):  # the third run of the same statement is prepared (prepare_threshold = 2)
        list(User.objects.filter(username="không-ai-cả").values_list("id"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_user" WHERE "accounts_user"."username" = $1%'],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_an_integer_out_of_its_columns_range_is_never_changed_on_its_way():
    """Django sends an integer column's value typed as the column (psycopg's Int4); psycopg's binary form of it
    wraps 2654435761 to -1640531535. Written into the SQL (client-side binding) PostgreSQL reads it as a bigint; bound
    by the server it must be refused (apps.integers_sent_as_text), never wrapped."""
    User.objects.create(username="mot")
    big = Value(2654435761, output_field=IntegerField())
    try:
        got = list(User.objects.annotate(h=F("id") * 0 + big).values_list("h", flat=True))
    except DataError:
        assert connection.vendor == "postgresql" and connection.features.uses_server_side_binding
    else:
        assert got == [2654435761]
