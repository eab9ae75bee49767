"""Reorganisation from a date: merge, split, dissolve, move, rename; old cycles keep the old tree (issue 15)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.orgs.actions import (
    SplitPart,
    do_create_unit,
    do_dissolve_unit,
    do_merge_units,
    do_move_subtree,
    do_rename_unit,
    do_split_unit,
)
from kiemdiem.orgs.models import (
    CellMembership,
    CollectiveKind,
    LeadershipCollective,
    Person,
    Position,
    Reorganisation,
    Role,
    Succession,
    Unit,
    UnitKind,
)
from kiemdiem.orgs.queries import members_as_of, name_as_of, subtree_counts, units_as_of, units_visible_to
from tests.conftest import make_members

D = datetime.date(2025, 7, 1)
EVE = datetime.date(2025, 6, 30)
IN_2021 = datetime.date(2021, 12, 31)
IN_2026 = datetime.date(2026, 12, 31)


@pytest.fixture
def communes(world):
    """A second commune in Na Hang beside the town, each with cells, members and a committee."""
    second = do_create_unit(
        code="NH-002", name="Đảng bộ xã Thượng Lâm", kind=UnitKind.GRASSROOTS_COMMITTEE, parent=world.na_hang
    )
    cells = [
        do_create_unit(code=f"NH-002-0{i}", name=f"Chi bộ thôn {i}", kind=UnitKind.CELL, parent=second)
        for i in (1, 2)
    ]
    make_members(world.cell_na_hang, 3, prefix="A")
    for cell in cells:
        make_members(cell, 4, prefix="B")
    for go in (world.go_na_hang, second):
        committee = LeadershipCollective.objects.create(
            unit=go, kind=CollectiveKind.EXECUTIVE_COMMITTEE, name=f"Ban Chấp hành {go.name}"
        )
        Position.objects.create(
            person=Person.objects.filter(home_cell__path__startswith=go.path).first(),
            unit=go,
            collective=committee,
            title="Bí thư",
            role=Role.HEAD,
        )
    cell_committee = LeadershipCollective.objects.create(
        unit=cells[0], kind=CollectiveKind.CELL_COMMITTEE, name="Chi ủy chi bộ thôn 1"
    )
    Position.objects.create(
        person=cells[0].members.first(),
        unit=cells[0],
        collective=cell_committee,
        title="Bí thư chi bộ",
        role="head",
    )
    return second, cells


def _merge(world, second, **kwargs):  # type: ignore[no-untyped-def]
    return do_merge_units(
        sources=[world.go_na_hang, second],
        effective_on=D,
        code="NH-XA",
        name="Đảng bộ xã Na Hang",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=world.province,
        decision="Quyết định số 01-QĐ/TU ngày 30/6/2025",
        **kwargs,
    )


def test_a_merge_of_two_communes_moves_their_cells_members_and_leadership(world, communes, province_admin):
    second, cells = communes
    before = {c.pk: set(c.members.values_list("pk", flat=True)) for c in [world.cell_na_hang, *cells]}
    reorg = _merge(world, second, user=province_admin)
    merged = Unit.objects.get(code="NH-XA")
    assert (merged.parent_id, merged.valid_from, merged.valid_to) == (world.province.pk, D, None)
    for old in (world.go_na_hang, second, world.cell_na_hang, *cells):
        old.refresh_from_db()
        assert old.valid_to == EVE, old  # ended, kept, with their old paths
    for old_cell in (world.cell_na_hang, *cells):
        new_cell = Unit.objects.get(code=old_cell.code, valid_from=D)
        assert new_cell.parent_id == merged.pk
        assert new_cell.path == merged.path + f"{new_cell.pk:06d}."
        assert set(new_cell.members.values_list("pk", flat=True)) == before[old_cell.pk]
        assert set(members_as_of(old_cell, IN_2021).values_list("pk", flat=True)) == before[old_cell.pk]
        assert not members_as_of(old_cell, IN_2026).exists()
        assert Person.objects.filter(home_cell=new_cell).exclude(home_cell_since=D).count() == 0
    assert CellMembership.objects.filter(valid_to=EVE, reorganisation_id=reorg.pk).count() == 1 + 3 + 8
    # The communes' committees end with them; the cell's committee goes on in the cell's new version.
    assert not Position.objects.filter(unit__in=[world.go_na_hang, second], valid_to__isnull=True).exists()
    assert not LeadershipCollective.objects.filter(unit=second, valid_to__isnull=True).exists()
    new_cell = Unit.objects.get(code="NH-002-01", valid_from=D)
    secretary = Position.objects.get(unit=new_cell)
    assert (secretary.valid_from, secretary.role, secretary.collective.unit_id) == (D, "head", new_cell.pk)
    assert Position.objects.get(unit=cells[0]).valid_to == EVE
    # The record: who, when, what.
    assert reorg.created_by == province_admin and reorg.kind == "merge"
    assert reorg.summary["counts"]["members_moved"] == 12
    assert reorg.summary["counts"]["units_begun"] == 4
    assert Succession.objects.filter(reorganisation=reorg, successor=merged).count() == 2
    # The tree on each side of the date.
    codes_2021 = set(units_as_of(world.province, IN_2021).values_list("code", flat=True))
    codes_2026 = set(units_as_of(world.province, IN_2026).values_list("code", flat=True))
    assert {"NH-001", "NH-002"} <= codes_2021 and "NH-XA" not in codes_2021
    assert "NH-XA" in codes_2026 and not {"NH-001", "NH-002"} & codes_2026
    counts_2021 = subtree_counts([world.na_hang], on=IN_2021)[world.na_hang.pk]
    counts_2026 = subtree_counts([world.na_hang], on=IN_2026)[world.na_hang.pk]
    assert counts_2021 == {"units": 6, "members": 12}
    assert counts_2026 == {"units": 1, "members": 0}


def test_a_preview_shows_what_the_merge_would_write_and_writes_nothing(world, communes, province_admin):
    second, _ = communes
    units, people = Unit.objects.count(), list(Person.objects.values_list("pk", "home_cell_id"))
    preview = _merge(world, second, user=province_admin, dry_run=True)
    assert preview.pk is None
    assert (Unit.objects.count(), list(Person.objects.values_list("pk", "home_cell_id"))) == (units, people)
    assert not Reorganisation.objects.exists()
    assert preview.summary["counts"] == {
        "units_ended": 5,
        "units_begun": 4,
        "members_moved": 12,
        "positions_moved": 1,
        "collectives_moved": 1,
    }
    assert (
        "Hợp nhất Đảng bộ thị trấn Na Hang (NH-001), Đảng bộ xã Thượng Lâm (NH-002)"
        in preview.summary["lines"][0]
    )
    applied = _merge(world, second, user=province_admin)
    assert applied.summary["counts"] == preview.summary["counts"]


def test_a_reorganisation_is_refused_outside_the_users_reach_and_writes_nothing(world, communes, outsider):
    second, _ = communes
    with pytest.raises(ValidationError, match="ngoài phạm vi"):
        _merge(world, second, user=outsider)
    assert not Unit.objects.filter(code="NH-XA").exists()
    assert Unit.objects.get(pk=second.pk).valid_to is None


def test_the_2021_cycle_keeps_its_tree_and_counts_and_2026_reads_the_new_one(world, communes, province_admin):
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation
    from kiemdiem.campaigns.queries import progress_by_child
    from kiemdiem.reports.queries import statistics

    second, _ = communes
    cycle_2021 = world.cycle_province
    ensure_evaluations(cycle=cycle_2021)

    def view(cycle, unit):  # type: ignore[no-untyped-def]
        progress = [(row["unit"].code, row["total"]) for row in progress_by_child(cycle, unit)]
        stats = statistics(cycle, unit, with_findings=False)
        children = [(c["name"], c.get("total")) for c in stats["children"]]
        return progress, children, stats["progress"]["total"]

    before = view(cycle_2021, world.province), view(cycle_2021, world.na_hang)
    in_na_hang = Evaluation.objects.filter(
        cycle=cycle_2021, unit__path__startswith=world.na_hang.path
    ).count()
    assert in_na_hang >= 7 + 12  # its units and members at least
    _merge(world, second, user=province_admin)
    do_dissolve_unit(unit=world.na_hang, effective_on=D, children_to=world.province, user=province_admin)
    assert (view(cycle_2021, world.province), view(cycle_2021, world.na_hang)) == before
    assert ("NH", in_na_hang) in before[0][0]  # the district and its subtree, as in 2021

    cycle_2026 = do_open_cycle(unit=world.province, year=2026)
    ensure_evaluations(cycle=cycle_2026)
    codes = [code for code, _ in view(cycle_2026, world.province)[0]]
    assert "NH" not in codes and {"NH-XA", "NH-UBND", "LB"} <= set(codes)
    merged = Unit.objects.get(code="NH-XA")
    members = Evaluation.objects.filter(
        cycle=cycle_2026, subject_type="party_member", unit__path__startswith=merged.path
    )
    assert members.count() == 12
    assert not Evaluation.objects.filter(
        cycle=cycle_2026, unit__valid_to__lt=datetime.date(2026, 1, 1)
    ).exists()


def test_moving_a_subtree_from_a_date_keeps_the_old_version_and_every_path(
    world, communes, province_admin, outsider
):
    second, cells = communes
    reorg = do_move_subtree(unit=second, new_parent=world.lam_binh, effective_on=D, user=province_admin)
    new = Unit.objects.get(code="NH-002", valid_from=D)
    assert new.parent_id == world.lam_binh.pk and reorg.summary["counts"]["units_begun"] == 3
    for unit in Unit.objects.all():
        assert unit.path == (unit.parent.path if unit.parent_id else "") + f"{unit.pk:06d}.", unit
    assert Unit.objects.get(pk=second.pk).path.startswith(world.na_hang.path)
    new_cells = Unit.objects.filter(parent=new)
    assert set(units_visible_to(outsider).filter(code__startswith="NH-002").values_list("pk", flat=True)) == {
        new.pk,
        *new_cells.values_list("pk", flat=True),
    }
    assert sorted(Person.objects.filter(home_cell__in=new_cells).values_list("code", flat=True)) == sorted(
        CellMembership.objects.filter(cell__in=cells).values_list("person__code", flat=True)
    )


def test_a_unit_made_on_the_day_moves_in_place_and_an_order_bottom_up_is_asked_for(
    world, communes, province_admin
):
    second, _ = communes
    _merge(world, second, user=province_admin)
    merged = Unit.objects.get(code="NH-XA")
    do_move_subtree(unit=merged, new_parent=world.lam_binh, effective_on=D, user=province_admin)
    merged.refresh_from_db()
    assert merged.parent_id == world.lam_binh.pk and merged.valid_from == D
    assert Unit.objects.filter(code="NH-XA").count() == 1
    for unit in Unit.objects.filter(path__startswith=merged.path):
        assert unit.path == unit.parent.path + f"{unit.pk:06d}."
    with pytest.raises(ValidationError, match="từ cấp dưới lên"):
        do_dissolve_unit(unit=merged, effective_on=D, children_to=world.lam_binh)


def test_split_dissolve_and_rename(world, communes, province_admin):
    second, cells = communes
    with pytest.raises(ValidationError, match="Chưa giao"):
        do_split_unit(
            unit=second,
            parts=[SplitPart("NH-002A", "Đảng bộ xã A", UnitKind.GRASSROOTS_COMMITTEE, children=[cells[0]])]
            + [SplitPart("NH-002B", "Đảng bộ xã B", UnitKind.GRASSROOTS_COMMITTEE)],
            effective_on=D,
        )
    do_split_unit(
        unit=second,
        parts=[
            SplitPart("NH-002A", "Đảng bộ xã A", UnitKind.GRASSROOTS_COMMITTEE, children=[cells[0]]),
            SplitPart("NH-002B", "Đảng bộ xã B", UnitKind.GRASSROOTS_COMMITTEE, children=[cells[1]]),
        ],
        effective_on=D,
        user=province_admin,
    )
    a, b = Unit.objects.get(code="NH-002A"), Unit.objects.get(code="NH-002B")
    assert Unit.objects.get(code="NH-002-01", valid_from=D).parent_id == a.pk
    assert Unit.objects.get(code="NH-002-02", valid_from=D).parent_id == b.pk
    with pytest.raises(ValidationError, match="chọn chi bộ nhận"):
        do_dissolve_unit(unit=world.cell_na_hang, effective_on=D)
    do_dissolve_unit(
        unit=world.cell_na_hang, effective_on=D, members_to=Unit.objects.get(code="NH-002-01", valid_from=D)
    )
    assert Unit.objects.get(pk=world.cell_na_hang.pk).valid_to == EVE
    assert members_as_of(world.cell_na_hang, IN_2021).count() == 4
    do_rename_unit(unit=world.lam_binh, name="Đảng bộ xã Lâm Bình", effective_on=D, user=province_admin)
    lam_binh = Unit.objects.get(pk=world.lam_binh.pk)
    assert lam_binh.name == "Đảng bộ xã Lâm Bình" and lam_binh.path == world.lam_binh.path
    assert name_as_of(lam_binh, IN_2021) == "Đảng bộ huyện Lâm Bình"
    assert name_as_of(lam_binh, IN_2026) == "Đảng bộ xã Lâm Bình"


def test_a_reorganisation_costs_the_same_queries_for_many_units_as_for_few(
    world, django_assert_max_num_queries
):
    """Members, leadership and accounts follow in bulk: a district of 40 units costs as much as one of 4."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def district(code: str, n: int) -> Unit:
        top = do_create_unit(
            code=code, name=f"Huyện {code}", kind=UnitKind.DISTRICT_COMMITTEE, parent=world.province
        )
        for i in range(n):
            go = do_create_unit(
                code=f"{code}-{i}", name=f"Xã {i}", kind=UnitKind.GRASSROOTS_COMMITTEE, parent=top
            )
            cell = do_create_unit(code=f"{code}-{i}-1", name=f"Chi bộ {i}", kind=UnitKind.CELL, parent=go)
            make_members(cell, 2, prefix=code)
        return top

    small, big = district("S", 2), district("B", 20)
    with CaptureQueriesContext(connection) as few:
        do_dissolve_unit(unit=small, effective_on=D, children_to=world.province)
    with CaptureQueriesContext(connection) as many:
        do_dissolve_unit(unit=big, effective_on=D, children_to=world.province)
    assert len(many) <= len(few) + 2, (len(few), len(many))


def test_a_cycle_of_the_year_of_a_move_has_one_quota_group_per_code_the_later_versions(world, communes):
    """A commune moved on 01/07/2025 has two versions with one code in 2025: one group of members, the new one's."""
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations

    second, _ = communes
    do_move_subtree(unit=second, new_parent=world.province, effective_on=D)
    cycle = do_open_cycle(unit=world.province, year=2025)
    ensure_evaluations(cycle=cycle)
    group = cycle.quota_groups.get(code="dv-NH-002")
    assert group.scope_unit == Unit.objects.get(code="NH-002", valid_from=D)
    assert cycle.evaluations.filter(subject_type="party_member", unit__parent__code="NH-002").count() == 8
    assert not cycle.evaluations.filter(
        subject_type="party_member", unit__parent__code="NH-002", quota_group__isnull=True
    ).exists()


def test_a_cycle_of_the_year_of_a_reorganisation_reviews_the_tree_at_the_periods_end_once(
    world, communes, province_admin
):
    """2025, reorganised on 01/07/2025: the moved commune, its cells and its committee are reviewed once each, in their
    later versions; the first quarter (ended before the move) reads the tree of 31/03/2025."""
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation, QuarterlyDesignation

    second, cells = communes
    head = Position.objects.get(unit=second, role=Role.HEAD).person
    do_move_subtree(unit=second, new_parent=world.province, effective_on=D)
    cycle = do_open_cycle(unit=world.province, year=2025)
    ensure_evaluations(cycle=cycle)
    reviewed = Evaluation.objects.filter(cycle=cycle, unit__code__in=["NH-002", "NH-002-01", "NH-002-02"])
    units = reviewed.filter(subject_type="party_organization")
    assert sorted(units.values_list("unit__code", flat=True)) == ["NH-002", "NH-002-01", "NH-002-02"]
    assert set(units.values_list("unit__valid_from", flat=True)) == {D}
    collectives = reviewed.filter(subject_type="leadership_collective")
    assert (
        collectives.count() == 2
    )  # the commune's committee and cell 1's chi ủy, as they stood on 31/12/2025
    assert set(collectives.values_list("collective__valid_from", flat=True)) == {D}
    assert reviewed.filter(subject_type="party_member").count() == 8
    assert Evaluation.objects.filter(cycle=cycle, subject_type="leader", person=head).count() == 1
    assert not Evaluation.objects.filter(cycle=cycle, unit__valid_to__lt=datetime.date(2025, 12, 31)).exists()
    assert cycle.quota_groups.filter(code="dv-NH-002").count() == 1

    QuarterlyDesignation.objects.create(
        person=head, year=2025, unit=world.province, designated_by=province_admin
    )
    first_quarter = do_open_cycle(unit=world.province, year=2025, quarter=1)
    ensure_evaluations(cycle=first_quarter)
    (ev,) = Evaluation.objects.filter(cycle=first_quarter, person=head)
    assert ev.unit == second and ev.unit.valid_to == EVE  # the commune of 31/03/2025, still under Na Hang


def test_a_past_year_synced_after_a_later_move_reads_the_members_where_they_then_were(world, communes):
    """A 2025 cycle opened after a move effective 01/03/2026: the members are reviewed in their 2025 cells."""
    from kiemdiem.campaigns.actions import do_open_cycle, ensure_evaluations
    from kiemdiem.campaigns.models import Evaluation

    second, cells = communes
    do_move_subtree(unit=second, new_parent=world.province, effective_on=datetime.date(2026, 3, 1))
    cycle = do_open_cycle(unit=world.province, year=2025)
    ensure_evaluations(cycle=cycle)
    members = Evaluation.objects.filter(
        cycle=cycle, subject_type="party_member", unit__code__startswith="NH-002"
    )
    assert members.count() == 8
    assert set(members.values_list("unit_id", flat=True)) == {c.pk for c in cells}  # the 2025 versions
    assert members.values("person_id").distinct().count() == 8
    assert not Evaluation.objects.filter(cycle=cycle, unit__valid_from=datetime.date(2026, 3, 1)).exists()
