"""People and reorganisation files are previewed from the command line and the API as on the page (issue 15):
the same diff (new, changed field by field, unchanged, missing from the file), nothing written until applied.
The people import also reads where a member works (Biểu B) and the units import a unit's sector (Biểu A)."""

from __future__ import annotations

import io

import pytest

from kiemdiem.imports.models import ImportJob
from kiemdiem.orgs.models import Person, Unit
from tests.imports.helpers import HEADERS, person_row, snapshot, xlsx
from tests.imports.helpers import run_import as run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_test_connection")]

DV1_RENAMED = {"Họ và tên": "Ma Văn Hưng", "Ngày sinh": None, "Ngày vào Đảng": "19/05/2010"}


def _file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "dang-vien.xlsx"
    path.write_bytes(
        xlsx("people", [person_row("DV1", "NH-001-01", **DV1_RENAMED), person_row("NV1", "NH-001-01")])
    )
    return path


def test_the_command_previews_the_diff_and_writes_nothing_without_apply(
    district_officer, world, tmp_path, capsys
):
    before = snapshot()
    assert run(str(_file(tmp_path)), "--kind", "people", "--user", "nahang") == 0
    out = capsys.readouterr().out
    assert "Xem trước: những gì sẽ thay đổi" in out
    assert "Người mới: 1" in out and "Người thay đổi thông tin: 1" in out and "Người không đổi: 0" in out
    assert "  Dòng 2: DV1 — Ma Văn Hùng" in out
    assert "    Họ và tên: Ma Văn Hùng → Ma Văn Hưng" in out
    assert "  Dòng 3: NV1 — Nguyễn Văn NV1" in out
    assert "chạy lại lệnh với --apply" in out
    assert snapshot() == before
    assert Person.objects.get(code="DV1").full_name == "Ma Văn Hùng"
    assert ImportJob.objects.get().status == "previewed"


def test_the_command_applies_with_apply_after_showing_the_same_preview(
    district_officer, world, tmp_path, capsys
):
    assert run(str(_file(tmp_path)), "--kind", "people", "--user", "nahang", "--apply") == 0
    out = capsys.readouterr().out
    assert "    Họ và tên: Ma Văn Hùng → Ma Văn Hưng" in out
    assert "Đã nhập xong (cá nhân mới: 1, cá nhân cập nhật: 1" in out
    assert Person.objects.get(code="DV1").full_name == "Ma Văn Hưng"
    assert Person.objects.filter(code="NV1").exists()


def test_the_command_previews_a_reorganisation_and_applies_it_only_with_apply(
    district_officer, world, tmp_path, capsys
):
    path = tmp_path / "sap-xep.xlsx"
    row = {"Loại thay đổi": "Đổi tên", "Ngày hiệu lực": "01/07/2025", "Mã đơn vị": "NH-001-01"}
    row["Tên mới"] = "Chi bộ tổ dân phố Tân Tiến"
    path.write_bytes(xlsx("reorganisation", [[row.get(h) for h in HEADERS["reorganisation"]]]))
    assert run(str(path), "--kind", "reorganisation", "--user", "nahang") == 0
    out = capsys.readouterr().out
    assert (
        "1. Đổi tên Chi bộ tổ dân phố số 1 (NH-001-01) thành Chi bộ tổ dân phố Tân Tiến từ ngày 01/07/2025."
        in out
    )
    assert Unit.objects.get(pk=world.cell_na_hang.pk).name == "Chi bộ tổ dân phố số 1"
    assert run(str(path), "--kind", "reorganisation", "--user", "nahang", "--apply") == 0
    assert Unit.objects.get(pk=world.cell_na_hang.pk).name == "Chi bộ tổ dân phố Tân Tiến"


def _post(client, content: bytes, kind: str = "people"):  # type: ignore[no-untyped-def]
    f = io.BytesIO(content)
    f.name = "api.xlsx"
    return client.post("/api/imports/", {"kind": kind, "file": f})


def test_the_api_returns_the_preview_and_writes_only_when_applied(client, district_officer, outsider, world):
    client.force_login(district_officer)
    content = xlsx("people", [person_row("DV1", "NH-001-01", **DV1_RENAMED), person_row("NV1", "NH-001-01")])
    before = snapshot()
    response = _post(client, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "previewed"
    summary = body["summary"]
    assert (summary["people"], summary["updated"], summary["unchanged"], summary["missing"]) == (1, 1, 0, 0)
    assert summary["changed_rows"][0]["fields"] == [["Họ và tên", "Ma Văn Hùng", "Ma Văn Hưng"]]
    assert summary["new_rows"] == [{"row": 3, "code": "NV1", "name": "Nguyễn Văn NV1"}]
    assert snapshot() == before
    # Another district cannot apply (nor see) the job.
    client.force_login(outsider)
    assert client.post(f"/api/imports/{body['id']}/apply").status_code == 404
    assert snapshot() == before
    client.force_login(district_officer)
    applied = client.post(f"/api/imports/{body['id']}/apply")
    assert applied.status_code == 202, applied.content
    assert applied.json()["status"] == "done"
    assert Person.objects.get(code="DV1").full_name == "Ma Văn Hưng"
    again = client.post(f"/api/imports/{body['id']}/apply")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert "không còn ở trạng thái chờ áp dụng" in again.json()["message"]


def test_the_people_import_reads_where_a_member_works_and_the_units_import_a_sector(district_officer, world):
    from kiemdiem.imports.actions import do_import_workbook

    rows = [
        person_row("NV1", "NH-001-01", **{"Nơi làm việc của đảng viên": "Nghỉ hưu"}),
        person_row("NV2", "NH-001-01", **{"Nơi làm việc của đảng viên": "Lực lượng vũ trang"}),
        person_row("DV1", "NH-001-01", **{**DV1_RENAMED, "Họ và tên": "Ma Văn Hùng"}),
    ]
    rows[2][HEADERS["people"].index("Nơi làm việc của đảng viên")] = "Không làm việc trong hệ thống chính trị"
    do_import_workbook(user=district_officer, kind="people", content=xlsx("people", rows))
    groups = dict(Person.objects.filter(code__in=["NV1", "NV2", "DV1"]).values_list("code", "member_group"))
    assert groups == {"NV1": "nghi_huu", "NV2": "llvt", "DV1": "ngoai_htct"}
    # A file without the column leaves what is stored.
    headers = [h for h in HEADERS["people"] if h != "Nơi làm việc của đảng viên"]
    row = dict(
        zip(HEADERS["people"], person_row("NV1", "NH-001-01", **{"Họ và tên": "Lò Văn Một"}), strict=True)
    )
    do_import_workbook(
        user=district_officer,
        kind="people",
        content=xlsx("people", [[row[h] for h in headers]], headers=headers),
    )
    assert Person.objects.get(code="NV1").member_group == "nghi_huu"
    unit = {"Mã đơn vị": "NH-DN1", "Tên đơn vị": "Chi bộ Công ty Thủy điện Na Hang"}
    unit |= {"Loại": "Chi bộ cơ sở", "Mã đơn vị cấp trên": "NH", "Loại hình": "Doanh nghiệp"}
    do_import_workbook(
        user=district_officer, kind="units", content=xlsx("units", [[unit.get(h) for h in HEADERS["units"]]])
    )
    assert Unit.objects.get(code="NH-DN1").sector == "doanh_nghiep"


def test_a_bad_group_is_refused_by_row_and_column(district_officer, world):
    from kiemdiem.imports.actions import do_import_workbook
    from kiemdiem.imports.validation import ImportRefused

    rows = [person_row("NV1", "NH-001-01", **{"Nơi làm việc của đảng viên": "Đi biển"})]
    with pytest.raises(ImportRefused) as refused:
        do_import_workbook(user=district_officer, kind="people", content=xlsx("people", rows))
    assert refused.value.errors[0].startswith("Dòng 2, cột «Nơi làm việc của đảng viên»: 'Đi biển' không")
    assert not Person.objects.filter(code="NV1").exists()
