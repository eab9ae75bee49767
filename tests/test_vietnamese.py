"""Vietnamese conventions: "Họ đệm Tên", roster order with Vietnamese collation, folded search, one number format."""

from __future__ import annotations

import datetime

from kiemdiem.accounts.models import User
from kiemdiem.campaigns import actions
from kiemdiem.campaigns.models import Evaluation
from kiemdiem.orgs.models import Person, Unit, UnitKind
from kiemdiem.vietnamese import fold, format_number, name_sort_key, text_sort_key
from tests.campaigns.helpers import submit_self_review


def test_folding_ignores_marks_case_and_spacing():
    assert fold("VŨ THANH  VÂN") == fold("vu thanh van") == "vu thanh van"
    assert fold("Đỗ Đức Đạt") == "do duc dat"
    assert fold("Nguyễn Thị Ánh Tuyết") == "nguyen thi anh tuyet"


def test_collation_puts_d_before_dd_and_ha_before_hoang():
    words = ["Vũ", "Đỗ", "Hoàng", "Dương", "Hà", "Ân", "An", "Ăn", "Ánh", "Bình"]
    assert sorted(words, key=text_sort_key) == [
        "An",
        "Ánh",
        "Ăn",
        "Ân",
        "Bình",
        "Dương",
        "Đỗ",
        "Hà",
        "Hoàng",
        "Vũ",
    ]


def test_a_roster_sorts_by_given_name_then_family_and_middle_names():
    names = ["Nguyễn Văn Bình", "Đỗ Thị An", "Trần Văn An", "Lê Đức Đạt", "Hoàng Văn Dũng", "Bùi Thị Hà"]
    assert sorted(names, key=name_sort_key) == [
        "Đỗ Thị An",
        "Trần Văn An",
        "Nguyễn Văn Bình",
        "Hoàng Văn Dũng",
        "Lê Đức Đạt",
        "Bùi Thị Hà",
    ]


def test_the_database_orders_people_and_units_the_same_way(world):
    cell = world.cell_na_hang
    for i, name in enumerate(["Hoàng Văn Hoàng", "Đào Thị Hà", "Vũ Văn Đức", "Lý Văn Dũng"]):
        Person.objects.create(
            code=f"S{i}",
            full_name=name,
            gender="m",
            admitted_on=datetime.date(2000, 1, 1),
            membership="full",
            home_cell=cell,
        )
    people = [p.full_name for p in Person.objects.filter(home_cell=cell, code__startswith="S")]
    assert people == ["Lý Văn Dũng", "Vũ Văn Đức", "Đào Thị Hà", "Hoàng Văn Hoàng"]
    for code, name in [
        ("Z1", "Đảng bộ xã Yên Hoa"),
        ("Z2", "Đảng bộ xã Đà Vị"),
        ("Z3", "Đảng bộ xã Côn Lôn"),
    ]:
        Unit.objects.create(code=code, name=name, kind=UnitKind.GRASSROOTS_COMMITTEE, parent=world.na_hang)
    units = Unit.objects.filter(code__startswith="Z").order_by("sort_key").values_list("name", flat=True)
    assert list(units) == ["Đảng bộ xã Côn Lôn", "Đảng bộ xã Đà Vị", "Đảng bộ xã Yên Hoa"]
    renamed = Person.objects.get(code="S0")
    renamed.full_name = "Hoàng Văn An"
    renamed.save(update_fields=["full_name"])
    assert Person.objects.filter(code__startswith="S").first().full_name == "Hoàng Văn An"
    assert Person.objects.matching("hoang van an").get().code == "S0"


def test_an_account_shows_ho_dem_ten_in_the_header_and_the_history(client, world, cell_secretary):
    cell_secretary.first_name, cell_secretary.last_name = "Tùng", "Chu Xuân"
    cell_secretary.save()
    assert str(User.objects.get(pk=cell_secretary.pk)) == "Chu Xuân Tùng"
    actions.ensure_evaluations(cycle=world.cycle_province)
    ev = Evaluation.objects.get(cycle=world.cycle_province, person=world.member_na_hang)
    submit_self_review(cell_secretary, ev)
    client.force_login(cell_secretary)
    page = client.get(f"/danh-gia/{ev.pk}/").content.decode()
    assert page.count("Chu Xuân Tùng") >= 2  # the header and the history row
    assert "Tùng Chu Xuân" not in page


def test_numbers_have_one_vietnamese_format():
    assert format_number(6006) == "6.006"
    assert format_number(57600) == "57.600"
    assert format_number(1234.5) == "1.234,5"
    assert format_number(12.345, 1) == "12,3"
    assert format_number(7.0) == "7"
    assert format_number(None) == ""


def test_pages_show_figures_in_the_vietnamese_format(client, world, district_officer):
    from django.template import Context, Template

    rendered = Template("{{ a|so }} · {{ b|so }} · {{ c|so:1 }} · {{ d|so|default:'—' }}").render(
        Context({"a": 7573, "b": 57600, "c": 12.345, "d": None})
    )
    assert rendered == "7.573 · 57.600 · 12,3 · —"
    from tests.conftest import make_members

    make_members(world.cell_na_hang, 1)
    Person.objects.filter(home_cell=world.cell_na_hang).update(is_party_member=True)
    # A thousand members in a cell: the unit page shows "1.001", not "1001" nor "1,001".
    Person.objects.bulk_create(
        [
            Person(
                code=f"K{i}",
                full_name=f"Đảng viên {i}",
                gender="m",
                admitted_on=datetime.date(2000, 1, 1),
                membership="full",
                home_cell=world.cell_na_hang,
            )
            for i in range(999)
        ]
    )
    client.force_login(district_officer)
    page = client.get(f"/don-vi/{world.na_hang.pk}/").content.decode()
    assert "<dd>1.001</dd>" in page


def test_the_ratings_list_of_the_api_and_exports_follows_the_roster(client, world, district_officer):
    cell = world.cell_na_hang
    for i, name in enumerate(["Nguyễn Văn Hoàng", "Trần Văn Đức", "Hoàng Thị Hà", "Lê Văn Dũng"]):
        Person.objects.create(
            code=f"R{i}",
            full_name=name,
            gender="m",
            admitted_on=datetime.date(2000, 1, 1),
            membership="full",
            home_cell=cell,
        )
    actions.ensure_evaluations(cycle=world.cycle_province)
    client.force_login(district_officer)
    rows = client.get(
        "/api/reports/evaluations", {"cycle": world.cycle_province.pk, "unit": world.na_hang.pk, "limit": 500}
    ).json()["items"]
    members = [
        r["subject_name"] for r in rows if r["unit_id"] == cell.pk and r["subject_type"] == "party_member"
    ]
    assert members == ["Lê Văn Dũng", "Trần Văn Đức", "Hoàng Thị Hà", "Nguyễn Văn Hoàng", "Ma Văn Hùng"]
