"""`{% sign_rows p %}`: the 27 rows of the signs table on the evaluation page, written in Python.

The template's loop was the follow-up panel's largest cost (27 rows of nested tags on every evaluation page, issue 21);
this writes the same HTML, escaped the same way.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from kiemdiem.fragments import esc

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
            out.append(f'<tr><th colspan="4">{esc(group)}</th></tr>')
        code = esc(sign.code)
        note = esc((relation.note if relation is not None else "") or "")
        checked = " checked" if relation is not None and relation.has_sign else ""
        out.append(
            f"\n  <tr><td>{code}</td><td>{esc(sign.summary)}{'' if sign.verified else ' *'}</td>\n"
            f'    <td><input type="checkbox" name="sign-{code}" aria-label="Có biểu hiện {code}"{checked}'
            f"{'' if can_relate else ' disabled'}></td>\n    <td>"
            + (
                f'<input type="text" name="signnote-{code}" value="{note}" aria-label="Giải thích {code}">'
                if can_relate
                else note
            )
            + "</td></tr>"
        )
    return mark_safe("".join(out))
