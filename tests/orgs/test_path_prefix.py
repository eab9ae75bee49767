"""A subtree is a range of paths, not `LIKE 'prefix%'` (issue 21): the same units, and an index in any plan.

PostgreSQL prepares the statements it is sent again; a prepared statement's generic plan is made before the prefix
is known, and a `LIKE $1` cannot use an index there: every subtree read scanned all the units.
"""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg.sql import Literal

from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import Person, Unit, path_bounds
from kiemdiem.orgs.queries import units_visible_to


def test_a_subtree_by_range_is_the_subtree_by_prefix(world):
    units = list(Unit.objects.all())
    assert len(units) > 5
    for root in units:
        by_range = set(Unit.objects.filter(path__startswith=root.path).values_list("pk", flat=True))
        assert by_range == {u.pk for u in units if u.path.startswith(root.path)}, root.path
        people = set(
            Person.objects.filter(home_cell__path__startswith=root.path).values_list("pk", flat=True)
        )
        assert people == {
            p.pk
            for p in Person.objects.select_related("home_cell")
            if p.home_cell and p.home_cell.path.startswith(root.path)
        }
    # A sibling whose number starts like the root's is not inside it: "…000012." is not under "…000001.".
    assert path_bounds("000001.000001.") == ("000001.000001.", "000001.000001/")
    sql = str(Evaluation.objects.filter(unit__path__startswith="000001.").query)
    assert "LIKE" not in sql and ("~>=~" in sql if connection.vendor == "postgresql" else ">=" in sql)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's generic plans")
def test_a_scoped_read_uses_the_paths_index_in_a_generic_plan(world, district_officer):
    # The subtree alone, unordered: an index on anything else (the id, the order) must not stand in for the range.
    sql, params = units_visible_to(district_officer).order_by().values("pk").query.sql_with_params()
    numbered = sql
    for n in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a LIKE $1 has no index: it would scan all the same
        types = ", ".join("text" if isinstance(value, str) else "bigint" for value in params)
        cursor.execute(f"PREPARE scoped_units ({types}) AS {numbered}")
        try:
            values = ", ".join(Literal(value).as_string(cursor.connection) for value in params)
            cursor.execute(f"EXPLAIN EXECUTE scoped_units({values})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE scoped_units")
    assert "Seq Scan on orgs_unit" not in plan, plan
    # The range is the index's condition (a LIKE $1 could only be a filter after some other scan).
    assert "Index Cond: (((path)::text ~>=~ $1) AND ((path)::text ~<~ $2))" in plan, plan
