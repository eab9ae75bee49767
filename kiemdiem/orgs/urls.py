from django.urls import path

from kiemdiem.orgs import reorganise_views, views

# No app_name: the tree's pages keep their plain names ("unit", "person") in every template.
urlpatterns = [
    path("", views.home, name="home"),
    path("don-vi/", views.unit_list, name="units"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit"),
    path("don-vi/sap-xep/", reorganise_views.reorganise, name="reorganise"),
    path("don-vi/sap-xep/<int:pk>/", reorganise_views.reorganisation_detail, name="reorganisation"),
    path("ca-nhan/<int:pk>/", views.person_detail, name="person"),
    path("tim-kiem/", views.search, name="search"),
]
