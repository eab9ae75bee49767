"""The embedded default (SQLite) under several writers: a real server, the background worker, N sessions saving.

Run: python bench/sqlite_load.py [--sessions 8] [--seconds 30]. Builds a small demo province in a fresh SQLite file,
serves it as `make run` does (runserver, no DEBUG) with `kiemdiem db_worker` polling beside it, logs N sessions in
and has each save its own evaluations in a loop (the facts form, then the meeting record, then the page it lands
on), and counts requests, 5xx answers and the 95th percentile; merges `sqlite_*` into bench/results.json beside the
PostgreSQL figures (`make bench`). tests/trust/test_live_load.py runs the same harness and requires 0 × 5xx.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
PASSWORD = "kiemdiem2021"  # the demo's (kiemdiem/demo/province.py)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(database_url: str, **extra: str) -> dict[str, str]:
    """The developer's environment without KIEMDIEM_* (no DEBUG, no immediate tasks) on the given database."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("KIEMDIEM_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="kiemdiem.settings", PYTHONUNBUFFERED="1", **extra
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}: {result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def serving(  # type: ignore[no-untyped-def]
    env: dict[str, str], *, worker: bool = True, worker_interval: str = "0.2", gunicorn: bool = False
):
    """runserver (as `make run`, without DEBUG) or gunicorn with 2 sync workers (production), and, beside it, the
    background worker; yields (base URL, processes, (server log, worker log))."""
    port = free_port()
    logs = tempfile.TemporaryDirectory()
    server_log = open(Path(logs.name) / "server.log", "w+")  # noqa: SIM115
    worker_log = open(Path(logs.name) / "worker.log", "w+")  # noqa: SIM115
    command = (
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "kiemdiem.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
        ]
        if gunicorn
        else [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    )
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    procs = {"server": server}
    if worker:
        procs["worker"] = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "db_worker",
                "--interval",
                worker_interval,
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"{base}/dang-nhap/", timeout=60)
                break
            except (requests.ConnectionError, requests.Timeout):
                if server.poll() is not None or time.monotonic() > deadline:
                    server_log.seek(0)
                    raise RuntimeError("the server did not start:\n" + server_log.read()[-3000:]) from None
                time.sleep(0.3)
        yield base, procs, (server_log, worker_log)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        server_log.close()
        worker_log.close()
        logs.cleanup()


def login(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/dang-nhap/", timeout=30)
    token = session.cookies["csrftoken"]
    response = session.post(
        f"{base}/dang-nhap/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login {username}: {response.status_code}")
    return session


def build_demo(env: dict[str, str], members: int = 300) -> list[int]:
    """Migrate, load the demo province, and return party-member evaluations of Na Hang's first cell's tree."""
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "demo", "--members", str(members))
    out = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from kiemdiem.accounts.models import User;"
        "from kiemdiem.campaigns.queries import evaluations_visible_to;"
        "u = User.objects.get(username='danguy');"
        "print([e.pk for e in evaluations_visible_to(u).filter(subject_type='party_member').order_by('pk')])",
    )
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Tally:
    durations: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    saves: int = 0
    lock = threading.Lock()

    def record(self, method: str, url: str, response: requests.Response, took: float) -> None:
        with self.lock:
            self.durations.append(took)
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                self.server_errors.append(f"{method} {url}: {response.status_code} {response.text[:200]!r}")


def _write_loop(
    base: str, session: requests.Session, evaluations: list[int], stop: float, tally: Tally
) -> None:
    n = 0
    while time.monotonic() < stop:
        ev = evaluations[n % len(evaluations)]
        n += 1
        token = session.cookies["csrftoken"]
        if n % 2:
            url, data = f"{base}/danh-gia/{ev}/du-kien/", {"sick_leave_days": str(n % 300)}
        else:
            url = f"{base}/danh-gia/{ev}/hoi-nghi/"
            data = {
                "comments": f"Ý kiến lần {n}",
                "attendees": "9",
                "votes_for": "9",
                "proposed_rating": "HT",
            }
        started = time.perf_counter()
        try:
            response = session.post(
                url, data={**data, "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=60
            )
        except requests.RequestException as exc:
            with tally.lock:
                tally.server_errors.append(f"POST {url}: {exc}")
            continue
        tally.record("POST", url, response, time.perf_counter() - started)
        if response.status_code == 302:
            with tally.lock:
                tally.saves += 1
            started = time.perf_counter()
            page = session.get(f"{base}{response.headers['Location']}", timeout=60)
            tally.record("GET", response.headers["Location"], page, time.perf_counter() - started)


def run_writers(base: str, evaluations: list[int], *, sessions: int, seconds: float) -> dict[str, object]:
    """N logged-in sessions, each saving its own evaluations for the given time; the figures."""
    logged = [login(base, "danguy") for _ in range(sessions)]
    tally = Tally()
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_write_loop, args=(base, s, evaluations[i::sessions], stop, tally))
        for i, s in enumerate(logged)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    durations = sorted(tally.durations)
    p95 = durations[max(0, int(len(durations) * 0.95) - 1)] * 1000 if durations else None
    return {
        "sessions": sessions,
        "seconds": seconds,
        "requests": len(durations),
        "saves": tally.saves,
        "errors": len(tally.server_errors),
        "p95_ms": round(p95, 1) if p95 is not None else None,
        "median_ms": round(statistics.median(durations) * 1000, 1) if durations else None,
        "statuses": dict(sorted(tally.statuses.items())),
        "error_samples": tally.server_errors[:5],
    }


def measure(sessions: int, seconds: float) -> tuple[dict[str, object], str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = clean_env(f"sqlite:///{Path(tmp) / 'db.sqlite3'}")
        evaluations = build_demo(env)
        with serving(env) as (base, _, (_, worker_log)):
            figures = run_writers(base, evaluations, sessions=sessions, seconds=seconds)
            worker_log.seek(0)
            worker_text = worker_log.read()
    return figures, worker_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    start_load = round(os.getloadavg()[0], 2)
    figures, worker_text = measure(args.sessions, args.seconds)
    load = [start_load, round(os.getloadavg()[0], 2)]  # 1-minute load at start and end: the cores are shared
    locked = len(re.findall(r"database is locked", worker_text))
    print(
        f"SQLite, {figures['sessions']} sessions saving for {figures['seconds']:.0f} s with the worker polling: "
        f"{figures['requests']} requests ({figures['saves']} saves), {figures['errors']} × 5xx, "
        f"p95 {figures['p95_ms']} ms, median {figures['median_ms']} ms; worker 'database is locked': {locked}; "
        f"load {load[0]} → {load[1]}"
    )
    results_path = ROOT / "bench" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results |= {
        "sqlite_write_requests": figures["requests"],
        "sqlite_write_errors": figures["errors"],
        "sqlite_write_p95_ms": figures["p95_ms"],
    }
    loads = results.get("loadavg", {})
    loads |= {k: load for k in ("sqlite_write_requests", "sqlite_write_errors", "sqlite_write_p95_ms")}
    results["loadavg"] = loads
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print("merged sqlite_write_* into bench/results.json")


if __name__ == "__main__":
    main()
