"""The write load's secretary (bench/write_load.py, issue 21) is served as a browser is: her saves are written.

The bench client once sent only the session cookie, never the CSRF cookie the page sets: every save was refused by
Django's CSRF check (403) before reaching the view, nothing was written, and the figures measured pages that never
changed. Here the client's own loop runs against the application with the CSRF check on, through a transport that
passes exactly the headers the client computes (no test client's cookie jar), and its save must be written.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.test import Client

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import AuditRecord, Evaluation, SubjectType
from tests.campaigns.helpers import propose
from tests.conftest import make_members


def _write_load():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import write_load

    return write_load


def _secretary(write_load, user, path: str):  # type: ignore[no-untyped-def]
    """The bench's Secretary, its one request sent through Django with the CSRF check on."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    session = f"sessionid={client.cookies['sessionid'].value}"

    class Through(write_load.Secretary):
        def send(self, method, path, body, headers):  # type: ignore[no-untyped-def]
            client.cookies.clear()  # only the Cookie header the secretary computed is sent
            extra = {"HTTP_COOKIE": headers["Cookie"]}
            if "Referer" in headers:
                extra["HTTP_REFERER"] = headers["Referer"]
            if method == "POST":
                response = client.post(path, body, content_type=headers["Content-Type"], **extra)
            else:
                response = client.get(path, **extra)
            self.keep_cookies([morsel.OutputString() for morsel in response.cookies.values()])
            return response.status_code, response.content.decode()

    return Through(0, path, session, seed=1)


def test_the_secretarys_save_is_written_not_refused_by_the_csrf_check(world, cell_secretary, province_admin):
    write_load = _write_load()
    make_members(world.cell_na_hang, 3)
    actions.ensure_evaluations(cycle=world.cycle_province)
    cycle = world.cycle_province
    members = list(
        Evaluation.objects.filter(cycle=cycle, unit=world.cell_na_hang, subject_type=SubjectType.PARTY_MEMBER)
    )
    for ev in members:
        propose(province_admin, ev, "HTT")
    versions = dict(Evaluation.objects.filter(pk__in=[ev.pk for ev in members]).values_list("pk", "version"))
    audits = AuditRecord.objects.count()
    secretary = _secretary(write_load, cell_secretary, f"/dot/{cycle.pk}/don-vi/{world.cell_na_hang.pk}/")

    secretary.loop(until=0)  # not entered: the deadline has passed
    assert secretary.samples == []
    secretary.loop(until=time.time() + 0.001)  # one turn: page, save, evaluation

    kinds = [(kind, status) for kind, _, _, status in secretary.samples]
    assert kinds == [("page", 200), ("save", 302), ("evaluation", 200)], secretary.failures
    assert "csrftoken" in secretary.cookies
    moved = {
        pk
        for pk, version in Evaluation.objects.filter(pk__in=list(versions)).values_list("pk", "version")
        if version != versions[pk]
    }
    assert 1 <= len(moved) <= 3
    assert AuditRecord.objects.count() - audits == len(moved)  # one audit per changed row


def test_an_answer_other_than_the_pages_or_the_saves_is_an_error():
    write_load = _write_load()
    assert write_load.answered("page", 200) and write_load.answered("evaluation", 200)
    assert write_load.answered("save", 302) and write_load.answered("save", 422)
    assert not write_load.answered("save", 403)  # the CSRF check's refusal: the secretary was not served
    assert not write_load.answered("page", 500) and not write_load.answered("save", 599)


def test_the_jar_keeps_what_the_server_sets_and_drops_what_it_expires():
    write_load = _write_load()
    secretary = write_load.Secretary(0, "/", "sessionid=abc", seed=0)
    secretary.keep_cookies(["csrftoken=tok; expires=Sun, 28 Nov 2027 08:00:00 GMT; Max-Age=31449600; Path=/"])
    secretary.keep_cookies(["messages=xyz; Path=/; SameSite=Lax"])
    assert secretary.cookies == {"sessionid": "abc", "csrftoken": "tok", "messages": "xyz"}
    secretary.keep_cookies(['messages=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'])
    assert secretary.cookies == {"sessionid": "abc", "csrftoken": "tok"}
