from django.urls import path

from shequ.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.volunteer_list, name="volunteer_list"),
    path("people/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("people/<int:pk>/spend/", views.spend, name="spend"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift_detail"),
    path("shifts/<int:pk>/signup/", views.shift_sign_up, name="shift_sign_up"),
    path("shifts/<int:pk>/attendance/<int:signup_pk>/", views.attendance, name="attendance"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("report/", views.report, name="report"),
    path("mine/", views.mine, name="mine"),
]
