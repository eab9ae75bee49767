"""The live server the browser tests drive."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread


class OneRequestAtATime(ThreadedWSGIServer):
    """On SQLite in memory, every thread of the live server shares the test's one connection.

    Two requests at once (an htmx meter refresh beside the form's own POST) then misuse it: sqlite3 answers
    "bad parameter or other API misuse", the session cannot be read, and the browser lands on the login page.
    The server keeps its threads (keep-alive still works) but runs the application one request at a time.
    """

    def set_app(self, application: WSGIApplication | None) -> None:
        assert application is not None
        lock = threading.Lock()

        def serialised(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
            with lock:
                response = application(environ, start_response)
                try:
                    body = b"".join(response)
                finally:
                    close = getattr(response, "close", None)
                    if close is not None:
                        close()
            return [body]

        super().set_app(serialised)


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite_in_memory() -> Iterable[None]:
    """PostgreSQL gives each thread its own connection: there the live server stays concurrent."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    original = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATime
    yield
    LiveServerThread.server_class = original
