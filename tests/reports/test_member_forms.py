"""Biểu B complete (report-forms.md §5.1): members exempt, suspended, admitted under 6 months, disciplined in the year,
and the "in which" rows (armed forces, retired, outside the political system, leaders); Biểu A split by kind of unit.
The XLSX, the dashboard and a direct count of the database say the same figures."""

from __future__ import annotations

import datetime
import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import CollectiveKind, LeadershipCollective, Person, Position, Role
from kiemdiem.reports.queries import statistics


def _setup(world, rated, grassroots_officer):  # type: ignore[no-untyped-def]
    people = [e.person for e in rated.member_evals]
    Person.objects.filter(pk=people[1].pk).update(member_group="llvt")
    Person.objects.filter(pk=people[2].pk).update(member_group="nghi_huu")
    Person.objects.filter(pk=people[3].pk).update(
        member_group="ngoai_htct", admitted_on=datetime.date(2021, 9, 1)
    )
    Person.objects.filter(pk=people[4].pk).update(is_suspended=True)
    ht = next(e for e in rated.member_evals if (e.refresh_from_db() or e.decided_rating) == "HT")
    Evaluation.objects.filter(pk=ht.pk).update(facts={"disciplined_in_year": True})
    bch = LeadershipCollective.objects.create(
        unit=world.go_na_hang, kind=CollectiveKind.EXECUTIVE_COMMITTEE, name="BCH"
    )
    Position.objects.create(
        person=people[5], unit=world.go_na_hang, collective=bch, title="Phó Bí thư", role=Role.DEPUTY
    )
    actions.ensure_evaluations(cycle=rated.cycle)  # the deputy's evaluation as a leader


def _form(stats, code: str):  # type: ignore[no-untyped-def]
    return next(f for f in stats["forms"] if f["code"] == code)


def test_biểu_b_counts_each_column_and_row_as_the_database_does(world, rated, grassroots_officer):
    _setup(world, rated, grassroots_officer)
    b = _form(statistics(rated.cycle, world.na_hang), "B")
    total = b["total"]
    members = Evaluation.objects.filter(
        cycle=rated.cycle, subject_type="party_member", unit__path__startswith=world.na_hang.path
    )
    assert total["exempt"] == members.filter(person__is_exempt=True).count() == 1
    assert total["suspended"] == members.filter(person__is_suspended=True).count() == 1
    assert (
        total["new_lt_6m"] == members.filter(person__admitted_on__gt=datetime.date(2021, 6, 30)).count() == 1
    )
    assert total["disciplined"] == 1
    rows = {r["key"]: r for r in b["rows"]}
    assert rows["llvt"]["total"] == rows["nghi_huu"]["total"] == rows["ngoai_htct"]["total"] == 1
    assert rows["lanh_dao"]["total"] == 1 and rows["lanh_dao"]["is_detail"]
    assert rows["ngoai_htct"]["new_lt_6m"] == 1
    # "In which" rows are not added to the total: the form's own rows still sum to it.
    assert sum(r["total"] for r in b["rows"] if not r["is_detail"]) == total["total"] == members.count()


def test_the_xlsx_and_the_dashboard_show_the_same_biểu_b(
    client, world, rated, grassroots_officer, district_officer
):
    _setup(world, rated, grassroots_officer)
    stats = statistics(rated.cycle, world.na_hang)
    b = _form(stats, "B")
    client.force_login(district_officer)
    wb = load_workbook(
        io.BytesIO(client.get(reverse("reports:xlsx", args=[rated.cycle.pk, world.na_hang.pk])).content)
    )
    ws = wb["Biểu B - Đảng viên"]
    header = [ws.cell(row=8, column=c).value for c in range(1, ws.max_column + 1)]
    extra = {c["key"]: header.index(c["label"]) + 1 for c in b["extra_columns"]}
    labels = {ws.cell(row=r, column=2).value: r for r in range(11, ws.max_row + 1)}
    page = client.get(reverse("reports:dashboard", args=[rated.cycle.pk, world.na_hang.pk])).content.decode()
    table = page[page.index('id="members-detail"') :]
    for row in [*b["rows"], b["total"]]:
        r = labels[row["label"]]
        assert ws.cell(row=r, column=3).value == row["total"], row["label"]
        for key, col in extra.items():
            assert ws.cell(row=r, column=col).value == row[key], (row["label"], key)
        cells = re.search(rf'data-row="{row["key"]}">(.*?)</tr>', table, re.S).group(1)  # type: ignore[union-attr]
        numbers = [int(n) for n in re.findall(r'class="num">(\d+)<', cells)]
        assert numbers == [
            row["total"],
            row["HTXS"],
            row["HTT"],
            row["HT"],
            row["KHT"],
            row["not_rated"],
            row["pending"],
            *row["extra"],
        ], row["label"]
    assert ws.cell(row=labels["Trong đó: đảng viên nghỉ hưu"], column=1).value in (None, "")  # not numbered


def test_biểu_a_splits_the_grassroots_organisations_by_kind_of_unit(client, world, rated, district_officer):
    from kiemdiem.orgs.actions import do_create_unit

    do_create_unit(code="NH-BV", name="Chi bộ Bệnh viện huyện", kind="chi_bo_co_so", parent=world.na_hang)
    from kiemdiem.orgs.models import Unit

    Unit.objects.filter(code="NH-BV").update(sector="su_nghiep")
    actions.ensure_evaluations(cycle=rated.cycle)
    a = _form(statistics(rated.cycle, world.na_hang), "A")
    rows = {r["key"]: r for r in a["rows"]}
    assert rows["sector_xa_phuong"]["total"] == 1  # Đảng bộ thị trấn Na Hang, by its name
    assert rows["sector_su_nghiep"]["total"] == 1
    keys = [r["key"] for r in a["rows"]]
    assert keys.index("tccs") < keys.index("sector_xa_phuong")
    client.force_login(district_officer)
    wb = load_workbook(
        io.BytesIO(client.get(reverse("reports:xlsx", args=[rated.cycle.pk, world.na_hang.pk])).content)
    )
    ws = wb["Biểu A - Tổ chức đảng"]
    labels = [ws.cell(row=r, column=2).value for r in range(11, ws.max_row + 1)]
    assert "Trong đó: đơn vị sự nghiệp" in labels and "Trong đó: xã, phường, thị trấn" in labels
