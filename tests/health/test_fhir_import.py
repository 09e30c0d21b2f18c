"""FHIR Bundle import: written through the actions, all or nothing for a transaction, every quantity checked
against its UCUM unit and converted (or refused), and a re-sent Bundle writing nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.core.audit import opened as sealed_opened
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.health import actions, fhir
from shequ.health.choices import AlertKind, ConditionCode
from shequ.health.models import Alert, ChronicCondition, DiaryEntry, Encounter, FollowUp
from tests.health.fhir_client import (
    FHIR_JSON,
    api,
    blood_pressure,
    bundle,
    clinic_bundle,
    observation,
    patient_entry,
    post,
    quantity,
    valid,
)


def outcome(response, status):
    return valid(response, status, kind="OperationOutcome")


def _send(user, body):
    return api(user).post("/fhir/R4/", body, format="json")


def _rows():
    return (Encounter.objects.count(), ChronicCondition.objects.count(), DiaryEntry.objects.count(),
            Alert.objects.count(), FollowUp.objects.count())


# Written through the actions -----------------------------------------------------------------------------


def test_a_transaction_bundle_is_imported_through_the_actions(centre, doctor, contract, resident_person):
    response = api(centre, token=True).post("/fhir/R4/", clinic_bundle(resident_person), format="json")
    reply = valid(response, kind="Bundle")
    assert reply.type == "transaction-response"
    assert [e.response.status for e in reply.entry] == ["201 Created", "200 OK", "201 Created", "201 Created"]
    assert reply.entry[1].response.location == f"Patient/{resident_person.pk}"
    encounter = Encounter.objects.get()
    assert encounter.facility == "华山医院" and encounter.source_ref == "HIS-778" and encounter.reason == "胸闷"
    assert ChronicCondition.objects.get().code == ConditionCode.TYPE2_DIABETES
    entry = DiaryEntry.objects.get()
    assert entry.glucose == Decimal("17.0"), "306 mg/dL is 16.985 mmol/L (glucose 180.156 g/mol)"
    assert Alert.objects.get().doctor == doctor, "an imported reading beyond the threshold alerts the doctor too"
    summary = AuditEntry.objects.get(event=actions.BUNDLE_IMPORTED)
    assert sealed_opened(summary).after == {"entries": 4, "written": 3, "failed": 0, "kind": "transaction"}
    assert AuditEntry.objects.filter(event=actions.ENCOUNTER_RECORDED, actor=centre).exists()


def test_a_bundle_naming_an_absurd_patient_id_is_refused_cleanly(centre, resident_person):
    body = clinic_bundle(resident_person)
    body["entry"][0]["resource"]["subject"]["reference"] = "Patient/" + "9" * 40
    outcome(_send(centre, body), 404)


def test_a_failing_transaction_writes_nothing(centre, resident_person):
    body = clinic_bundle(resident_person)
    body["entry"][2]["resource"]["code"]["coding"][0]["code"] = "K35"  # appendicitis is not a chronic condition
    result = outcome(_send(centre, body), 400)
    assert "K35" in result.issue[0].diagnostics and result.issue[0].expression == ["Bundle.entry[2].resource.code"]
    assert _rows() == (0, 0, 0, 0, 0)


def test_a_batch_keeps_the_good_entries_and_reports_the_bad(centre, resident_person):
    body = clinic_bundle(resident_person, kind="batch")
    body["entry"][2]["resource"]["code"]["coding"][0]["code"] = "K35"
    body["entry"].append(post(observation(fhir.WEIGHT, quantity(60, "kg"), subject="Patient/999999")))
    body["entry"].append(post(observation(fhir.WEIGHT, quantity(60, "lb"))))
    reply = valid(_send(centre, body), kind="Bundle")
    assert [e.response.status for e in reply.entry] == ["201 Created", "200 OK", "400", "201 Created", "404", "400"]
    assert "“lb”" in reply.entry[5].response.outcome.issue[0].diagnostics
    assert Encounter.objects.count() == 1 and DiaryEntry.objects.count() == 1


def test_an_unknown_patient_is_not_created_but_refused(centre, resident_person):
    body = clinic_bundle(resident_person)
    body["entry"][1]["resource"]["identifier"][0]["value"] = "110101199003071234"
    outcome(_send(centre, body), 404)
    assert not Encounter.objects.exists()


@pytest.mark.parametrize("body", [
    "not json at all",
    {"resourceType": "Patient"},
    {"resourceType": "Bundle", "type": "searchset"},
    {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {"resourceType": "Observation"}}]},
    {"resourceType": "Bundle", "type": "transaction", "entry": "nope"},
    [1, 2, 3],
])
def test_malformed_imports_answer_400_with_an_operation_outcome(centre, body):
    client = api(centre)
    if isinstance(body, str):
        response = client.post("/fhir/R4/", body, content_type=FHIR_JSON)
    else:
        response = client.post("/fhir/R4/", body, format="json")
    outcome(response, 400)


def test_a_family_doctor_cannot_import_for_people_she_has_no_contract_with(other_doctor, resident_person):
    outcome(_send(other_doctor, clinic_bundle(resident_person)), 404)
    assert not Encounter.objects.exists()


@pytest.mark.parametrize("role", [Role.LIBRARIAN, Role.ADMIN, Role.RESIDENT])
def test_roles_that_may_not_write_health_data_cannot_import(role, make_staff, resident, resident_person, admin):
    user = {Role.ADMIN: admin, Role.RESIDENT: resident}.get(role) or make_staff(role, "importer")
    outcome(_send(user, clinic_bundle(resident_person)), 404)
    outcome(api().post("/fhir/R4/", clinic_bundle(resident_person), format="json"), 401)


# Units ----------------------------------------------------------------------------------------------------


def _one_reading(person, resource):
    return bundle("transaction", patient_entry(person), post(resource))


def test_a_weight_in_pounds_is_stored_in_kilograms(centre, doctor, contract, resident_person):
    reply = valid(_send(centre, _one_reading(resident_person, observation(fhir.WEIGHT, quantity(154, "[lb_av]")))))
    assert DiaryEntry.objects.get().weight == Decimal("69.85"), "154 × 0.45359237 kg = 69.853 kg"
    location = reply.entry[1].response.location
    served = valid(api(doctor).get(f"/fhir/R4/{location}"), kind="Observation")
    assert (served.valueQuantity.value, served.valueQuantity.code, served.valueQuantity.system) == (
        Decimal("69.85"), "kg", fhir.UCUM)


def test_a_weight_in_grams_is_stored_in_kilograms(centre, resident_person):
    valid(_send(centre, _one_reading(resident_person, observation(fhir.WEIGHT, quantity(61500, "g")))))
    assert DiaryEntry.objects.get().weight == Decimal("61.50")


@pytest.mark.parametrize(("value", "code", "stored"), [
    (1.1, "g/L", Decimal("6.1")),  # 1100 mg/L ÷ 180.156 = 6.106 mmol/L
    (110, "mg/dL", Decimal("6.1")),
    (110, "mg/dl", Decimal("6.1")),  # UCUM writes the litre as L or l
    (6100, "umol/L", Decimal("6.1")),
    (6.1, "mmol/L", Decimal("6.1")),
])
def test_glucose_in_mass_units_is_converted_and_raises_no_false_alert(centre, contract, resident_person,
                                                                      value, code, stored):
    valid(_send(centre, _one_reading(resident_person, observation(fhir.GLUCOSE_MASS, quantity(value, code)))))
    assert DiaryEntry.objects.get().glucose == stored
    assert not Alert.objects.exists(), "6.1 mmol/L is normal: no low-glucose alert for the family doctor"


def test_a_low_glucose_sent_in_mg_per_dl_still_alerts(centre, doctor, contract, resident_person):
    valid(_send(centre, _one_reading(resident_person, observation(fhir.GLUCOSE_MOLAR, quantity(54, "mg/dL")))))
    assert DiaryEntry.objects.get().glucose == Decimal("3.0")
    assert Alert.objects.get().kind == AlertKind.GLUCOSE_LOW


def test_blood_pressure_in_kilopascals_is_stored_in_millimetres_of_mercury(centre, doctor, contract,
                                                                           resident_person):
    reading = blood_pressure(quantity(24, "kPa"), quantity(12, "kPa"))
    valid(_send(centre, _one_reading(resident_person, reading)))
    entry = DiaryEntry.objects.get()
    assert (entry.systolic, entry.diastolic) == (Decimal(180), Decimal(90)), "24 kPa = 180.02 mm[Hg]"
    assert Alert.objects.get().kind == AlertKind.BP_HIGH


@pytest.mark.parametrize(("reading", "expression", "words"), [
    (observation(fhir.WEIGHT, quantity(154, "lb")), "valueQuantity.code", "“lb”"),
    (observation(fhir.WEIGHT, quantity(154, "[lb_av]", system=None)), "valueQuantity.system", fhir.UCUM),
    (observation(fhir.WEIGHT, quantity(154, "[lb_av]", system="http://snomed.info/sct")), "valueQuantity.system",
     fhir.UCUM),
    (observation(fhir.GLUCOSE_MASS, quantity(1.1, "g/dL/h")), "valueQuantity.code", "mg/dL"),
    (observation(fhir.GLUCOSE_MASS, {**quantity(33.3, "mmol/L"), "comparator": ">"}), "valueQuantity.comparator",
     ">"),
    (blood_pressure(quantity(150, "mmHg"), quantity(95, "mm[Hg]")), "component[0].valueQuantity.code", "mm[Hg]"),
    (observation(fhir.WEIGHT, quantity(1e300, "kg")), "valueQuantity.value", "1e+300"),
    (observation(fhir.WEIGHT, quantity(154, "kg")), "", ""),  # 154 kg is possible: the control case
])
def test_a_reading_in_an_unknown_unit_is_refused_and_nothing_is_written(centre, contract, resident_person,
                                                                        reading, expression, words):
    body = clinic_bundle(resident_person)
    body["entry"].append(post(reading))
    response = _send(centre, body)
    if not expression:
        valid(response, kind="Bundle")
        assert any(entry.weight == Decimal(154) for entry in DiaryEntry.objects.all())
        return
    problem = outcome(response, 400).issue[0]
    assert problem.expression == [f"Bundle.entry[4].resource.{expression}"]
    assert words in problem.diagnostics and "Bundle.entry[4]" in problem.diagnostics
    assert _rows() == (0, 0, 0, 0, 0), "a transaction with one unreadable quantity writes nothing"
    assert not AuditEntry.objects.filter(event__startswith="health.").exclude(
        event="health.worker_assigned").exclude(event="health.contract_signed").exists()


def test_a_height_is_not_a_reading_the_diary_keeps(centre, resident_person):
    problem = outcome(_send(centre, _one_reading(resident_person, observation("8302-2", quantity(160, "cm")))),
                      400).issue[0]
    assert problem.expression == ["Bundle.entry[1].resource.code"]


# Sent again ------------------------------------------------------------------------------------------------


def _locations(response):
    return [(entry.response.status, entry.response.location) for entry in valid(response, kind="Bundle").entry]


def test_the_same_bundle_sent_again_answers_the_same_locations_and_writes_nothing(centre, contract,
                                                                                resident_person):
    body = clinic_bundle(resident_person)
    body["entry"].append(post(blood_pressure(quantity(150, "mm[Hg]"), quantity(95, "mm[Hg]"))))
    first = _locations(_send(centre, body))
    rows = _rows()
    again = _locations(_send(centre, body))
    assert [location for _status, location in again] == [location for _status, location in first]
    assert [status for status, _location in again] == ["200 OK"] * 5, "conditional create: found, not created"
    assert _rows() == rows == (1, 1, 2, 1, 1)
    summary = AuditEntry.objects.filter(event=actions.BUNDLE_IMPORTED).order_by("pk").last()
    assert sealed_opened(summary).after["written"] == 0


def test_the_same_reading_spelt_differently_is_one_reading(centre, resident_person):
    pounds = observation(fhir.WEIGHT, quantity(154, "[lb_av]"), when="2026-02-10T09:00:00+08:00")
    kilograms = observation(fhir.WEIGHT, quantity(69.85, "kg"), when="2026-02-10T01:00:00Z")
    first = _locations(_send(centre, _one_reading(resident_person, pounds)))
    second = _locations(_send(centre, _one_reading(resident_person, kilograms)))
    assert second[1] == ("200 OK", first[1][1]) and DiaryEntry.objects.count() == 1


def test_if_none_exist_finds_what_an_earlier_bundle_wrote(centre, doctor, contract, resident_person):
    reading = observation(fhir.WEIGHT, quantity(60, "kg"))
    first = _locations(_send(centre, bundle("batch", patient_entry(resident_person),
                                             post(reading, if_none_exist="identifier=urn:his|W-1"))))
    corrected = observation(fhir.WEIGHT, quantity(61, "kg"), when="2026-02-11")
    second = _locations(_send(centre, bundle("batch", patient_entry(resident_person),
                                              post(corrected, if_none_exist="identifier=urn:his|W-1"))))
    assert second[1] == ("200 OK", first[1][1]) and DiaryEntry.objects.get().weight == Decimal(60)
    found = valid(api(doctor).get("/fhir/R4/Observation", {"identifier": "urn:his|W-1"}))
    assert [entry.resource.identifier[0].value for entry in found.entry] == ["W-1"]


def test_an_identifier_of_another_sender_is_another_visit(centre, resident_person):
    body = clinic_bundle(resident_person)
    body["entry"][0]["resource"]["identifier"] = [{"system": "urn:his:huashan", "value": "V-1"}]
    valid(_send(centre, body))
    body["entry"][0]["resource"]["identifier"] = [{"system": "urn:his:ruijin", "value": "V-1"}]
    valid(_send(centre, body))
    assert Encounter.objects.count() == 2


@pytest.mark.parametrize("condition", ["name=王秀英", "identifier=", "identifier=a&identifier=b", "_id=5"])
def test_an_if_none_exist_other_than_an_identifier_is_refused(centre, resident_person, condition):
    body = _one_reading(resident_person, observation(fhir.WEIGHT, quantity(60, "kg")))
    body["entry"][1]["request"]["ifNoneExist"] = condition
    assert outcome(_send(centre, body), 400).issue[0].expression == ["Bundle.entry[1].request.ifNoneExist"]
    assert not DiaryEntry.objects.exists()


def test_a_visit_already_recorded_for_someone_else_is_a_conflict(centre, resident_person, make_person):
    valid(_send(centre, clinic_bundle(resident_person)))
    other = make_person("李梅", birth=dt.date(1958, 1, 1))
    outcome(_send(centre, clinic_bundle(other)), 409)
    assert Encounter.objects.get().person == resident_person
