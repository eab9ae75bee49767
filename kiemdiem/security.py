"""Login throttling: django-axes, wired so that only logins over HTTP are counted and locked."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuse a locked-out username+address before the password is checked.

    django-axes needs the request to know the address; a login without one (the shell, the test client's
    `login()`) is not a guess over the network, so it is passed on to the next backend unthrottled.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
