"""A database that is busy or away answers 503 "hệ thống đang bận, xin thử lại", never a 500 or a traceback.

The errors are the real ones each driver raises, wrapped as Django wraps them; where they are raised is where the
issue saw them: the session lookup of a logged-in page (whose 500 traceback showed `'SessionStore' object has no
attribute '_session_cache'`), a page's own query, an API call. The real outages (a PostgreSQL restart, SQLite under
eight writers) are in test_live_load.py.
"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import utils as db_utils
from django.test import Client

from kiemdiem.orgs import views as org_views


def wrapped(error: Exception) -> Exception:
    """The error as Django raises it (django.db.utils.DatabaseErrorWrapper): its own class, caused by the driver's."""
    django_error = getattr(db_utils, type(error).__name__)(*error.args)
    django_error.__cause__ = error
    return django_error


OUTAGES = {
    "sqlite-locked": sqlite3.OperationalError("database is locked"),
    "postgresql-restarting": psycopg.OperationalError(
        "terminating connection due to administrator command\nserver closed the connection unexpectedly"
    ),
    "postgresql-refused": psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    ),
    "connection-closed": psycopg.InterfaceError("the connection is closed"),
}


def _logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _session_store() -> type:
    """The store the settings name: Django's database store, or a subclass that reads its row its own way."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, DatabaseSessionStore)
    return store


def _assert_busy_page(response) -> None:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    assert response.status_code == 503, (response.status_code, body[:300])
    assert "Hệ thống đang bận, xin thử lại" in body
    assert response["Retry-After"].isdigit()
    for leak in ("Traceback", "_session_cache", "OperationalError", "InterfaceError", 'File "'):
        assert leak not in body


@pytest.mark.parametrize("outage", OUTAGES, ids=list(OUTAGES))
def test_it_answers_503_when_the_session_lookup_meets_an_outage(
    world, district_officer, monkeypatch, caplog, outage
):
    client = _logged_in(district_officer)

    def load(self):  # type: ignore[no-untyped-def]
        raise wrapped(OUTAGES[outage])

    monkeypatch.setattr(_session_store(), "load", load)
    with caplog.at_level(logging.WARNING, logger="kiemdiem.errors"):
        response = client.get("/don-vi/")
    _assert_busy_page(response)
    assert "text/html" in response["Content-Type"]
    # The log names the database's own error, not the session attribute it interrupted.
    logged = [r for r in caplog.records if r.name == "kiemdiem.errors"]
    assert logged and str(OUTAGES[outage]).splitlines()[0] in logged[0].getMessage()


@pytest.mark.parametrize("outage", OUTAGES, ids=list(OUTAGES))
def test_it_answers_503_when_a_page_query_meets_an_outage(world, district_officer, monkeypatch, outage):
    client = _logged_in(district_officer)

    def subtree_counts(units):  # type: ignore[no-untyped-def]
        raise wrapped(OUTAGES[outage])

    monkeypatch.setattr(org_views, "subtree_counts", subtree_counts)
    _assert_busy_page(client.get("/don-vi/"))


def test_it_answers_the_api_with_json_and_no_traceback(world, district_officer, monkeypatch):
    client = _logged_in(district_officer)

    def load(self):  # type: ignore[no-untyped-def]
        raise wrapped(OUTAGES["postgresql-restarting"])

    monkeypatch.setattr(_session_store(), "load", load)
    response = client.get("/api/units/")
    assert response.status_code == 503
    assert response.json() == {"detail": "Hệ thống đang bận, xin thử lại sau ít giây."}


def test_it_keeps_a_bug_a_500_with_the_projects_own_page(world, district_officer, monkeypatch):
    # SQLite raises OperationalError for a missing table too: that is a bug, not a busy database.
    client = _logged_in(district_officer)

    def load(self):  # type: ignore[no-untyped-def]
        raise wrapped(sqlite3.OperationalError("no such table: django_session"))

    monkeypatch.setattr(_session_store(), "load", load)
    response = client.get("/don-vi/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Lỗi hệ thống" in body and "Traceback" not in body and "no such table" not in body
