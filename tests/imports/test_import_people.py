"""Importing people: every row checked first, errors by row and column in Vietnamese, all or nothing."""

import datetime

import pytest

from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import Person
from tests.imports.helpers import person_row, snapshot, xlsx

pytestmark = pytest.mark.django_db


def refused(user, content, kind="people") -> list[str]:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=user, kind=kind, content=content, file_name="t.xlsx")
    assert snapshot() == before
    return caught.value.errors


def test_it_imports_members_into_a_cell_of_the_district(district_officer, world):
    content = xlsx(
        "people", [person_row("NV1", "NH-001-01"), person_row("NV2", "nh-001-01", **{"Giới tính": "Nữ"})]
    )
    summary = do_import_workbook(user=district_officer, kind="people", content=content)
    assert summary == {"people": 2, "updated": 0, "unchanged": 0, "missing": 1, "rows": 2}
    p = Person.objects.get(code="NV1")
    assert p.home_cell == world.cell_na_hang
    assert p.admitted_on == datetime.date(2005, 5, 19)
    assert p.birth_date == datetime.date(1980, 9, 2)
    assert p.membership == "full" and p.is_party_member
    assert Person.objects.get(code="NV2").gender == "f"


def test_it_accepts_real_excel_dates(district_officer, world):
    row = person_row("NV1", "NH-001-01", **{"Ngày vào Đảng": datetime.datetime(2006, 3, 26)})
    do_import_workbook(user=district_officer, kind="people", content=xlsx("people", [row]))
    assert Person.objects.get(code="NV1").admitted_on == datetime.date(2006, 3, 26)


def test_it_names_the_row_and_column_of_a_bad_date(district_officer, world):
    rows = [person_row("NV1", "NH-001-01"), person_row("NV2", "NH-001-01", **{"Ngày vào Đảng": "31/02/2020"})]
    errors = refused(district_officer, xlsx("people", rows))
    assert errors == ["Dòng 3, cột «Ngày vào Đảng»: '31/02/2020' không phải là ngày hợp lệ."]


def test_it_lists_every_error_of_the_file_at_once(district_officer, world):
    rows = [
        person_row("NV1", "NH-001-01", **{"Giới tính": "Khác"}),
        person_row("NV1", "NH-001-01"),
        person_row("NV3", "KHONG-CO"),
        person_row("NV4", "NH-001-01", **{"Ngày vào Đảng": None}),
        person_row("NV5", "NH-001-01", **{"Ngày sinh": "2020-01-01"}),
        person_row("DV2", "NH-001-01"),
    ]
    errors = refused(district_officer, xlsx("people", rows))
    assert errors == [
        "Dòng 2, cột «Giới tính»: 'Khác' không có trong danh mục (Nam; Nữ).",
        "Dòng 3, cột «Mã»: mã 'NV1' trùng với dòng 2.",
        "Dòng 4, cột «Mã chi bộ»: không tìm thấy đơn vị mã 'KHONG-CO' trong phạm vi quản lý của đồng chí.",
        "Dòng 5, cột «Ngày vào Đảng»: bắt buộc với đảng viên.",
        "Dòng 6, cột «Ngày sinh»: '2020-01-01' không phải là ngày hợp lệ (dạng dd/mm/yyyy).",
        "Dòng 7, cột «Mã»: mã 'DV2' đã có trong hệ thống.",
    ]


def test_it_refuses_a_cell_of_another_district_as_unknown(district_officer, world):
    errors = refused(district_officer, xlsx("people", [person_row("NV1", "LB-001-01")]))
    assert errors == [
        "Dòng 2, cột «Mã chi bộ»: không tìm thấy đơn vị mã 'LB-001-01' trong phạm vi quản lý của đồng chí."
    ]


def test_it_refuses_a_unit_that_is_not_a_cell_as_home_cell(district_officer, world):
    errors = refused(district_officer, xlsx("people", [person_row("NV1", "NH-001")]))
    assert errors == ["Dòng 2, cột «Mã chi bộ»: đơn vị mã 'NH-001' không phải là chi bộ."]


def test_it_refuses_admission_before_eighteen(district_officer, world):
    row = person_row("NV1", "NH-001-01", **{"Ngày sinh": "01/01/2000", "Ngày vào Đảng": "01/06/2017"})
    errors = refused(district_officer, xlsx("people", [row]))
    assert errors == [
        "Dòng 2, cột «Ngày vào Đảng»: đảng viên vào Đảng khi chưa đủ 18 tuổi (Điều lệ Đảng, Điều 1)."
    ]


def test_it_refuses_text_that_looks_like_a_formula(district_officer, world):
    row = person_row("NV1", "NH-001-01", **{"Họ và tên": '=HYPERLINK("http://x")'})
    errors = refused(district_officer, xlsx("people", [row], as_text=("B2",)))
    assert errors == [
        "Dòng 2, cột «Họ và tên»: '=HYPERLINK(\"http://x\")' bắt đầu bằng dấu '=' như một công thức; "
        "không được nhận."
    ]


def test_it_imports_a_cadre_who_is_not_a_party_member_by_managing_unit(district_officer, world):
    row = person_row(
        "CB1",
        None,
        **{
            "Là đảng viên": "Không",
            "Ngày vào Đảng": None,
            "Loại đảng viên": None,
            "Mã cấp ủy quản lý": "NH",
            "Diện quản lý": "Diện Ban Thường vụ huyện ủy và tương đương quản lý",
        },
    )
    do_import_workbook(user=district_officer, kind="people", content=xlsx("people", [row]))
    cadre = Person.objects.get(code="CB1")
    assert not cadre.is_party_member and cadre.managing_unit == world.na_hang
    assert cadre.management_tier == "btv_huyen"


def test_it_refuses_users_who_do_not_record_data(inspector, member, world):
    from django.core.exceptions import PermissionDenied

    for user in (inspector, member):
        with pytest.raises(PermissionDenied):
            do_import_workbook(
                user=user, kind="people", content=xlsx("people", [person_row("X", "NH-001-01")])
            )


def test_it_reads_numeric_codes_as_text_without_a_decimal_point(district_officer, world):
    do_import_workbook(
        user=district_officer, kind="people", content=xlsx("people", [person_row(12345, "NH-001-01")])
    )
    assert Person.objects.filter(code="12345").exists()
