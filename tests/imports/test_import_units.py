"""Importing units: parents in the file or in the user's subtree, paths like do_create_unit, all or nothing."""

import datetime

import pytest

from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import Unit
from tests.imports.helpers import snapshot, xlsx

pytestmark = pytest.mark.django_db


def refused(user, content) -> list[str]:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=user, kind="units", content=content)
    assert snapshot() == before
    return caught.value.errors


def test_it_imports_a_grassroots_committee_with_its_cells_in_any_order(district_officer, world):
    rows = [
        ["NH-002-01", "Chi bộ thôn Bản Tàu", "Chi bộ trực thuộc", "NH-002", "01/01/2015", None, None],
        ["NH-002", "Đảng bộ xã Thượng Giáp", "dang_bo_co_so", "NH", None, None, "03/02/1960"],
        ["NH-002-02", "Chi bộ thôn Nà Mỏ", "chi bộ trực thuộc", "nh-002", None, None, None],
    ]
    assert do_import_workbook(user=district_officer, kind="units", content=xlsx("units", rows)) == {
        "units": 3,
        "rows": 3,
    }
    go = Unit.objects.get(code="NH-002")
    cell = Unit.objects.get(code="NH-002-01")
    assert go.parent == world.na_hang and go.kind == "dang_bo_co_so"
    assert go.established_on == datetime.date(1960, 2, 3)
    assert cell.parent == go and cell.valid_from == datetime.date(2015, 1, 1)
    # The same materialised path do_create_unit writes, so the scoped helpers see the new subtree.
    for unit in (go, cell, Unit.objects.get(code="NH-002-02")):
        expected = (unit.parent.path if unit.parent else "") + f"{unit.pk:06d}."
        assert unit.path == expected and unit.depth == len(expected) // 7 - 1
    assert set(Unit.objects.subtree_of(world.na_hang).values_list("code", flat=True)) >= {
        "NH-002",
        "NH-002-01",
        "NH-002-02",
    }


def test_it_refuses_duplicate_codes_in_the_file_and_in_the_database(district_officer, world):
    rows = [
        ["NH-009", "Đảng bộ A", "Đảng bộ cơ sở", "NH", None, None, None],
        ["nh-009", "Đảng bộ B", "Đảng bộ cơ sở", "NH", None, None, None],
        ["NH-001", "Trùng mã đã có", "Đảng bộ cơ sở", "NH", None, None, None],
    ]
    assert refused(district_officer, xlsx("units", rows)) == [
        "Dòng 3, cột «Mã đơn vị»: mã 'nh-009' trùng với dòng 2.",
        "Dòng 4, cột «Mã đơn vị»: mã 'NH-001' đã được dùng trong cùng thời gian hiệu lực; chọn mã khác.",
    ]


def test_it_refuses_parents_outside_the_subtree_unknown_kinds_and_loops(district_officer, world):
    rows = [
        ["NH-010", "Đảng bộ xã Lăng Can 2", "Đảng bộ cơ sở", "LB", None, None, None],
        ["NH-011", "Đơn vị lạ", "Hợp tác xã", "NH", None, None, None],
        ["NH-012", "Vòng A", "Chi bộ trực thuộc", "NH-013", None, None, None],
        ["NH-013", "Vòng B", "Chi bộ trực thuộc", "NH-012", None, None, None],
        [
            "NH-014",
            "Hết hiệu lực trước khi có",
            "Chi bộ trực thuộc",
            "NH-001",
            "01/01/2020",
            "31/12/2019",
            None,
        ],
        ["NH-015", "Không có cấp trên", "Chi bộ trực thuộc", None, None, None, None],
    ]
    errors = refused(district_officer, xlsx("units", rows))
    assert errors == [
        "Dòng 2, cột «Mã đơn vị cấp trên»: không tìm thấy đơn vị mã 'LB' trong phạm vi quản lý của đồng chí.",
        "Dòng 3, cột «Loại»: 'Hợp tác xã' không có trong danh mục (xem trang Hướng dẫn).",
        "Dòng 4: các đơn vị cấp trên khai báo vòng tròn: NH-012 → NH-013 → NH-012.",
        "Dòng 5: các đơn vị cấp trên khai báo vòng tròn: NH-013 → NH-012 → NH-013.",
        "Dòng 6, cột «Hiệu lực đến»: ngày 31/12/2019 trước ngày hiệu lực từ 01/01/2020.",
        "Dòng 7, cột «Mã đơn vị cấp trên»: bắt buộc, không được để trống.",
    ]


def test_a_cell_secretary_cannot_add_units_beside_their_cell(cell_secretary, world):
    rows = [["NH-001-02", "Chi bộ tổ dân phố số 2", "Chi bộ trực thuộc", "NH-001", None, None, None]]
    assert refused(cell_secretary, xlsx("units", rows)) == [
        "Dòng 2, cột «Mã đơn vị cấp trên»: không tìm thấy đơn vị mã 'NH-001' trong phạm vi quản lý của đồng chí."
    ]
