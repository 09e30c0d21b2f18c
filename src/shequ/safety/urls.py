from django.urls import path

from shequ.safety.views import devices

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

    # incidents, plans and drills

    # police office, patrols and door credentials

]
