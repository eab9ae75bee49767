"""The cast: a small province built through the actions, and one user per role."""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@dataclass
class World:
    province: object
    na_hang: object
    lam_binh: object
    go_na_hang: object  # a grassroots committee in Na Hang
    cell_na_hang: object
    cell_lam_binh: object
    agency_na_hang: object
    member_na_hang: object
    member_lam_binh: object
    cycle_province: object
    cycle_na_hang: object
    cycle_lam_binh: object


def _build_world() -> dict[str, int]:
    """The small province, built through the actions; returns the primary keys of what the tests name."""
    from kiemdiem.campaigns.actions import do_open_cycle
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import Person, UnitKind

    province = do_create_unit(
        code="TQ", name="Đảng bộ tỉnh Tuyên Quang", kind=UnitKind.PROVINCE_COMMITTEE, parent=None
    )
    na_hang = do_create_unit(
        code="NH", name="Đảng bộ huyện Na Hang", kind=UnitKind.DISTRICT_COMMITTEE, parent=province
    )
    lam_binh = do_create_unit(
        code="LB", name="Đảng bộ huyện Lâm Bình", kind=UnitKind.DISTRICT_COMMITTEE, parent=province
    )
    go_nh = do_create_unit(
        code="NH-001", name="Đảng bộ thị trấn Na Hang", kind=UnitKind.GRASSROOTS_COMMITTEE, parent=na_hang
    )
    cell_nh = do_create_unit(
        code="NH-001-01", name="Chi bộ tổ dân phố số 1", kind=UnitKind.CELL, parent=go_nh
    )
    go_lb = do_create_unit(
        code="LB-001", name="Đảng bộ xã Lăng Can", kind=UnitKind.GRASSROOTS_COMMITTEE, parent=lam_binh
    )
    cell_lb = do_create_unit(code="LB-001-01", name="Chi bộ thôn Nà Khà", kind=UnitKind.CELL, parent=go_lb)
    agency_nh = do_create_unit(
        code="NH-UBND", name="Ủy ban nhân dân huyện Na Hang", kind=UnitKind.GOVERNMENT, parent=na_hang
    )
    admitted = datetime.date(2010, 5, 19)
    member_nh = Person.objects.create(
        code="DV1",
        full_name="Ma Văn Hùng",
        gender="m",
        admitted_on=admitted,
        membership="full",
        home_cell=cell_nh,
    )
    member_lb = Person.objects.create(
        code="DV2",
        full_name="Hoàng Thị Lan",
        gender="f",
        admitted_on=admitted,
        membership="full",
        home_cell=cell_lb,
    )
    return {
        "province": province.pk,
        "na_hang": na_hang.pk,
        "lam_binh": lam_binh.pk,
        "go_na_hang": go_nh.pk,
        "cell_na_hang": cell_nh.pk,
        "cell_lam_binh": cell_lb.pk,
        "agency_na_hang": agency_nh.pk,
        "member_na_hang": member_nh.pk,
        "member_lam_binh": member_lb.pk,
        "cycle_province": do_open_cycle(unit=province, year=2021).pk,
        "cycle_na_hang": do_open_cycle(unit=na_hang, year=2021).pk,
        "cycle_lam_binh": do_open_cycle(unit=lam_binh, year=2021).pk,
    }


def _load_world(pks: dict[str, int]) -> World | None:
    """Fresh instances of the world's rows (a test may change them in memory), or None if they are gone."""
    from kiemdiem.campaigns.models import Cycle
    from kiemdiem.orgs.models import Person, Unit

    units = Unit.objects.in_bulk([pks[k] for k in _UNITS])
    people = Person.objects.in_bulk([pks[k] for k in _PEOPLE])
    cycles = Cycle.objects.in_bulk([pks[k] for k in _CYCLES])
    if len(units) + len(people) + len(cycles) != len(pks):
        return None
    rows = {k: (units if k in _UNITS else people if k in _PEOPLE else cycles)[pks[k]] for k in pks}
    return World(**rows)


_UNITS = ("province", "na_hang", "lam_binh", "go_na_hang", "cell_na_hang", "cell_lam_binh", "agency_na_hang")
_PEOPLE = ("member_na_hang", "member_lam_binh")
_CYCLES = ("cycle_province", "cycle_na_hang", "cycle_lam_binh")


_COMMITTED_WORLD: list[tuple[dict[str, int], object]] = []  # (its primary keys, pytest-django's db blocker)


@pytest.fixture(scope="session")
def _world_pks(django_db_setup, django_db_blocker) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Build the world once per session (per xdist worker) and commit it; each test then runs in a transaction
    rolled back at its end, so every test sees the same world. Transactional tests flush the database at their
    end: it is then built and committed again (pytest_runtest_teardown below)."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        pks = _build_world()
    _COMMITTED_WORLD.append((pks, django_db_blocker))
    return pks


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    """After a transactional test has flushed the database (its fixtures' teardown, inside this hook), commit the
    world again at once when the next test is a rolled-back one. Otherwise every later test on this worker that
    asks for `world` would build it inside its own transaction, rolled back at its end, and the next would build it
    again (about 20 ms of CPU each): worksteal hands a worker that has run the transactional tests hundreds of
    other tests stolen from the other worker's queue. Before another transactional test the database stays as the
    flush left it."""
    result = yield
    if _COMMITTED_WORLD and _block(item) == 1 and nextitem is not None and _block(nextitem) == 0:
        from django.db import transaction

        pks, blocker = _COMMITTED_WORLD[0]
        with blocker.unblock():  # type: ignore[attr-defined]
            if _load_world(pks) is None:
                with transaction.atomic():
                    pks.clear()
                    pks.update(_build_world())
    return result


@pytest.fixture
def world(_world_pks, db) -> World:  # type: ignore[no-untyped-def]
    return current_world(_world_pks)


def current_world(pks: dict[str, int]) -> World:
    """The world's rows, built again inside the current transaction if they are gone."""
    loaded = _load_world(pks)
    if loaded is None:  # flushed by a transactional test, or emptied by `empty_db`
        pks.clear()
        pks.update(_build_world())
        loaded = _load_world(pks)
    assert loaded is not None
    return loaded


@pytest.fixture
def empty_db(db) -> None:  # type: ignore[no-untyped-def]
    """For the tests that build their own province (the demo): remove the shared world inside this test's
    transaction (rolled back after it; a transactional test's flush removes it anyway)."""
    _empty_database()


@contextlib.contextmanager
def built_once[T](django_db_blocker, build: Callable[[], T], *, empty: bool = True) -> Iterator[T]:  # type: ignore[no-untyped-def]
    """For a module whose tests read one big build (the demo): empty the database (unless `empty` is False: then
    the build goes on top of the shared world) and build once, inside a transaction that stays open while the
    module's tests run, each in a savepoint rolled back at its end (the `db` fixture nests in it, as Django's
    setUpTestData does), and that is rolled back after the last of them, so the shared world is back for the next
    module. A test may still write: its savepoint undoes it. The module's tests that do not use the build run
    before those that do (pytest_collection_modifyitems below), and a transactional test cannot run inside it."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            if empty:
                _empty_database()
            built = build()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def no_transactional_test_in(request) -> None:  # type: ignore[no-untyped-def]
    """For a module-scoped `built_once`: a transactional test of the same module could run while its transaction
    is open (pytest keeps a module's fixtures until its last test), and would flush inside it. Keep them apart."""
    transactional = [i.nodeid for i in request.session.items if i.module is request.module and _block(i) == 1]
    assert not transactional, f"a transactional test cannot run inside the module's build: {transactional}"


def _empty_database() -> None:
    """Every table emptied, then the rows the migrations write (QĐ 366's central frameworks) written again: the
    database as a fresh `migrate` leaves it."""
    from django.apps import apps
    from django.db import connection

    from kiemdiem.assessments.models import Criterion, FrameworkVersion
    from kiemdiem.assessments.seed import load

    # Every foreign key is DEFERRABLE INITIALLY DEFERRED on both databases, so the order does not matter.
    tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    with connection.cursor() as cursor:
        for table in sorted(tables & set(connection.introspection.table_names(cursor))):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    load(FrameworkVersion, Criterion)


_MIGRATED_SQLITE: list[Path] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """pytest-django's (the test database, migrated), and on SQLite a copy of it as the migrations left it, before
    any test wrote to it, for `migrated_sqlite` (SQLite's backup API: a few milliseconds)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
        with django_db_blocker.unblock():
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        _MIGRATED_SQLITE.append(path)
    yield


@pytest.fixture(scope="session")
def migrated_sqlite(request, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """An SQLite file with every migration applied, once per session (per xdist worker). The subprocess tests
    (crash import, backup, live load) start from a copy, on which their own `migrate` finds nothing to do: about
    8 s of CPU each, and on a busy disk minutes of fsyncs. On SQLite it is the test database's copy above (the
    same migrations, so no `kiemdiem migrate` of its own: 5.6 s of CPU); on PostgreSQL, `kiemdiem migrate` in a
    subprocess."""
    import subprocess

    from django.db import connection

    if connection.vendor == "sqlite":
        request.getfixturevalue("django_db_setup")
        return _MIGRATED_SQLITE[-1]
    path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"DATABASE_URL": f"sqlite:///{path}", "DJANGO_SETTINGS_MODULE": "kiemdiem.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "kiemdiem", "migrate", "--no-input", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path


BIG_PEOPLE_ROWS = 60_000
BIG_PEOPLE_PREFIX = "NHIEU"


@pytest.fixture(scope="session")
def big_people_workbook(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A people workbook of 60,000 new members (codes NHIEU000000…, all in Na Hang town's first cell of the demo),
    for the two tests that kill an import half-way through its write (the crash import, the killed worker): long
    enough to be inside the INSERTs when the kill comes. Writing it costs about 6 s of CPU, so it is written once
    per run, by whichever xdist worker asks first, into the run's shared temporary directory."""
    import fcntl

    from openpyxl import Workbook

    from tests.imports.helpers import HEADERS, person_row

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # pytest-N/, one per run
    path = shared / "nhieu-dang-vien.xlsx"
    with open(shared / "nhieu-dang-vien.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Cá nhân")
            ws.append(HEADERS["people"])
            for i in range(BIG_PEOPLE_ROWS):
                ws.append(person_row(f"{BIG_PEOPLE_PREFIX}{i:06d}", "NH-001-001"))
            partial = shared / "nhieu-dang-vien.xlsx.part"
            wb.save(partial)
            partial.rename(path)
    return path


def copy_of(database: Path, to: Path) -> Path:
    """A copy of an SQLite file (its write-ahead log folded in when the last connection closed)."""
    import shutil

    assert not Path(f"{database}-wal").exists()
    shutil.copyfile(database, to)
    return to


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():  # type: ignore[no-untyped-def]
    """Tests create many users: MD5 instead of PBKDF2's 1,000,000 rounds (production keeps Django's default)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _convert_each_document_once():  # type: ignore[no-untyped-def]
    """LibreOffice costs about 1.5 s of CPU per conversion, and the access matrix alone downloads the same two PDF
    reports for each of its seven roles: each distinct office file is converted once per session (per xdist
    worker), really, by reports.documents.convert, and an identical file gets that conversion's bytes again. Two
    files are the same when their zip members are (names and contents; the zip's own timestamps differ by the
    second they were written). Without LibreOffice the original runs, and refuses as it should."""
    import hashlib
    import io
    import threading
    import zipfile

    from kiemdiem.reports import documents

    original = documents.convert
    converted: dict[tuple[str, str, str], bytes] = {}
    lock = threading.Lock()

    def identity(content: bytes) -> str:
        digest = hashlib.sha256()
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for name in sorted(archive.namelist()):
                    digest.update(name.encode() + b"\0" + archive.read(name) + b"\0")
        except zipfile.BadZipFile:
            digest.update(b"raw\0" + content)
        return digest.hexdigest()

    def convert_once(content: bytes, *, source: str = "docx", target: str = "pdf") -> bytes:
        if documents.soffice() is None:
            return original(content, source=source, target=target)
        key = (source, target, identity(content))
        with lock:
            if key not in converted:
                converted[key] = original(content, source=source, target=target)
            return converted[key]

    documents.convert = convert_once  # type: ignore[assignment]
    yield
    documents.convert = original  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _clear_cache():  # type: ignore[no-untyped-def]
    """Pages are cached by their data's version; a rolled-back test must not leave its pages for the next."""
    from django.core.cache import cache

    cache.clear()
    yield


def _user(username: str, **fields):  # type: ignore[no-untyped-def]
    from kiemdiem.accounts.models import User

    # A module's shared build (tests/reports/conftest.py `rated`) may have made this very user already.
    existing = User.objects.filter(username=username).first()
    if existing is not None and all(getattr(existing, k) == v for k, v in fields.items()):
        return existing
    return User.objects.create_user(username=username, password="mat-khau-thu-nghiem", **fields)


@pytest.fixture
def province_admin(world):  # type: ignore[no-untyped-def]
    """Ban Tổ chức Tỉnh ủy: the whole province."""
    return _user("tinhuy", role="province_admin", unit=world.province, is_staff=True)


@pytest.fixture
def district_officer(world):  # type: ignore[no-untyped-def]
    """Na Hang's officer: Na Hang's subtree only, never Lâm Bình."""
    return _user("nahang", role="district_officer", unit=world.na_hang, is_staff=True)


@pytest.fixture
def outsider(world):  # type: ignore[no-untyped-def]
    """Lâm Bình's officer: the outsider for everything in Na Hang."""
    return make_outsider(world)


def make_outsider(world):  # type: ignore[no-untyped-def]
    return _user("lambinh", role="district_officer", unit=world.lam_binh, is_staff=True)


@pytest.fixture
def cell_secretary(world):  # type: ignore[no-untyped-def]
    """Secretary of one cell in Na Hang: that cell only."""
    return make_cell_secretary(world)


def make_cell_secretary(world):  # type: ignore[no-untyped-def]
    return _user("chibo", role="cell_secretary", unit=world.cell_na_hang)


@pytest.fixture
def member(world):  # type: ignore[no-untyped-def]
    """A plain member in Na Hang: their own record only."""
    return _user("dangvien", role="member", person=world.member_na_hang)


@pytest.fixture
def standing_member(world):  # type: ignore[no-untyped-def]
    """A standing-committee member assigned to attend in Na Hang's grassroots committee."""
    user = _user("btv", role="standing_member")
    user.assigned_units.set([world.go_na_hang])
    return user


@pytest.fixture
def inspector(world):  # type: ignore[no-untyped-def]
    """The province inspection committee: reads the whole province."""
    return _user("kiemtra", role="inspector", unit=world.province)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig) -> str | None:  # type: ignore[no-untyped-def]
    """pytest-playwright's own (0.10, without pytest-base-url) is a session fixture written as an instance method,
    which pytest deprecates with a warning on every run: the same value, as a plain function."""
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture
def grassroots_officer(world):  # type: ignore[no-untyped-def]
    """The office of Na Hang town's grassroots committee: decides its members' ratings."""
    return make_grassroots_officer(world)


def make_grassroots_officer(world):  # type: ignore[no-untyped-def]
    return _user("danguy", role="cell_secretary", unit=world.go_na_hang)


def make_members(cell, count: int, *, prefix: str = "M"):  # type: ignore[no-untyped-def]
    """Add party members admitted long ago to a cell."""
    from kiemdiem.orgs.models import Person

    return [
        Person.objects.create(
            code=f"{prefix}{cell.pk}-{i}",
            full_name=f"Đảng viên {prefix}{i:02d}",
            gender="m",
            admitted_on=datetime.date(2005, 3, 1),
            membership="full",
            home_cell=cell,
        )
        for i in range(count)
    ]


def _block(item: pytest.Item) -> int:
    """pytest-django's order (as Django's): 0 tests in a rolled-back transaction, 1 transactional tests (they
    flush the database after them, so they come after every test that reads the migrations' rows), 2 no database."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )
    if transactional:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering, which it keeps
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first, so that neither of `make test`'s two workers is left running one alone at the end
    (xdist's worksteal hands each worker a contiguous half of this order and steals from the end of a queue).
    Within each of pytest-django's blocks the modules with a `slow` test go first, whole (a module-scoped build is
    made once); the slow tests that use no database (the subprocess and server tests: crash import, live load,
    backup) go before all of them, as nothing they do touches the test database. Within a module, the tests that
    use a module-scoped build (`built_once`: it stays in the database until the module's last test) come after
    those that do not, so that these see the world alone."""
    slow_modules = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    modules: dict[str, int] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], len(modules))

    def key(item: pytest.Item) -> tuple[int, int, int, int]:
        module = item.nodeid.split("::")[0]
        block = _block(item)
        if block == 2 and item.get_closest_marker("slow"):
            return (-1, 0, modules[module], 0)
        return (block, 0 if module in slow_modules else 1, modules[module], _uses_module_build(item))

    items.sort(key=key)


def _uses_module_build(item: pytest.Item) -> int:
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    return int(any(defs and defs[-1].scope == "module" for defs in definitions))
