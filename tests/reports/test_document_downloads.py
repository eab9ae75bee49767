"""Downloads of the documents from their pages, scoped; the office's letterhead settings; the zip of every grassroots
committee's decision as a background job; `kiemdiem export`; the XLSX forms print one page wide."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from kiemdiem.reports import documents
from kiemdiem.reports.models import DocumentSettings, ExportJob

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _doc_url(cycle, unit, slug: str, fmt: str = "docx") -> str:  # type: ignore[no-untyped-def]
    return reverse("reports:document", args=[cycle.pk, unit.pk, slug, fmt])


def test_the_dashboard_offers_the_units_documents_and_they_download(client, world, rated, grassroots_officer):
    client.force_login(grassroots_officer)
    page = client.get(
        reverse("reports:dashboard", args=[rated.cycle.pk, world.go_na_hang.pk])
    ).content.decode()
    for slug in ("quyet-dinh", "danh-sach", "bien-ban"):
        assert _doc_url(rated.cycle, world.go_na_hang, slug) in page, slug
    assert "mau-04" not in page  # Mẫu 04 is HD 43's, from 2025
    response = client.get(_doc_url(rated.cycle, world.go_na_hang, "quyet-dinh"))
    assert response.status_code == 200 and response["Content-Type"] == documents.DOCX_MIME
    assert 'filename="quyet-dinh-nh-001-2021.docx"' in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    assert doc.tables[0].cell(1, 0).text == "ĐẢNG ỦY THỊ TRẤN NA HANG"


def test_a_cell_has_no_decision_link_and_asking_for_one_says_who_decides(
    client, world, rated, cell_secretary
):
    client.force_login(cell_secretary)
    page = client.get(
        reverse("reports:dashboard", args=[rated.cycle.pk, world.cell_na_hang.pk])
    ).content.decode()
    assert _doc_url(rated.cycle, world.cell_na_hang, "quyet-dinh") not in page
    response = client.get(_doc_url(rated.cycle, world.cell_na_hang, "quyet-dinh"), follow=True)
    assert "cấp có thẩm quyền" in response.content.decode()


def test_documents_outside_the_subtree_are_404(client, world, rated, outsider, member):
    client.force_login(outsider)
    for slug in ("quyet-dinh", "danh-sach", "bien-ban", "mau-04"):
        assert client.get(_doc_url(rated.cycle, world.go_na_hang, slug)).status_code == 404, slug
    assert client.get(_doc_url(rated.cycle, world.lam_binh, "khong-co")).status_code == 404
    ev = rated.member_evals[3]
    assert client.get(reverse("reports:self_review", args=[ev.pk, "docx"])).status_code == 404
    assert client.get(reverse("reports:document_settings", args=[world.na_hang.pk])).status_code == 404


def test_a_member_downloads_their_own_self_review_and_no_one_elses(client, world, rated, member):
    own = next(e for e in rated.member_evals if e.person_id == world.member_na_hang.pk)
    other = next(e for e in rated.member_evals if e.person_id != world.member_na_hang.pk)
    client.force_login(member)
    page = client.get(reverse("evaluation", args=[own.pk])).content.decode()
    assert reverse("reports:self_review", args=[own.pk, "docx"]) in page
    response = client.get(reverse("reports:self_review", args=[own.pk, "docx"]))
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Họ và tên: Ma Văn Hùng" in text
    assert client.get(reverse("reports:self_review", args=[other.pk, "docx"])).status_code == 404


def test_the_office_sets_its_place_and_abbreviation_and_an_inspector_cannot(
    client, world, rated, grassroots_officer, inspector
):
    url = reverse("reports:document_settings", args=[world.go_na_hang.pk])
    client.force_login(inspector)
    assert client.get(url).status_code == 200
    client.post(url, {"place": "Sơn La"})
    assert not DocumentSettings.objects.exists()
    client.force_login(grassroots_officer)
    response = client.post(url, {"place": "Thị trấn Na Hang", "symbol": "ĐUTT", "signer_name": ""})
    assert response.status_code == 302
    settings = DocumentSettings.objects.get(unit=world.go_na_hang)
    assert (settings.place, settings.symbol, settings.updated_by) == (
        "Thị trấn Na Hang",
        "ĐUTT",
        grassroots_officer,
    )
    doc = Document(io.BytesIO(client.get(_doc_url(rated.cycle, world.go_na_hang, "quyet-dinh")).content))
    assert doc.tables[0].cell(3, 0).text.endswith("-QĐ/ĐUTT")
    assert doc.tables[0].cell(3, 1).text.startswith("Thị trấn Na Hang, ngày ")
    # Too long: refused with the field named, and what was typed is still in the form.
    response = client.post(url, {"place": "x" * 81})
    assert "Địa danh" in response.content.decode() and "x" * 81 in response.content.decode()


@override_settings(TASKS=IMMEDIATE)
def test_the_zip_of_every_grassroots_decision_is_a_posted_job_with_progress(
    client, world, rated, district_officer
):
    url = reverse("reports:decisions_zip", args=[rated.cycle.pk, world.na_hang.pk])
    client.force_login(district_officer)
    assert client.get(url).status_code == 405  # a job starts from a POST, never a link
    response = client.post(url)
    job = ExportJob.objects.get(user=district_officer)
    assert response["Location"] == reverse("reports:export_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.progress, job.kind) == ("done", 100, "decisions_zip")
    assert job.file_name == "quyet-dinh-cac-to-chuc-co-so-nh-2021.zip"
    archive = zipfile.ZipFile(io.BytesIO(bytes(job.content)))
    names = archive.namelist()
    assert (
        "nh-001/quyet-dinh-nh-001-2021.docx" in names
        and "nh-001/danh-sach-htxs-kht-nh-001-2021.docx" in names
    )
    decision = Document(io.BytesIO(archive.read("nh-001/quyet-dinh-nh-001-2021.docx")))
    assert decision.tables[0].cell(1, 0).text == "ĐẢNG ỦY THỊ TRẤN NA HANG"


def test_kiemdiem_export_writes_each_kind(world, rated, tmp_path, capsys):
    cycle = rated.cycle.pk
    out = tmp_path / "qd.docx"
    call_command("export", cycle=cycle, unit="NH-001", kind="decision", output=str(out), number="12")
    doc = Document(str(out))
    assert doc.tables[0].cell(3, 0).text == "Số 12-QĐ/ĐU"
    assert "Đã ghi" in capsys.readouterr().out
    out = tmp_path / "bkd.docx"
    call_command("export", cycle=cycle, unit="NH-001", kind="self-review", person="DV1", output=str(out))
    assert any("Ma Văn Hùng" in p.text for p in Document(str(out)).paragraphs)
    out = tmp_path / "bieu.xlsx"
    call_command("export", cycle=cycle, unit="NH", kind="forms", output=str(out))
    assert "Biểu B - Đảng viên" in load_workbook(out).sheetnames
    out = tmp_path / "ds.xlsx"
    call_command("export", cycle=cycle, unit="NH", kind="list", fmt="xlsx", output=str(out))
    ws = load_workbook(out).active
    last = int(ws.auto_filter.ref.split(":")[1][1:])
    levels = [ws.cell(row=r, column=9).value for r in range(8, last + 1)]
    assert levels == ["Hoàn thành xuất sắc nhiệm vụ"] * 2
    out = tmp_path / "all.zip"
    call_command("export", cycle=cycle, unit="NH", kind="decisions-zip", output=str(out))
    assert "nh-001/quyet-dinh-nh-001-2021.docx" in zipfile.ZipFile(out).namelist()


def test_kiemdiem_export_refuses_with_a_clear_message(world, rated, outsider, tmp_path):
    cycle = rated.cycle.pk
    with pytest.raises(CommandError, match="cần --person"):
        call_command("export", cycle=cycle, unit="NH-001", kind="self-review", output=str(tmp_path / "x"))
    with pytest.raises(CommandError, match="chỉ xuất được định dạng: xlsx"):
        call_command("export", cycle=cycle, unit="NH", kind="forms", fmt="pdf", output=str(tmp_path / "x"))
    with pytest.raises(CommandError, match="Không có đơn vị mã “XX”"):
        call_command("export", cycle=cycle, unit="XX", kind="report", output=str(tmp_path / "x"))
    with pytest.raises(CommandError, match="ngoài phạm vi"):
        call_command(
            "export", cycle=cycle, unit="NH", kind="report", user="lambinh", output=str(tmp_path / "x")
        )


def test_every_form_sheet_prints_landscape_one_page_wide_with_its_header_repeated(
    client, world, rated, district_officer
):
    client.force_login(district_officer)
    content = client.get(reverse("reports:xlsx", args=[rated.cycle.pk, world.na_hang.pk])).content
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (
            setup.fitToWidth == 1 and setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        ), ws.title
        assert setup.paperSize in (9, "9"), ws.title
    for name in ("Biểu A - Tổ chức đảng", "Biểu B - Đảng viên", "Đơn vị trực thuộc"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows and ws.print_title_rows.startswith("$8:")
    ws = wb["Biểu B - Đảng viên"]
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=2).value == "Tổng cộng")
    assert ws.cell(row=total, column=3).number_format == "#,##0"
    assert ws.cell(row=total, column=8).number_format == "0.00"
    assert any(ws.cell(row=r, column=1).value == "NGƯỜI LẬP BIỂU" for r in range(total, ws.max_row + 1))


@pytest.mark.slow
@pytest.mark.skipif(
    not documents.soffice() or not shutil.which("pdfinfo"),
    reason="LibreOffice or poppler-utils is not installed",
)
def test_libreoffice_prints_each_form_sheet_on_one_page(client, world, rated, district_officer, tmp_path):
    client.force_login(district_officer)
    content = client.get(reverse("reports:xlsx", args=[rated.cycle.pk, world.na_hang.pk])).content
    sheets = len(load_workbook(io.BytesIO(content)).worksheets)
    pdf = documents.convert(content, source="xlsx", target="pdf")
    (tmp_path / "bieu.pdf").write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "bieu.pdf")], capture_output=True, text=True, check=True
    ).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages == sheets  # each form one page: before, a 17-column form ran four pages wide
