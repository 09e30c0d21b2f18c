import datetime as dt
import io

import pytest
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook
from rest_framework.test import APIClient

from shequ.core import actions as core_actions
from shequ.core import audit
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.health import actions as health_actions
from shequ.health.choices import ConditionCode
from shequ.population import actions as population_actions
from tests.health.conftest import centre, doctor  # noqa: F401  (personas shared with the health tests)


def test_the_audit_log_cannot_be_changed_through_the_orm(make_person):
    make_person()
    entry = AuditEntry.objects.first()
    entry.reason = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(reason="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize("statement", ["UPDATE core_auditentry SET reason = 'x'", "DELETE FROM core_auditentry"])
def test_the_database_refuses_to_change_or_delete_audit_rows(make_person, audit_triggers, statement):
    make_person()
    before = AuditEntry.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == before


def test_an_administrator_browses_and_exports_the_audit_log(client, admin, make_person):
    make_person("李四")
    client.force_login(admin)
    page = client.get("/audit/?event=person_registered")
    assert page.status_code == 200
    assert "李四" in page.content.decode()
    export = client.get("/audit/?format=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_committee_worker_cannot_see_the_audit_log(client, alice):
    client.force_login(alice)
    assert client.get("/audit/").status_code == 404


# Sensitive personal information in the audit log -------------------------------------------------------------


@pytest.fixture
def diagnosed(resident_person, centre):  # noqa: F811
    """王秀英 put on the severe-mental-disorder registry, with her ID number and phone on record."""
    condition = health_actions.register_condition(actor=centre, person=resident_person,
                                                  code=ConditionCode.SEVERE_MENTAL_DISORDER,
                                                  diagnosed_on=dt.date(2020, 5, 1))
    health_actions.close_condition(actor=centre, condition=condition, reason="门诊确诊后转诊")
    return resident_person


DIAGNOSIS_WORDS = ("严重精神障碍", "Severe mental disorder", "F20", "门诊确诊后转诊")


def _everything(client, user) -> str:
    """The audit log as ``user`` receives it: the API, the page and the export."""
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    listed = api.get("/api/v1/audit-entries/", {"limit": 500})
    page = client.get("/audit/")
    export = client.get("/audit/", {"format": "xlsx"})
    parts = [listed.content.decode(), page.content.decode()]
    if export.status_code == 200:
        workbook = load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)
        parts.append(str([row for sheet in workbook for row in sheet.iter_rows(values_only=True)]))
    return "\n".join(parts)


def test_an_administrator_without_a_health_right_sees_neither_the_health_entry_nor_the_diagnosis(
        client, admin, diagnosed):
    seen = _everything(client, admin)
    assert "王秀英" in seen, "the administrator reads the registry's entries"
    assert "health.condition_registered" not in seen
    assert not [word for word in DIAGNOSIS_WORDS if word in seen]


def test_health_centre_staff_read_the_health_entry_with_its_diagnosis(client, centre, diagnosed):  # noqa: F811
    seen = _everything(client, centre)
    assert "health.condition_registered" in seen and "F20" in seen and "门诊确诊后转诊" in seen
    assert "population.person_registered" not in seen, "health staff read only the health entries"


def test_a_family_doctor_reads_no_health_entries_of_the_whole_sub_district(client, doctor, diagnosed):  # noqa: F811
    api = APIClient()
    api.force_authenticate(doctor)
    assert api.get("/api/v1/audit-entries/").json()["results"] == []


def test_the_auditor_reads_every_entry_and_each_read_of_health_entries_is_audited(client, make_staff, admin,
                                                                                  diagnosed):
    auditor = make_staff(Role.AUDITOR, "auditor")
    seen = _everything(client, auditor)
    assert "health.condition_registered" in seen and "population.person_registered" in seen and "F20" in seen
    reads = AuditEntry.objects.filter(event=core_actions.AUDIT_HEALTH_READ, actor=auditor)
    assert {entry.after["via"] for entry in reads} == {"api", "web", "export"}
    health_entry = AuditEntry.objects.get(event=health_actions.CONDITION_REGISTERED)
    assert all(health_entry.pk in entry.after["entries"] for entry in reads)
    # The administrator sees that the auditor read health entries, not the entries themselves.
    admin_view = _everything(client, admin)
    assert core_actions.AUDIT_HEALTH_READ in admin_view and "F20" not in admin_view


def test_no_audit_row_holds_a_diagnosis_an_id_number_a_phone_or_a_birth_date_in_plain_text(diagnosed, alice):
    population_actions.update_person(actor=alice, person=diagnosed, phone="13900001111", reason="新号码 13900001111")
    population_actions.reveal_person_field(actor=alice, person=diagnosed, field="id_number",
                                           reason=f"核对 {diagnosed.id_number}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditentry")
        stored = "\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall())
    assert "王秀英" in stored, "the rows were read"
    for secret in (*DIAGNOSIS_WORDS, diagnosed.id_number, diagnosed.id_number[6:14], "13812345678", "13900001111",
                   diagnosed.birth_date.isoformat()):
        assert secret not in stored, secret
    registered = AuditEntry.objects.get(event="population.person_registered", object_id=str(diagnosed.pk))
    assert registered.after["id_number"] == diagnosed.id_number_masked
    assert registered.after["birth_date"] == "1950" and registered.after["phone"] == "138****5678"
    assert audit.sealed_parts(registered)["after"]["id_number"] == diagnosed.id_number


def test_a_health_entry_is_labelled_by_whose_it_is_never_by_the_diagnosis(diagnosed):
    entry = AuditEntry.objects.get(event=health_actions.CONDITION_REGISTERED)
    assert entry.category == audit.HEALTH
    assert entry.object_repr.startswith("王秀英") and "精神" not in entry.object_repr
    assert set(entry.after.values()) == {audit.SEALED}
