"""A crash test: an import killed with SIGKILL half-way through its write leaves the database as before.

It runs in a database of its own (a temporary SQLite file, or a fresh PostgreSQL database on the test server),
because the import runs in a separate process that must see committed data and die mid-transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import BIG_PEOPLE_PREFIX, copy_of

pytestmark = pytest.mark.slow  # subprocesses, servers or every URL × every role: left out by make test-fast


@pytest.fixture
def crash_db(tmp_path, request):  # type: ignore[no-untyped-def]
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        # The session's migrated file, copied: the test's own migrate then finds nothing to do.
        yield f"sqlite:///{copy_of(request.getfixturevalue('migrated_sqlite'), tmp_path / 'crash.sqlite3')}"
        return
    import psycopg

    name = f"kiemdiem_crash_{uuid.uuid4().hex[:10]}"
    params = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _kiemdiem(env: dict[str, str], *args: str, **kw):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "kiemdiem", *args], env=env, capture_output=True, text=True, timeout=300, **kw
    )


COUNT = (
    "from kiemdiem.orgs.models import Person, Unit, Position; from kiemdiem.imports.models import ImportJob; "
    "print(Person.objects.count(), Unit.objects.count(), Position.objects.count(), "
    f"Person.objects.filter(code__startswith='{BIG_PEOPLE_PREFIX}').count(), "
    "list(ImportJob.objects.values_list('status', flat=True)))"
)


def test_an_import_killed_half_way_leaves_the_database_as_before(crash_db, big_people_workbook):
    env = {**os.environ, "DATABASE_URL": crash_db, "PYTHONUNBUFFERED": "1"}
    assert _kiemdiem(env, "migrate", "--noinput").returncode == 0
    assert _kiemdiem(env, "demo", "--members", "400", "--seed", "5").returncode == 0
    path: Path = big_people_workbook  # 60,000 rows: the INSERTs take about 0.7 s on SQLite
    before = _kiemdiem(env, "shell", "-c", COUNT).stdout.strip()
    assert before.endswith("0 []")

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiemdiem",
            "import",
            str(path),
            "--kind",
            "people",
            "--user",
            "tinhuy",
            "--apply",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if "Đang ghi" in line:
            break
    assert any("Đang ghi" in line for line in seen), (seen, proc.stderr.read() if proc.stderr else "")
    time.sleep(0.1)  # inside the INSERTs of the file's 60,000 rows (about 0.7 s on SQLite)
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    after = _kiemdiem(env, "shell", "-c", COUNT).stdout.strip()
    # Same people, units and positions; none of the file's rows; the job never got past "writing".
    assert after == before.replace("[]", "['writing']")
