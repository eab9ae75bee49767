"""`kiemdiem import`: the same import from the command line; errors on stderr, exit 1, no traceback."""

import pytest

from kiemdiem.imports.models import ImportJob
from kiemdiem.orgs.models import Person
from tests.imports.helpers import person_row, snapshot, xlsx
from tests.imports.helpers import run_import as run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_test_connection")]


def test_it_imports_a_file_and_says_how_many_rows(district_officer, world, tmp_path, capsys):
    path = tmp_path / "dang-vien.xlsx"
    path.write_bytes(xlsx("people", [person_row("NV1", "NH-001-01"), person_row("NV2", "NH-001-01")]))
    assert run(str(path), "--kind", "people", "--user", "nahang", "--apply") == 0
    out = capsys.readouterr().out
    assert "Đang đọc tệp…" in out and "Đang ghi vào cơ sở dữ liệu…" in out
    assert (
        "Đã nhập xong (cá nhân mới: 2, cá nhân cập nhật: 0, không có trong tệp (giữ nguyên): 1, không đổi: 0, dòng: 2)."
        in out
    )
    assert Person.objects.filter(code__in=["NV1", "NV2"]).count() == 2
    job = ImportJob.objects.get()
    assert (job.status, job.progress, job.content) == ("done", 100, b"")


def test_it_prints_every_error_and_exits_1_without_a_traceback(district_officer, world, tmp_path, capsys):
    path = tmp_path / "loi.xlsx"
    rows = [person_row("NV1", "LB-001-01"), person_row("NV2", "NH-001-01", **{"Ngày vào Đảng": "31/02/2020"})]
    path.write_bytes(xlsx("people", rows))
    before = snapshot()
    assert run(str(path), "--kind", "people", "--user", "nahang") == 1
    err = capsys.readouterr().err
    assert "Dòng 2, cột «Mã chi bộ»: không tìm thấy đơn vị mã 'LB-001-01'" in err
    assert "Dòng 3, cột «Ngày vào Đảng»: '31/02/2020' không phải là ngày hợp lệ." in err
    assert "Không nhập: 2 lỗi; không có dòng nào được ghi vào cơ sở dữ liệu." in err
    assert "Traceback" not in err
    assert snapshot() == before


def test_it_refuses_unknown_users_missing_files_and_ratings_without_a_cycle(
    district_officer, tmp_path, capsys
):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"not a workbook")
    assert run(str(path), "--kind", "people", "--user", "khong-co") == 1
    assert run(str(tmp_path / "khong-co.xlsx"), "--kind", "people", "--user", "nahang") == 1
    assert run(str(path), "--kind", "ratings", "--user", "nahang") == 1
    assert run(str(path), "--kind", "people", "--user", "nahang") == 1
    err = capsys.readouterr().err
    assert "Không tìm thấy tài khoản “khong-co”." in err
    assert "Không tìm thấy tệp" in err
    assert "Nhập kết quả xếp loại cần --cycle" in err
    assert "Tệp không phải là bảng tính Excel (.xlsx)." in err
    assert "Traceback" not in err


def test_a_cycle_outside_the_users_reach_is_not_found(outsider, world, tmp_path, capsys):
    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx("ratings", [["Đảng viên", "DV1", None, None, "HTT", "05/01/2022", None, None]]))
    assert (
        run(str(path), "--kind", "ratings", "--user", "lambinh", "--cycle", str(world.cycle_na_hang.pk)) == 1
    )
    assert f"Không tìm thấy đợt kiểm điểm số {world.cycle_na_hang.pk}" in capsys.readouterr().err
