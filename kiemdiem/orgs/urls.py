from django.urls import path

from kiemdiem.orgs import views

# No app_name: the tree's pages keep their plain names ("unit", "person") in every template.
urlpatterns = [
    path("", views.home, name="home"),
    path("don-vi/", views.unit_list, name="units"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit"),
    path("ca-nhan/<int:pk>/", views.person_detail, name="person"),
    path("tim-kiem/", views.search, name="search"),
]
