"""The import pages and API: upload, progress, errors, templates; scoped to the user who started the job."""

import io
import re

import pytest
from python_calamine import CalamineWorkbook

from kiemdiem.imports.models import ImportJob
from kiemdiem.imports.validation import SPECS
from kiemdiem.orgs.models import Person
from tests.imports.helpers import person_row, snapshot, xlsx

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, kind: str = "people", **extra):  # type: ignore[no-untyped-def]
    f = io.BytesIO(content)
    f.name = "dang-vien.xlsx"
    return client.post("/nhap-lieu/", {"kind": kind, "file": f, **extra})


def test_it_imports_an_upload_and_shows_the_result(client, district_officer, world):
    client.force_login(district_officer)
    response = upload(client, xlsx("people", [person_row("NV1", "NH-001-01")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/nhap-lieu/luot/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert "Đã kiểm tra: xem trước, chờ áp dụng" in page and "<strong>1</strong> người mới" in page
    assert not Person.objects.filter(code="NV1").exists()  # a preview writes nothing
    response = client.post(f"/nhap-lieu/luot/{job.pk}/ap-dung/")
    page = client.get(response.url).content.decode()
    assert "Đã nhập xong" in page and "1 cá nhân mới" in page
    assert '<progress id="job-progress" max="100" value="100">' in page
    assert 'http-equiv="refresh"' not in page
    assert Person.objects.filter(code="NV1").exists()


def test_a_running_job_page_refreshes_itself_and_shows_a_progress_bar(client, district_officer, world):
    job = ImportJob.objects.create(
        user=district_officer, kind="people", file_name="x.xlsx", status="validating", progress=45
    )
    client.force_login(district_officer)
    page = client.get(f"/nhap-lieu/luot/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'value="45"' in page and "Đang kiểm tra từng dòng" in page


def test_it_lists_the_errors_of_a_refused_file_by_row(client, district_officer, world):
    client.force_login(district_officer)
    before = snapshot()
    response = upload(client, xlsx("people", [person_row("NV1", "NH-001-01", **{"Ngày sinh": "32/01/1990"})]))
    page = client.get(response.url).content.decode()
    assert "Không nhập: 1 lỗi. Không có dòng nào được ghi." in page
    assert "Dòng 2, cột «Ngày sinh»: &#x27;32/01/1990&#x27; không phải là ngày hợp lệ." in page
    assert snapshot() == before


def test_another_users_job_is_not_found(client, district_officer, outsider, world):
    job = ImportJob.objects.create(user=district_officer, kind="people", file_name="bi-mat.xlsx")
    client.force_login(outsider)
    assert client.get(f"/nhap-lieu/luot/{job.pk}/").status_code == 404
    assert client.get(f"/api/imports/{job.pk}").status_code == 404
    assert "bi-mat.xlsx" not in client.get("/nhap-lieu/").content.decode()


def test_members_and_inspectors_cannot_import(client, member, inspector, world):
    for user in (member, inspector):
        client.force_login(user)
        assert client.get("/nhap-lieu/").status_code == 403
        assert upload(client, xlsx("people", [person_row("NV1", "NH-001-01")])).status_code == 403
        assert client.get("/nhap-lieu/mau/people.xlsx").status_code == 403
        assert "Nhập Excel" not in client.get("/dot/").content.decode()
    assert not Person.objects.filter(code="NV1").exists()


def test_a_ratings_upload_in_a_cycle_outside_the_scope_is_not_found(client, outsider, world):
    client.force_login(outsider)
    response = upload(client, xlsx("ratings", []), kind="ratings", cycle=world.cycle_na_hang.pk)
    assert response.status_code == 404


@pytest.mark.parametrize("kind", list(SPECS))
def test_each_template_reads_back_with_the_expected_headers(client, district_officer, kind):
    client.force_login(district_officer)
    response = client.get(f"/nhap-lieu/mau/{kind}.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="mau-nhap-{kind}.xlsx"'
    wb = CalamineWorkbook.from_object(io.BytesIO(response.content))
    assert wb.sheet_names == [SPECS[kind].sheet, "Hướng dẫn"]
    headers = wb.get_sheet_by_name(SPECS[kind].sheet).to_python()[0]
    assert [h.removesuffix(" *") for h in headers] == [c.header for c in SPECS[kind].columns]


def test_the_api_takes_an_upload_and_reports_the_job(client, district_officer, world):
    client.force_login(district_officer)
    f = io.BytesIO(xlsx("people", [person_row("NV1", "NH-001-01"), person_row("NV1", "NH-001-01")]))
    f.name = "api.xlsx"
    response = client.post("/api/imports/", {"kind": "people", "file": f})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "refused" and body["error_total"] == 1
    assert body["errors"] == ["Dòng 3, cột «Mã»: mã 'NV1' trùng với dòng 2."]
    again = client.get(f"/api/imports/{body['id']}").json()
    assert again["status_label"] == "Không nhập: tệp có lỗi"
    assert client.get("/api/imports/templates/units").status_code == 200
    assert client.get("/api/imports/templates/khac").status_code == 404


def test_a_file_over_the_limit_gets_one_message_on_the_page_the_api_and_the_command(
    client, district_officer, world, monkeypatch, tmp_path
):
    from django.core.management import CommandError, call_command

    from kiemdiem.imports import parsing

    content = xlsx("people", [person_row("NV1", "NH-001-01")])
    monkeypatch.setattr(parsing, "MAX_UPLOAD_BYTES", len(content) - 1)
    expected = parsing.size_error(len(content))
    assert expected and expected.startswith("Tệp dài")
    client.force_login(district_officer)
    assert expected in upload(client, content).content.decode()
    f = io.BytesIO(content)
    f.name = "lon.xlsx"
    assert client.post("/api/imports/", {"kind": "people", "file": f}).json()["message"] == expected
    path = tmp_path / "lon.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=re.escape(expected)):
        call_command("import", str(path), "--kind", "people", "--user", district_officer.username)
    assert not Person.objects.filter(code="NV1").exists()


def test_a_template_is_built_once_per_kind_and_process():
    """The blank workbooks are constants: built on the first download, then served as they are."""
    from kiemdiem.imports.workbook_templates import template_workbook

    for kind in SPECS:
        assert template_workbook(kind) is template_workbook(kind)
