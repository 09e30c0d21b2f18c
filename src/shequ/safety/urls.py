from django.urls import path  # noqa: F401 (each part of the app adds its pages here)

app_name = "safety"
urlpatterns: list = []
