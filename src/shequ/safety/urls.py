from django.urls import path

from shequ.safety.views import ingest as ingest_views

app_name = "safety"
urlpatterns: list = [
    # devices

    # ingest and dead letters
    path("dead-letters/", ingest_views.dead_letter_list, name="dead_letter_list"),
    path("dead-letters/<int:pk>/", ingest_views.dead_letter_detail, name="dead_letter_detail"),
    path("dead-letters/<int:pk>/replay/", ingest_views.dead_letter_replay, name="dead_letter_replay"),
    path("dead-letters/<int:pk>/discard/", ingest_views.dead_letter_discard, name="dead_letter_discard"),

    # incidents, plans and drills

    # police office, patrols and door credentials

]
