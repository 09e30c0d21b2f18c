from django.urls import path

from shequ.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.board, name="board"),
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>.<slug:file_format>", views.report_download, name="report_download"),
]
