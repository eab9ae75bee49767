"""The serving line (kiemdiem/scheduling.py): cheapest first, the overdue before them, never more than its places."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from kiemdiem import scheduling
from kiemdiem.scheduling import LONG_SECONDS, Line, ShortestFirstMiddleware, route_of


def _wait_until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.002)


def _queue(line: Line, costs: list[float], served: list[float], pause: float = 0.0) -> list[threading.Thread]:
    """One thread per cost, each entering the (full) line in turn and noting its cost when it gets a place."""
    threads, already = [], len(line.waiting)
    for n, cost in enumerate(costs, start=already + 1):

        def wait(cost: float = cost) -> None:
            line.enter(cost)
            served.append(cost)
            line.leave()

        t = threading.Thread(target=wait)
        t.start()
        threads.append(t)
        _wait_until(lambda n=n: len(line.waiting) == n)
        time.sleep(pause)
    return threads


def test_a_freed_place_goes_to_the_cheapest_waiter():
    line = Line(slots=1, patience=60)
    line.enter(0.05)  # the one place, taken
    served: list[float] = []
    threads = _queue(line, [0.30, 0.10, 0.20, 0.01], served)
    line.leave()
    for t in threads:
        t.join(5)
    # In order of arrival it would be 0.30, 0.10, 0.20, 0.01.
    assert served == [0.01, 0.10, 0.20, 0.30]
    assert line.holders == 0 and not line.waiting


def test_a_waiter_past_its_patience_goes_before_cheaper_ones():
    line = Line(slots=1, patience=0.05)
    line.enter(0.05)
    served: list[float] = []
    # The costly one arrives first and waits past the patience; the cheap ones arrive after it.
    threads = _queue(line, [2.0], served, pause=0.1)
    threads += _queue(line, [0.01, 0.02], served)
    line.leave()
    for t in threads:
        t.join(5)
    assert served[0] == 2.0  # overdue: the longest waiter first, not the cheapest
    assert line.holders == 0


def test_it_never_lets_more_than_its_places_work_and_loses_none():
    line = Line(slots=3, patience=0.02)
    lock = threading.Lock()
    working = [0, 0]  # now, most at once
    done = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(40):
            line.enter(rng.random())
            with lock:
                working[0] += 1
                working[1] = max(working[1], working[0])
            time.sleep(rng.random() / 2000)
            with lock:
                working[0] -= 1
            line.leave()
        done.append(seed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(done) == 16  # nobody left waiting forever
    assert working[1] == 3  # the places were used, and never more of them
    assert line.holders == 0 and not line.waiting


def test_routes_are_the_url_patterns_not_the_paths(rf):
    one, other = rf.get("/danh-gia/12/"), rf.get("/danh-gia/9999/")
    assert route_of(one) == route_of(other) == "GET danh-gia/<int:pk>/"
    assert route_of(rf.post("/danh-gia/12/")) == "POST danh-gia/<int:pk>/"
    # Unknown paths share one entry: the table of costs cannot grow with what clients send.
    assert route_of(rf.get("/khong-co/1/")) == route_of(rf.get("/x/y/z")) == "GET (404)"


class _SpyLine(Line):
    def __init__(self) -> None:
        super().__init__(slots=1, patience=60)
        self.entered: list[tuple[float, bool]] = []
        self.request = None

    def enter(self, cost: float) -> None:
        self.entered.append((cost, hasattr(self.request, "_body")))
        super().enter(cost)


def _middleware(view) -> tuple[ShortestFirstMiddleware, _SpyLine]:  # type: ignore[no-untyped-def]
    middleware = ShortestFirstMiddleware(view)
    spy = _SpyLine()
    middleware.line = spy
    return middleware, spy


@pytest.fixture
def rf() -> RequestFactory:
    return RequestFactory()


def test_the_place_is_given_back_when_the_view_raises(rf):
    def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    middleware, spy = _middleware(broken)
    with pytest.raises(RuntimeError):
        middleware(rf.get("/danh-gia/1/"))
    assert spy.holders == 0 and len(spy.entered) == 1


def test_it_learns_each_routes_cost_and_long_routes_skip_the_line(rf):
    def slow(request):  # type: ignore[no-untyped-def]
        time.sleep(0.02)
        return HttpResponse("ok")

    middleware, spy = _middleware(slow)
    request = rf.get("/danh-gia/1/")
    spy.request = request
    middleware(request)
    learnt = middleware.costs.expected("GET danh-gia/<int:pk>/")
    assert 0.015 < learnt < 0.5
    # A second request of the same route waits with the cost learnt so far.
    middleware(rf.get("/danh-gia/2/"))
    assert spy.entered[1][0] == pytest.approx(learnt)
    # A route that has cost over LONG_SECONDS is served even while the line's one place is held.
    for _ in range(20):  # a route whose requests have turned slow (a moving average: not at the first)
        middleware.costs.learn("GET danh-gia/<int:pk>/", LONG_SECONDS * 2)
    assert middleware.costs.expected("GET danh-gia/<int:pk>/") >= LONG_SECONDS
    spy.enter(0.01)  # the place, taken by someone else
    served = threading.Event()
    t = threading.Thread(target=lambda: (middleware(rf.get("/danh-gia/3/")), served.set()), daemon=True)
    t.start()
    try:
        assert served.wait(5)
    finally:
        spy.leave()
    t.join(5)
    assert (
        len(spy.entered) == 3
    )  # the two first requests and the place taken by hand; the long one never waited


def test_a_body_is_read_before_waiting_and_a_big_one_skips_the_line(rf):
    middleware, spy = _middleware(lambda request: HttpResponse(request.POST.get("a", "")))
    small = rf.post("/dot/1/don-vi/2/de-xuat/", {"a": "xin chào"})
    spy.request = small
    assert middleware(small).content.decode() == "xin chào"
    assert spy.entered == [(spy.entered[0][0], True)]  # the body was in memory before the request waited
    middleware, spy = _middleware(lambda request: HttpResponse("ok"))  # a view that streams its upload itself
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10):
        big = rf.post("/dot/1/don-vi/2/de-xuat/", {"a": "x" * 100})
        spy.request = big
        assert middleware(big).status_code == 200
    assert (
        not hasattr(big, "_body") and spy.entered == []
    )  # a body too big for memory is never read from a slow client inside the line


def test_zero_places_switch_the_line_off(rf):
    with override_settings(SERVING_SLOTS=0):
        middleware = ShortestFirstMiddleware(lambda request: HttpResponse("ok"))
    assert middleware.line is None
    assert middleware(rf.get("/")).status_code == 200


def test_it_is_the_outermost_middleware():
    from django.conf import settings

    assert settings.MIDDLEWARE[0] == f"{scheduling.__name__}.ShortestFirstMiddleware"
    assert settings.SERVING_SLOTS > 0
