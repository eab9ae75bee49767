"""Escaping for the few page fragments written in Python instead of template loops (issue 21: the evaluation page).

`esc` is Django's `conditional_escape` (a value's own HTML when it has one, else `html.escape` of its text, as
Django's `escape` does) without its lazy-string wrapper, which cost more than the escaping in a loop of rows; the
fragments are f-strings of escaped values. tests/campaigns/test_evaluation_page_fragments.py holds each fragment's
template as it was and compares.
"""

from __future__ import annotations

from html import escape


def esc(value: object) -> str:
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else escape(str(value))
