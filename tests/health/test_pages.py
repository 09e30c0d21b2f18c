"""The staff pages and the resident's diary: allowed, out of scope and anonymous, and what each shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditEntry, User
from shequ.core.roles import Role
from shequ.health import actions, queries
from shequ.health.choices import AlertStatus, ConditionCode, FollowUpStatus
from shequ.health.models import Alert, DiaryEntry, FollowUp
from tests.conftest import login


@pytest.fixture
def patient(centre, contract, resident_person):
    actions.open_health_record(actor=centre, person=resident_person, allergies="青霉素")
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION,
                               registered_on=dt.date.today() - dt.timedelta(days=100))
    return resident_person


def test_the_doctor_sees_her_patients_record_and_the_view_is_audited(client, doctor, patient):
    response = login(client, doctor).get(reverse("health:person", args=[patient.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "青霉素" in page and "I10" in page
    assert AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=doctor, object_id=str(patient.pk)).count() == 1


@pytest.mark.parametrize("name", ["health:person", "health:record_edit", "health:condition_create",
                                  "health:encounter_create", "health:contract_create"])
def test_person_pages_answer_404_out_of_scope_and_send_visitors_to_sign_in(client, other_doctor, patient, name):
    url = reverse(name, args=[patient.pk])
    assert client.get(url).status_code == 302
    assert login(Client(), other_doctor).get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.LIBRARIAN, Role.COMMITTEE, Role.CANTEEN, Role.ADMIN])
def test_staff_outside_health_get_404_on_every_health_page(role, make_staff, patient, org):
    user = make_staff(role, f"page-{role}", neighborhood=org.huashan)
    web = login(Client(), user)
    for url in [reverse("health:worklist"), reverse("health:people"), reverse("health:contract_list"),
                reverse("health:person", args=[patient.pk]), reverse("health:my_health")]:
        assert web.get(url).status_code == 404, url
    assert not AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=user).exists()


def test_the_worklist_shows_the_overdue_follow_up_and_recording_it_schedules_the_next(client, doctor, patient):
    web = login(client, doctor)
    page = web.get(reverse("health:worklist")).content.decode()
    follow_up = FollowUp.objects.get()
    assert reverse("health:follow_up_record", args=[follow_up.pk]) in page
    response = web.post(reverse("health:follow_up_record", args=[follow_up.pk]),
                        {"done_on": dt.date.today().isoformat(), "method": "clinic", "systolic": "128",
                         "diastolic": "80"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE
    assert FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED).get().due_on > dt.date.today()


def test_another_doctor_cannot_record_the_follow_up(other_doctor, patient):
    url = reverse("health:follow_up_record", args=[FollowUp.objects.get().pk])
    assert login(Client(), other_doctor).post(url, {"done_on": dt.date.today().isoformat(),
                                                     "method": "clinic"}).status_code == 404


def test_amending_the_record_through_the_page_keeps_the_old_version(client, centre, patient):
    web = login(client, centre)
    response = web.post(reverse("health:record_edit", args=[patient.pk]),
                        {"allergies": "青霉素、磺胺", "reason": "复诊补充"})
    assert response.status_code == 302
    page = web.get(reverse("health:person", args=[patient.pk])).content.decode()
    assert "青霉素、磺胺" in page and "复诊补充" in page
    assert patient.health_record.versions.count() == 2


def test_a_resident_writes_her_diary_and_a_high_reading_reaches_the_doctors_worklist(client, resident, doctor,
                                                                                      patient):
    web = login(client, resident)
    response = web.post(reverse("health:my_health"), {"systolic": "182", "diastolic": "104", "note": "头痛"},
                        follow=True)
    assert response.status_code == 200
    assert "120" in response.content.decode(), "she is told to call for help if unwell"
    assert DiaryEntry.objects.get().systolic == 182
    alert = Alert.objects.get()
    doctor_page = login(Client(), doctor).get(reverse("health:worklist")).content.decode()
    assert reverse("health:alert_handle", args=[alert.pk]) in doctor_page and patient.name in doctor_page
    response = login(Client(), doctor).post(reverse("health:alert_handle", args=[alert.pk]), {"note": "已电话联系"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.HANDLED


def test_the_residents_page_shows_her_next_follow_up_and_chart_data(client, resident, patient):
    actions.record_diary_entry(actor=resident, person=patient, systolic=130, diastolic=85, weight=60)
    page = login(client, resident).get(reverse("health:my_health")).content.decode()
    assert FollowUp.objects.get().due_on.isoformat() in page
    assert 'id="diary-data"' in page and "130.0" in page
    assert "chart.umd.min.js" in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "everything the browser loads is served locally"


def test_a_bad_reading_is_shown_next_to_its_field(client, resident, patient):
    response = login(client, resident).post(reverse("health:my_health"), {"systolic": "80", "diastolic": "120"})
    assert response.status_code == 200
    assert not DiaryEntry.objects.exists()
    assert "has-error" in response.content.decode()


def test_the_diary_page_is_for_residents_and_visitors_must_sign_in(client, doctor):
    assert client.get(reverse("health:my_health")).status_code == 302
    assert login(Client(), doctor).get(reverse("health:my_health")).status_code == 404


def test_centre_staff_sign_a_contract_and_terminate_it(client, centre, doctor, make_person, org):
    person = make_person("赵丽", dwelling=org.huashan_dwellings[2], birth=dt.date(1955, 5, 5))
    web = login(client, centre)
    response = web.post(reverse("health:contract_create", args=[person.pk]),
                        {"doctor": doctor.pk, "started_on": dt.date.today().isoformat()})
    assert response.status_code == 302, response.content.decode()
    contract = person.doctor_contracts.get()
    assert contract.ends_on.year == dt.date.today().year + 1
    assert "赵丽" in web.get(reverse("health:contract_list")).content.decode()
    web.post(reverse("health:contract_terminate", args=[contract.pk]), {"reason": "迁出"})
    contract.refresh_from_db()
    assert contract.terminated_on == dt.date.today()


def test_the_administrator_makes_a_health_worker_centre_staff_and_she_then_sees_the_area(client, admin, make_staff,
                                                                                          patient):
    nurse = make_staff(Role.HEALTH, "nurse")
    assert not queries.records(nurse).exists(), "an undesignated health worker sees nobody"
    response = login(client, admin).post(reverse("health:workers"), {"user": nurse.pk, "kind": "centre_staff",
                                                                      "team": "公卫科"})
    assert response.status_code == 302
    nurse = User.objects.get(pk=nurse.pk)  # as her next request would load her
    assert queries.records(nurse).filter(person=patient).exists()
    entry = AuditEntry.objects.filter(event=actions.WORKER_ASSIGNED).latest("id")
    assert entry.actor == admin and entry.after["kind"] == "centre_staff"
    assert "公卫科" in client.get(reverse("health:workers")).content.decode()


def test_only_the_administrator_designates_health_workers(client, doctor, centre, make_staff):
    assert client.get(reverse("health:workers")).status_code == 302
    for user in (doctor, centre, make_staff(Role.LIBRARIAN, "lib")):
        assert login(Client(), user).post(reverse("health:workers"), {"user": doctor.pk,
                                                                      "kind": "centre_staff"}).status_code == 404
    doctor.refresh_from_db()
    assert doctor.health_worker.kind == "family_doctor"
