from django.urls import path

from shequ.demo import views

app_name = "demo"
urlpatterns = [
    path("texts/", views.texts, name="texts"),
]
