"""Writing health data: every action leaves its audit row, keeps history and follows the national schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from shequ.core.audit import opened as sealed_opened
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.health import actions, queries
from shequ.health.choices import AlertKind, AlertStatus, ConditionCode, FollowUpStatus, Source, out_of_range
from shequ.health.models import Alert, DiaryEntry, FollowUp, HealthRecordVersion


def audit_of(event, obj):
    return AuditEntry.objects.filter(event=event, object_type=obj._meta.label_lower, object_id=str(obj.pk)).get()


def test_opening_and_amending_a_record_keeps_every_version_and_audits_without_values(centre, resident_person):
    record = actions.open_health_record(actor=centre, person=resident_person, allergies="青霉素", blood_type="A")
    version = actions.amend_health_record(actor=centre, record=record, reason="补充家族史", family_history="父亲高血压")
    assert [v.number for v in record.versions.all()] == [2, 1]
    assert version.allergies == "青霉素" and version.family_history == "父亲高血压"
    assert record.versions.get(number=1).family_history == ""
    opened = audit_of(actions.RECORD_OPENED, record)
    assert opened.actor == centre
    amended = AuditEntry.objects.get(event=actions.RECORD_AMENDED)
    assert sealed_opened(amended).after == {"version": 2, "fields": ["family_history"]}
    assert sealed_opened(amended).reason == "补充家族史"
    assert "父亲高血压" not in str(sealed_opened(amended).after), "the audit log names fields, never health values"


def test_health_record_versions_cannot_be_changed_or_deleted(centre, resident_person):
    record = actions.open_health_record(actor=centre, person=resident_person, allergies="无")
    version = record.versions.get()
    version.allergies = "青霉素"
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        HealthRecordVersion.objects.filter(pk=version.pk).update(allergies="x")
    with pytest.raises(PermissionError):
        HealthRecordVersion.objects.filter(pk=version.pk).delete()


def test_health_values_are_encrypted_in_the_database(centre, resident, resident_person):
    actions.open_health_record(actor=centre, person=resident_person, allergies="青霉素过敏")
    entry = actions.record_diary_entry(actor=resident, person=resident_person, systolic=132, diastolic=84,
                                       glucose=Decimal("6.1"), note="早上头晕")
    with connection.cursor() as cursor:
        cursor.execute("SELECT systolic, glucose, note FROM health_diaryentry WHERE id = %s", [entry.pk])
        raw = cursor.fetchone()
        cursor.execute("SELECT allergies FROM health_healthrecordversion")
        raw_record = cursor.fetchone()
    assert "132" not in raw[0] and "6.1" not in raw[1] and "头晕" not in raw[2]
    assert "青霉素" not in raw_record[0]
    entry.refresh_from_db()
    assert entry.systolic == 132 and entry.glucose == Decimal("6.1") and entry.note == "早上头晕"


def test_registering_hypertension_schedules_a_quarterly_follow_up(centre, resident_person):
    condition = actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION,
                                           registered_on=dt.date(2026, 1, 15))
    assert condition.visits_per_year == 4
    follow_up = FollowUp.objects.get(condition=condition)
    assert follow_up.due_on == dt.date(2026, 4, 15) and follow_up.status == FollowUpStatus.SCHEDULED
    assert sealed_opened(audit_of(actions.CONDITION_REGISTERED, condition)).after["code"] == "I10"
    assert sealed_opened(audit_of(actions.FOLLOW_UP_SCHEDULED, follow_up)).after["due_on"] == "2026-04-15"


def test_a_condition_without_a_national_schedule_gets_no_follow_up(centre, resident_person):
    condition = actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.COPD)
    assert condition.visits_per_year == 0 and not FollowUp.objects.exists()


def test_a_person_is_registered_only_once_per_condition(centre, resident_person):
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.TYPE2_DIABETES)
    with pytest.raises(Conflict):
        actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.TYPE2_DIABETES)


def test_a_controlled_follow_up_schedules_the_next_in_three_months(centre, resident_person):
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION,
                               registered_on=dt.date(2025, 11, 30))
    first = FollowUp.objects.get()
    done_on = dt.date(2026, 2, 27)
    following = actions.record_follow_up(actor=centre, follow_up=first, done_on=done_on, systolic=128, diastolic=82)
    first.refresh_from_db()
    assert first.status == FollowUpStatus.DONE and first.systolic == 128
    assert following is not None and following.due_on == dt.date(2026, 5, 27)
    recorded = audit_of(actions.FOLLOW_UP_RECORDED, first)
    assert sealed_opened(recorded).after == {"done_on": "2026-02-27", "method": "clinic",
                                             "fields": ["diastolic", "systolic"]}


def test_an_uncontrolled_follow_up_recalls_the_patient_within_two_weeks(centre, resident_person):
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.TYPE2_DIABETES)
    first = FollowUp.objects.get()
    today = dt.date.today()
    following = actions.record_follow_up(actor=centre, follow_up=first, done_on=today, glucose=Decimal("8.2"))
    assert following is not None and following.due_on == today + dt.timedelta(days=14)


def test_overdue_and_due_follow_ups_are_on_the_doctors_worklist(centre, doctor, contract, resident_person):
    today = dt.date.today()
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION,
                               registered_on=today - dt.timedelta(days=100))
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.TYPE2_DIABETES,
                               registered_on=today - dt.timedelta(days=85))
    work = queries.worklist(doctor)
    assert [f.condition.code for f in work["overdue"]] == ["I10"]
    assert [f.condition.code for f in work["due"]] == ["E11"]
    assert work["overdue"][0].is_overdue_on(today)
    read = AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=doctor).get()
    assert sealed_opened(read).after == {"what": "worklist", "via": "web"}


def test_closing_a_condition_cancels_its_open_follow_up(centre, resident_person):
    condition = actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION)
    actions.close_condition(actor=centre, condition=condition, reason="诊断修正")
    assert FollowUp.objects.get().status == FollowUpStatus.CANCELLED
    assert sealed_opened(audit_of(actions.CONDITION_CLOSED, condition)).reason == "诊断修正"


@pytest.mark.parametrize(("readings", "kinds"), [
    ({"systolic": 180, "diastolic": 100, "glucose": None}, [AlertKind.BP_HIGH]),
    ({"systolic": 150, "diastolic": 110, "glucose": None}, [AlertKind.BP_HIGH]),
    ({"systolic": 90, "diastolic": 70, "glucose": None}, [AlertKind.BP_LOW]),
    ({"systolic": 120, "diastolic": 60, "glucose": None}, [AlertKind.BP_LOW]),
    ({"systolic": 179, "diastolic": 109, "glucose": Decimal("16.6")}, []),
    ({"systolic": None, "diastolic": None, "glucose": Decimal("16.7")}, [AlertKind.GLUCOSE_HIGH]),
    ({"systolic": None, "diastolic": None, "glucose": Decimal("3.9")}, [AlertKind.GLUCOSE_LOW]),
    ({"systolic": 91, "diastolic": 61, "glucose": Decimal("4.0")}, []),
])
def test_the_referral_thresholds_are_inclusive(readings, kinds):
    assert out_of_range(**readings) == kinds


def test_a_high_reading_in_the_diary_alerts_the_family_doctor(resident, resident_person, doctor, contract, texts):
    doctor.phone = "13900001111"
    doctor.save()
    entry = actions.record_diary_entry(actor=resident, person=resident_person, systolic=186, diastolic=96)
    assert texts == [("13900001111", str(actions.ALERT_SMS))]
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.BP_HIGH and alert.doctor == doctor and alert.diary_entry == entry
    assert sealed_opened(audit_of(actions.DIARY_ENTRY_RECORDED, entry)).after == {
        "person": resident_person.pk, "source": Source.RESIDENT, "fields": ["diastolic", "systolic"]}
    assert sealed_opened(audit_of(actions.ALERT_RAISED, alert)).after == {"kind": "bp_high", "doctor": doctor.pk}
    assert list(queries.worklist(doctor)["alerts"]) == [alert]


def test_a_normal_reading_raises_no_alert(resident, resident_person, contract):
    actions.record_diary_entry(actor=resident, person=resident_person, systolic=125, diastolic=80, weight=58)
    assert not Alert.objects.exists()
    assert DiaryEntry.objects.get().weight == 58


@pytest.mark.parametrize(("readings", "field"), [
    ({"systolic": 120}, "systolic"),
    ({"systolic": 80, "diastolic": 120}, "diastolic"),
    ({"glucose": "abc"}, "glucose"),
    ({"weight": 1000}, "weight"),
])
def test_impossible_readings_are_refused_with_the_field_named(resident, resident_person, readings, field):
    with pytest.raises(Invalid) as error:
        actions.record_diary_entry(actor=resident, person=resident_person, **readings)
    assert error.value.field == field
    assert not DiaryEntry.objects.exists()


def test_handling_an_alert_takes_it_off_the_worklist(resident, resident_person, doctor, contract):
    actions.record_diary_entry(actor=resident, person=resident_person, glucose=Decimal("2.8"))
    alert = Alert.objects.get()
    actions.handle_alert(actor=doctor, alert=alert, note="电话随访，已进食")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.HANDLED and alert.handled_by == doctor
    assert sealed_opened(audit_of(actions.ALERT_HANDLED, alert)).after == {"status": "handled"}
    assert queries.worklist(doctor)["alerts"] == []


def test_a_resident_cannot_handle_alerts(resident, resident_person, contract):
    actions.record_diary_entry(actor=resident, person=resident_person, glucose=Decimal("2.8"))
    with pytest.raises(NotFound):
        actions.handle_alert(actor=resident, alert=Alert.objects.get(), note="x")


def test_a_contract_cannot_overlap_another(centre, doctor, other_doctor, contract, resident_person):
    with pytest.raises(Conflict):
        actions.sign_contract(actor=centre, person=resident_person, doctor=other_doctor)
    assert sealed_opened(audit_of(actions.CONTRACT_SIGNED, contract)).after["doctor"] == doctor.pk


def test_a_family_doctor_must_be_a_health_worker(centre, alice, resident_person):
    with pytest.raises(Invalid):
        actions.sign_contract(actor=centre, person=resident_person, doctor=alice)


def test_an_imported_encounter_is_stored_once_however_often_it_arrives(centre, resident_person):
    first = actions.record_encounter(actor=centre, person=resident_person, occurred_on=dt.date(2026, 3, 1),
                                     facility="华山医院", diagnosis="高血压", diagnosis_code="i10",
                                     source=Source.IMPORT, source_ref="HIS-0001")
    again = actions.record_encounter(actor=centre, person=resident_person, occurred_on=dt.date(2026, 3, 1),
                                     facility="华山医院", source=Source.IMPORT, source_ref="HIS-0001")
    assert again == first and first.diagnosis_code == "I10"
    assert AuditEntry.objects.filter(event=actions.ENCOUNTER_RECORDED).count() == 1
