"""Hostile input: the API fuzzed from its OpenAPI schema, and NUL bytes and huge strings in every form field.

Each gives a clear error (never a 500) and leaves the data as it was. Runs on SQLite and PostgreSQL (which
refuses NUL bytes in text: without validation they would be a 500 there only).
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.generation.modes import GenerationMode

from kiemdiem.campaigns.actions import ensure_evaluations
from kiemdiem.campaigns.models import AuditRecord, Evaluation, Order, SubjectType
from kiemdiem.wsgi import application
from tests.campaigns.helpers import propose, submit_self_review
from tests.conftest import make_members

pytestmark = pytest.mark.slow  # subprocesses, servers or every URL × every role: left out by make test-fast

NUL = "Nội dung\x00có ký tự NUL"
HUGE = "Dài " + "x" * 100_000

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def in_process_requests():  # type: ignore[no-untyped-def]
    # As Django's test client does: keep the test's connection (and its transaction) across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_cookies(world, province_admin, in_process_requests):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(province_admin)
    token = "a" * 32
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}, {"X-CSRFToken": token}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.django_db
def test_it_answers_every_api_operation_without_a_server_error_and_as_documented(case, api_cookies):
    cookies, headers = api_cookies
    response = case.call(cookies=cookies, headers=headers)
    checks = [schemathesis.checks.not_a_server_error]
    mode = case.meta.generation.mode if case.meta else GenerationMode.POSITIVE
    # A negative id fits the schema's "integer" but not Django's <int:> converter: no route matches, and
    # Django's own HTML 404 page answers before the API does (reported; the API could declare ge=1).
    content_type = " ".join(str(v) for k, v in response.headers.items() if k.lower() == "content-type")
    unrouted = response.status_code == 404 and "text/html" in content_type
    if mode == GenerationMode.POSITIVE and not unrouted:
        # Data that does not fit the schema (an id of "null,null") may not even reach the API: Django's own 404
        # page answers a path no route matches. Such data must never be a 5xx; conformance is for valid data.
        checks += [
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.content_type_conformance,
        ]
    case.validate_response(response, checks=checks)


# -- every form of every page ---------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action and the current value of every named field."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append({"action": a.get("action") or "", "fields": {}, "files": [], "boxes": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self.forms[-1]["files"].append(name)  # type: ignore[union-attr]
            elif kind in ("checkbox", "radio"):
                self.forms[-1]["boxes"].append(name)  # type: ignore[union-attr]
                if "checked" in a:
                    fields[name] = a.get("value") or "on"  # type: ignore[index]
                else:
                    fields.setdefault(name, "")  # type: ignore[union-attr]
            elif kind not in ("submit", "button"):
                fields[name] = a.get("value") or ""  # type: ignore[index]
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, "")  # type: ignore[union-attr]
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select] = a.get("value") or ""  # type: ignore[index]
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""  # type: ignore[index]

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data  # type: ignore[index]


def data_state() -> str:
    """Every evaluation column, every audit record and order: what a refused form must leave as it was."""
    h = hashlib.sha256()
    for model in (Evaluation, AuditRecord, Order):
        for row in model.objects.order_by("pk").values_list():
            h.update(repr(row).encode())
    from kiemdiem.orgs.models import Person, Unit

    h.update(repr((Unit.objects.count(), Person.objects.count())).encode())
    return h.hexdigest()


@pytest.fixture
def pages_with_forms(world, django_user_model):  # type: ignore[no-untyped-def]
    """A superuser (every form is shown to them) and pages with evaluations in every state."""
    admin = django_user_model.objects.create_superuser("quantri", password="mat-khau-quan-tri-1")
    make_members(world.cell_na_hang, 5)
    ensure_evaluations(cycle=world.cycle_na_hang)
    evs = list(
        Evaluation.objects.filter(cycle=world.cycle_na_hang, subject_type=SubjectType.PARTY_MEMBER).order_by(
            "pk"
        )
    )
    submit_self_review(admin, evs[1], "HTT")
    propose(admin, evs[2], "HTT")
    propose(admin, evs[3], "HTT")
    from kiemdiem.campaigns.actions import do_decide_rating

    evs[3].refresh_from_db()
    do_decide_rating(user=admin, evaluation=evs[3], rating="HTT")
    urls = [f"/danh-gia/{ev.pk}/" for ev in evs[:4]]
    urls += [
        f"/dot/{world.cycle_na_hang.pk}/don-vi/{world.cell_na_hang.pk}/",
        "/nhap-lieu/",
        "/dang-nhap/",
    ]
    return admin, urls


@pytest.mark.parametrize("hostile", [NUL, HUGE], ids=["nul-byte", "100k-characters"])
def test_it_refuses_hostile_text_in_every_form_field_and_changes_nothing(pages_with_forms, hostile):
    admin, urls = pages_with_forms
    client = Client()
    client.force_login(admin)
    tried, failures = 0, []
    seen: set[tuple[str, str]] = set()
    state = data_state()  # the state before each submission: the one after the previous submission
    for url in urls:
        if url == "/dang-nhap/":
            client = Client()
        page = client.get(url)
        assert page.status_code == 200, url
        parser = _Forms()
        parser.feed(page.content.decode())
        for form in parser.forms:
            action = str(form["action"]) or url
            fields: dict[str, str] = form["fields"]  # type: ignore[assignment]
            if action.endswith("/dang-xuat/"):
                continue
            for name in fields:
                # A ticked checkbox is its presence, whatever its value: ticking one is a legitimate change.
                if name == "csrfmiddlewaretoken" or name in form["boxes"] or (action, name) in seen:  # type: ignore[operator]
                    continue
                seen.add((action, name))
                data = {**fields, name: hostile}
                try:
                    response = client.post(action, data, follow=True)
                except Exception as exc:  # the test client re-raises a view's exception: a 500
                    failures.append(f"{action} «{name}»: 500 {type(exc).__name__}: {exc}"[:300])
                    state = data_state()
                    continue
                tried += 1
                body = response.content.decode()
                if response.status_code >= 500:
                    failures.append(f"{action} «{name}»: {response.status_code}")
                elif response.status_code < 400 and 'class="error' not in body and "errorlist" not in body:
                    failures.append(f"{action} «{name}»: no error shown (status {response.status_code})")
                after = data_state()
                if after != state:
                    failures.append(f"{action} «{name}»: the data changed")
                    state = after
                if url != "/dang-nhap/" and "_auth_user_id" not in client.session:
                    client.force_login(admin)
    assert tried >= 20, tried
    assert not failures, f"{len(failures)} of {tried} hostile submissions went wrong:\n" + "\n".join(failures)
