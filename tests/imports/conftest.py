"""Imports run their background task at once in tests (the immediate backend)."""

import pytest


@pytest.fixture(autouse=True)
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def keep_test_connection(monkeypatch):  # type: ignore[no-untyped-def]
    """`run_from_argv` closes every connection when it ends, which would drop the test transaction on PostgreSQL."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)
