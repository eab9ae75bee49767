"""The roll-up's per-unit tallies: after every kind of write they count what a direct count over the evaluations does.

Each test reads the tallies first (so they are current), writes one way, and compares. A write the triggers
missed would leave the old counts in place and fail the comparison.
"""

from __future__ import annotations

from collections import Counter
from unittest import mock

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Substr

from kiemdiem.campaigns.models import Cycle, Evaluation
from kiemdiem.orgs.actions import do_move_unit
from kiemdiem.orgs.models import SEGMENT_WIDTH, LeadershipCollective, Person, Unit
from kiemdiem.reports import tally
from kiemdiem.reports.models import Tally, TallyStamp, TallyVersion
from kiemdiem.reports.queries import statistics
from tests.conftest import make_members


def _counted(rows) -> Counter:  # type: ignore[no-untyped-def]
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def _direct(cycle: Cycle, unit: Unit, length: int) -> Counter:
    evaluations = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    return _counted(tally.count_evaluations(evaluations, Substr("unit__path", 1, length)))


def _units() -> list[Unit]:
    """The province, a district and one of its units with members: three depths of report."""
    province = Unit.objects.get(parent=None)
    district = Unit.objects.filter(parent=province).order_by("code").first()
    cell = (
        Unit.objects.filter(path__startswith=district.path, evaluations__subject_type="party_member")
        .order_by("code")
        .first()
    )
    return [province, district, cell]  # type: ignore[list-item]


def assert_tallies_count_as_the_evaluations(cycle: Cycle) -> None:
    for unit in _units():
        for length in (len(unit.path), len(unit.path) + SEGMENT_WIDTH):
            assert _counted(tally.grouped_rows(cycle, unit, length)) == _direct(cycle, unit, length), (
                unit.code
            )
        # Biểu B's member tallies, kept by the same versions and recount.
        members = Evaluation.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
        direct = Counter({tuple(row[1:-1]): row[-1] for row in tally.count_members(cycle, members, Value(0))})
        assert Counter({tuple(row[:-1]): row[-1] for row in tally.member_rows(cycle, unit)}) == direct, (
            unit.code
        )
    assert TallyStamp.objects.filter(cycle_id=cycle.pk).exists()  # the tallies were read, not bypassed


def _fresh(cycle: Cycle) -> None:
    """Read every tally once, so the next write is what makes them stale."""
    assert_tallies_count_as_the_evaluations(cycle)
    assert tally.refresh(cycle, Unit.objects.get(parent=None)) == 0


def test_the_triggers_are_in_the_test_database(db):
    assert set(tally.installed_triggers()) == set(tally.TRIGGER_NAMES)


def test_statistics_read_the_tallies_and_agree_with_a_direct_count(demo):
    province = Unit.objects.get(parent=None)
    with_tallies = statistics(demo, province, with_findings=False)
    assert Tally.objects.filter(cycle_id=demo.pk).exists()
    with mock.patch.object(tally, "installed_triggers", return_value={}):  # no triggers: counted directly
        directly = statistics(demo, province, with_findings=False)
    for figures in (with_tallies, directly):
        figures.pop("computed_at")
    assert with_tallies == directly
    assert (
        with_tallies["forms"][1]["total"]["total"]
        == Evaluation.objects.filter(cycle=demo, subject_type="party_member").count()
    )


def test_a_queryset_update_of_ratings(demo):
    _fresh(demo)
    cell = _units()[2]
    changed = Evaluation.objects.filter(cycle=demo, unit=cell, subject_type="party_member").update(
        decided_rating="KHT", state="decided", not_rated_reason=""
    )
    assert changed
    assert tally.refresh(demo, cell) == 1
    assert_tallies_count_as_the_evaluations(demo)


def test_save_bulk_update_and_bulk_create(demo):
    _fresh(demo)
    evaluations = list(Evaluation.objects.filter(cycle=demo, subject_type="party_member").order_by("id")[:40])
    evaluations[0].decided_rating, evaluations[0].not_rated_reason = "", "Ốm đau dài ngày"
    evaluations[0].save()
    for ev in evaluations[1:]:
        ev.decided_rating, ev.state = "HTXS", "decided"
    Evaluation.objects.bulk_update(evaluations[1:], ["decided_rating", "state"])
    assert_tallies_count_as_the_evaluations(demo)
    cell = _units()[2]
    newcomers = make_members(cell, 5, prefix="TALLY")
    Evaluation.objects.bulk_create(
        [
            Evaluation(cycle=demo, subject_type="party_member", unit=cell, person=p, decided_rating="HT")
            for p in newcomers
        ]
    )
    assert_tallies_count_as_the_evaluations(demo)


def test_a_delete_and_a_move_to_another_unit(demo):
    province, district, cell = _units()
    (newcomer,) = make_members(cell, 1, prefix="TALLY")
    gone = Evaluation.objects.create(cycle=demo, subject_type="party_member", unit=cell, person=newcomer)
    _fresh(demo)
    # Moved to another district's unit: both the old unit and the new one are counted again.
    leaving = Evaluation.objects.filter(cycle=demo, unit=cell, subject_type="party_member").exclude(
        pk=gone.pk
    )
    elsewhere = Unit.objects.filter(evaluations__cycle=demo).exclude(path__startswith=district.path).first()
    Evaluation.objects.filter(pk__in=[ev.pk for ev in leaving.order_by("id")[:3]]).update(unit=elsewhere)
    assert_tallies_count_as_the_evaluations(demo)
    gone.delete()
    assert_tallies_count_as_the_evaluations(demo)


def test_what_a_form_row_reads_from_a_person_a_unit_or_a_collective(demo):
    _fresh(demo)
    member = Evaluation.objects.filter(cycle=demo, subject_type="party_member").order_by("id").first()
    assert member is not None
    person = Person.objects.get(pk=member.person_id)
    Person.objects.filter(pk=person.pk).update(
        civil_service_status="" if person.civil_service_status else "cong_chuc"
    )
    leader = Evaluation.objects.filter(cycle=demo, subject_type="leader").order_by("id").first()
    assert leader is not None
    Person.objects.filter(pk=leader.person_id).update(management_tier="btv_tinh")
    assert_tallies_count_as_the_evaluations(demo)
    org = Evaluation.objects.filter(cycle=demo, subject_type="party_organization").order_by("-id").first()
    assert org is not None
    Unit.objects.filter(pk=org.unit_id).update(kind="chi_bo_truc_thuoc")
    collective = Evaluation.objects.filter(cycle=demo, subject_type="leadership_collective").first()
    assert collective is not None
    LeadershipCollective.objects.filter(pk=collective.collective_id).update(kind="dang_doan")
    assert_tallies_count_as_the_evaluations(demo)


def test_a_unit_moved_to_another_parent_is_counted_under_its_new_one(demo):
    _fresh(demo)
    province, district, cell = _units()
    other = Unit.objects.filter(parent=province).exclude(pk=district.pk).order_by("code").first()
    assert other is not None
    grassroots = Unit.objects.get(pk=cell.parent_id)
    do_move_unit(unit=grassroots, new_parent=other)
    assert_tallies_count_as_the_evaluations(demo)
    assert tally.refresh(demo, province) == 0  # nothing was counted again: the rows follow the unit


def test_a_write_between_stamping_and_counting_leaves_the_unit_stale(demo):
    """The stamp is the version before the count: a rating decided meanwhile is counted again at the next read."""
    _fresh(demo)
    cell = _units()[2]
    Evaluation.objects.filter(cycle=demo, unit=cell).update(decided_rating="HT")
    count = tally.count_evaluations

    def write_then_count(*args, **kwargs):  # type: ignore[no-untyped-def]
        Evaluation.objects.filter(cycle=demo, unit=cell).update(decided_rating="KHT")
        return count(*args, **kwargs)

    with mock.patch.object(tally, "count_evaluations", write_then_count):
        assert tally.refresh(demo, cell) == 1
    assert tally.refresh(demo, cell) == 1
    assert tally.refresh(demo, cell) == 0
    assert_tallies_count_as_the_evaluations(demo)


def _drop_trigger(name: str, table: str = "campaigns_evaluation") -> None:
    with connection.cursor() as cur:
        cur.execute(
            f"DROP TRIGGER {name} ON {table}" if connection.vendor == "postgresql" else f"DROP TRIGGER {name}"
        )


def test_without_the_triggers_the_roll_up_counts_directly_and_migrate_puts_them_back(demo):
    _fresh(demo)
    _drop_trigger(f"reports_tally_{tally.TRIGGER_VERSION}_evaluation_update")
    cell = _units()[2]
    Evaluation.objects.filter(cycle=demo, unit=cell).update(decided_rating="KHT")  # no trigger saw this
    assert_tallies_count_as_the_evaluations(demo)  # counted directly
    versions = dict(TallyVersion.objects.filter(cycle_id=demo.pk).values_list("unit_id", "version"))
    assert tally.install_triggers() is True
    assert set(tally.installed_triggers()) == set(tally.TRIGGER_NAMES)
    # Every unit is counted again: the write that went unseen is now in the tallies.
    assert all(v.version == versions[v.unit_id] + 1 for v in TallyVersion.objects.filter(cycle_id=demo.pk))
    assert_tallies_count_as_the_evaluations(demo)
    assert tally.install_triggers() is False


def test_triggers_of_another_version_are_replaced(demo, monkeypatch):
    """A new version of the triggers replaces the old ones, so no write is counted twice or by outdated SQL."""
    _fresh(demo)
    current = f"_{tally.TRIGGER_VERSION}_"
    monkeypatch.setattr(tally, "TRIGGER_VERSION", "v0")
    monkeypatch.setattr(
        tally, "TRIGGER_NAMES", tuple(n.replace(current, "_v0_") for n in tally.TRIGGER_NAMES)
    )
    assert tally.install_triggers() is True
    assert set(tally.installed_triggers()) == set(tally.TRIGGER_NAMES)
    cell = _units()[2]
    before = TallyVersion.objects.get(cycle_id=demo.pk, unit_id=cell.pk).version
    rows = Evaluation.objects.filter(cycle=demo, unit=cell).update(decided_rating="HT")
    # One trigger fired: once per statement on PostgreSQL, once per row on SQLite. Twice as much if the old remained.
    bumps = 1 if connection.vendor == "postgresql" else rows
    assert TallyVersion.objects.get(cycle_id=demo.pk, unit_id=cell.pk).version == before + bumps
    assert_tallies_count_as_the_evaluations(demo)
