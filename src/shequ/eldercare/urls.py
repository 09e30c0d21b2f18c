from django.urls import path  # noqa: F401 (each part of the app adds its pages below)

app_name = "eldercare"
urlpatterns: list = [
    # care roll, consent, contacts, grades, away periods

    # signals of life and rules

    # alerts and their ladder

    # visits

]
