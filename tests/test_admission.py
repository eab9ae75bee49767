"""Writes take turns (kiemdiem/admission.py, issue 21): at most N unsafe requests run at once in a process, page
views never wait for a turn, and a write that finds no turn in time answers the busy page, not a 500."""

from __future__ import annotations

import json
import threading

from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from kiemdiem.admission import WriteAdmissionMiddleware
from kiemdiem.errors import BUSY_MESSAGE

factory = RequestFactory()


class _View:
    """A view that holds each write until told to finish, counting how many writes run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.entered = threading.Semaphore(0)
        self.finish = threading.Event()

    def __call__(self, request):  # type: ignore[no-untyped-def]
        if request.method != "POST":
            self.entered.release()
            return HttpResponse("page")
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.release()
        self.finish.wait(10)
        with self.lock:
            self.running -= 1
        return HttpResponse("ok")


def _in_threads(middleware, requests):  # type: ignore[no-untyped-def]
    answers: list[HttpResponse] = []
    threads = [threading.Thread(target=lambda r=r: answers.append(middleware(r))) for r in requests]
    for t in threads:
        t.start()
    return threads, answers


@override_settings(KIEMDIEM_CONCURRENT_WRITES=2, KIEMDIEM_WRITE_WAIT_SECONDS=10)
def test_at_most_two_writes_run_at_once_and_a_page_does_not_wait():
    view = _View()
    middleware = WriteAdmissionMiddleware(view)
    threads, answers = _in_threads(middleware, [factory.post("/x/") for _ in range(5)])
    assert view.entered.acquire(timeout=5) and view.entered.acquire(timeout=5)
    assert not view.entered.acquire(timeout=0.3)  # the third write waits for a turn
    assert middleware(factory.get("/page/")).status_code == 200  # while two writes hold their turns
    view.entered.acquire(timeout=5)  # the page's own entry
    view.finish.set()
    for t in threads:
        t.join(10)
    assert [a.status_code for a in answers] == [200] * 5
    assert view.most == 2


@override_settings(KIEMDIEM_CONCURRENT_WRITES=1, KIEMDIEM_WRITE_WAIT_SECONDS=0.2)
def test_a_write_without_a_turn_in_time_gets_the_busy_page():
    view = _View()
    middleware = WriteAdmissionMiddleware(view)
    threads, answers = _in_threads(middleware, [factory.post("/x/")])
    assert view.entered.acquire(timeout=5)
    refused = middleware(factory.post("/x/"))
    assert refused.status_code == 503 and refused["Retry-After"]
    assert BUSY_MESSAGE in refused.content.decode()
    api = middleware(factory.post("/api/v1/x/"))
    assert api.status_code == 503 and json.loads(api.content) == {"detail": BUSY_MESSAGE}
    view.finish.set()
    threads[0].join(10)
    assert answers[0].status_code == 200
    assert middleware(factory.post("/x/")).status_code == 200  # the turn was given back


@override_settings(KIEMDIEM_CONCURRENT_WRITES=0)
def test_no_limit_when_switched_off():
    view = _View()
    middleware = WriteAdmissionMiddleware(view)
    threads, answers = _in_threads(middleware, [factory.post("/x/") for _ in range(4)])
    for _ in range(4):
        assert view.entered.acquire(timeout=5)
    view.finish.set()
    for t in threads:
        t.join(10)
    assert view.most == 4 and len(answers) == 4
