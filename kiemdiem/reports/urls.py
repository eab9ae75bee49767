from django.urls import path

from kiemdiem.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/", views.dashboard, name="dashboard"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/gui/", views.submit, name="submit"),
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/bieu-thong-ke.xlsx",
        views.export_live,
        {"kind": "xlsx"},
        name="xlsx",
    ),
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/bao-cao.docx",
        views.export_live,
        {"kind": "docx"},
        name="docx",
    ),
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/bao-cao.pdf", views.export_live, {"kind": "pdf"}, name="pdf"
    ),
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/danh-sach-xep-loai.xlsx",
        views.export_ratings,
        name="ratings_xlsx",
    ),
    # The documents a committee files (decision, lists, minutes, Mẫu 04); the self-review of one evaluation.
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/van-ban/<slug:slug>.<str:fmt>",
        views.document,
        name="document",
    ),
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/quyet-dinh-cac-to-chuc-co-so.zip",
        views.decisions_zip,
        name="decisions_zip",
    ),
    path(
        "danh-gia/<int:evaluation_pk>/ban-kiem-diem.<str:fmt>",
        views.evaluation_document,
        {"kind": "self-review"},
        name="self_review",
    ),
    path(
        "danh-gia/<int:evaluation_pk>/quyet-dinh-xep-loai-lai.<str:fmt>",
        views.evaluation_document,
        {"kind": "rerating"},
        name="rerating_decision",
    ),
    path("don-vi/<int:unit_pk>/the-thuc-van-ban/", views.document_settings, name="document_settings"),
    path("lan-gui/<int:pk>/", views.submission_detail, name="submission"),
    path("lan-gui/<int:pk>/bieu-thong-ke.xlsx", views.export_submission, {"kind": "xlsx"}, name="sub_xlsx"),
    path("lan-gui/<int:pk>/bao-cao.docx", views.export_submission, {"kind": "docx"}, name="sub_docx"),
    path("lan-gui/<int:pk>/bao-cao.pdf", views.export_submission, {"kind": "pdf"}, name="sub_pdf"),
    # Large exports made by the background worker: the job's page, the status it polls, the file.
    path("tai-ve/<int:pk>/", views.export_job, name="export_job"),
    path("tai-ve/<int:pk>/trang-thai/", views.export_status, name="export_status"),
    path("tai-ve/<int:pk>/tep/", views.export_download, name="export_download"),
]
