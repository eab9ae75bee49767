"""Every route of the URL configuration, and how to fill its kwargs with an object inside or outside a scope.

The list of routes comes from the resolver, so a new page, export or API endpoint joins the access matrix
without anyone remembering to add it. What cannot be derived is which kind of object a kwarg names: that is
the two tables below. A route whose kwarg is in neither makes the matrix fail with a message saying where to
add it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

# kwarg name → kind of object, wherever the kwarg appears.
KWARG_KINDS: dict[str, str] = {
    "unit_pk": "unit",
    "unit_id": "unit",
    "cell_pk": "unit",
    "cell_id": "unit",
    "cycle_pk": "cycle",
    "cycle_id": "cycle",
    "person_pk": "person",
    "person_id": "person",
    "evaluation_pk": "evaluation",
    "evaluation_id": "evaluation",
    "ev_pk": "evaluation",
    "collective_pk": "collective",
    "collective_id": "collective",
    "group_pk": "quota_group",
    "group_id": "quota_group",
    "quota_group_pk": "quota_group",
    "quota_group_id": "quota_group",
    "task_pk": "task",
    "appendix": "fixed:appendix",  # khung-tieu-chi/<appendix>/: an appendix of QĐ 366, the same for everyone
    "job_pk": "import_job",
    "job_id": "import_job",
    "submission_id": "report_submission",
    "kind": "fixed:import_kind",  # nhap-lieu/mau/<kind>.xlsx: a template, the same for everyone
    "slug": "fixed:document_slug",  # bao-cao/…/van-ban/<slug>.<fmt>: which document of the unit
    "fmt": "fixed:document_format",
    # Admin plumbing: fixed values, not objects of a subtree.
    "app_label": "fixed:app_label",
    "url": "fixed:url",
    "content_type_id": "fixed:content_type",
}

# Generic kwargs (pk, id, object_id) → kind, by the longest route prefix that matches.
PK_KINDS_BY_PREFIX: dict[str, str] = {
    "don-vi/": "unit",
    "don-vi/sap-xep/": "reorganisation",
    "ca-nhan/": "person",
    "dot/": "cycle",
    "dot/tao/": "cycle_job",  # a cycle's creation: its starter's own and its managers'
    "danh-gia/": "evaluation",
    "nhap-lieu/luot/": "import_job",
    "bao-cao/lan-gui/": "report_submission",
    "bao-cao/tai-ve/": "export_job",  # like an import job, an export job is its starter's own  # a job is its starter's own: "inside" is the role's own job
    "quan-tri/r/": "unit",  # admin "view on site" for a unit
    "quan-tri/orgs/unit/": "unit",
    "quan-tri/orgs/person/": "person",
    "quan-tri/orgs/leadershipcollective/": "collective",
    "quan-tri/orgs/position/": "position",
    "quan-tri/campaigns/cycle/": "cycle",
    "quan-tri/campaigns/quotagroup/": "quota_group",
    "quan-tri/accounts/user/": "user",
    "quan-tri/accounts/apikey/": "api_key",
    # Only a superuser reaches these admin screens; no role of the matrix may open them at all.
    "quan-tri/auth/group/": "superuser_only",
    "quan-tri/axes/": "superuser_only",
    "quan-tri/django_tasks_database/": "superuser_only",
}
GENERIC_KWARGS = {"pk", "id", "object_id"}

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


class UnmappedKwarg(LookupError):
    pass


@dataclass(frozen=True)
class Route:
    route: str  # as written in the URL configuration, e.g. "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/"
    name: str  # namespaced, e.g. "api:get_unit"; "" when unnamed
    kwargs: tuple[str, ...]
    is_regex: bool

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("quan-tri/")

    @property
    def is_admin_catch_all(self) -> bool:
        return self.is_admin and "url" in self.kwargs

    def kind_of(self, kwarg: str) -> str:
        if kwarg in KWARG_KINDS:
            return KWARG_KINDS[kwarg]
        if kwarg in GENERIC_KWARGS:
            matches = [p for p in PK_KINDS_BY_PREFIX if self.route.startswith(p)]
            if matches:
                return PK_KINDS_BY_PREFIX[max(matches, key=len)]
        raise UnmappedKwarg(
            f"Route “{self.route}” ({self.name or 'unnamed'}): no mapping for its kwarg “{kwarg}”. Add the kind of "
            f"object it names to KWARG_KINDS (or, for pk/id/object_id, its route prefix to PK_KINDS_BY_PREFIX) in "
            f"tests/trust/urlmatrix.py, and the object to the branches in tests/trust/conftest.py, so the access "
            f"matrix can check it inside and outside the user's subtree."
        )

    def build(self, values: dict[str, object]) -> str:
        if self.is_regex:
            path = _REGEX_PARAM.sub(lambda m: str(values[m["name"]]), self.route)
            return "/" + path.replace("^", "").replace("$", "")
        return "/" + _ROUTE_PARAM.sub(lambda m: str(values[m["name"]]), self.route)

    @property
    def api_path(self) -> str:
        """The path as the OpenAPI schema writes it: /api/units/{unit_id}."""
        return "/" + _ROUTE_PARAM.sub(lambda m: "{" + m["name"] + "}", self.route)


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> list[Route]:  # type: ignore[type-arg]
    routes: list[Route] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace or "") if x)
            routes.extend(_walk(p.url_patterns, prefix + str(p.pattern), ns))
        elif isinstance(p, URLPattern):
            text = prefix + str(p.pattern)
            is_regex = isinstance(p.pattern, RegexPattern)
            names = [m["name"] for m in (_REGEX_PARAM if is_regex else _ROUTE_PARAM).finditer(text)]
            if is_regex and not names and "(" in text:
                raise AssertionError(f"Unnamed regex groups in “{text}”: the matrix cannot fill them.")
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            routes.append(Route(route=text.lstrip("^"), name=name, kwargs=tuple(names), is_regex=is_regex))
    return routes


@cache
def all_routes() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver().url_patterns))


def fill_kwargs_blindly(route: Route) -> dict[str, object]:
    """Values that fit the converters without naming any object (for checks that stop before the view)."""
    return {k: ("orgs" if k == "app_label" else "khong-co" if k == "url" else 999999) for k in route.kwargs}
