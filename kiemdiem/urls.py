from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kiemdiem import views
from kiemdiem.api import api
from kiemdiem.campaigns import views as campaign_views

admin.site.site_header = "kiemdiem — quản trị dữ liệu"
admin.site.site_title = "kiemdiem"
admin.site.index_title = "Sửa dữ liệu"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("don-vi/", views.unit_list, name="units"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit"),
    path("ca-nhan/<int:pk>/", views.person_detail, name="person"),
    path("dot/", views.cycle_list, name="cycles"),
    path("dot/<int:pk>/", views.cycle_detail, name="cycle"),
    path("dot/<int:cycle_pk>/don-vi/<int:unit_pk>/", campaign_views.rating_page, name="rating_page"),
    path(
        "dot/<int:cycle_pk>/don-vi/<int:unit_pk>/de-xuat/", campaign_views.propose_many, name="propose_many"
    ),
    path("dot/<int:cycle_pk>/tien-do/<int:unit_pk>/", campaign_views.progress_page, name="progress"),
    path("danh-gia/<int:pk>/", campaign_views.evaluation_page, name="evaluation"),
    path("danh-gia/<int:pk>/tu-kiem-diem/", campaign_views.save_self_review, name="save_self_review"),
    path("danh-gia/<int:pk>/du-kien/", campaign_views.save_facts, name="save_facts"),
    path("danh-gia/<int:pk>/hoi-nghi/", campaign_views.record_meeting, name="record_meeting"),
    path("danh-gia/<int:pk>/tham-dinh/", campaign_views.verify, name="verify"),
    path("danh-gia/<int:pk>/quyet-dinh/", campaign_views.decide, name="decide"),
    path("danh-gia/<int:pk>/yeu-cau/", campaign_views.order, name="order"),
    path("theo-doi/", include("kiemdiem.followup.urls")),
    path("bao-cao/", include("kiemdiem.reports.urls")),
    path("nhap-lieu/", include("kiemdiem.imports.urls")),
    path("api/", api.urls),
    path("quan-tri/", admin.site.urls),
]
