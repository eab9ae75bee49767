"""`kiemdiem backup` and `kiemdiem restore`: a round trip keeps every row and every rating, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest

from tests.conftest import copy_of

pytestmark = pytest.mark.slow  # subprocesses: left out by make test-fast

ROOT = Path(__file__).resolve().parents[2]
RATE_SOME = """
from kiemdiem.accounts.models import User
from kiemdiem.campaigns.models import Evaluation
from tests.campaigns.helpers import propose, submit_self_review

admin = User.objects.create_superuser("saoluu", password="mat-khau-sao-luu-1")
evs = list(
    Evaluation.objects.filter(
        subject_type="party_member", not_rated_reason="", state="draft", person__admitted_on__lt="2020-01-01"
    ).order_by("pk")[:12]
)
for i, ev in enumerate(evs):
    rating = ["HTT", "HT", "KHT", "HTT"][i % 4]
    if i % 3 == 0:
        submit_self_review(admin, ev, rating)
    else:
        propose(admin, ev, rating)
print(len(evs))
"""


def kiemdiem(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "kiemdiem.settings"}
    return subprocess.run(
        [sys.executable, "-m", "kiemdiem", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def populate(url: str) -> None:
    ok(kiemdiem(url, "migrate", "--no-input", "-v", "0"))
    ok(kiemdiem(url, "demo", "--members", "200", "--seed", "7"))
    assert ok(kiemdiem(url, "shell", "--no-imports", "-c", RATE_SOME)).strip() == "12"


@pytest.fixture(scope="module")
def _populated_sqlite(tmp_path_factory, migrated_sqlite) -> Path:  # type: ignore[no-untyped-def]
    """One populated SQLite source per module (migrate, demo, ratings: the slow part), copied by each test; it
    starts from the session's migrated file, so its migrate finds nothing to do."""
    path = copy_of(migrated_sqlite, tmp_path_factory.mktemp("sao-luu") / "nguon.sqlite3")
    populate(f"sqlite:///{path}")
    db = sqlite3.connect(
        path
    )  # WAL: fold the log into the file, so that a copy of the file is the whole database
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def source(_populated_sqlite, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    copy = tmp_path / "nguon.sqlite3"
    shutil.copyfile(_populated_sqlite, copy)
    return copy


CHECKSUM_SQL = "select id, decided_rating, proposed_rating, self_rating from campaigns_evaluation order by id"


def _digest(rows) -> str:  # type: ignore[no-untyped-def]
    h = hashlib.sha256()
    for row in rows:
        h.update("|".join(str(v) for v in row).encode() + b"\n")
    return h.hexdigest()


def sqlite_state(path: Path) -> tuple[dict[str, int], str]:
    db = sqlite3.connect(path)
    tables = [
        r[0]
        for r in db.execute("select name from sqlite_master where type='table' and name not like 'sqlite_%'")
    ]
    counts = {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    digest = _digest(db.execute(CHECKSUM_SQL))
    db.close()
    return counts, digest


def pg_state(url: str) -> tuple[dict[str, int], str]:
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")]
        counts = {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]
        digest = _digest(conn.execute(CHECKSUM_SQL))
    return counts, digest


def test_it_round_trips_a_sqlite_database(source, tmp_path):
    target = tmp_path / "dich.sqlite3"
    before = sqlite_state(source)
    out = ok(kiemdiem(f"sqlite:///{source}", "backup", str(tmp_path / "sao-luu.bak")))
    assert before[1] in out  # the command prints the same checksum of the ratings
    ok(kiemdiem(f"sqlite:///{target}", "restore", str(tmp_path / "sao-luu.bak")))
    after = sqlite_state(target)
    assert after == before
    assert before[0]["campaigns_evaluation"] > 200 and before[0]["campaigns_auditrecord"] > 12


def test_it_round_trips_through_json_into_a_fresh_database(source, tmp_path):
    target = tmp_path / "dich.sqlite3"
    ok(kiemdiem(f"sqlite:///{source}", "backup", "--json", str(tmp_path / "sao-luu.json")))
    ok(kiemdiem(f"sqlite:///{target}", "restore", str(tmp_path / "sao-luu.json")))
    (src_counts, src_digest), (dst_counts, dst_digest) = sqlite_state(source), sqlite_state(target)
    assert dst_digest == src_digest
    # Sessions, admin log, content types and permissions are not data: a fresh migrate recreates the last two.
    skip = {"django_session", "django_admin_log", "django_content_type", "auth_permission"}
    assert {t: n for t, n in dst_counts.items() if t not in skip} == {
        t: n for t, n in src_counts.items() if t not in skip
    }


def test_it_refuses_to_restore_over_existing_data(source, tmp_path):
    ok(kiemdiem(f"sqlite:///{source}", "backup", str(tmp_path / "sao-luu.bak")))
    before = sqlite_state(source)
    result = kiemdiem(f"sqlite:///{source}", "restore", str(tmp_path / "sao-luu.bak"))
    assert result.returncode != 0
    assert "Cơ sở dữ liệu đích đã có dữ liệu" in result.stderr
    assert sqlite_state(source) == before


def test_it_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "khong-phai.bak"
    junk.write_bytes(b"PK\x03\x04 not a backup")
    result = kiemdiem(f"sqlite:///{tmp_path / 'dich.sqlite3'}", "restore", str(junk))
    assert result.returncode != 0 and "không phải tệp sao lưu của kiemdiem" in result.stderr


@pytest.fixture
def scratch_pg_databases():  # type: ignore[no-untyped-def]
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the PostgreSQL round trip runs when DATABASE_URL points at PostgreSQL")
    import psycopg

    cfg = dj_database_url.parse(url)
    server = url.rsplit("/", 1)[0]
    names = [f"kd_backup_{uuid.uuid4().hex[:8]}_{which}" for which in ("src", "dst")]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'create database "{name}"')
    yield [f"{server}/{name}" for name in names]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'drop database if exists "{name}" with (force)')
    assert cfg["ENGINE"].endswith("postgresql")


def test_it_round_trips_a_postgresql_database(tmp_path, scratch_pg_databases):
    source, target = scratch_pg_databases
    populate(source)
    before = pg_state(source)
    out = ok(kiemdiem(source, "backup", str(tmp_path / "sao-luu.pgdump")))
    assert "(pg_dump)" in out and before[1] in out
    ok(kiemdiem(target, "restore", str(tmp_path / "sao-luu.pgdump")))
    assert pg_state(target) == before
    assert before[0]["campaigns_evaluation"] > 200
