"""The benchmark's province profile in the shape of the demo of today (issue 15, item 4), at a small size: the same
code as `kiemdiem demo <bench/run.py PROFILE_ARGS>` — the 2021 province with districts and its history, Hà Giang,
the 01/07/2025 reorganisation through the tree's actions, 2025 decided and 2026 in progress, the ratings written in
bulk with their audit records."""

import datetime

import pytest
from django.core.management import call_command

from kiemdiem.campaigns.models import AuditRecord, Cycle, Evaluation, EvaluationState
from kiemdiem.orgs.models import Person, Reorganisation, Unit, UnitKind
from kiemdiem.orgs.queries import units_as_of
from tests.demo.test_today import _central_frameworks

END_2021, END_2026 = datetime.date(2021, 12, 31), datetime.date(2026, 12, 31)


@pytest.fixture
def profile(empty_db):  # type: ignore[no-untyped-def]
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import run

    _central_frameworks()
    args = list(run.PROFILE_ARGS)
    args[args.index("--members") + 1] = "600"
    args[args.index("--big-cell") + 1] = "40"
    call_command("demo", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.slow
def test_the_bench_profile_is_the_merged_province_with_2025_decided_and_2026_in_progress(profile):
    root = Unit.objects.get(code="TQ", parent__isnull=True)
    tree_2021, tree_2026 = units_as_of(root, END_2021), units_as_of(root, END_2026)
    assert tree_2021.filter(kind=UnitKind.DISTRICT_COMMITTEE, parent=root).count() == 7
    assert not tree_2026.filter(kind=UnitKind.DISTRICT_COMMITTEE).exists()
    communes = tree_2026.filter(kind=UnitKind.GRASSROOTS_COMMITTEE, name__regex=r"^Đảng bộ (xã|phường) ")
    assert communes.exists() and set(communes.values_list("parent_id", flat=True)) == {root.pk}
    assert Reorganisation.objects.exists()
    assert not Reorganisation.objects.exclude(effective_on=datetime.date(2025, 7, 1)).exists()
    assert Person.objects.filter(is_party_member=True).count() == 600 + 200  # Hà Giang: a sixth, at least 200

    years = set(Cycle.objects.filter(unit=root, quarter__isnull=True).values_list("year", flat=True))
    assert years == {2019, 2020, 2021, 2025, 2026}
    y2025 = Evaluation.objects.filter(cycle__unit=root, cycle__year=2025, not_rated_reason="")
    rated_2025 = y2025.exclude(proposed_rating="")
    # 2025 decided: every subject given a level is decided (as the history years: ~2 % are left without one).
    assert rated_2025.count() > 0.95 * y2025.count()
    assert not rated_2025.exclude(state=EvaluationState.DECIDED).exists()
    y2026 = Evaluation.objects.filter(cycle__unit=root, cycle__year=2026)
    assert not y2026.exclude(unit__in=tree_2026).exists()  # the 2026 cycle reads the 2026 tree
    decided, proposed = y2026.filter(state="decided").count(), y2026.filter(state="proposed").count()
    assert 0.2 * y2026.count() < decided < 0.4 * y2026.count()
    assert 0.5 * y2026.count() < proposed < 0.8 * y2026.count()
    # Every rating written in bulk has its audit record (DESIGN.md: no rating without one).
    for field in ("proposed_rating", "decided_rating"):
        rated = set(
            Evaluation.objects.filter(cycle__year__in=[2025, 2026])
            .exclude(**{field: ""})
            .values_list("pk", field)
        )
        audited = set(AuditRecord.objects.filter(field=field).values_list("evaluation_id", "new_value"))
        assert rated <= audited

    # The write load's district (bench/run.py district_area): in 2026 the same cells as in 2021, now under communes.
    import run

    cycle_2021 = Cycle.objects.get(unit=root, year=2021, quarter__isnull=True)
    cycle_2026 = Cycle.objects.get(unit=root, year=2026, quarter__isnull=True)
    district, then, importer_2021 = run.district_area(cycle_2021)
    assert district.kind == UnitKind.DISTRICT_COMMITTEE and importer_2021 == district
    district_again, now, importer_2026 = run.district_area(cycle_2026)
    assert district_again == district and importer_2026 == root
    cells_then = set(Unit.objects.filter(pk__in=then, kind=UnitKind.CELL).values_list("code", flat=True))
    cells_now = Unit.objects.filter(pk__in=now, kind=UnitKind.CELL)
    assert cells_then and set(cells_now.values_list("code", flat=True)) == cells_then
    assert set(cells_now.values_list("parent__parent_id", flat=True)) == {
        root.pk
    }  # cell → commune → province
    assert not Unit.objects.filter(pk__in=now).exclude(pk__in=tree_2026).exists()
