"""The benchmark keeps its generated profile between runs only while its schema matches the code (bench/run.py).

A cached profile once kept a migration history that no longer matched the files (a migration renumbered on a rebase
was recorded as applied, so `migrate` skipped it): every measure then failed on a missing column. The cache is now
checked both ways and generated again when either fails.
"""

import sys
from pathlib import Path

import pytest
from django.db import models
from django.test.utils import isolate_apps

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import run  # noqa: E402


@pytest.mark.django_db
def test_the_migrated_test_database_has_every_column_of_the_models():
    assert run.schema_gaps() == []


@pytest.mark.django_db
@isolate_apps("tests")
def test_a_column_the_database_lacks_is_reported_by_table_and_column():
    class UnitAhead(models.Model):
        code = models.CharField(max_length=50)
        search_text_next = models.TextField(default="")

        class Meta:
            app_label = "tests"
            db_table = "orgs_unit"

    assert run.schema_gaps([UnitAhead]) == ["orgs_unit.search_text_next"]


def test_an_applied_migration_renumbered_or_rewritten_makes_the_cache_stale():
    recorded = {"orgs.0005_search": "aaa", "orgs.0006_keys": "bbb", "campaigns.0009_x": "ccc"}
    now = {
        "orgs.0005_keys": "bbb",
        "orgs.0006_search": "aaa",
        "campaigns.0009_x": "ccc",
        "campaigns.0010_y": "d",
    }
    applied = ["auth.0001_initial", "orgs.0005_search", "orgs.0006_keys", "campaigns.0009_x"]
    # Both orgs files were renumbered: what the database recorded as applied is not what the files now hold.
    assert run.stale_migrations(applied, recorded, now) == ["orgs.0005_search", "orgs.0006_keys"]
    rewritten = {**recorded, "orgs.0005_search": "aaa", "orgs.0006_keys": "bbb"}
    files = {**rewritten, "campaigns.0009_x": "changed"}
    assert run.stale_migrations(list(rewritten) + ["auth.0001_initial"], rewritten, files) == [
        "campaigns.0009_x"
    ]
    # A migration added since the profile was made is not stale: `migrate` applies it, the data kept.
    assert (
        run.stale_migrations(applied[:1] + list(recorded), recorded, {**recorded, "orgs.0007_new": "e"}) == []
    )


def test_the_profile_is_the_shape_of_the_demo_of_today():
    args = run.PROFILE_ARGS
    assert "--today" in args and "--ratings" in args
    members = int(args[args.index("--members") + 1])
    from kiemdiem.demo.today import ha_giang_members

    assert members + ha_giang_members(members) == 140_000
    assert run.MEASURED_YEAR == 2026
