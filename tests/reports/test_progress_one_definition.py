"""One progress figure everywhere: decided of those to be rated, with the not rated (exempt …) counted apart.

The province card, the unit table, the chart, the export's text and the API once disagreed (5/7,573, 50/578,
7–11 %); each is compared here with the definition counted straight from the evaluations.
"""

from __future__ import annotations

from django.urls import reverse

from kiemdiem.campaigns.models import Evaluation, EvaluationState
from kiemdiem.campaigns.queries import progress_by_child, progress_pct
from kiemdiem.reports.charts import progress_chart
from kiemdiem.reports.queries import statistics


def expected(cycle, unit) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(decided, to rate, not rated) in a unit's subtree, counted from the rows."""
    rows = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    apart = rows.exclude(not_rated_reason="")
    to_rate = rows.filter(not_rated_reason="")
    return to_rate.filter(state=EvaluationState.DECIDED).count(), to_rate.count(), apart.count()


def test_every_surface_shows_the_same_progress(client, world, rated, district_officer):
    cycle = rated.cycle
    decided, to_rate, not_rated = expected(cycle, world.na_hang)
    assert not_rated == 1 and decided >= 14 and to_rate > decided  # the exempt member stands apart
    pct = progress_pct(decided, to_rate)

    figures = statistics(cycle, world.na_hang)
    p = figures["progress"]
    assert (p["decided"], p["to_rate"], p["not_rated"], p["pct_decided"]) == (
        decided,
        to_rate,
        not_rated,
        pct,
    )

    # The unit table (progress page) and the statistics' children agree unit by unit with the rows.
    table = {row["unit"].pk: row for row in progress_by_child(cycle, world.na_hang)}
    for child in (c for c in figures["children"] if not c["is_own"]):
        unit = next(u for u in (world.go_na_hang, world.agency_na_hang) if u.pk == child["id"])
        d, t, n = expected(cycle, unit)
        assert (child["decided"], child["to_rate"], child["not_rated"]) == (d, t, n)
        assert (table[unit.pk]["decided"], table[unit.pk]["total"], table[unit.pk]["not_rated"]) == (d, t, n)
        assert table[unit.pk]["pct"] == child["pct_decided"] == progress_pct(d, t)

    go = next(c for c in figures["children"] if c["id"] == world.go_na_hang.pk)
    chart = str(progress_chart([c for c in figures["children"] if not c["is_own"]]))
    assert f"{go['decided']}/{go['to_rate']}</title>" in chart and f"{go['pct_decided']:.0f}%" in chart

    client.force_login(district_officer)
    page = client.get(reverse("reports:dashboard", args=[cycle.pk, world.na_hang.pk])).content.decode()
    assert f"<strong>{decided}/{to_rate}</strong>" in page and f"{go['decided']}/{go['to_rate']}" in page
    progress_page = client.get(reverse("progress", args=[cycle.pk, world.na_hang.pk])).content.decode()
    assert f'<td class="num">{go["to_rate"]}</td><td class="num">{go["decided"]}</td>' in progress_page

    api = client.get(f"/api/reports/statistics?cycle={cycle.pk}&unit={world.na_hang.pk}").json()
    assert (api["progress"]["decided"], api["progress"]["to_rate"]) == (decided, to_rate)
    api_go = next(c for c in api["children"] if c["id"] == world.go_na_hang.pk)
    assert api_go["pct_decided"] == go["pct_decided"]
