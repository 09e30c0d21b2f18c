from django.contrib.auth import views as auth_views
from django.urls import path

from shequ.core import design, views

app_name = "core"
urlpatterns = [
    path("desk/", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("login/resident/", views.resident_login, name="resident_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/large-text/", views.toggle_large_text, name="toggle_large_text"),
    path("audit/", views.audit_log, name="audit_log"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/status/", views.task_status, name="task_status"),
    path("ui/", design.ui, name="ui"),
]
