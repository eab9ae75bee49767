"""`{% scored_form ev %}`: the HD 43 form on the evaluation page, without campaigns importing this app."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from kiemdiem.assessments.queries import scoring_context
from kiemdiem.vietnamese import format_number

register = template.Library()


@register.inclusion_tag("assessments/_scored.html", takes_context=True)
def scored_form(context, evaluation):
    out = scoring_context(context["request"].user, evaluation)
    out["csrf_token"] = context.get("csrf_token")
    return out


@register.filter
def points(value):
    """Points as Vietnamese write them: 99,5 and 30 (a comma, no trailing zeros); "—" when there are none."""
    if value in (None, ""):
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    return format_number(number)
