from django.urls import path

from shequ.eldercare.views import alerts, roll, visits

app_name = "eldercare"
urlpatterns: list = [
    # care roll, consent, contacts, grades, away periods
    path("", roll.roll, name="roll"),
    path("refresh/", roll.roll_refresh, name="roll_refresh"),
    path("add/", roll.elder_find, name="elder_find"),
    path("add/<int:person_pk>/", roll.elder_add, name="elder_add"),
    path("elders/<int:pk>/", roll.elder_detail, name="elder_detail"),
    path("elders/<int:pk>/remove/", roll.elder_remove, name="elder_remove"),
    path("elders/<int:pk>/consent/", roll.consent_record, name="consent_record"),
    path("elders/<int:pk>/consent/withdraw/", roll.consent_withdraw, name="consent_withdraw"),
    path("elders/<int:pk>/contacts/add/", roll.contact_add, name="contact_add"),
    path("contacts/<int:pk>/edit/", roll.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/remove/", roll.contact_remove, name="contact_remove"),
    path("contacts/<int:pk>/reveal/", roll.contact_reveal, name="contact_reveal"),
    path("elders/<int:pk>/assessments/add/", roll.assessment_add, name="assessment_add"),
    path("elders/<int:pk>/away/add/", roll.away_add, name="away_add"),
    path("away/<int:pk>/back/", roll.away_back, name="away_back"),
    path("elders/<int:pk>/pairing/", roll.pairing, name="pairing"),
    path("my-pairs/", roll.my_pairs, name="my_pairs"),

    # signals of life and rules

    # alerts and their ladder
    path("desk/", alerts.desk, name="desk"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/take-on/", alerts.alert_take_on, name="alert_take_on"),
    path("alerts/<int:pk>/pass-on/", alerts.alert_pass_on, name="alert_pass_on"),
    path("alerts/<int:pk>/close/", alerts.alert_close, name="alert_close"),
    path("elders/<int:pk>/rules/", alerts.rule_settings, name="rule_settings"),
    path("elders/<int:pk>/tuning/apply/", alerts.tuning_apply, name="tuning_apply"),
    path("me/", alerts.my_care, name="my_care"),
    path("me/fine/", alerts.im_fine, name="im_fine"),

    # visits
    path("elders/<int:pk>/visit/", visits.visit_start, name="visit_start"),
    path("elders/<int:pk>/door-qr/", visits.door_qr, name="door_qr"),
    path("door/<str:token>/", visits.door, name="door"),
    path("visits/<int:pk>/", visits.visit, name="visit"),
    path("visits/<int:pk>/bank/", visits.visit_bank, name="visit_bank"),
    path("visits/overdue/", visits.overdue_visits, name="overdue_visits"),

]
