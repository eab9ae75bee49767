"""Background exports: a large subtree's export becomes a job with a progress bar; the file reads back the same.

The threshold is lowered to 0 so the small test tree takes the large path; the immediate backend runs the task in
the request (as in production the worker would), except where a test needs the job still queued.
"""

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from kiemdiem.campaigns.models import Evaluation
from kiemdiem.reports import export_jobs, exports
from kiemdiem.reports.actions import do_submit_report
from kiemdiem.reports.export_jobs import run_export_job
from kiemdiem.reports.models import ExportJob
from kiemdiem.reports.queries import LEVEL_LABELS

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def large(monkeypatch, settings):  # type: ignore[no-untyped-def]
    """Every subtree counts as large; the task runs at once."""
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SUBJECTS", 0)
    settings.TASKS = IMMEDIATE


def _url(name: str, cycle, unit) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"reports:{name}", args=[cycle.pk, unit.pk])


def _start(client, user, url: str) -> ExportJob:  # type: ignore[no-untyped-def]
    """Follow an export link: it shows the button that starts the job (a GET writes nothing); the POST starts it
    and redirects to the new job's page."""
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200 and 'id="export-start"' in page.content.decode(), page.content[:300]
    assert not ExportJob.objects.filter(user=user).exists()
    response = client.post(url)
    assert response.status_code == 302, response.content[:300]
    job = ExportJob.objects.get(user=user)
    assert response["Location"] == reverse("reports:export_job", args=[job.pk])
    return job


def _file(client, job: ExportJob) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    assert response.status_code == 200
    assert f'filename="{job.file_name}"' in response["Content-Disposition"]
    return response.content


def test_a_large_list_of_ratings_is_made_by_a_job_and_reads_back(
    client, world, rated, district_officer, large
):
    job = _start(client, district_officer, _url("ratings_xlsx", rated.cycle, world.na_hang))
    job.refresh_from_db()
    assert (job.status, job.progress, job.kind) == ("done", 100, "ratings_xlsx")
    assert job.file_name == "danh-sach-xep-loai-nh-2021.xlsx"
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert "Đã tạo xong" in page and "Tải tệp danh-sach-xep-loai-nh-2021.xlsx" in page
    assert 'src="/static/reports/export_job.js"' in page and "<script>" not in page  # no inline script (CSP)
    ws = load_workbook(io.BytesIO(_file(client, job))).active
    header = next(r for r in range(1, 12) if ws.cell(row=r, column=1).value == "STT")
    last = int(ws.auto_filter.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    exported = {
        (ws.cell(row=r, column=5).value or ws.cell(row=r, column=6).value): ws.cell(row=r, column=9).value
        or ""
        for r in range(header + 1, last + 1)
    }
    expected = {
        (ev.person.code if ev.person_id else ev.subject_name): LEVEL_LABELS.get(ev.decided_rating, "")
        for ev in Evaluation.objects.filter(
            cycle=rated.cycle, unit__path__startswith=world.na_hang.path
        ).select_related("person", "unit", "collective")
    }
    assert exported == expected


@pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("soffice"),
    reason="poppler-utils or LibreOffice is not installed (make browsers)",
)
def test_a_large_pdf_report_is_made_by_a_job_and_reads_back(
    client, world, rated, district_officer, large, tmp_path
):
    job = _start(client, district_officer, _url("pdf", rated.cycle, world.na_hang))
    pdf = _file(client, job)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout.split()
    )
    assert "HUYỆN ỦY NA HANG" in text and "Tổng số đảng viên: 14" in text


def test_a_large_submitted_report_exports_its_snapshot_through_a_job(
    client, world, rated, district_officer, large
):
    sub = do_submit_report(user=district_officer, cycle=rated.cycle, unit=world.na_hang, number="125")
    job = _start(client, district_officer, reverse("reports:sub_docx", args=[sub.pk]))
    assert job.submission_id == sub.pk and job.file_name == f"bao-cao-lan-{sub.pk}-nh-2021.docx"
    doc = Document(io.BytesIO(_file(client, job)))
    assert doc.tables[0].cell(3, 0).text == "Số 125-BC/HU"
    page = client.get(reverse("reports:submission", args=[sub.pk])).content.decode()
    assert 'id="exports-note"' in page and "download>" not in page.split('id="exports-note"')[0][-800:]


def test_a_small_subtree_still_downloads_at_once(client, world, rated, district_officer):
    client.force_login(district_officer)
    response = client.get(_url("xlsx", rated.cycle, world.na_hang))
    assert response.status_code == 200 and response["Content-Type"] == exports.XLSX_MIME
    assert not ExportJob.objects.exists()
    page = client.get(_url("dashboard", rated.cycle, world.na_hang)).content.decode()
    assert "Tải biểu thống kê (XLSX)" in page and 'id="exports-note"' not in page


def test_the_dashboard_links_of_a_large_subtree_lead_to_the_job_page_not_a_download(
    client, world, rated, district_officer, large
):
    client.force_login(district_officer)
    page = client.get(_url("dashboard", rated.cycle, world.na_hang)).content.decode()
    form = page[: page.index(f'action="{_url("pdf", rated.cycle, world.na_hang)}"')].rsplit("<", 1)[1]
    assert form.startswith('form method="post"')  # the job starts from a POST, never from a link
    assert 'id="exports-note"' in page


def test_the_status_endpoint_follows_a_queued_job_to_its_file(
    client, world, rated, district_officer, monkeypatch
):
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SUBJECTS", 0)  # database backend: nothing runs yet
    job = _start(client, district_officer, _url("xlsx", rated.cycle, world.na_hang))
    status_url = reverse("reports:export_status", args=[job.pk])
    status = client.get(status_url).json()
    assert status == {
        "status": "queued",
        "label": "Đang chờ xử lý",
        "progress": 0,
        "finished": False,
        "error": "",
        "download_url": None,
    }
    page = client.get(reverse("reports:export_job", args=[job.pk])).content.decode()
    assert 'data-finished="0"' in page and 'id="job-progress"' in page and "db_worker" in page
    assert client.get(reverse("reports:export_download", args=[job.pk]))["Location"] == reverse(
        "reports:export_job", args=[job.pk]
    )

    seen = []
    real = export_jobs.build_export

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        content = real(*args, **kwargs)
        seen.append(ExportJob.objects.get(pk=job.pk).progress)  # what the page read just before the end
        return content

    monkeypatch.setattr(export_jobs, "build_export", spy)
    run_export_job(job.pk)  # what the worker does
    assert seen and 1 <= seen[0] < 100
    status = client.get(status_url).json()
    assert status["status"] == "done" and status["progress"] == 100 and status["finished"]
    assert status["download_url"] == reverse("reports:export_download", args=[job.pk])
    wb = load_workbook(io.BytesIO(_file(client, job)))
    assert wb["Biểu B - Đảng viên"]["A2"].value == "HUYỆN ỦY NA HANG"


def test_a_job_is_its_starters_own(client, world, rated, district_officer, province_admin, large):
    job = _start(client, district_officer, _url("xlsx", rated.cycle, world.na_hang))
    client.force_login(province_admin)  # reaches Na Hang, but did not start this job
    for name in ("export_job", "export_status", "export_download"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404, name
    client.logout()
    response = client.get(reverse("reports:export_download", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_export_outside_the_subtree_makes_no_job(client, world, rated, outsider, large):
    client.force_login(outsider)
    assert client.get(_url("pdf", rated.cycle, world.na_hang)).status_code == 404
    assert client.post(_url("pdf", rated.cycle, world.na_hang)).status_code == 404
    assert client.post(_url("decisions_zip", rated.cycle, world.na_hang)).status_code == 404
    assert not ExportJob.objects.exists()


def test_a_failing_export_marks_the_job_failed_with_a_message_not_a_500(
    client, world, rated, district_officer, large, monkeypatch
):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("no fonts")

    monkeypatch.setattr(exports, "report_pdf", broken)
    job = _start(client, district_officer, _url("pdf", rated.cycle, world.na_hang))
    job.refresh_from_db()
    assert job.status == "failed" and job.error == export_jobs.FAILED_MESSAGE and job.finished_at
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert status["finished"] and status["error"].startswith("Lỗi hệ thống khi tạo tệp")
    assert status["download_url"] is None
    response = client.get(reverse("reports:export_job", args=[job.pk]))
    assert response.status_code == 200
    assert "Không tạo được tệp" in response.content.decode() and 'id="job-error"' in response.content.decode()
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 302


def test_a_job_whose_user_left_the_subtree_makes_no_file(client, world, rated, district_officer, monkeypatch):
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SUBJECTS", 0)
    job = _start(client, district_officer, _url("ratings_xlsx", rated.cycle, world.na_hang))
    district_officer.unit = world.lam_binh  # moved to Lâm Bình before the worker ran
    district_officer.save()
    job = run_export_job(job.pk)
    assert job.status == "failed" and job.error == export_jobs.NO_LONGER_IN_SCOPE
    assert bytes(ExportJob.objects.get(pk=job.pk).content) == b""
