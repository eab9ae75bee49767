"""campaigns_evaluation carries only the indexes its reads use (issue 21): every write of a rating writes each index
of the table (`updated_at` is in three, so no update is HOT), and a district's paper import writes thousands of rows
while it holds the quota groups' locks. Migration 0011 dropped seven that another index leads with, or that nothing
searches by."""

from __future__ import annotations

import pytest
from django.db import connection

from kiemdiem.campaigns.models import Evaluation

pytestmark = pytest.mark.django_db

# Each index of the table, by its columns: the primary key, the three unique subjects, the foreign keys read by
# themselves, and the stamps of the rating page's key and the roll-ups.
EXPECTED = {
    ("id",),
    ("cycle_id", "subject_type", "person_id"),
    ("cycle_id", "collective_id"),
    ("cycle_id", "subject_type", "unit_id"),
    ("collective_id",),
    ("leader_collective_id",),
    ("person_id",),
    ("quota_group_id",),
    ("deciding_unit_id",),
    ("cycle_id", "updated_at"),
    ("unit_id", "cycle_id", "updated_at"),
    ("cycle_id", "quota_group_id", "updated_at"),
}


def test_the_evaluation_table_has_only_the_indexes_its_reads_use() -> None:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Evaluation._meta.db_table)
    indexes = sorted(tuple(c["columns"]) for c in found.values() if c["index"] or c["primary_key"])
    assert sorted(set(indexes)) == indexes, "an index written twice"
    assert set(indexes) == EXPECTED
