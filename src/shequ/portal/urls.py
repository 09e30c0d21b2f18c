from django.urls import path

from shequ.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.public_home, name="public_home"),
    path("me/", views.home, name="home"),
    path("me/settings/", views.settings_page, name="settings"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
]
