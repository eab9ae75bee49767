from django.urls import path

from kiemdiem.campaigns import cycle_views, views

# No app_name: the campaign's pages keep their plain names ("cycle", "evaluation", …) in every template.
urlpatterns = [
    path("dot/", cycle_views.cycle_list, name="cycles"),
    path("dot/mo/", cycle_views.cycle_open, name="cycle_open"),
    path("dot/uy-quyen/", cycle_views.cycle_delegate, name="cycle_delegate"),
    path("dot/tao/<int:pk>/", cycle_views.cycle_job, name="cycle_job"),
    path("dot/tao/<int:pk>/trang-thai/", cycle_views.cycle_job_status, name="cycle_job_status"),
    path("dot/<int:pk>/", cycle_views.cycle_detail, name="cycle"),
    path("dot/<int:pk>/dong-bo/", cycle_views.cycle_sync, name="cycle_sync"),
    path("dot/<int:pk>/dong/", cycle_views.cycle_close, name="cycle_close"),
    path("dot/<int:pk>/han/", cycle_views.cycle_deadlines, name="cycle_deadlines"),
    path("dot/<int:pk>/can-bo-hang-quy/", cycle_views.designate, name="cycle_designate"),
    path("dot/<int:pk>/can-bo-hang-quy/<int:person_pk>/bo/", cycle_views.withdraw, name="cycle_withdraw"),
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
