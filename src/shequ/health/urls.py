from django.urls import path

from shequ.health import views

app_name = "health"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/record/", views.record_edit, name="record_edit"),
    path("people/<int:pk>/conditions/new/", views.condition_create, name="condition_create"),
    path("people/<int:pk>/encounters/new/", views.encounter_create, name="encounter_create"),
    path("people/<int:pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract_terminate"),
    path("follow-ups/<int:pk>/", views.follow_up_record, name="follow_up_record"),
    path("alerts/<int:pk>/handle/", views.alert_handle, name="alert_handle"),
    path("me/", views.my_health, name="my_health"),
    path("workers/", views.workers, name="workers"),
]
