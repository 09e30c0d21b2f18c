import pytest
from django.db import DatabaseError, connection, transaction

from shequ.core.models import AuditEntry


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
