"""Migrating the reports app back below the tallies drops their triggers (a transactional test: migrate runs DDL
outside any test transaction; apart from tests/reports/test_tally.py, whose tests share one build in a transaction)."""

from __future__ import annotations

from kiemdiem.reports import tally


def test_migrating_back_below_the_tallies_drops_their_triggers(transactional_db):
    """Without the version table, a trigger left behind would make every evaluation write fail."""
    from django.core.management import call_command

    try:
        call_command("migrate", "reports", "0002", verbosity=0)
        assert tally.installed_triggers() == {}
        assert tally.install_triggers() is False  # no version table to write to: nothing is put in
    finally:
        call_command("migrate", verbosity=0)
    assert set(tally.installed_triggers()) == set(tally.TRIGGER_NAMES)
