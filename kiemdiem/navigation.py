"""Links reversed once per process: every `{% url %}`, and the header's links (every page drew them with nine
`{% url %}`, 0.4 ms a page), through one cache (`_reverse_kept`)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.http import HttpRequest
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

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


# `{% url %}` with each link reversed once per process (issue 21): a builtin of the template engine (settings.TEMPLATES),
# so it stands for Django's tag on every page. Django's tag calls `reverse` on every render (~13 µs: the patterns
# tried one by one); a page draws 6–20 links, most the same on every request (the unit's, the cycle's). The URL of a
# name and its arguments depends only on the URL configuration, the script prefix and the current namespace, which
# are the rest of the key; a name that does not reverse raises as before (nothing kept).
register = template.Library()


@lru_cache(maxsize=8192)
def _reverse_kept(
    view_name: str, args: tuple, kwargs: tuple, current_app: str | None, urlconf: object, prefix: str
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _current_app(request: HttpRequest | None) -> str | None:
    """The namespace a link is reversed in, as Django's tag takes it from the request."""
    current_app = getattr(request, "current_app", None)
    if current_app is None:
        current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return current_app


class _KeptURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        if not all(type(value) in (int, str) for value in (*args, *(v for _, v in kwargs))):
            return super().render(context)  # an object's URL may follow its text: Django's own tag
        try:
            url = _reverse_kept(
                self.view_name.resolve(context),
                args,
                kwargs,
                _current_app(getattr(context, "request", None)),
                get_urlconf(),
                get_script_prefix(),
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return _KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


def nav(request: HttpRequest) -> dict[str, object]:
    """The header's links, each kept once per process as `{% url %}` keeps it (`_reverse_kept`)."""
    app, urlconf, prefix = _current_app(request), get_urlconf(), get_script_prefix()
    return {"nav": {name: _reverse_kept(view, (), (), app, urlconf, prefix) for name, view in NAMES.items()}}
