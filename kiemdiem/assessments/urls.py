from django.urls import path

from kiemdiem.assessments import views

app_name = "assessments"

urlpatterns = [
    path("danh-gia/<int:pk>/cham-diem/", views.scored_review, name="scored_review"),
    path("danh-gia/<int:pk>/cham-diem/buoc/", views.score_items, name="score_items"),
    path("danh-gia/<int:pk>/nhiem-vu/", views.add_task, name="add_task"),
    path("danh-gia/<int:pk>/nhiem-vu/<int:task_pk>/", views.task_action, name="task_action"),
    path("danh-gia/<int:pk>/nhiem-vu/<int:task_pk>/minh-chung/", views.task_evidence, name="task_evidence"),
    path("danh-gia/<int:pk>/don-vi-phu-trach/", views.led_units, name="led_units"),
    path("khung-tieu-chi/", views.framework_list, name="frameworks"),
    path("khung-tieu-chi/<str:appendix>/", views.framework_edit, name="framework_edit"),
]
