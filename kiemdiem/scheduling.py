"""Turns in a busy server process: the cheapest requests go first, and nobody waits long for it.

With the two cores full (a district's secretaries all saving at the deadline), every request waits for CPU. Left to
the threads, the wait is shared evenly: a rating page that needs 15 ms of work waits as long as a save that needs
30 or an evaluation that needs 35. Here each process lets at most `slots` requests work at once; the others wait in
one line, and when a place frees it goes to the waiter whose kind of request has been the cheapest so far
(shortest expected job first, which keeps the mean wait lowest), unless someone has waited over `patience`: then
the longest waiter goes first, so a costly request is never starved by a stream of cheap ones.

What a request costs is learnt per route (the URL pattern, not the path: the table cannot grow with ids) as a
moving average of the time it held its place. Two kinds of request never wait in the line:
- those of a route that has cost over `LONG_SECONDS` on average (exports, uploads): holding a place for seconds
  would stall the cheap ones behind them, and a second longer in line changes nothing for them;
- those whose body is too big to be read into memory (a large upload).
Any other body is read before the request waits: a slow phone sending a form never holds a place.

The line is per process (gunicorn's workers share nothing); `KIEMDIEM_SERVING_SLOTS=0` switches it off.
A request's place is given back when its response is built, before the response is sent: a streamed download does
not hold it. Measured under the write load of issue 21: docs/performance.md, "Eighth pass".
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

# A route whose requests have held their place this long on average skips the line (see the module's docstring).
LONG_SECONDS = 0.5
# A route never seen yet is taken for an ordinary page.
FIRST_GUESS_SECONDS = 0.03
# The moving average's weight of the newest request.
LEARNING_RATE = 0.2


@dataclass
class _Waiter:
    cost: float
    arrived: float
    order: int
    granted: bool = field(default=False)


class Line:
    """At most `slots` holders at once; a freed place goes to the cheapest waiter, or to the oldest overdue one."""

    def __init__(self, slots: int, patience: float) -> None:
        self.slots = slots
        self.patience = patience
        self.holders = 0
        self.waiting: list[_Waiter] = []
        self._cond = threading.Condition()
        self._order = itertools.count()

    def enter(self, cost: float) -> None:
        """Wait for a place: at once if one is free and nobody is waiting."""
        with self._cond:
            if self.holders < self.slots and not self.waiting:
                self.holders += 1
                return
            me = _Waiter(cost, time.monotonic(), next(self._order))
            self.waiting.append(me)
            while not me.granted:
                self._cond.wait()

    def leave(self) -> None:
        """Give the place back, to the next waiter if there is one (the line holds at most a process's threads)."""
        with self._cond:
            if not self.waiting:
                self.holders -= 1
                return
            now = time.monotonic()
            overdue = [w for w in self.waiting if now - w.arrived >= self.patience]
            if overdue:
                chosen = min(overdue, key=lambda w: w.order)
            else:
                chosen = min(self.waiting, key=lambda w: (w.cost, w.order))
            self.waiting.remove(chosen)
            chosen.granted = True
            self._cond.notify_all()


class Costs:
    """What each route's requests have cost, learnt as they are served."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def expected(self, route: str) -> float:
        return self.seconds.get(route, FIRST_GUESS_SECONDS)

    def learn(self, route: str, took: float) -> None:
        was = self.seconds.get(route)
        self.seconds[route] = took if was is None else was + LEARNING_RATE * (took - was)


def route_of(request: HttpRequest) -> str:
    """The request's method and URL pattern, e.g. `POST dot/<int:cycle_pk>/don-vi/<int:unit_pk>/de-xuat/`."""
    try:
        pattern = resolve(request.path_info).route
    except Resolver404:
        pattern = "(404)"
    return f"{request.method} {pattern}"


def _body_fits_in_memory(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or length <= limit


class ShortestFirstMiddleware:
    """Outermost: every request of the process passes through one `Line` (settings.SERVING_SLOTS places)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        slots = settings.SERVING_SLOTS
        self.line = Line(slots, settings.SERVING_PATIENCE_SECONDS) if slots > 0 else None
        self.costs = Costs()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.line is None:
            return self.get_response(request)
        route = route_of(request)
        cost = self.costs.expected(route)
        if cost >= LONG_SECONDS:
            return self._served(request, route)
        if request.META.get("CONTENT_LENGTH") not in (None, "", "0"):
            if not _body_fits_in_memory(request):
                return self._served(request, route)
            request.body  # noqa: B018 - read from the client now, outside the line (Django keeps it)
        self.line.enter(cost)
        try:
            return self._served(request, route)
        finally:
            self.line.leave()

    def _served(self, request: HttpRequest, route: str) -> HttpResponse:
        began = time.monotonic()
        try:
            return self.get_response(request)
        finally:
            self.costs.learn(route, time.monotonic() - began)
