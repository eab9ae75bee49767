from django.urls import path

from kiemdiem.followup import views

app_name = "followup"
urlpatterns = [
    path("", views.home, name="home"),
    path("da-xem/", views.mark_read, name="mark_read"),
    path("danh-gia/<int:evaluation_pk>/goi-y/", views.issue_suggestion, name="issue_suggestion"),
    path("danh-gia/<int:evaluation_pk>/giai-trinh/", views.answer_suggestions, name="answer_suggestions"),
    path(
        "danh-gia/<int:evaluation_pk>/ket-luan-goi-y/", views.conclude_suggestion, name="conclude_suggestion"
    ),
    path("danh-gia/<int:evaluation_pk>/ke-hoach/", views.add_plan, name="add_plan"),
    path(
        "danh-gia/<int:evaluation_pk>/ket-qua-khac-phuc/", views.assess_remediation, name="assess_remediation"
    ),
    path("danh-gia/<int:evaluation_pk>/lien-he/", views.relate_signs, name="relate_signs"),
    path(
        "danh-gia/<int:evaluation_pk>/ket-luan-suy-thoai/",
        views.record_degradation,
        name="record_degradation",
    ),
    path("danh-gia/<int:evaluation_pk>/dot-pha/", views.assign_breakthrough, name="assign_breakthrough"),
    path(
        "danh-gia/<int:evaluation_pk>/ket-qua-dot-pha/",
        views.evaluate_breakthrough,
        name="evaluate_breakthrough",
    ),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/", views.tracking_page, name="tracking"),
    path("dot/<int:cycle_pk>/dot-pha/", views.breakthrough_page, name="breakthrough"),
]
