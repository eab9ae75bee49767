from django.urls import path

from kiemdiem.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_home, name="home"),
    path("luot/<int:pk>/", views.job_detail, name="job"),
    path("luot/<int:pk>/ap-dung/", views.apply_job, name="apply"),
    path("mau/<str:kind>.xlsx", views.download_template, name="template"),
]
