"""Real servers under real trouble: SQLite under eight writers with the worker polling, a worker killed with
SIGKILL mid-import, PostgreSQL restarting under a running server. Heavy: tens of seconds each.

The harness (a fresh database, runserver or gunicorn in a subprocess, `kiemdiem db_worker` beside it, logged-in
sessions in threads) is bench/sqlite_load.py, which `make bench` also runs for the SQLite figure.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import copy_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import sqlite_load as site  # noqa: E402

pytestmark = [pytest.mark.heavy, pytest.mark.slow]
# 10 s in the suite (it was 30): before the fix the same load gave 87 × 500 in 15 s, about six a second, so 10 s of
# it still meets the fault dozens of times; KIEMDIEM_LOAD_SECONDS=30 for the longer run (docs/decisions.md).
LOAD_SECONDS = float(os.environ.get("KIEMDIEM_LOAD_SECONDS", "10"))


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory, migrated_sqlite):  # type: ignore[no-untyped-def]
    """A demo province in a fresh SQLite file (the embedded default; the session's migrated one, copied, so the
    harness's migrate finds nothing to do), and its members' evaluations."""
    path = copy_of(migrated_sqlite, tmp_path_factory.mktemp("site") / "db.sqlite3")
    env = site.clean_env(f"sqlite:///{path}")
    return env, site.build_demo(env)


def test_eight_sessions_saving_for_10_s_on_sqlite_with_the_worker_polling_get_no_5xx(sqlite_site):
    env, evaluations = sqlite_site
    with site.serving(env) as (base, procs, (_, worker_log)):
        figures = site.run_writers(base, evaluations, sessions=8, seconds=LOAD_SECONDS)
        assert procs["worker"].poll() is None, "the worker died"
        worker_log.seek(0)
        worker_text = worker_log.read()
    assert figures["errors"] == 0, figures
    # 302: saved; 422: a save the rules refused, shown again with what was typed (a refusal, not an error).
    assert set(figures["statuses"]) <= {200, 302, 422}, figures  # type: ignore[arg-type]
    assert figures["saves"] >= 8 * 5, figures  # every session really wrote, many times
    assert "Traceback" not in worker_text and "database is locked" not in worker_text, worker_text[-2000:]


def test_a_worker_killed_mid_import_leaves_a_failed_job_whose_page_says_so(sqlite_site, big_people_workbook):
    env, _ = sqlite_site
    workbook: Path = big_people_workbook  # 60,000 rows: the worker is still at it when it is killed
    with site.serving(env, worker_interval="0.1") as (base, procs, _):
        session = site.login(base, "tinhuy")
        with workbook.open("rb") as f:
            response = session.post(
                f"{base}/nhap-lieu/",
                data={"kind": "people", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                files={"file": (workbook.name, f)},
                allow_redirects=False,
                timeout=120,
            )
        assert response.status_code == 302, response.text[:500]
        job_url = f"{base}{response.headers['Location']}"
        deadline = time.monotonic() + 120
        while "Đang chờ xử lý" in (page := session.get(job_url, timeout=60).text):
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.1)
        assert "Đã nhập xong" not in page, (
            "the import finished before it could be killed; make the file bigger"
        )
        os.kill(procs["worker"].pid, signal.SIGKILL)
        procs["worker"].wait(30)
        page = session.get(job_url, timeout=60).text
    assert "Không nhập: lỗi hệ thống" in page and "dừng đột ngột" in page, page[-3000:]
    assert "Không có dòng nào được ghi" in page and 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_restart_under_a_running_server_answers_503_never_500_and_recovers(
    world, district_officer
):
    if connection.vendor != "postgresql":
        pytest.skip("a database server restart needs PostgreSQL")
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    env = site.clean_env(f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}")
    name = s["NAME"]
    # The server checks passwords with the real hasher, not the tests' fast one.
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    district_officer.password = hasher.encode("mat-khau-thu-nghiem", hasher.salt())
    district_officer.save(update_fields=["password"])

    import psycopg

    admin = psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )

    def restart() -> None:
        """As the server's clients see a restart: every connection cut, new ones refused, then accepted again."""
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> %s AND pid <> pg_backend_pid()",
            [name, connection.cursor().connection.info.backend_pid],
        )
        time.sleep(1.0)
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    try:
        with site.serving(env, worker=False, gunicorn=True) as (base, _, (server_log, _)):
            sessions = [site.login(base, "nahang", "mat-khau-thu-nghiem") for _ in range(4)]
            results: list[tuple[float, int, str]] = []
            lock = threading.Lock()
            stop = time.monotonic() + 6

            def browse(session) -> None:  # type: ignore[no-untyped-def]
                while time.monotonic() < stop:
                    try:
                        response = session.get(f"{base}/don-vi/", timeout=30)
                        status, text = response.status_code, response.text
                    except Exception as exc:  # no answer at all is as bad as a 500
                        status, text = 0, repr(exc)
                    with lock:
                        results.append((time.monotonic(), status, text))

            threads = [threading.Thread(target=browse, args=(s,)) for s in sessions]
            for t in threads:
                t.start()
            time.sleep(1.5)
            restart()
            restarted = time.monotonic()
            for t in threads:
                t.join(60)
            server_log.seek(0)
            log = server_log.read()
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
    statuses = [status for _, status, _ in results]
    assert 500 not in statuses and 0 not in statuses, (statuses, log[-3000:])
    busy = [text for _, status, text in results if status == 503]
    assert busy, f"no request met the restart: {statuses}"
    assert all("Hệ thống đang bận, xin thử lại" in text and "Traceback" not in text for text in busy)
    # Recovered by itself: the requests a moment after the restart are all served.
    after = [status for at, status, _ in results if at > restarted + 1.0]
    assert after and set(after) == {200}, statuses
    assert "_session_cache" not in log


def test_make_run_serves_the_projects_own_pages_and_its_static_files_without_debug(sqlite_site):
    """The server line of `make run`, as make would run it (on the test's database and a free port)."""
    import subprocess

    env, _ = sqlite_site
    port = site.free_port()
    plan = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"],
        cwd=site.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    line = next(ln for ln in plan.splitlines() if "runserver" in ln)
    assert "KIEMDIEM_DEBUG=1" not in line
    server = subprocess.Popen(["bash", "-c", line], cwd=site.ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                site.requests.get(f"{base}/dang-nhap/", timeout=60)
                break
            except site.requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.3)
        session = site.login(base, "tinhuy")
        missing = session.get(f"{base}/khong-co-trang-nay/", timeout=60)
        assert missing.status_code == 404
        assert (
            "Không tìm thấy" in missing.text
            and "URLconf" not in missing.text
            and "Traceback" not in missing.text
        )
        api_missing = session.get(f"{base}/api/units/999999", timeout=60)
        assert api_missing.status_code == 404 and "Traceback" not in api_missing.text
        css = session.get(f"{base}/static/css/app.css", timeout=60)
        assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]
        for host in ("localhost", "127.0.0.1"):
            assert session.get(f"http://{host}:{port}/dang-nhap/", timeout=60).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
