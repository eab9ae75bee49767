from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from kiemdiem import views
from kiemdiem.api import api

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
    path("api/", api.urls),
    path("quan-tri/", admin.site.urls),
]
