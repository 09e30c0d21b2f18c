from django.urls import path

from shequ.safety.views import credentials as credential_views
from shequ.safety.views import devices
from shequ.safety.views import ingest as ingest_views
from shequ.safety.views import police as police_views

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
    path("police/", police_views.police_board, name="police_board"),
    path("police/changes/", police_views.police_changes, name="police_changes"),
    path("police/lookup/", police_views.police_lookup, name="police_lookup"),
    path("police/lookup/<int:pk>/", police_views.police_person, name="police_person"),
    path("patrols/", police_views.patrol_list, name="patrol_list"),
    path("patrols/start/", police_views.patrol_start, name="patrol_start"),
    path("patrols/<int:pk>/", police_views.patrol_detail, name="patrol_detail"),
    path("patrols/<int:pk>/note/", police_views.patrol_note, name="patrol_note"),
    path("patrols/<int:pk>/finish/", police_views.patrol_finish, name="patrol_finish"),
    path("credentials/", credential_views.credential_list, name="credential_list"),
    path("credentials/people/<int:pk>/", credential_views.credential_person, name="credential_person"),
    path("credentials/<int:pk>/revoke/", credential_views.credential_revoke, name="credential_revoke"),
    path("credentials/<int:pk>/block/", credential_views.credential_block, name="credential_block"),
    path("my-doors/", credential_views.my_doors, name="my_doors"),
    path("my-doors/qr/", credential_views.my_qr_renew, name="my_qr_renew"),
    path("my-doors/pin/", credential_views.my_pin, name="my_pin"),
]
