"""The header's links, reversed once per process: every page drew them with nine `{% url %}` (0.4 ms a page)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

# The header's links: none takes an argument, so each depends only on the URL configuration and the script prefix.
NAMES = {
    "home": "home",
    "units": "units",
    "cycles": "cycles",
    "followup": "followup:home",
    "reports": "reports:index",
    "imports": "imports:home",
    "admin": "admin:index",
    "search": "search",
    "logout": "logout",
}
_reversed: dict[tuple[str, object], dict[str, str]] = {}


def nav(request: HttpRequest) -> dict[str, object]:
    key = (get_script_prefix(), get_urlconf())
    urls = _reversed.get(key)
    if urls is None:
        urls = _reversed[key] = {name: reverse(view) for name, view in NAMES.items()}
    return {"nav": urls}
