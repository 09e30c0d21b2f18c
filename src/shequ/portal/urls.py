from django.urls import path

from shequ.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.public_home, name="public_home"),
    path("me/", views.home, name="home"),
]
