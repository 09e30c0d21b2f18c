from django.urls import path  # noqa: F401 (each part of the app adds its pages below)

app_name = "safety"
urlpatterns: list = [
    # devices

    # ingest and dead letters

    # incidents, plans and drills

    # police office, patrols and door credentials

]
