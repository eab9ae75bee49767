"""The benchmark's own PostgreSQL cluster: bench/.cache/pg, port 5450, loopback only; data kept between runs.

Run: python bench/pg.py start|stop|status. Uses the STACK.md recipe (server 15, trust auth on 127.0.0.1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
PGDIR = CACHE / "pg"
PORT = int(os.environ.get("BENCH_PG_PORT", "5450"))
BIN = Path("/usr/lib/postgresql/15/bin")
# Tuned for a 2-core, 24 GB machine that only benchmarks: the data is regenerated when lost, so no fsync.
SETTINGS = (
    f"-p {PORT} -k {PGDIR} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=1GB "
    "-c max_wal_size=8GB -c checkpoint_timeout=30min -c max_connections=120 -c jit=off"
)


def url(db: str) -> str:
    return f"postgres://postgres@127.0.0.1:{PORT}/{db}"


def _as_postgres(cmd: str) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        return subprocess.run(["su", "postgres", "-c", cmd], capture_output=True, text=True)
    return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)


def available() -> bool:
    return (BIN / "initdb").exists()


def running() -> bool:
    return _as_postgres(f"{BIN}/pg_ctl -D {PGDIR}/data status").returncode == 0


def start() -> None:
    if not available():
        raise SystemExit("PostgreSQL 15 không có: apt-get install -y postgresql")
    PGDIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PGDIR, "postgres")
    if not (PGDIR / "data" / "PG_VERSION").exists():
        done = _as_postgres(
            f"{BIN}/initdb -D {PGDIR}/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null"
        )
        if done.returncode:
            raise SystemExit(f"initdb thất bại: {done.stderr}")
    if running():
        return
    done = _as_postgres(f"{BIN}/pg_ctl -D {PGDIR}/data -l {PGDIR}/pg.log -w start -o '{SETTINGS}'")
    if done.returncode:
        raise SystemExit(f"Không khởi động được PostgreSQL: {done.stderr}{done.stdout}")


def stop() -> None:
    if (PGDIR / "data").exists() and running():
        _as_postgres(f"{BIN}/pg_ctl -D {PGDIR}/data -m fast -w stop")


def psql(sql: str, db: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "-d", db, "-c", sql],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return done.stdout.strip()


def database_exists(db: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


if __name__ == "__main__":
    {"start": start, "stop": stop, "status": lambda: print("running" if running() else "stopped")}[
        sys.argv[1]
    ]()
