"""Errors the user may see: a database that is busy or away answers 503 "thử lại", anything else the project's 500.

A database outage (PostgreSQL restarting, a connection cut) or a write that SQLite could not lock in time is not a
bug in the request: the user is told, in Vietnamese, to try again in a moment, with `Retry-After`, and the log
names the real database error (not the `'SessionStore' object has no attribute '_session_cache'` it was raised
while handling). Pages get an HTML page that needs no database; the API gets JSON; neither ever shows a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("kiemdiem.errors")

BUSY_MESSAGE = "Hệ thống đang bận, xin thử lại sau ít giây."
SERVER_ERROR_MESSAGE = "Lỗi hệ thống; đề nghị thử lại sau ít phút hoặc báo quản trị viên."
RETRY_AFTER_SECONDS = 5


class ActionError(Exception):
    """A refused change, with a Vietnamese message that says why: every app's actions raise it, every view shows it."""

    # Only on a refused batch: (row index, message) per row (campaigns.actions._refused).
    rows: list[tuple[int, str]]


# SQLite's own words for "another writer holds the lock and the busy timeout ran out".
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """A lost or refused connection, a server shutting down, a lock not obtained in time: worth a retry.

    On SQLite an OperationalError is also what a missing table or a bad SQL statement raises: those are bugs
    (500), so only its "locked"/"busy" errors count. On PostgreSQL every OperationalError is about the server or
    the connection (refused, terminated, restarting, deadlock, statement timeout).
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, sqlite3.Error):
        return any(words in str(exc).lower() for words in _SQLITE_BUSY)
    return True


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def service_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 answer, logged once with the real database error and without the exception it masked."""
    exc.__suppress_context__ = True  # the log shows the database error, not the session lookup it interrupted
    logger.warning(
        "database unavailable on %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc
    )
    return busy(request)


def busy(request: HttpRequest, why: str = "") -> HttpResponse:
    """The Vietnamese "hệ thống đang bận, xin thử lại" page (JSON for the API), 503 with Retry-After."""
    if why:
        logger.warning("busy on %s %s: %s", request.method, request.path, why)
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"detail": BUSY_MESSAGE}, status=503)
    else:
        # No request context: the page must render without touching the database (no user, no session).
        response = HttpResponse(loader.get_template("503.html").render({"message": BUSY_MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the project's own page (or JSON for the API); a database outage becomes the 503."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_unavailable(exc):
        return service_unavailable(request, exc)
    if _wants_json(request):
        return JsonResponse({"detail": SERVER_ERROR_MESSAGE}, status=500)
    return HttpResponse(loader.get_template("500.html").render({"message": SERVER_ERROR_MESSAGE}), status=500)


class DatabaseUnavailableMiddleware:
    """Outermost: a view's database outage is a 503 even with DEBUG on (whose technical page would be a 500).

    Exceptions raised inside other middleware (the session lookup, the login throttle) reach Django's handler500,
    which is `server_error` above and answers the same 503.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return service_unavailable(request, exception)
        return None
