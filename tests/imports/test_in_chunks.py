"""The bulk lookups of an import's validation (`in_chunks`): the same rows on every backend; on PostgreSQL one
query whose values are one array parameter, however many values the file has (a 140,000-row people file looked up
in 28 chunks of `code IN (…)` spent about 3 s building, quoting and parsing the SQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.imports import validation
from kiemdiem.imports.validation import in_chunks
from kiemdiem.orgs.models import Person

pytestmark = pytest.mark.django_db


def _people(n: int) -> list[Person]:
    return [
        Person.objects.create(code=f"IC{i}", full_name=f"Người {i}", gender="m", is_party_member=False)
        for i in range(n)
    ]


def test_it_finds_exactly_the_rows_whose_field_is_one_of_the_values(db, monkeypatch):
    monkeypatch.setattr(validation, "IN_CHUNK", 2)  # SQLite's path: several chunks
    people = _people(4)
    asked = ["IC0", "IC1", "IC2", "IC0", "KHONG-CO-AI", "x' OR '1'='1"]
    found = in_chunks(Person.objects.all(), "code", asked, "code", "id")
    assert sorted(found) == [(p.code, p.id) for p in people[:3]]
    assert in_chunks(Person.objects.all(), "code", [], "code") == []
    # The queryset's own filter still holds.
    assert sorted(in_chunks(Person.objects.exclude(code="IC0"), "code", asked, "code")) == [
        ("IC1",),
        ("IC2",),
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps the chunks under its parameter limit"
)
def test_on_postgresql_it_is_one_query_however_many_values(db):
    codes = [f"KHONG-CO-{i:05d}" for i in range(12_000)]
    first = _people(1)[0]
    with CaptureQueriesContext(connection) as seen:
        found = in_chunks(Person.objects.all(), "code", [*codes, first.code], "code", "id")
    assert found == [(first.code, first.id)]
    assert len(seen.captured_queries) == 1
