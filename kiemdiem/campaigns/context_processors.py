"""The current cycle for every page, so that the tree's pages (orgs) can link to it without knowing campaigns."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kiemdiem.campaigns.models import Cycle
from kiemdiem.campaigns.queries import cycles_visible_to


def _current(request: HttpRequest) -> Cycle | None:
    if not request.user.is_authenticated:
        return None
    return cycles_visible_to(request.user).order_by("-year", "unit__path").first()  # type: ignore[arg-type]


def current_cycle(request: HttpRequest) -> dict[str, object]:
    return {"current_cycle": SimpleLazyObject(lambda: _current(request))}
