from django.urls import path

from shequ.affairs import views

app_name = "affairs"
urlpatterns = [
    path("requests/", views.queue, name="queue"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/receipt/", views.request_receipt, name="request_receipt"),
    path("requests/<int:pk>/<slug:step>/", views.request_act, name="request_act"),
    path("watch/", views.watch_list, name="watch_list"),
    path("emergencies/", views.emergency_board, name="emergency_board"),
    path("linkages/<int:pk>/acknowledge/", views.linkage_acknowledge, name="linkage_acknowledge"),
    path("assessment/", views.assessment_page, name="assessment"),
    path("services/", views.service_list, name="service_list"),
    path("services/new/", views.service_edit, name="service_create"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/import/", views.service_import, name="service_import"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("holidays/", views.holiday_list, name="holiday_list"),
    path("mine/", views.my_requests, name="my_requests"),
    path("mine/new/", views.my_request_new, name="my_request_new"),
]
