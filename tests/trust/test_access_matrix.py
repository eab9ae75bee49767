"""The access matrix: every role × every route of the URL configuration × objects inside and outside its scope.

Outside the user's subtree is a 404 that names nothing; inside is never a 404 or a 500. Routes come from the
resolver (tests/trust/urlmatrix.py), so a new page, export or API endpoint is checked the day it is added.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import replace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from kiemdiem.api import api
from tests.trust.conftest import ROLES, Branch, inside_for
from tests.trust.urlmatrix import Route, UnmappedKwarg, all_routes, fill_kwargs_blindly

pytestmark = pytest.mark.slow  # subprocesses, servers or every URL × every role: left out by make test-fast

# Routes anyone may open without logging in, and why.
PUBLIC = {
    "/dang-nhap/": "the login page",
    "/dang-xuat/": "logging out",
    "/api/rules/check": "the stateless rules contract (reads nothing from the database)",
    "/api/rules/formula": "the stateless results formula (reads nothing from the database, throttled like /check)",
    "/api/docs": "the API's documentation",
    "/api/openapi.json": "the API's schema",
    "/quan-tri/login/": "the admin's login page",
}


# Routes that answer 404 even inside the subtree, and why.
INSIDE_404 = {
    "admin:view_on_site": "units have no page of their own for the admin's shortcut (no get_absolute_url)",
    "": "the admin's catch-all, filled with a page that does not exist",
}


def _fixed(kind: str) -> object:
    if kind == "fixed:app_label":
        return "orgs"
    if kind == "fixed:url":
        return "khong-co-trang-nay/"
    if kind == "fixed:import_kind":
        return "people"
    if kind == "fixed:appendix":
        return "pl4"
    if kind == "fixed:document_slug":
        return "danh-sach"
    if kind == "fixed:document_format":
        return "docx"
    if kind == "fixed:content_type":
        from kiemdiem.orgs.models import Unit

        return ContentType.objects.get_for_model(Unit).pk
    raise AssertionError(kind)


@functools.cache
def _api_paths() -> dict[str, dict[str, object]]:
    """The API's paths and their methods, from its schema (built once: building it takes about 0.1 s)."""
    return api.get_openapi_schema()["paths"]  # type: ignore[no-any-return]


def _methods(route: Route, client: Client, url: str) -> list[str]:
    return list(_methods_and_get(route, client, url)[0])


def _methods_and_get(route: Route, client: Client, url: str):  # type: ignore[no-untyped-def]
    """The methods to try, and the GET's answer when finding them took one (reused rather than asked twice)."""
    if route.is_api:
        paths = _api_paths()
        if route.api_path in paths:
            return [m.upper() for m in paths[route.api_path]], None
    try:
        response = client.get(url)
    except Exception:  # a 500, re-raised by the test client: _check asks again and reports it
        return ["GET"], None
    if response.status_code == 405:
        allowed = [m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()]
        return [m for m in allowed if m not in ("GET", "HEAD", "OPTIONS")] or ["POST"], None
    return ["GET"], response


def _request(client: Client, method: str, url: str, route: Route):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(url)
    if route.is_api:
        return client.generic(method, url, "{}", content_type="application/json")
    return client.generic(method, url, "", content_type="application/x-www-form-urlencoded")


def _variants(route: Route, inside: Branch, outside: Branch):  # type: ignore[no-untyped-def]
    """(values, is_inside): all inside; all outside; each scoped kwarg outside with the others inside."""
    kinds = {k: route.kind_of(k) for k in route.kwargs}
    scoped = [k for k, kind in kinds.items() if not kind.startswith("fixed:") and kind != "superuser_only"]

    def value(kwarg: str, branch: Branch) -> object:
        kind = kinds[kwarg]
        if kind.startswith("fixed:"):
            return _fixed(kind)
        if kind == "superuser_only":
            return 1
        obj = branch.get(kind)
        return None if obj is None else obj.pk  # type: ignore[attr-defined]

    combos = [(), tuple(scoped)] + ([(k,) for k in scoped] if len(scoped) > 1 else [])
    for outside_kwargs in combos:
        values = {k: value(k, outside if k in outside_kwargs else inside) for k in route.kwargs}
        if any(v is None for v in values.values()):
            continue  # the role reaches no object of that kind: no inside case to build
        yield values, not outside_kwargs


def _check(client: Client, user, route: Route, url: str, method: str, response=None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    if response is None:
        try:
            response = _request(client, method, url, route)
        except Exception as exc:  # a 500: the test client re-raises the view's exception
            return 500, "", f"{type(exc).__name__}: {exc}"
    body = response.content.decode(errors="replace")
    status = response.status_code
    if status == 302 and route.is_admin:
        location = response.headers["Location"]
        followed = client.get(location)
        body += followed.content.decode(errors="replace")
        if location.startswith(url):
            # The admin's `<id>/` is a plain redirect to `<id>/change/`, the same for any id: what counts is
            # the screen it leads to. A redirect anywhere else (the admin index) stays a 302.
            status = followed.status_code
        elif location.startswith(reverse("admin:login")):
            status = (
                403  # not staff: the admin's login page for every admin URL, inside or out, telling nothing
            )
    if "_auth_user_id" not in client.session:  # the route logged us out (logout): log back in
        client.force_login(user)
    return status, body, ""


def _leaks(body: str, branches: list[Branch]) -> list[str]:
    return [n for b in branches for n in b.names if n in body]


def test_it_maps_every_kwarg_of_every_route():
    problems = []
    for route in all_routes():
        for kwarg in route.kwargs:
            try:
                route.kind_of(kwarg)
            except UnmappedKwarg as exc:
                problems.append(str(exc))
    assert not problems, "\n".join(problems)


def test_it_covers_the_pages_the_api_and_the_admin():
    names = {r.name for r in all_routes()}
    assert {
        "unit",
        "rating_page",
        "decide",
        "api:get_unit",
        "api:list_cycles",
        "admin:orgs_unit_change",
    } <= names


@pytest.mark.parametrize("role", sorted(ROLES))
def test_it_keeps_every_role_inside_its_subtree(role, branches, request):
    user = request.getfixturevalue(role)
    _, outside_labels = ROLES[role]
    inside = inside_for(role, branches["na_hang"], user)
    outsides = [branches[label] for label in outside_labels]
    client = Client()
    client.force_login(user)
    failures: list[str] = []
    checked = 0
    for route in all_routes():
        if not route.kwargs:
            url = route.build({})
            methods, got = _methods_and_get(route, client, url)
            for method in methods:
                status, body, error = _check(client, user, route, url, method, got)
                checked += 1
                if status >= 500:
                    failures.append(f"{method} {url}: {status} {error}")
                leaked = _leaks(body, outsides)
                if leaked:
                    failures.append(f"{method} {url}: shows {leaked} from outside the subtree")
            continue
        try:
            [route.kind_of(k) for k in route.kwargs]
        except UnmappedKwarg:
            continue  # reported, with what to add, by test_it_maps_every_kwarg_of_every_route
        for outside in outsides:
            for values, is_inside in _variants(route, inside, outside):
                if is_inside and outside is not outsides[0]:
                    continue  # the inside case is the same for every outside branch
                url = route.build(values)
                methods, got = _methods_and_get(route, client, url)
                for method in methods:
                    status, body, error = _check(client, user, route, url, method, got)
                    checked += 1
                    where = f"{method} {url} [{route.name}] ({'inside' if is_inside else 'outside: ' + outside.label})"
                    superuser_only = any(route.kind_of(k) == "superuser_only" for k in route.kwargs)
                    if status >= 500:
                        failures.append(f"{where}: {status} {error}")
                    elif superuser_only:
                        if status == 200:
                            failures.append(f"{where}: 200 for a screen only a superuser may open")
                    elif is_inside:
                        if status == 404 and route.name not in INSIDE_404:
                            failures.append(f"{where}: 404 for an object inside the subtree")
                    elif route.is_admin:
                        # Outside the subtree is a 404 in the admin too (not Django's redirect to its index);
                        # 403 where the role may not open that model's screens at all.
                        if status not in (403, 404):
                            failures.append(f"{where}: {status}, expected 404")
                    elif status != 404:
                        failures.append(f"{where}: {status}, expected 404")
                    if not is_inside:
                        leaked = _leaks(body, [outside])
                        if leaked:
                            failures.append(f"{where}: the answer names {leaked}")
    assert checked > 100
    assert not failures, f"{len(failures)} access failures for {role}:\n" + "\n".join(failures)


def test_it_sends_anonymous_visitors_to_the_login_page(branches):
    client = Client()
    failures = []
    na_hang = branches["na_hang"]
    for route in all_routes():
        try:
            values = {k: _value_for_anonymous(route, k, na_hang) for k in route.kwargs}
        except UnmappedKwarg:
            continue  # reported by test_it_maps_every_kwarg_of_every_route
        url = route.build(values)
        for method in ("GET", "POST"):
            try:
                response = _request(client, method, url, route)
            except Exception as exc:
                failures.append(f"{method} {url}: 500 {type(exc).__name__}: {exc}")
                continue
            body = response.content.decode(errors="replace")
            if url not in PUBLIC and response.status_code == 200 and not route.is_admin_catch_all:
                failures.append(f"{method} {url}: 200 without logging in")
            if response.status_code >= 500:
                failures.append(f"{method} {url}: {response.status_code}")
            leaked = _leaks(body, [na_hang])
            if leaked:
                failures.append(f"{method} {url}: names {leaked} without logging in")
    assert not failures, "\n".join(failures)


def _value_for_anonymous(route: Route, kwarg: str, branch: Branch) -> object:
    kind = route.kind_of(kwarg)
    if kind.startswith("fixed:"):
        return _fixed(kind)
    if kind == "superuser_only":
        return 1
    return branch.get(kind).pk  # type: ignore[union-attr]


def test_it_has_a_case_outside_for_every_route_with_kwargs(branches):
    """Even for a member (who reaches no unit), every route with kwargs gets at least one outside request."""
    inside = inside_for("member", branches["na_hang"])
    mapped = []
    for r in all_routes():
        try:
            mapped.append((r, [r.kind_of(k) for k in r.kwargs]))
        except UnmappedKwarg:
            continue
    missing = [
        r.route
        for r, _ in mapped
        if r.kwargs
        and not all(r.kind_of(k).startswith("fixed:") or r.kind_of(k) == "superuser_only" for k in r.kwargs)
        and not any(not is_inside for _, is_inside in _variants(r, inside, branches["lam_binh"]))
    ]
    assert not missing, missing


def test_it_exercises_each_combination_once_per_outside_branch():
    route = next(r for r in all_routes() if r.name == "rating_page")
    assert len(list(itertools.islice(route.kwargs, 5))) == 2


def _key_client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize("access", ["read", "read_write"])
def test_an_api_key_reads_nothing_outside_its_commune_and_writes_only_with_write_rights(
    access, branches, province_admin
):
    """A key scoped to one commune (Đảng bộ thị trấn Na Hang), over every API route: inside answers, outside is a
    404 naming nothing (its district, a sibling district, another province), and a read key writes nothing."""
    from kiemdiem.accounts.models import ApiKeyEvent
    from kiemdiem.imports.models import ImportJob
    from kiemdiem.orgs.actions import do_issue_api_key
    from kiemdiem.reports.models import ReportSubmission

    na_hang = branches["na_hang"]
    commune = na_hang.unit.parent  # the cell's grassroots committee
    key, secret = do_issue_api_key(
        issued_by=province_admin, name="Cổng dữ liệu xã", unit=commune, access=access
    )
    inside = replace(na_hang, import_job=_own_import_job(key.user, na_hang), export_job=None)
    district = replace(
        branches["lam_binh"],
        label="huyện Na Hang (cấp trên của xã)",
        unit=commune.parent,
        names=(commune.parent.name,),
    )
    outsides = [branches["lam_binh"], branches["ha_giang"], district]
    client = _key_client(secret)
    writes_before = (ImportJob.objects.count(), ReportSubmission.objects.count())
    failures: list[str] = []
    checked = 0
    for route in all_routes():
        if (
            not route.is_api
            or route.build(fill_kwargs_blindly(route)) in PUBLIC
            or route.name == "api:api-root"
        ):
            continue  # the root of /api/ is no endpoint: a 404 for everyone
        variants = (
            [({}, True)]
            if not route.kwargs
            else [
                v
                for o in outsides
                for v in _variants(route, inside, o)
                if not (v[1] and o is not outsides[0])
            ]
        )
        for values, is_inside in variants:
            url = route.build(values)
            for method in _methods(route, client, url):
                response = _request(client, method, url, route)
                body = response.content.decode(errors="replace")
                checked += 1
                where = f"{method} {url} [{route.name}] ({'inside' if is_inside else 'outside'})"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                if method != "GET" and access == "read":
                    if response.status_code != 403 or response.json().get("code") != "read_only":
                        failures.append(
                            f"{where}: {response.status_code}, expected 403 read_only for a read key"
                        )
                elif is_inside and response.status_code in (401, 404):
                    failures.append(f"{where}: {response.status_code} inside the key's commune")
                elif not is_inside and method == "GET" and response.status_code != 404:
                    failures.append(f"{where}: {response.status_code}, expected 404")
                leaked = _leaks(body, outsides)
                if leaked:
                    failures.append(f"{where}: shows {leaked} from outside the key's commune")
    assert checked > 20
    assert not failures, "\n".join(failures)
    if access == "read":
        assert (ImportJob.objects.count(), ReportSubmission.objects.count()) == writes_before
        assert ApiKeyEvent.objects.filter(key=key, kind="refused").exists()
    assert ApiKeyEvent.objects.filter(key=key, kind="use").count() > 10


def _own_import_job(user, branch):  # type: ignore[no-untyped-def]
    from tests.trust.conftest import _import_job

    return _import_job(user, branch.unit)


def test_a_read_write_key_submits_inside_its_commune_and_nowhere_else(branches, province_admin):
    from kiemdiem.orgs.actions import do_issue_api_key

    na_hang, lam_binh = branches["na_hang"], branches["lam_binh"]
    commune = na_hang.unit.parent
    _, secret = do_issue_api_key(
        issued_by=province_admin, name="Cổng dữ liệu xã", unit=commune, access="read_write"
    )
    client = _key_client(secret)

    def submit(cycle, unit):  # type: ignore[no-untyped-def]
        body = {"cycle": cycle.pk, "unit": unit.pk, "number": "01"}
        return client.post("/api/reports/submissions", body, content_type="application/json")

    assert submit(na_hang.cycle, commune).status_code == 201
    outside = submit(lam_binh.cycle, lam_binh.unit)
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    assert submit(na_hang.cycle, commune.parent).status_code == 404  # the district above the commune
