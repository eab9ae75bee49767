"""What a cycle keeps and what a version holds are read once per process (issue 21), and never stale.

`framework_for` keeps a cycle's version under the cycle's id, opening time and the appendix; `criteria_of` keeps a
version's criteria under the version's id and creation time. Each part of those keys must change the answer.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.assessments import actions
from kiemdiem.assessments.models import Criterion, CycleFramework, FrameworkVersion
from kiemdiem.campaigns.actions import do_open_cycle
from kiemdiem.campaigns.models import Cycle, Evaluation
from tests.assessments.helpers import evaluation_of, open_2026
from tests.assessments.test_scoring import _items

pytestmark = pytest.mark.django_db


def _fresh(ev: Evaluation) -> Evaluation:
    return Evaluation.objects.select_related("cycle", "person", "unit").get(pk=ev.pk)


def _province_version(world, province_admin, appendix: str, **changes: str) -> FrameworkVersion:  # type: ignore[no-untyped-def]
    central = FrameworkVersion.objects.get(unit__isnull=True, appendix=appendix)
    return actions.do_edit_framework(
        user=province_admin,
        unit=world.province,
        appendix=appendix,
        items=_items(central, **changes),
        note="Tỉnh ủy cụ thể hóa.",
    )


def test_a_cycles_version_is_read_once_then_kept(world):
    ev = evaluation_of(open_2026(world), world.member_na_hang)
    appendix = actions.appendix_for(ev)
    first = actions.framework_for(_fresh(ev), appendix=appendix)
    criteria = actions.criteria_of(first)
    with CaptureQueriesContext(connection) as queries:
        again = actions.framework_for(_fresh(ev), appendix=appendix)
        assert actions.criteria_of(again) == criteria
        str(again)  # the version's owner is read with it
    assert again == first
    assert len(queries) == 1  # only _fresh's own read of the evaluation


def test_each_cycle_and_each_appendix_has_its_own_version(world, province_admin):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    appendix = actions.appendix_for(ev)
    kept = actions.framework_for(_fresh(ev), appendix=appendix)
    other = "pl5" if appendix == "pl4" else "pl4"
    assert actions.framework_for(_fresh(ev), appendix=other).appendix == other  # the appendix is in the key
    new = _province_version(world, province_admin, appendix)
    quarter = do_open_cycle(unit=world.province, year=2026, quarter=1)
    in_quarter = Evaluation.objects.select_related("cycle").get(pk=ev.pk)
    in_quarter.cycle = quarter  # the same subject in a cycle that froze the province's version
    assert actions.framework_for(in_quarter, appendix=appendix) == new
    assert actions.framework_for(_fresh(ev), appendix=appendix) == kept


def test_a_cycle_id_used_again_by_another_cycle_reads_that_cycles_version(world, province_admin):
    """SQLite gives a rolled-back or flushed cycle's id to the next one: the opening time tells them apart."""
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    appendix = actions.appendix_for(ev)
    kept = actions.framework_for(_fresh(ev), appendix=appendix)
    new = _province_version(world, province_admin, appendix)
    # "Another cycle" under the same id: opened later, keeping the province's version.
    Cycle.objects.filter(pk=cycle.pk).update(opened_at=cycle.opened_at + datetime.timedelta(seconds=1))
    CycleFramework.objects.filter(cycle=cycle, appendix=appendix).update(version=new)
    assert actions.framework_for(_fresh(ev), appendix=appendix) == new != kept


def test_a_version_id_used_again_reads_that_versions_criteria(world, province_admin):
    """The criteria are kept by the version's id and creation time: a version written again under an id (SQLite
    after a rollback, the central frameworks after a flush) is read again."""
    version = _province_version(world, province_admin, "pl4", **{"1": "12", "2": "13"})
    before = [c.label for c in actions.criteria_of(version)]
    Criterion.objects.filter(version=version, code="1").update(label="Tiêu chí viết lại")
    assert [c.label for c in actions.criteria_of(version)] == before  # a version never changes: kept
    version.created_at += datetime.timedelta(seconds=1)
    FrameworkVersion.objects.filter(pk=version.pk).update(created_at=version.created_at)
    assert "Tiêu chí viết lại" in [c.label for c in actions.criteria_of(version)]


def test_the_page_shows_the_framework_of_the_evaluations_cycle(client, world, member, province_admin):
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    client.force_login(member)
    assert "QĐ 366-QĐ/TW, phiên bản 1" in client.get(f"/danh-gia/{ev.pk}/").content.decode()
    appendix = actions.appendix_for(ev)
    new = _province_version(world, province_admin, appendix)
    Cycle.objects.filter(pk=cycle.pk).update(opened_at=cycle.opened_at + datetime.timedelta(seconds=1))
    CycleFramework.objects.filter(cycle=cycle, appendix=appendix).update(version=new)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert f"{world.province.name}, phiên bản 1" in page


def test_what_one_user_warmed_never_opens_an_evaluation_to_another(client, world, member, outsider):
    """The kept frameworks are reference data read after the scoped read of the evaluation: a user outside the
    subtree still gets a 404, however warm the process is."""
    ev = evaluation_of(open_2026(world), world.member_na_hang)
    client.force_login(member)
    assert client.get(f"/danh-gia/{ev.pk}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/danh-gia/{ev.pk}/").status_code == 404


def _on_the_provinces_own_version(world, province_admin) -> Evaluation:  # type: ignore[no-untyped-def]
    """A member's 2026 evaluation whose cycle took the province's own version of its appendix."""
    cycle = open_2026(world)
    ev = evaluation_of(cycle, world.member_na_hang)
    appendix = actions.appendix_for(ev)
    new = _province_version(world, province_admin, appendix)
    Cycle.objects.filter(pk=cycle.pk).update(opened_at=cycle.opened_at + datetime.timedelta(seconds=1))
    CycleFramework.objects.filter(cycle=cycle, appendix=appendix).update(version=new)
    return ev


def test_a_committee_renamed_is_named_anew_on_the_page_of_its_kept_framework(
    client, world, member, province_admin
):
    """The kept version is reference data; its owner's name is not: a rename (reorganisation) shows at once, in
    this process too (the version was kept with the unit it was read with: the old name for the process's life)."""
    from kiemdiem.orgs.actions import do_rename_unit

    ev = _on_the_provinces_own_version(world, province_admin)
    client.force_login(member)
    assert f"{world.province.name}, phiên bản 1" in client.get(f"/danh-gia/{ev.pk}/").content.decode()
    do_rename_unit(
        unit=world.province,
        name="Đảng bộ tỉnh Tuyên Quang (mới)",
        effective_on=datetime.date.today(),
        user=province_admin,
    )
    assert "Đảng bộ tỉnh Tuyên Quang (mới), phiên bản 1" in client.get(f"/danh-gia/{ev.pk}/").content.decode()


def test_the_committee_of_a_kept_framework_comes_from_the_deciding_chain(
    client, world, member, province_admin
):
    """The province's own version is named from the evaluation's chain of committees, read for the deciding one:
    no query of its own (one per page before), and a rename still shows at once."""
    from kiemdiem.orgs.actions import do_rename_unit

    ev = _on_the_provinces_own_version(world, province_admin)
    client.force_login(member)
    client.get(f"/danh-gia/{ev.pk}/")  # the version kept
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert f"{world.province.name}, phiên bản 1" in page
    by_id = [q["sql"] for q in queries.captured_queries if "orgs_unit" in q["sql"] and "FROM" in q["sql"]]
    assert not [sql for sql in by_id if "LIMIT 21" in sql], by_id  # no unit fetched alone
    do_rename_unit(
        unit=world.province, name="Tỉnh ủy (tên mới)", effective_on=datetime.date.today(), user=province_admin
    )
    assert "Tỉnh ủy (tên mới), phiên bản 1" in client.get(f"/danh-gia/{ev.pk}/").content.decode()
