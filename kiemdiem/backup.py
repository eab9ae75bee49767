"""Consistent backups and restores of the whole database (`kiemdiem backup FILE`, `kiemdiem restore FILE`).

SQLite: the sqlite3 online backup API copies every page under one read transaction, so the copy is one
moment of the database even while the server writes. PostgreSQL: pg_dump (custom format) reads everything in
one snapshot; pg_restore loads it in one transaction. Without pg_dump on PATH, Django's serializer writes JSON
inside one REPEATABLE READ transaction (also one snapshot). Restores go into an empty database only.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core import management
from django.db import connection, transaction

from kiemdiem.vietnamese import format_number

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A refused backup or restore, with a Vietnamese message that says why."""


@dataclass(frozen=True)
class Fingerprint:
    """Row counts of every table of the project's models and a checksum of every rating."""

    counts: dict[str, int]
    ratings_sha256: str
    evaluations: int

    def lines(self) -> list[str]:
        total = sum(self.counts.values())
        return [
            f"Số bảng: {len(self.counts)}; tổng số dòng: {format_number(total)}; số bản đánh giá: {format_number(self.evaluations)}.",
            f"Mã kiểm tra các mức xếp loại (SHA-256): {self.ratings_sha256}",
        ]


def fingerprint() -> Fingerprint:
    """Count the rows of every model's table and hash (id, decided, proposed, self rating) of every evaluation."""
    from kiemdiem.campaigns.models import Evaluation

    counts = {}
    existing = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in existing and table not in counts:
            counts[table] = model._default_manager.using(connection.alias).count()
    digest = hashlib.sha256()
    n = 0
    if Evaluation._meta.db_table in existing:
        rows = Evaluation.objects.order_by("pk").values_list(
            "pk", "decided_rating", "proposed_rating", "self_rating"
        )
        for pk, decided, proposed, self_rating in rows.iterator(chunk_size=5000):
            digest.update(f"{pk}|{decided}|{proposed}|{self_rating}\n".encode())
            n += 1
    return Fingerprint(counts=dict(sorted(counts.items())), ratings_sha256=digest.hexdigest(), evaluations=n)


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if s.get(key):
            args += [flag, str(s[key])]
    return env, args


def _pg_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if candidate.exists():
            return str(candidate)
    return None


def backup(path: Path, *, use_json: bool = False) -> str:
    """Write a consistent copy of the database to `path`; return the format written."""
    connection.ensure_connection()
    if connection.vendor == "sqlite" and not use_json:
        target = sqlite3.connect(path)
        try:
            with target:
                connection.connection.backup(target)  # the online backup API: one consistent copy
        finally:
            target.close()
        return "sqlite"
    pg_dump = _pg_tool("pg_dump") if connection.vendor == "postgresql" and not use_json else None
    if pg_dump:
        env, args = _pg_env_and_args()
        result = subprocess.run(
            [
                pg_dump,
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(path),
                connection.settings_dict["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump báo lỗi: {result.stderr.strip()}")
        return "pg_dump"
    return _backup_json(path)


def _backup_json(path: Path) -> str:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The first statement of the transaction: every table is read from one snapshot.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with open(path, "w", encoding="utf-8") as out:
            management.call_command(
                "dumpdata",
                "--natural-foreign",
                "--exclude=contenttypes",
                "--exclude=auth.permission",
                "--exclude=sessions",
                "--exclude=admin.logentry",
                # The roll-up's tallies are counted again from the evaluations: the triggers of the restored
                # database make their versions as the evaluations are loaded.
                "--exclude=reports.tally",
                "--exclude=reports.tallystamp",
                "--exclude=reports.tallyversion",
                stdout=out,
            )
    return "json"


def _is_empty() -> bool:
    """No unit, no account and no evaluation yet (a freshly created or freshly migrated database)."""
    existing = set(connection.introspection.table_names())
    from kiemdiem.accounts.models import User
    from kiemdiem.campaigns.models import Evaluation
    from kiemdiem.orgs.models import Unit

    return not any(m._meta.db_table in existing and m.objects.exists() for m in (Unit, User, Evaluation))


def restore(path: Path) -> str:
    """Load a backup into the configured database, which must be empty; return the format read."""
    if not path.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu “{path}”.")
    head = path.open("rb").read(16)
    connection.ensure_connection()
    if not _is_empty():
        raise BackupError(
            "Cơ sở dữ liệu đích đã có dữ liệu (đơn vị, tài khoản hoặc bản đánh giá); chỉ khôi phục vào cơ sở "
            "dữ liệu trống, để không trộn hai bộ dữ liệu."
        )
    if head.startswith(SQLITE_MAGIC):
        if connection.vendor != "sqlite":
            raise BackupError(
                "Tệp sao lưu là SQLite; cơ sở dữ liệu đích là PostgreSQL: hãy sao lưu dạng --json."
            )
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        if connection.vendor != "postgresql":
            raise BackupError(
                "Tệp sao lưu là của PostgreSQL (pg_dump); cơ sở dữ liệu đích không phải PostgreSQL."
            )
        tool = _pg_tool("pg_restore")
        if tool is None:
            raise BackupError("Không tìm thấy pg_restore: cài gói postgresql-client.")
        env, args = _pg_env_and_args()
        connection.close()  # pg_restore --clean drops the tables our own connection may hold
        result = subprocess.run(
            [
                tool,
                *args,
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                connection.settings_dict["NAME"],
                str(path),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore báo lỗi, không khôi phục gì: {result.stderr.strip()}")
        return "pg_dump"
    if head.lstrip()[:1] in (b"[", b"{"):
        management.call_command("migrate", "--no-input", verbosity=0)
        with transaction.atomic():
            management.call_command("loaddata", str(path), verbosity=0, stdout=io.StringIO())
        return "json"
    raise BackupError(f"“{path}” không phải tệp sao lưu của kiemdiem (SQLite, pg_dump hoặc JSON).")
