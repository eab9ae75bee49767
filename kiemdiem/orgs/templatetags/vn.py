"""`{{ n|so }}`, `{{ x|so:1 }}` and `{{ x|so:"-1" }}`: figures as Vietnamese write them (6.006; 12,5), one helper for every page.

A builtin of the template engine (settings.TEMPLATES), so no template needs to load it. Numbers in attributes,
URLs and form values stay raw: only what a reader sees goes through it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from kiemdiem.vietnamese import format_number

register = template.Library()


@register.filter
def so(value, decimals=None):
    if value in (None, ""):
        return ""
    if not isinstance(value, (int, float, Decimal)):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return value
    if decimals in (None, ""):
        return format_number(value)
    places = int(decimals)
    # As floatformat: a negative count of places rounds to that many and drops trailing zeros ("-1": 57,1 and 57).
    return format_number(value, places) if places >= 0 else format_number(round(value, -places))
