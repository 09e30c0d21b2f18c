from django.urls import path

from shequ.safety.views import credentials as credential_views
from shequ.safety.views import devices
from shequ.safety.views import incidents as incident_views
from shequ.safety.views import ingest as ingest_views
from shequ.safety.views import plans as plan_views
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
    path("incidents/", incident_views.incident_list, name="incident_list"),
    path("incidents/<int:pk>/", incident_views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/acknowledge/", incident_views.incident_acknowledge, name="incident_acknowledge"),
    path("incidents/<int:pk>/note/", incident_views.incident_note, name="incident_note"),
    path("incidents/<int:pk>/close/", incident_views.incident_close, name="incident_close"),
    path("incidents/<int:pk>/reopen/", incident_views.incident_reopen, name="incident_reopen"),
    path("incidents/<int:pk>/plan/", incident_views.incident_run_plan, name="incident_run_plan"),
    path("plan-tasks/<int:pk>/done/", incident_views.task_done, name="task_done"),
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/new/", plan_views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/delete/", plan_views.plan_delete, name="plan_delete"),
    path("drills/", plan_views.drill_list, name="drill_list"),
    path("drills/new/", plan_views.drill_create, name="drill_create"),

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
