from django.urls import path

from shequ.safety.views import devices
from shequ.safety.views import ingest as ingest_views

app_name = "safety"
urlpatterns: list = [
    # devices
    path("devices/", devices.device_list, name="device_list"),
    path("devices/new/", devices.device_create, name="device_create"),
    path("devices/export/", devices.device_export, name="device_export"),
    path("devices/import/", devices.device_import, name="device_import"),
    path("devices/import/template/", devices.device_import_template, name="device_import_template"),
    path("devices/<int:pk>/", devices.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", devices.device_edit, name="device_edit"),
    path("devices/<int:pk>/decommission/", devices.device_decommission, name="device_decommission"),
    path("devices/<int:pk>/reinstate/", devices.device_reinstate, name="device_reinstate"),
    path("devices/<int:pk>/secret/", devices.device_secret, name="device_secret"),

    # ingest and dead letters
    path("dead-letters/", ingest_views.dead_letter_list, name="dead_letter_list"),
    path("dead-letters/<int:pk>/", ingest_views.dead_letter_detail, name="dead_letter_detail"),
    path("dead-letters/<int:pk>/replay/", ingest_views.dead_letter_replay, name="dead_letter_replay"),
    path("dead-letters/<int:pk>/discard/", ingest_views.dead_letter_discard, name="dead_letter_discard"),

    # incidents, plans and drills

    # police office, patrols and door credentials

]
