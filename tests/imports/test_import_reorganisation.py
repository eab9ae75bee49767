"""Reorganisations from Excel: rows run in order through the tree's writer, previewed, all or nothing."""

from __future__ import annotations

import datetime

import pytest

from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import Reorganisation, Unit
from tests.imports.helpers import HEADERS, snapshot, xlsx

pytestmark = pytest.mark.django_db


def row(**values: object) -> list[object]:
    return [values.get(h) for h in HEADERS["reorganisation"]]


def _file() -> bytes:
    return xlsx(
        "reorganisation",
        [
            row(
                **{
                    "Loại thay đổi": "Hợp nhất",
                    "Ngày hiệu lực": "01/07/2025",
                    "Mã đơn vị": "NH-001; LB-001",
                    "Mã đơn vị mới": "XA-01",
                    "Tên mới": "Đảng bộ xã Hồng Thái",
                    "Loại đơn vị mới": "Đảng bộ cơ sở",
                    "Mã cấp trên của đơn vị mới": "TQ",
                    "Quyết định": "QĐ 01-QĐ/TU",
                }
            ),
            row(
                **{
                    "Loại thay đổi": "Giải thể",
                    "Ngày hiệu lực": "01/07/2025",
                    "Mã đơn vị": "NH",
                    "Mã đơn vị nhận": "TQ",
                }
            ),
            row(
                **{
                    "Loại thay đổi": "Đổi tên",
                    "Ngày hiệu lực": "01/07/2025",
                    "Mã đơn vị": "LB",
                    "Tên mới": "Khối Lâm Bình",
                }
            ),
        ],
    )


def test_a_workbook_of_changes_is_previewed_then_applied_in_order(province_admin, world):
    before = snapshot()
    preview = do_import_workbook(user=province_admin, kind="reorganisation", content=_file(), dry_run=True)
    assert snapshot() == before and not Reorganisation.objects.exists()
    assert preview["reorganisations"] == 3
    assert preview["lines"][0].startswith(
        "Hợp nhất Đảng bộ thị trấn Na Hang (NH-001), Đảng bộ xã Lăng Can (LB-001)"
    )
    assert preview["counts"]["members_moved"] == 2
    summary = do_import_workbook(user=province_admin, kind="reorganisation", content=_file())
    assert summary["counts"] == preview["counts"]
    merged = Unit.objects.get(code="XA-01")
    assert merged.parent_id == world.province.pk
    assert (
        Unit.objects.get(code="NH-UBND", valid_from=datetime.date(2025, 7, 1)).parent_id == world.province.pk
    )
    assert Unit.objects.get(pk=world.na_hang.pk).valid_to == datetime.date(2025, 6, 30)
    assert Unit.objects.get(pk=world.lam_binh.pk).name == "Khối Lâm Bình"
    assert Reorganisation.objects.filter(created_by=province_admin).count() == 3


def test_a_failing_row_refuses_the_whole_file_naming_it(district_officer, world):
    content = xlsx(
        "reorganisation",
        [
            row(
                **{
                    "Loại thay đổi": "Đổi tên",
                    "Ngày hiệu lực": "01/07/2025",
                    "Mã đơn vị": "NH-001",
                    "Tên mới": "X",
                }
            ),
            row(
                **{
                    "Loại thay đổi": "Chuyển trực thuộc",
                    "Ngày hiệu lực": "01/07/2025",
                    "Mã đơn vị": "NH-001",
                    "Mã đơn vị nhận": "LB",
                }
            ),
            row(**{"Loại thay đổi": "Gộp", "Ngày hiệu lực": "31/02/2025", "Mã đơn vị": "NH"}),
        ],
    )
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=district_officer, kind="reorganisation", content=content)
    assert caught.value.errors[0].startswith("Dòng 4, cột «Loại thay đổi»: 'Gộp' không có trong danh mục")
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(
            user=district_officer,
            kind="reorganisation",
            content=xlsx(
                "reorganisation",
                [
                    row(
                        **{
                            "Loại thay đổi": "Đổi tên",
                            "Ngày hiệu lực": "01/07/2025",
                            "Mã đơn vị": "NH-001",
                            "Tên mới": "X",
                        }
                    ),
                    row(
                        **{
                            "Loại thay đổi": "Chuyển trực thuộc",
                            "Ngày hiệu lực": "01/07/2025",
                            "Mã đơn vị": "NH-001",
                            "Mã đơn vị nhận": "LB",
                        }
                    ),
                ],
            ),
        )
    assert caught.value.errors == [
        "Dòng 3, cột «Mã đơn vị nhận»: không tìm thấy đơn vị mã 'LB' còn hiệu lực ngày 01/07/2025 trong phạm vi "
        "quản lý của đồng chí."
    ]
    assert (
        snapshot() == before and Unit.objects.get(pk=world.go_na_hang.pk).name == "Đảng bộ thị trấn Na Hang"
    )
