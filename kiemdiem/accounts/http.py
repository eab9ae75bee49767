"""The request a view sees once someone is logged in (healthchecks' `hc/accounts/http.py` pattern).

`@login_required` views and the API's authenticated operations (session or API key) take an
`AuthenticatedHttpRequest`: `request.user` is our `User`, never `AnonymousUser`, so the type checker follows it into
the scoped reads and the actions without an ignore.
"""

from __future__ import annotations

from django.http import HttpRequest

from kiemdiem.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
