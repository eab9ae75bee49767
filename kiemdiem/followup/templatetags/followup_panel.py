"""`{% sign_rows p %}`: the 27 rows of the signs table on the evaluation page, written in Python.

The template's loop was the follow-up panel's largest cost (27 rows of nested tags on every evaluation page, issue 21);
this writes the same HTML, escaped the same way.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def sign_rows(p) -> SafeString:
    can_relate = p["can_relate"]
    out: list[str] = []
    group = object()
    for row in p["signs"]:
        sign, relation = row["sign"], row["relation"]
        if row["group"] != group:
            group = row["group"]
            out.append(format_html('<tr><th colspan="4">{}</th></tr>', group))
        note = (relation.note if relation is not None else "") or ""
        out.append(
            format_html(
                "\n  <tr><td>{}</td><td>{}{}</td>\n"
                '    <td><input type="checkbox" name="sign-{}" aria-label="Có biểu hiện {}"{}{}></td>\n'
                "    <td>{}</td></tr>",
                sign.code,
                sign.summary,
                "" if sign.verified else " *",
                sign.code,
                sign.code,
                mark_safe(" checked") if relation is not None and relation.has_sign else "",
                "" if can_relate else mark_safe(" disabled"),
                format_html(
                    '<input type="text" name="signnote-{}" value="{}" aria-label="Giải thích {}">',
                    sign.code,
                    note,
                    sign.code,
                )
                if can_relate
                else conditional_escape(note),
            )
        )
    return mark_safe("".join(out))
