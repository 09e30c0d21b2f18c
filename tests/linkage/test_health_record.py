"""三库合一 meets the health record: a clinic visit linked to a registry person becomes her encounter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from shequ.core.audit import opened as sealed_opened
from shequ.core.models import AuditEntry, User
from shequ.core.roles import Role
from shequ.health import actions as health_actions
from shequ.health import queries as health_queries
from shequ.health.choices import WorkerKind
from shequ.health.models import Encounter, HealthRecord
from shequ.linkage import actions, queries
from shequ.linkage.models import SourceRecord
from shequ.population.models import Person

VISIT = {"occurred_on": dt.date(2026, 3, 2), "facility": "华山医院", "reason": "头晕", "diagnosis": "高血压",
         "diagnosis_code": "i10"}


@pytest.fixture
def centre(make_staff: Any, admin: User) -> User:
    """Records office of the health centre: sees and writes every health record of the sub-district."""
    user: User = make_staff(Role.HEALTH, "centre")
    health_actions.assign_health_worker(actor=admin, user=user, kind=WorkerKind.CENTRE_STAFF)
    return user


def _import(actor: User, *rows: dict[str, Any], kind: str = "clinic") -> None:
    actions.import_records(actor=actor, kind=kind, rows=list(rows), filename="his.json")


def _her_visit(wang: Person) -> dict[str, Any]:
    return {"external_id": "MZ-1", "name": "王秀英", "sex": "F", "birth_date": dt.date(1950, 3, 8),
            "id_number": wang.id_number, **VISIT}


def _homophone_visit() -> dict[str, Any]:
    """Between the thresholds: a homophone of her name, day and month of birth swapped, no ID, another phone."""
    return {"name": "王秀瑛", "sex": "F", "birth_date": dt.date(1950, 8, 3), "phone": "13000000000", **VISIT}


def _visits(user: User, person: Person) -> list[Encounter]:
    return list(health_queries.encounters(user).filter(person=person))


def test_a_run_that_links_a_clinic_visit_records_it_once_in_her_health_record_even_when_run_again(centre, wang):
    _import(centre, _her_visit(wang))
    assert actions.run_linkage(actor=centre).linked == 1
    actions.run_linkage(actor=centre)
    [visit] = _visits(centre, wang)
    assert (visit.occurred_on, visit.facility, visit.diagnosis, visit.diagnosis_code) == (
        dt.date(2026, 3, 2), "华山医院", "高血压", "I10")
    assert visit.source == "import" and visit.source_ref == f"linkage:{SourceRecord.objects.get().pk}"
    entry = AuditEntry.objects.get(event=health_actions.ENCOUNTER_RECORDED)
    assert entry.object_id == str(visit.pk) and entry.actor == centre
    assert "高血压" not in str(sealed_opened(entry).after)  # the audit says what happened, never the diagnosis


def test_each_visit_of_the_same_patient_number_becomes_its_own_encounter(centre, wang):
    later = {**_her_visit(wang), "occurred_on": dt.date(2026, 4, 6), "diagnosis": "复诊"}
    _import(centre, _her_visit(wang), later)
    actions.run_linkage(actor=centre)
    assert sorted(v.occurred_on for v in _visits(centre, wang)) == [dt.date(2026, 3, 2), dt.date(2026, 4, 6)]


def test_a_match_decision_in_the_review_queue_puts_the_visit_on_her_record(centre, wang):
    _import(centre, _homophone_visit())
    assert actions.run_linkage(actor=centre).review == 1
    assert not _visits(centre, wang)  # a pair under review is nobody's visit yet
    actions.decide(actor=centre, candidate=queries.review_queue(centre).get(), is_match=True)
    [visit] = _visits(centre, wang)
    assert visit.facility == "华山医院"
    assert AuditEntry.objects.filter(event=health_actions.ENCOUNTER_RECORDED, object_id=str(visit.pk)).exists()


def test_a_non_match_decision_leaves_nothing_on_her_record_now_or_after_the_next_run(centre, wang):
    _import(centre, _homophone_visit())
    actions.run_linkage(actor=centre)
    actions.decide(actor=centre, candidate=queries.review_queue(centre).get(), is_match=False, note="不同人")
    actions.run_linkage(actor=centre)
    assert not Encounter.objects.exists()
    assert not AuditEntry.objects.filter(event=health_actions.ENCOUNTER_RECORDED).exists()


def test_un_merging_takes_the_visit_off_her_record_and_keeps_it_as_audited_history(centre, wang, li):
    _import(centre, _her_visit(wang))
    actions.run_linkage(actor=centre)
    actions.unmerge(actor=centre, link=queries.links(centre).get(), reason="身份证借用")
    assert not _visits(centre, wang)
    kept = Encounter.objects.get()
    assert kept.person == wang and kept.withdrawn_by == centre and kept.withdrawn_reason == "身份证借用"
    entry = AuditEntry.objects.get(event=health_actions.ENCOUNTER_WITHDRAWN)
    assert entry.object_id == str(kept.pk) and sealed_opened(entry).reason == "身份证借用"
    # Merged into the right person, the same visit is recorded for him.
    actions.merge(actor=centre, record=SourceRecord.objects.get(), person=li)
    [visit] = _visits(centre, li)
    assert visit.source_ref == kept.source_ref and visit.pk != kept.pk


def test_a_manual_merge_records_the_visit_and_an_unmerge_without_a_visit_still_works(centre, wang):
    _import(centre, {"name": "王秀英", "sex": "F", "birth_date": dt.date(1950, 3, 8)})  # no visit columns
    record = SourceRecord.objects.get()
    link = actions.merge(actor=centre, record=record, person=wang)
    assert not Encounter.objects.exists()
    actions.unmerge(actor=centre, link=link, reason="误操作")
    assert not AuditEntry.objects.filter(event=health_actions.ENCOUNTER_WITHDRAWN).exists()


def test_a_linked_health_record_row_opens_her_health_record_once(centre, wang):
    row = {"name": "王秀英", "sex": "F", "birth_date": dt.date(1950, 3, 8), "id_number": wang.id_number}
    _import(centre, row, kind="health")
    actions.run_linkage(actor=centre)
    record = HealthRecord.objects.get(person=wang)
    assert AuditEntry.objects.filter(event=health_actions.RECORD_OPENED, object_id=str(record.pk)).exists()
    _import(centre, row, kind="health")
    actions.run_linkage(actor=centre)
    assert HealthRecord.objects.filter(person=wang).count() == 1


def test_her_health_page_shows_the_linked_visit_and_the_read_is_audited(client, centre, wang):
    _import(centre, _her_visit(wang))
    actions.run_linkage(actor=centre)
    client.force_login(centre)
    response = client.get(reverse("health:person", args=[wang.pk]))
    assert response.status_code == 200 and "华山医院" in response.content.decode()
    reads = AuditEntry.objects.filter(event=health_queries.HEALTH_READ, actor=centre, object_id=str(wang.pk))
    assert reads.count() == 1


def test_a_family_doctor_links_a_stranger_s_visit_but_cannot_write_it_into_her_record(doctor, wang):
    # ``doctor`` here has no contract with 王秀英: the link is made, her health record stays untouched.
    _import(doctor, _her_visit(wang))
    assert actions.run_linkage(actor=doctor).linked == 1
    assert not Encounter.objects.exists()


def test_a_librarian_sees_no_linked_visit(centre, wang, make_staff, client):
    _import(centre, _her_visit(wang))
    actions.run_linkage(actor=centre)
    librarian = make_staff(Role.LIBRARIAN, "librarian")
    assert not health_queries.encounters(librarian).exists()
    client.force_login(librarian)
    assert client.get(reverse("health:person", args=[wang.pk])).status_code == 404


def test_a_clinic_file_with_chinese_visit_columns_is_read_and_the_diagnosis_is_encrypted(centre):
    data = ("姓名,性别,出生日期,就诊日期,就诊机构,诊断,诊断编码\n王秀英,女,1950-03-08,2026-03-02,华山医院,高血压,I10\n"
            .encode())
    actions.import_batch(actor=centre, kind="clinic", data=data, filename="his.csv")
    record = SourceRecord.objects.get()
    assert (record.occurred_on, record.facility, record.diagnosis) == (dt.date(2026, 3, 2), "华山医院", "高血压")
    with connection.cursor() as cursor:
        cursor.execute("SELECT diagnosis FROM linkage_sourcerecord WHERE id = %s", [record.pk])
        assert "高血压" not in cursor.fetchone()[0]


def test_a_clinic_system_posts_visits_through_the_api_and_a_bad_visit_date_is_a_400(centre):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(centre)
    visit = {"name": "王秀英", "sex": "F", "birth_date": "1950-03-08", "occurred_on": "2026-03-02",
             "facility": "华山医院", "diagnosis": "高血压", "diagnosis_code": "I10"}
    response = api.post("/api/v1/linkage/batches/", {"kind": "clinic", "records": [visit]}, format="json")
    assert response.status_code == 201 and "高血压" not in str(response.json())
    record = SourceRecord.objects.get()
    assert (record.occurred_on, record.facility, record.diagnosis) == (dt.date(2026, 3, 2), "华山医院", "高血压")
    bad = api.post("/api/v1/linkage/batches/", {"kind": "clinic", "records": [{**visit, "occurred_on": "昨天"}]},
                   format="json")
    assert bad.status_code == 400 and SourceRecord.objects.count() == 1
