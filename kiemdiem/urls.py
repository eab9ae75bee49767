"""The project only includes: each app owns its pages (urls.py), its API router (api.py) and its admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kiemdiem.api import api

admin.site.site_header = "kiemdiem — quản trị dữ liệu"
admin.site.site_title = "kiemdiem"
admin.site.index_title = "Sửa dữ liệu"

handler500 = "kiemdiem.errors.server_error"  # the project's page; a database outage answers 503 "thử lại"

urlpatterns = [
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("kiemdiem.orgs.urls")),
    path("", include("kiemdiem.campaigns.urls")),
    path("", include("kiemdiem.assessments.urls")),
    path("theo-doi/", include("kiemdiem.followup.urls")),
    path("bao-cao/", include("kiemdiem.reports.urls")),
    path("nhap-lieu/", include("kiemdiem.imports.urls")),
    path("api/", api.urls),
    path("quan-tri/", admin.site.urls),
]
