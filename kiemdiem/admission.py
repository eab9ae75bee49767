"""Writes take turns: at most `KIEMDIEM_CONCURRENT_WRITES` unsafe requests (a save, a decision, an import's upload)
run at once in a process; the others wait before their view starts, holding no lock and no transaction, so the
page views of the same process keep its share of the CPU (issue 21: "reads that do not wait for writes").

A write that has waited `KIEMDIEM_WRITE_WAIT_SECONDS` for its turn answers the busy page (503, "thử lại"), never a
500 and never a request cut half-way. 0 turns the limit off."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kiemdiem.errors import busy

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class WriteAdmissionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        limit = int(getattr(settings, "KIEMDIEM_CONCURRENT_WRITES", 0))
        self.turns = threading.BoundedSemaphore(limit) if limit > 0 else None
        self.wait = float(getattr(settings, "KIEMDIEM_WRITE_WAIT_SECONDS", 30))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.turns is None or request.method in SAFE_METHODS:
            return self.get_response(request)
        if not self.turns.acquire(timeout=self.wait):
            return busy(request, f"no turn to write within {self.wait:g} s")
        try:
            return self.get_response(request)
        finally:
            self.turns.release()
