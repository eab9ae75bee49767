from django.urls import path

from kiemdiem.campaigns import views

# No app_name: the campaign's pages keep their plain names ("cycle", "evaluation", …) in every template.
urlpatterns = [
    path("dot/", views.cycle_list, name="cycles"),
    path("dot/<int:pk>/", views.cycle_detail, name="cycle"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/", views.rating_page, name="rating_page"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/de-xuat/", views.propose_many, name="propose_many"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/quyet-dinh/", views.decide_many, name="decide_many"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/ty-le/", views.quota_preview, name="quota_preview"),
    path("dot/<int:cycle_pk>/tien-do/<int:unit_pk>/", views.progress_page, name="progress"),
    path("danh-gia/<int:pk>/", views.evaluation_page, name="evaluation"),
    path("danh-gia/<int:pk>/tu-kiem-diem/", views.save_self_review, name="save_self_review"),
    path("danh-gia/<int:pk>/du-kien/", views.save_facts, name="save_facts"),
    path("danh-gia/<int:pk>/hoi-nghi/", views.record_meeting, name="record_meeting"),
    path("danh-gia/<int:pk>/tham-dinh/", views.verify, name="verify"),
    path("danh-gia/<int:pk>/quyet-dinh/", views.decide, name="decide"),
    path("danh-gia/<int:pk>/yeu-cau/", views.order, name="order"),
]
