"""Keeping people up to date from the member database's export: match by code or card, a diff first, all or nothing."""

from __future__ import annotations

import datetime

import pytest

from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import CellMembership, Person
from kiemdiem.orgs.queries import members_as_of
from tests.imports.helpers import person_row, snapshot, xlsx

pytestmark = pytest.mark.django_db

DV1 = {"Họ và tên": "Ma Văn Hùng", "Ngày sinh": None, "Ngày vào Đảng": "19/05/2010"}


def _rows(codes, **over):  # type: ignore[no-untyped-def]
    return [person_row(code, "NH-001-01", **over) for code in codes]


@pytest.fixture
def hundred_and_five(district_officer, world):
    codes = [f"P{i:03d}" for i in range(105)]
    do_import_workbook(user=district_officer, kind="people", content=xlsx("people", _rows(codes)))
    return codes


def _second_file(codes, world):  # type: ignore[no-untyped-def]
    from kiemdiem.orgs.actions import do_create_unit
    from kiemdiem.orgs.models import UnitKind

    do_create_unit(code="NH-001-02", name="Chi bộ tổ 2", kind="chi_bo_truc_thuoc", parent=world.go_na_hang)
    assert UnitKind.CELL == "chi_bo_truc_thuoc"
    changed = [
        person_row(
            code,
            "NH-001-02" if i % 2 else "NH-001-01",
            **({"Họ và tên": f"Tên mới {code}"} if not i % 2 else {}),
        )
        for i, code in enumerate(codes[:100])
    ]
    added = _rows([f"N{i:02d}" for i in range(10)])
    unchanged = [person_row("DV1", "NH-001-01", **DV1)]
    return xlsx("people", changed + unchanged + added)


def test_a_workbook_that_changes_100_adds_10_and_omits_5_shows_exactly_that_then_applies_it(
    district_officer, world, hundred_and_five
):
    content = _second_file(hundred_and_five, world)
    before = snapshot()
    preview = do_import_workbook(user=district_officer, kind="people", content=content, dry_run=True)
    assert snapshot() == before  # nothing written
    assert (preview["people"], preview["updated"], preview["unchanged"], preview["missing"]) == (
        10,
        100,
        1,
        5,
    )
    assert [m["code"] for m in preview["missing_rows"]] == ["P100", "P101", "P102", "P103", "P104"]
    assert len(preview["changed_rows"]) == 100
    first, second = preview["changed_rows"][:2]
    assert first == {
        "row": 2,
        "code": "P000",
        "name": "Nguyễn Văn P000",
        "fields": [["Họ và tên", "Nguyễn Văn P000", "Tên mới P000"]],
    }
    assert second["fields"] == [["Chi bộ sinh hoạt", "NH-001-01", "NH-001-02"]]

    summary = do_import_workbook(user=district_officer, kind="people", content=content)
    assert (summary["people"], summary["updated"], summary["unchanged"], summary["missing"]) == (
        10,
        100,
        1,
        5,
    )
    assert Person.objects.get(code="P000").full_name == "Tên mới P000"
    moved = Person.objects.get(code="P001")
    today = datetime.date.today()
    assert (moved.home_cell.code, moved.home_cell_since) == ("NH-001-02", today)
    past = CellMembership.objects.get(person=moved)
    assert (past.cell_id, past.valid_to) == (world.cell_na_hang.pk, today - datetime.timedelta(days=1))
    assert moved in members_as_of(world.cell_na_hang, today - datetime.timedelta(days=1))
    assert Person.objects.filter(code__startswith="N").count() == 10
    assert Person.objects.filter(code="P104").exists()  # missing from the file: reported, never deleted
    again = do_import_workbook(user=district_officer, kind="people", content=content, dry_run=True)
    assert (again["people"], again["updated"], again["unchanged"]) == (0, 0, 111)


def test_a_bad_row_changes_nothing(district_officer, world, hundred_and_five):
    rows = _rows(hundred_and_five[:50], **{"Họ và tên": "Đổi tên"})
    rows.append(person_row("P050", "NH-001-01", **{"Ngày vào Đảng": "31/02/2020"}))
    before = list(Person.objects.order_by("pk").values_list("pk", "full_name", "home_cell_id"))
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=district_officer, kind="people", content=xlsx("people", rows))
    assert caught.value.errors == ["Dòng 52, cột «Ngày vào Đảng»: '31/02/2020' không phải là ngày hợp lệ."]
    assert list(Person.objects.order_by("pk").values_list("pk", "full_name", "home_cell_id")) == before


def test_a_person_is_found_by_party_card_number_and_numbers_are_unique(district_officer, world):
    Person.objects.filter(pk=world.member_na_hang.pk).update(party_card_number="08012345")
    row = person_row("DV-MOI", "NH-001-01", **DV1, **{"Số thẻ đảng viên": "08012345", "Số lý lịch": "LL-9"})
    preview = do_import_workbook(
        user=district_officer, kind="people", content=xlsx("people", [row]), dry_run=True
    )
    assert preview["people"] == 0 and preview["updated"] == 1
    assert preview["changed_rows"][0]["fields"] == [
        ["Số lý lịch", "(trống)", "LL-9"],
        ["Mã", "DV1", "DV-MOI"],
    ]
    do_import_workbook(user=district_officer, kind="people", content=xlsx("people", [row]))
    assert Person.objects.get(pk=world.member_na_hang.pk).code == "DV-MOI"
    # Another person's card, and a card that lies outside the user's reach, are refused by row and column.
    Person.objects.filter(pk=world.member_lam_binh.pk).update(party_card_number="08099999")
    rows = [
        person_row("NV1", "NH-001-01", **{"Số thẻ đảng viên": "08099999"}),
        person_row("DV-MOI", "NH-001-01", **DV1, **{"Số thẻ đảng viên": "08099999"}),
        person_row("NV3", "NH-001-01", **{"Số lý lịch": "LL-9"}),
    ]
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=district_officer, kind="people", content=xlsx("people", rows))
    assert caught.value.errors == [
        "Dòng 2, cột «Số thẻ đảng viên»: số thẻ đảng viên '08099999' đã có trong hệ thống.",
        "Dòng 3, cột «Số thẻ đảng viên»: số thẻ đảng viên '08099999' trùng với dòng 2.",
        "Dòng 3, cột «Số thẻ đảng viên»: số thẻ đảng viên '08099999' đã có trong hệ thống.",
        "Dòng 4, cột «Số lý lịch»: số lý lịch 'LL-9' đã thuộc về người khác.",
    ]


def test_the_import_page_previews_then_applies(client, district_officer, world, hundred_and_five):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from kiemdiem.imports.models import ImportJob

    client.force_login(district_officer)
    content = _second_file(hundred_and_five, world)
    upload = SimpleUploadedFile("dang-vien.xlsx", content)
    response = client.post(reverse("imports:home"), {"kind": "people", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "previewed"
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "100</strong> người thay đổi thông tin" in page and "Tên mới P000" in page
    assert Person.objects.get(code="P000").full_name == "Nguyễn Văn P000"
    client.post(reverse("imports:apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.summary["updated"] == 100
    assert Person.objects.get(code="P000").full_name == "Tên mới P000"
    assert client.post(reverse("imports:apply", args=[job.pk])).status_code == 409
