"""Many writers at once (issue 21): a district's cell secretaries saving together, then again during a paper import.

20 cell secretaries of one district, each looping "open my rating page → save the bulk proposal with 1–3 levels
changed → open one evaluation" for SECONDS, against gunicorn started with the README's production command
(gthread, 2 workers × 12 threads, two writes at once per process) on the province profile in PostgreSQL; then the same load while the district's
other members' paper ratings are imported (`kiemdiem import --kind ratings`, a separate process, as the worker
runs it). A monitor reads pg_stat_activity every 50 ms to time the import's transactions: the last is its write,
which takes the quota groups' locks and holds them until it commits. The evaluations the run touched are put back as they were
at the end, and the audit records it wrote are dropped, so the cached profile stays the profile.

`make bench` calls `bench_writes` from bench/run.py (its `write_*` figures). Alone, on a profile already built:
    python bench/write_load.py [--year 2021]   # the cluster of bench/pg.py (BENCH_PG_PORT, default 5450)
merges `write_save_p95_ms`, `write_page_p95_ms`, `write_during_import_max_ms` and `write_errors` into
bench/results.json and the whole measure (with the load average of the machine at each phase) into
bench/results_writes.json. For comparing serving layouts: BENCH_GUNICORN_EXTRA (more gunicorn arguments, e.g.
"--threads 16"), BENCH_WRITE_SECONDS, BENCH_WRITE_SKIP_IMPORT=1 (the steady run only).
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"

PORT = int(os.environ.get("BENCH_WRITE_PORT", "8451"))
SECONDS = int(os.environ.get("BENCH_WRITE_SECONDS", "120"))
USERS = 20
# The production command of the README: two processes for two cores, threads so that pages never queue behind saves.
GUNICORN_ARGS = ["--worker-class", "gthread", "--workers", "2", "--threads", "12", "--timeout", "60"]
EXTRA_ARGS = os.environ.get("BENCH_GUNICORN_EXTRA", "").split()
IMPORT_APP = "bench-write-import"  # the import's application_name, for the lock monitor


def log(msg: str) -> None:
    print(f"[writes {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


def loadavg() -> list[float]:
    """`uptime`'s three figures: the machine is shared, so each phase's figures are read beside them."""
    return [round(x, 2) for x in os.getloadavg()]


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, read from /proc: a live process counts its
    own, an exited one is in its parent's children's times (cutime, cstime) once waited for."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # after the name: state ppid … utime(12) stime(13) cutime(14) cstime(15), 0-based from state
        stats[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / tick)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo += [child for child, (parent, _) in stats.items() if parent == pid]
    return total


def cpu_parties(server_pid: int) -> dict[str, float]:
    """The CPU seconds so far of the three parties of the load: this client, gunicorn's processes, PostgreSQL's."""
    import resource

    import pg

    me = resource.getrusage(resource.RUSAGE_SELF)
    postmaster = int((pg.PGDIR / "data" / "postmaster.pid").read_text().split()[0])
    return {
        "client": me.ru_utime + me.ru_stime,
        "gunicorn": tree_cpu_s(server_pid),
        "postgres": tree_cpu_s(postmaster),
    }


def _wait_port(port: int, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on 127.0.0.1:{port}")


def _targets(cycle):  # type: ignore[no-untyped-def]
    """One district's 20 cells (siblings, so several share a grassroots committee's quota group), a secretary's
    session for each, the officer who imports, and the members the import decides (the district's other proposed
    members: the same quota groups, other rows). In a cycle after the 2025 merger the district is gone: its cells are
    the same cells under the merged communes, and the province's office imports (run.district_area)."""
    from importlib import import_module

    import run
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count, Q

    from kiemdiem.accounts.models import User
    from kiemdiem.campaigns.models import Evaluation
    from kiemdiem.orgs.models import Unit

    district, area, importer = run.district_area(cycle)
    proposed = Q(
        evaluations__cycle=cycle, evaluations__state="proposed", evaluations__subject_type="party_member"
    )
    cells = list(
        Unit.objects.filter(kind="chi_bo_truc_thuoc", pk__in=area)
        .annotate(n=Count("evaluations", filter=proposed))
        .filter(n__gte=5)
        .order_by("path")[:USERS]
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = []
    for i, cell in enumerate(cells):
        user, _ = User.objects.get_or_create(
            username=f"bench-chibo-{i:02d}", defaults={"role": "cell_secretary", "unit": cell}
        )
        if user.unit_id != cell.pk:
            User.objects.filter(pk=user.pk).update(unit=cell)
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    role = "district_officer" if importer.pk == district.pk else "province_admin"
    officer, _ = User.objects.get_or_create(
        username=f"bench-import-{importer.pk}", defaults={"role": role, "unit": importer, "is_staff": True}
    )
    imported = list(
        Evaluation.objects.filter(
            cycle=cycle,
            subject_type="party_member",
            state="proposed",
            unit_id__in=area,
            not_rated_reason="",
            # Members the rules let be rated (a paper file of members admitted in the last six months would be
            # refused whole): admitted by the middle of the year, neither exempt nor suspended.
            person__admitted_on__lte=datetime.date(cycle.year, 6, 30),
            person__is_exempt=False,
            person__is_suspended=False,
        )
        .exclude(proposed_rating="")
        .exclude(unit__in=cells)
        .values_list("pk", "person__code")
    )
    loaded = set(
        Evaluation.objects.filter(cycle=cycle, subject_type="party_member", unit__in=cells).values_list(
            "pk", flat=True
        )
    )
    levels, drawn = paper_levels(cycle, [pk for pk, _ in imported], loaded)
    log(f"paper file: {len(levels)} rows drawn by the rules engine ({drawn})")
    rows = [(code, levels[pk]) for pk, code in imported if pk in levels]
    return district, cells, cookies, officer, rows, area


# The weights of a district's paper file (the shares of a year's ratings): drawn among what the rules allow each row.
PAPER_WEIGHTS = {"HTXS": 15, "HTT": 65, "HT": 17, "KHT": 3}


def paper_levels(  # type: ignore[no-untyped-def]
    cycle, file: list[int], loaded: set[int], *, seed: int = 21
) -> tuple[dict[int, str], dict[str, int]]:
    """Each evaluation's level as the district's paper file holds it: what the rules engine allows that subject.

    A real paper file records what the committees decided, within the rules; a made-up one that draws levels blind
    is refused whole (QĐ 366's band conditions against the profile's scores and task registers, the HTXS cap). So
    every level comes out of the engine (`kiemdiem.rules`, through compliance's mapping of rows to subjects, the one
    the import's own check uses), never a copy of the rules:
    1. each row's allowed levels: the rows checked at each level in turn, decided as the import decides them; a level
       is allowed when the engine finds nothing against that row (the cap aside);
    2. a level drawn among the allowed ones (PAPER_WEIGHTS);
    3. each quota group's cap with the file applied, and with the loaded cells' members (`loaded`, saved by the
       secretaries meanwhile) at their worst for the cap (HTXS kept, all else HT): a group over its cap gives back
       the file's HTXS, one by one, to the row's next allowed level, so no save during the import can push the file
       over its cap;
    4. the import's own check (`check_changes`) over the result; a row it still refuses leaves the file.
    Returns the levels by evaluation id and the counts (rows left out, HTXS given back).
    """
    from kiemdiem.campaigns import compliance
    from kiemdiem.campaigns.models import EvaluationState

    rng = random.Random(seed)
    wanted = set(file)
    rows, _ = compliance._rows_of(compliance.touching(cycle, wanted))
    rows = [r._replace(state=EvaluationState.DECIDED) if r.id in wanted else r for r in rows]
    current = {r.id: (r.decided_rating or r.proposed_rating or None) for r in rows}
    worst = {pk: "HTXS" if current.get(pk) == "HTXS" else "HT" for pk in loaded if pk in current}
    order = ("HTXS", "HTT", "HT", "KHT")

    def refused(ratings: dict[int, str | None]) -> tuple[set[int], dict[str, object]]:
        result = compliance._check_rows(cycle, rows, {**ratings, **worst})
        against = {
            int(f.subjects[0][1:])
            for f in result.findings
            if f.code != "QUOTA_EXCELLENT" and f.subjects and f.subjects[0][1:].isdigit()
        }
        return against, dict(result.quota_groups)

    allowed: dict[int, list[str]] = {pk: [] for pk in file}
    for level in order:
        against, _ = refused(dict.fromkeys(file, level))
        for pk in file:
            if pk not in against:
                allowed[pk].append(level)
    levels: dict[int, str] = {}
    for pk in sorted(file):
        choices = allowed[pk]
        if choices:
            levels[pk] = rng.choices(choices, weights=[PAPER_WEIGHTS[c] for c in choices])[0]
    group_of = {r.id: r.quota_group__code for r in rows}
    given_back = 0
    for _ in range(10):
        _, plans = refused(levels)  # type: ignore[arg-type]
        over = {code for code, plan in plans.items() if plan.excellent > plan.max_excellent}  # type: ignore[attr-defined]
        excess = [pk for pk in sorted(levels) if levels[pk] == "HTXS" and group_of.get(pk) in over]
        if not excess:
            break
        rng.shuffle(excess)
        for code in over:
            plan = plans[code]
            mine = [pk for pk in excess if group_of.get(pk) == code]
            for pk in mine[: plan.excellent - plan.max_excellent]:  # type: ignore[attr-defined]
                lower = [c for c in allowed[pk] if c != "HTXS"]
                if lower:
                    levels[pk] = lower[0]
                else:
                    del levels[pk]
                given_back += 1
    left_out = len(file) - len(levels)
    for _ in range(5):
        caused = compliance.check_changes(
            cycle, dict(levels), states=dict.fromkeys(levels, EvaluationState.DECIDED)
        )
        if not caused:
            break
        for pk in {c.evaluation_id for c in caused}:
            levels.pop(pk, None)
            left_out += 1
    return levels, {"left_out": left_out, "htxs_given_back": given_back}


def _ratings_workbook(rows: list[tuple[str, str]], day: str) -> Path:
    from openpyxl import Workbook

    from kiemdiem.imports.validation import SPECS

    spec = SPECS["ratings"]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "bench_ratings_import.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet)
    ws.append([c.header for c in spec.columns])
    keys = [c.key for c in spec.columns]
    for code, rating in rows:
        values = {"subject_type": "Đảng viên", "person": code, "rating": rating, "decided_on": day}
        ws.append([values.get(k) for k in keys])
    wb.save(path)
    return path


class Secretary:
    """One cell secretary looping: open the rating page → save the bulk form with 1–3 levels changed → open one
    evaluation. Plain HTTP on one keep-alive connection, as a browser would."""

    PAGE_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    ROW_RE = re.compile(
        r'name="version-(\d+)" value="(\d+)">\s*<select name="rating-\1"[^>]*>(.*?)</select>', re.S
    )
    VOTES_RE = re.compile(r'name="votes-(\d+)"[^>]*value="(\d*)"')
    ATTENDEES_RE = re.compile(r'name="attendees"[^>]*value="(\d*)"')

    def __init__(self, number: int, path: str, cookie: str, seed: int) -> None:
        self.number, self.path = number, path
        # The browser's cookie jar: the session, then what the server sets (the CSRF cookie that a save must send
        # back with the form's token, the messages a save leaves for the next page). Without it every save was
        # refused by the CSRF check (403) and nothing was written.
        name, _, value = cookie.partition("=")
        self.cookies: dict[str, str] = {name: value}
        self.random = random.Random(seed)
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.samples: list[tuple[str, float, float, int]] = []  # (kind, start, seconds, status)
        self.failures: list[str] = []  # what an error (ANSWERS) said, for the report

    def request(self, kind: str, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{PORT}{self.path}"
        start = time.time()
        t = time.perf_counter()
        status, text = self.send(method, path, body, headers)
        if not answered(kind, status) and len(self.failures) < 5:
            self.failures.append(f"{method} {path}: {status} {text[:200]}")
        self.samples.append((kind, start, time.perf_counter() - t, status))
        return status, text

    def send(self, method: str, path: str, body: str | None, headers: dict[str, str]) -> tuple[int, str]:
        """One request on the keep-alive connection: its status and text (599 and the reason when none came)."""
        text, status = "", 599
        for _attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode()
                status = resp.status
                self.keep_cookies(resp.msg.get_all("Set-Cookie") or [])
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # The server closed an idle keep-alive connection (gunicorn's keep-alive is 2 s): a browser opens
                # a new one and sends again, as here; the time of both attempts counts.
                self.conn.close()
                text = f"{type(exc).__name__}: {exc}"
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                text = f"{type(exc).__name__}: {exc}"
                break
        return status, text

    def keep_cookies(self, headers: list[str]) -> None:
        """As a browser: a Set-Cookie stores its value, one that expires it (an emptied value) removes it."""
        for header in headers:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            expired = "max-age=0" in attributes.lower().replace(" ", "") or "1970" in attributes
            if expired or not value or value == '""':
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def loop(self, until: float) -> None:
        while time.time() < until:
            status, page = self.request("page", "GET", self.path)
            token = self.PAGE_RE.search(page)
            rows = self.ROW_RE.findall(page)
            if status != 200 or not token or not rows:
                time.sleep(0.5)
                continue
            votes = dict(self.VOTES_RE.findall(page))
            attendees = self.ATTENDEES_RE.search(page)
            data = [
                ("csrfmiddlewaretoken", token.group(1)),
                ("attendees", attendees.group(1) if attendees else ""),
            ]
            data.append(("comments", ""))
            changed = set(self.random.sample(range(len(rows)), min(len(rows), self.random.randint(1, 3))))
            for i, (pk, version, options) in enumerate(rows):
                selected = re.search(r'value="([A-Z]*)" selected', options)
                rating = selected.group(1) if selected else ""
                if i in changed:
                    rating = "HT" if rating == "HTT" else "HTT"
                data += [
                    (f"version-{pk}", version),
                    (f"rating-{pk}", rating),
                    (f"votes-{pk}", votes.get(pk, "")),
                ]
            self.request("save", "POST", self.path + "de-xuat/", urllib.parse.urlencode(data))
            self.request("evaluation", "GET", f"/danh-gia/{rows[self.random.randrange(len(rows))][0]}/")


# What a served request answers: a page 200; a save 302 (written, back to the page) or 422 (refused by the rules, the
# page again with the reason). Anything else (a 5xx, a 403 of the CSRF check, a dropped connection) is an error: the
# secretary was not served.
ANSWERS = {"page": {200}, "warm": {200}, "evaluation": {200}, "save": {302, 422}}


def answered(kind: str, status: int) -> bool:
    return status in ANSWERS[kind]


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ms(value: float | None) -> float | None:
    return round(value * 1000, 1) if value is not None else None


class ImportMonitor:
    """Polls pg_stat_activity every 50 ms for the import's connection and times each of its transactions (start as
    PostgreSQL stamps it, end when last seen). The import's last long transaction is its write: the quota groups'
    and rows' locks are taken inside it and held until it commits, so its length bounds how long the import holds
    the secretaries' saves back (the time it spends before taking the locks included)."""

    SQL = "SELECT xact_start FROM pg_stat_activity WHERE application_name = %s AND xact_start IS NOT NULL"

    def __init__(self) -> None:
        self.seen: dict[
            object, float
        ] = {}  # transaction start (the server's clock) → last time seen (time.time)
        self.offset = 0.0  # the server's clock minus ours
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT extract(epoch FROM clock_timestamp())")
                self.offset = float(cursor.fetchone()[0]) - time.time()
                while not self.stop.is_set():
                    cursor.execute(self.SQL, [IMPORT_APP])
                    for (start,) in cursor.fetchall():
                        self.seen[start] = time.time()
                    time.sleep(0.05)
        finally:
            connection.close()

    def transactions(self) -> list[float]:
        """Each transaction's length in seconds, in order, those over a second (the reads between are short)."""
        spans = [(start, last + self.offset - start.timestamp()) for start, last in self.seen.items()]  # type: ignore[attr-defined]
        return [round(d + 0.05, 2) for _, d in sorted(spans, key=lambda x: x[0]) if d >= 1]


def bench_writes(db_url: str, cycle) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The two runs against a gunicorn of their own on `db_url` (Django already set up on the same database)."""
    from django.db import connection

    from kiemdiem.campaigns.models import AuditRecord, Evaluation

    district, cells, cookies, officer, imported, area = _targets(cycle)
    if len(cells) < USERS:
        raise RuntimeError(f"only {len(cells)} cells with proposals in {district.name}")
    log(f"{district.name}, {len(cells)} cells, import of {len(imported)} members' ratings")
    fields = [
        "state",
        "proposed_rating",
        "decided_rating",
        "decided_on",
        "decided_by_id",
        "deciding_unit_id",
        "override_reason",
        "not_rated_reason",
        "votes",
        "meeting_comments",
        "version",
        "updated_at",
    ]
    kept = list(Evaluation.objects.filter(cycle=cycle, unit_id__in=area).only("id", *fields))
    last_audit = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # Decided by the review deadline, or today if that is still ahead (the import refuses a date in the future:
    # measured on the 2026 cycle in November 2026, every row was refused and nothing was written).
    decided_on = min(cycle.review_deadline, datetime.date.today())
    workbook = _ratings_workbook(imported, decided_on.strftime("%d/%m/%Y"))
    env = {k: v for k, v in os.environ.items() if k != "KIEMDIEM_DEBUG"}
    env["DATABASE_URL"] = db_url
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "kiemdiem.wsgi:application", *GUNICORN_ARGS, *EXTRA_ARGS, "-b", f"127.0.0.1:{PORT}"]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    phases: dict[str, object] = {}
    monitor = ImportMonitor()
    try:
        _wait_port(PORT)
        paths = [f"/dot/{cycle.pk}/don-vi/{cell.pk}/" for cell in cells]
        secretaries = [Secretary(i, paths[i], cookies[i], seed=i) for i in range(len(cells))]
        for s_ in secretaries:  # warm: each worker's connections and the first render of each page
            s_.request("warm", "GET", s_.path)

        phases["steady_start_loadavg"] = loadavg()
        cpu_start = cpu_parties(server.pid)
        started = time.time()
        threads = [threading.Thread(target=s_.loop, args=(started + SECONDS,)) for s_ in secretaries]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        phases["steady_end_loadavg"] = loadavg()
        steady = [x for s_ in secretaries for x in s_.samples if x[0] != "warm"]
        # Where the two cores went in the steady run: CPU ms per request of the client, gunicorn and PostgreSQL.
        cpu_end = cpu_parties(server.pid)
        phases["steady_cpu_ms_per_request"] = {
            party: round((cpu_end[party] - cpu_start[party]) * 1000 / max(1, len(steady)), 1)
            for party in cpu_end
        }
        # Then the same load while the district's paper ratings are imported (a separate process, as the worker).
        for s_ in secretaries:
            s_.samples.clear()
        done = threading.Event()
        imp: dict[str, object] = {}

        def do_import() -> None:
            t = time.perf_counter()
            imp["start"] = time.time()
            out = subprocess.run(
                [sys.executable, "-m", "kiemdiem", "import", str(workbook), "--kind", "ratings"]
                + ["--user", officer.username, "--cycle", str(cycle.pk)],
                cwd=ROOT,
                env={**env, "PGAPPNAME": IMPORT_APP},
                capture_output=True,
                text=True,
            )
            imp.update(
                s=time.perf_counter() - t,
                end=time.time(),
                rc=out.returncode,
                out=(out.stdout + out.stderr)[-500:],
            )
            done.set()

        importer = threading.Thread(target=do_import)

        def bounded(s_: Secretary) -> None:  # the same loop, for as long as the import runs
            while not done.is_set():
                s_.loop(time.time() + 2)

        loaders = [threading.Thread(target=bounded, args=(s_,)) for s_ in secretaries]
        for t in loaders:
            t.start()
        time.sleep(2)
        monitor.thread.start()
        phases["import_start_loadavg"] = loadavg()
        if os.environ.get("BENCH_WRITE_SKIP_IMPORT"):
            imp.update(s=0, start=time.time(), end=time.time(), rc=1, out="skipped")
            done.set()
        else:
            importer.start()
            importer.join()
        for t in loaders:
            t.join()
        monitor.stop.set()
        monitor.thread.join()
        phases["import_end_loadavg"] = loadavg()
        during = [
            x
            for s_ in secretaries
            for x in s_.samples
            if x[1] <= imp["end"] and x[1] + x[2] >= imp["start"]  # type: ignore[operator]
        ]
    finally:
        monitor.stop.set()
        server.terminate()
        server.wait(timeout=60)
        # Put the district's evaluations back as they were, and drop the audit records this run wrote. Every write
        # path bumps the version: only the rows whose version moved are put back (a whole district's bulk_update
        # took minutes on a loaded machine).
        was = {ev.pk: ev.version for ev in kept}
        moved = {
            pk
            for pk, version in Evaluation.objects.filter(pk__in=list(was)).values_list("pk", "version")
            if was[pk] != version
        }
        back = [ev for ev in kept if ev.pk in moved]
        for chunk_start in range(0, len(back), 500):
            Evaluation.objects.bulk_update(back[chunk_start : chunk_start + 500], fields)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditRecord._meta.db_table} WHERE id > %s", [last_audit])
    spans = monitor.transactions()
    saves = [x[2] for x in steady if x[0] == "save"]
    pages = [x[2] for x in steady if x[0] == "page"]
    evals = [x[2] for x in steady if x[0] == "evaluation"]
    errors = [x for x in steady + during if not answered(x[0], x[3])]
    return {
        "save_p95_ms": _ms(p95(saves)),
        "page_p95_ms": _ms(p95(pages)),
        "evaluation_p95_ms": _ms(p95(evals)),
        # Only an import that wrote its rows counts: a refused file measures validation, not the write.
        "during_import_max_ms": _ms(max(x[2] for x in during)) if during and imp["rc"] == 0 else None,
        "errors": len(errors),
        "error_samples": [f for s_ in secretaries for f in s_.failures][:10],
        "saves": len(saves),
        "saves_written": sum(1 for x in steady if x[0] == "save" and x[3] == 302),
        "saves_refused_422": sum(1 for x in steady if x[0] == "save" and x[3] == 422),
        "requests": len(steady),
        "requests_per_s": round(len(steady) / SECONDS, 1),
        "save_p50_ms": _ms(statistics.median(saves)) if saves else None,
        "save_max_ms": _ms(max(saves)) if saves else None,
        "page_p50_ms": _ms(statistics.median(pages)) if pages else None,
        "page_max_ms": _ms(max(pages)) if pages else None,
        "evaluation_max_ms": _ms(max(evals)) if evals else None,
        "requests_during_import": len(during),
        "during_import_p95_ms": _ms(p95([x[2] for x in during])),
        "import_s": round(float(imp["s"]), 2),  # type: ignore[arg-type]
        # The validation pass (rolled back, no lock), then the write (locks held until commit).
        "import_transactions_s": spans,
        "import_write_transaction_s": spans[-1] if spans else None,
        "import_rows": len(imported),
        "import_rc": imp["rc"],
        "import_output": imp["out"],
        "seconds": SECONDS,
        "users": len(cells),
        "district": district.name,
        **phases,
    }


FIGURES = {
    "write_save_p95_ms": "save_p95_ms",
    "write_page_p95_ms": "page_p95_ms",
    "write_during_import_max_ms": "during_import_max_ms",
    "write_errors": "errors",
}


def main() -> None:
    """Alone, on the profile `make bench` built and left in the cluster of bench/pg.py."""
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, str(ROOT))
    import argparse

    import pg
    import run

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--year", type=int, help="the province's yearly cycle to load (default: the one bench measures)"
    )
    args = parser.parse_args()
    pg.start()
    # BENCH_WRITE_DB: a copy of the profile to load (CREATE DATABASE … TEMPLATE kiemdiem_province), so that an
    # engineer's run never writes the shared profile; `make bench` loads the profile itself and puts it back.
    db = os.environ.get("BENCH_WRITE_DB") or run.PROVINCE_DB
    run.setup_django(db)
    run.migrate_cached(db)
    from kiemdiem.campaigns.models import Cycle

    cycle = (
        Cycle.objects.get(year=args.year, quarter__isnull=True, unit__parent__isnull=True)
        if args.year
        else run.current_cycle()
    )
    out = bench_writes(pg.url(db), cycle)
    log(json.dumps(out, default=str))
    path = BENCH / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results.update({key: out[part] for key, part in FIGURES.items() if out[part] is not None})
    path.write_text(json.dumps(results, indent=2) + "\n")
    (BENCH / "results_writes.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    log("merged write_* into bench/results.json; the whole measure in bench/results_writes.json")


if __name__ == "__main__":
    main()
