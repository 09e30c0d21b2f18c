"""Who may read health data: health workers by design, the resident herself, and nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.core.audit import opened as sealed_opened
from shequ.core.errors import NotFound
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.health import actions, queries
from shequ.health.choices import ConditionCode
from shequ.health.models import (
    Alert,
    ChronicCondition,
    DiaryEntry,
    Encounter,
    FamilyDoctorContract,
    FollowUp,
    HealthRecord,
    HealthRecordVersion,
)

HEALTH_MODELS = [HealthRecord, HealthRecordVersion, ChronicCondition, FollowUp, FamilyDoctorContract, Encounter,
                 DiaryEntry, Alert]
NO_HEALTH_ROLES = [Role.ADMIN, Role.COMMITTEE, Role.CLERK, Role.POLICE, Role.CANTEEN, Role.LIBRARIAN,
                   Role.VOLUNTEER_COORDINATOR, Role.CHARITY_CLERK, Role.PROPERTY, Role.OWNERS_COMMITTEE]


@pytest.fixture
def filled(centre, doctor, contract, resident_person, resident):
    """One of everything for 王秀英, including an alert."""
    actions.open_health_record(actor=centre, person=resident_person, allergies="青霉素")
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION)
    actions.record_encounter(actor=centre, person=resident_person, occurred_on=dt.date.today(),
                             facility="江苏路街道社区卫生服务中心", diagnosis="高血压")
    actions.record_diary_entry(actor=resident, person=resident_person, systolic=185, diastolic=100)
    return resident_person


@pytest.mark.parametrize("role", NO_HEALTH_ROLES)
def test_roles_outside_health_read_no_health_data_at_all(role, org, make_staff, filled):
    unit = {"compound": org.huashan_compound} if role in (Role.PROPERTY, Role.OWNERS_COMMITTEE) else {}
    user = make_staff(role, f"no-health-{role}", **unit) if role != Role.ADMIN else None
    if user is None:
        from shequ.core.models import User

        user = User.objects.get(username="admin")
    for model in HEALTH_MODELS:
        assert not queries.restrict(model.objects.all(), user).exists(), (role, model)
    assert not queries.health_people(user).exists()
    with pytest.raises(NotFound):
        queries.person_health(user, filled.pk)


def test_a_librarian_reads_no_health_record_even_in_her_own_neighborhood(org, make_staff, filled):
    librarian = make_staff(Role.LIBRARIAN, "librarian", neighborhood=org.huashan)
    assert not queries.records(librarian).exists()
    assert not queries.diary(librarian).exists()
    with pytest.raises(NotFound):
        queries.person_health(librarian, filled.pk)
    assert not AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=librarian).exists()


def test_the_contracted_family_doctor_sees_her_patient_and_another_doctor_does_not(doctor, other_doctor, filled):
    assert queries.records(doctor).filter(person=filled).exists()
    assert queries.alerts(doctor).filter(person=filled).count() == 1
    for model in HEALTH_MODELS:
        assert not queries.restrict(model.objects.all(), other_doctor).exists(), model
    with pytest.raises(NotFound):
        queries.person_health(other_doctor, filled.pk)


def test_centre_staff_see_every_record_of_the_sub_district(centre, filled, make_person):
    assert queries.person_health(centre, filled.pk)["record"] is not None


def test_a_doctor_loses_sight_of_a_patient_when_the_contract_is_terminated(centre, doctor, contract, filled):
    actions.terminate_contract(actor=centre, contract=contract, reason="搬离", terminated_on=dt.date.today())
    assert not queries.records(doctor).exists()


def test_a_resident_reads_only_her_own_health_data(resident, filled, make_person, centre, org):
    neighbour = make_person("李梅", dwelling=org.huashan_dwellings[1], birth=dt.date(1958, 1, 1))
    actions.open_health_record(actor=centre, person=neighbour)
    assert list(queries.records(resident)) == [filled.health_record]
    assert queries.person_health(resident, filled.pk)["record"] == filled.health_record
    with pytest.raises(NotFound):
        queries.person_health(resident, neighbour.pk)
    assert not queries.alerts(resident).exists(), "alerts are the doctor's worklist, not the resident's"


def test_a_resident_cannot_see_her_household_members_health(resident, resident_person, make_person, centre):
    husband = make_person("张建国", sex="M", birth=dt.date(1948, 5, 5), household=resident_person.household,
                          new_household=False, relationship="spouse")
    actions.open_health_record(actor=centre, person=husband)
    assert not queries.records(resident).filter(person=husband).exists()
    with pytest.raises(NotFound):
        actions.record_diary_entry(actor=resident, person=husband, weight=70)
    assert not DiaryEntry.objects.filter(person=husband).exists()


def test_each_read_of_a_health_record_is_audited(centre, doctor, resident, filled):
    for user in (centre, doctor, resident):
        queries.person_health(user, filled.pk)
        entry = AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=user).get()
        assert entry.object_type == "population.person" and entry.object_id == str(filled.pk)
        assert sealed_opened(entry).after == {"what": "health_record", "via": "web"}


def test_a_family_doctor_cannot_write_for_someone_she_is_not_contracted_with(other_doctor, filled):
    with pytest.raises(NotFound):
        actions.record_encounter(actor=other_doctor, person=filled, occurred_on=dt.date.today(), facility="诊所")
    assert Encounter.objects.filter(person=filled).count() == 1
