"""Escaping for the few page fragments written in Python instead of template loops (issue 21: the evaluation page).

`esc` is Django's `conditional_escape` (a value's own HTML when it has one, else `html.escape` of its text, as
Django's `escape` does) without its lazy-string wrapper, which cost more than the escaping in a loop of rows; the
fragments are f-strings of escaped values. tests/campaigns/test_evaluation_page_fragments.py holds each fragment's
template as it was and compares.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html import escape

from django.urls import reverse
from django.utils.formats import localize
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # in Django, not in its stubs


def esc(value: object) -> str:
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))


def shown(value: object) -> str:
    """`{{ value }}` as a template writes it: a number localised (12,5), a time made local, then escaped."""
    if isinstance(value, str):
        return escape(value) if getattr(value, "__html__", None) is None else str(value)
    return esc(localize(template_localtime(value)))


def dmy(day: datetime.date) -> str:
    """`day|date:"d/m/Y"`, without the template filter's formatter (a date, or a datetime already made local)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


_SLOT = 4_611_686_018_427_387_903  # an id no row has (2**62 - 1): where a row's id goes in a reversed URL


def url_maker(name: str, *args: object) -> Callable[[int], str]:
    """`reverse(name, args=[*args, row_id])` for many rows of one page: reversed once, the row's id put in."""
    url = reverse(name, args=[*args, _SLOT])
    head, tail = url.split(str(_SLOT))
    return lambda row_id: f"{head}{row_id}{tail}"
