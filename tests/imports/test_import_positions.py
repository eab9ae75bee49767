"""Importing positions: people and units in scope, collectives found or created, one current head each."""

import pytest

from kiemdiem.imports.actions import do_import_workbook
from kiemdiem.imports.validation import ImportRefused
from kiemdiem.orgs.models import LeadershipCollective, Position
from tests.conftest import make_members
from tests.imports.helpers import snapshot, xlsx

pytestmark = pytest.mark.django_db


def refused(user, content) -> list[str]:  # type: ignore[no-untyped-def]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        do_import_workbook(user=user, kind="positions", content=content)
    assert snapshot() == before
    return caught.value.errors


def test_it_creates_the_cell_committee_and_its_seats(district_officer, world):
    a, b = make_members(world.cell_na_hang, 2)
    rows = [
        [
            a.code,
            "NH-001-01",
            "Chi ủy Chi bộ tổ dân phố số 1",
            "Chi ủy",
            "Bí thư chi bộ",
            "Người đứng đầu",
            None,
            None,
        ],
        [
            b.code,
            "NH-001-01",
            "chi ủy chi bộ tổ dân phố số 1",
            None,
            "Phó Bí thư chi bộ",
            "Cấp phó",
            "01/10/2020",
            None,
        ],
        ["DV1", "NH-UBND", None, None, "Chuyên viên", None, None, None],
    ]
    summary = do_import_workbook(user=district_officer, kind="positions", content=xlsx("positions", rows))
    assert summary == {"positions": 3, "collectives": 1, "rows": 3}
    committee = LeadershipCollective.objects.get(unit=world.cell_na_hang)
    assert committee.kind == "chi_uy"
    assert Position.objects.get(person=a).collective == committee
    assert Position.objects.get(person=b, collective=committee).role == "deputy"
    assert Position.objects.get(person=world.member_na_hang).collective is None


def test_it_refuses_a_second_head_and_people_outside_the_scope(district_officer, world):
    a, b = make_members(world.cell_na_hang, 2)
    committee = LeadershipCollective.objects.create(unit=world.cell_na_hang, kind="chi_uy", name="Chi ủy")
    Position.objects.create(
        person=a, unit=world.cell_na_hang, collective=committee, title="Bí thư", role="head"
    )
    rows = [
        [b.code, "NH-001-01", "Chi ủy", None, "Bí thư", "Người đứng đầu", None, None],
        ["DV2", "NH-001-01", "Chi ủy", None, "Ủy viên", None, None, None],
        [b.code, "NH-001-01", "Ban mới", None, "Trưởng ban", None, None, None],
        [b.code, "NH-001-01", None, None, "Phó", "Cấp phó", None, None],
    ]
    assert refused(district_officer, xlsx("positions", rows)) == [
        "Dòng 2, cột «Vai trò»: tập thể “Chi ủy” đã có người đứng đầu đương nhiệm.",
        "Dòng 3, cột «Mã cá nhân»: không tìm thấy cá nhân mã 'DV2' trong phạm vi quản lý của đồng chí.",
        "Dòng 4, cột «Loại tập thể»: tập thể “Ban mới” chưa có ở đơn vị 'NH-001-01': cần ghi loại tập thể để tạo mới.",
        "Dòng 5, cột «Tập thể lãnh đạo»: người đứng đầu, cấp phó phải thuộc một tập thể lãnh đạo.",
    ]
