"""FHIR R4: what comes out is valid FHIR (checked with fhir.resources), scoped and audited; what goes in is
validated, written by the actions, and answered with OperationOutcome on error, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter as FhirEncounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from rest_framework.test import APIClient

from shequ.core.actions import issue_api_token
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.health import actions, fhir, queries
from shequ.health.choices import ConditionCode
from shequ.health.models import Alert, ChronicCondition, DiaryEntry, Encounter

FHIR_JSON = "application/fhir+json"


def api(user=None, token=False):
    client = APIClient()
    if user is not None and token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(actor=user, user=user)[1]}")
    elif user is not None:
        client.force_authenticate(user)
    return client


def outcome(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return OperationOutcome.model_validate(response.json())


@pytest.fixture
def patient(centre, contract, resident, resident_person):
    actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.HYPERTENSION,
                               diagnosed_on=dt.date(2020, 5, 1))
    actions.record_encounter(actor=centre, person=resident_person, occurred_on=dt.date(2026, 3, 2),
                             facility="江苏路街道社区卫生服务中心", reason="头晕", diagnosis="原发性高血压",
                             diagnosis_code="I10")
    actions.record_diary_entry(actor=resident, person=resident_person, systolic=150, diastolic=95,
                               glucose=Decimal("6.2"), weight=Decimal("61.5"))
    return resident_person


def test_the_capability_statement_is_valid_and_public(client):
    response = client.get("/fhir/R4/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1"


def test_a_doctor_reads_her_patient_with_a_token_and_the_read_is_audited(doctor, patient):
    response = api(doctor, token=True).get(f"/fhir/R4/Patient/{patient.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith(FHIR_JSON)
    resource = Patient.model_validate(response.json())
    assert resource.name[0].text == "王秀英" and resource.gender == "female"
    assert resource.generalPractitioner[0].display == str(doctor)
    assert patient.id_number not in response.content.decode(), "the ID number never leaves through FHIR"
    read = AuditEntry.objects.get(event=queries.HEALTH_READ, actor=doctor)
    assert read.object_id == str(patient.pk) and read.after == {"what": "Patient", "via": "fhir"}


def test_searches_return_valid_bundles_of_each_resource(doctor, patient):
    client = api(doctor)
    kinds = {"Encounter": FhirEncounter, "Condition": Condition, "Observation": Observation, "Patient": Patient}
    for name, model in kinds.items():
        response = client.get(f"/fhir/R4/{name}", {"patient": patient.pk} if name != "Patient" else {})
        assert response.status_code == 200, response.content
        bundle = Bundle.model_validate(response.json())
        assert bundle.type == "searchset" and bundle.total >= 1, name
        for entry in bundle.entry:
            model.model_validate(entry.resource.model_dump(mode="json"))
    assert AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=doctor, after__via="fhir").count() == 4


def test_observations_carry_the_loinc_codes_and_units(doctor, patient):
    bundle = api(doctor).get("/fhir/R4/Observation", {"patient": f"Patient/{patient.pk}"}).json()
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}
    assert set(by_code) == {fhir.BP_PANEL, fhir.GLUCOSE_MOLAR, fhir.WEIGHT}
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in by_code[fhir.BP_PANEL]["component"]}
    assert components[fhir.SYSTOLIC] == {"value": 150.0, "unit": "mmHg", "system": fhir.UCUM, "code": "mm[Hg]"}
    assert components[fhir.DIASTOLIC]["value"] == 95.0
    assert by_code[fhir.WEIGHT]["valueQuantity"]["value"] == 61.5
    only_weight = api(doctor).get("/fhir/R4/Observation", {"code": f"{fhir.LOINC}|{fhir.WEIGHT}"}).json()
    assert [e["resource"]["id"] for e in only_weight["entry"]] == [by_code[fhir.WEIGHT]["id"]]
    read = api(doctor).get(f"/fhir/R4/Observation/{by_code[fhir.BP_PANEL]['id']}")
    assert Observation.model_validate(read.json()).code.coding[0].code == fhir.BP_PANEL


def test_conditions_are_coded_in_icd10_and_searchable_by_code(doctor, patient):
    bundle = api(doctor).get("/fhir/R4/Condition", {"code": f"{fhir.ICD10}|I10"}).json()
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["code"]["coding"][0] == {
        "system": fhir.ICD10, "code": "I10", "display": "Essential (primary) hypertension"}
    assert api(doctor).get("/fhir/R4/Condition", {"code": "E11"}).json()["total"] == 0


def test_encounters_search_by_date(doctor, patient):
    assert api(doctor).get("/fhir/R4/Encounter", {"date": "ge2026-03-01"}).json()["total"] == 1
    assert api(doctor).get("/fhir/R4/Encounter", {"date": "lt2026-03-01"}).json()["total"] == 0
    outcome(api(doctor).get("/fhir/R4/Encounter", {"date": "yesterday"}), 400)


def test_out_of_scope_reads_answer_404_and_visitors_401(other_doctor, patient, make_staff, org):
    librarian = make_staff(Role.LIBRARIAN, "librarian", neighborhood=org.huashan)
    for path in (f"/fhir/R4/Patient/{patient.pk}", f"/fhir/R4/Encounter/{Encounter.objects.get().pk}"):
        outcome(api(other_doctor).get(path), 404)
        outcome(api(librarian).get(path), 404)
        response = api().get(path)
        outcome(response, 401)
    assert api(other_doctor).get("/fhir/R4/Patient").json()["total"] == 0
    outcome(api(librarian).get("/fhir/R4/Observation"), 404)
    assert not AuditEntry.objects.filter(event=queries.HEALTH_READ).exists()


def test_a_resident_reads_only_herself_through_fhir(resident, patient, make_person, centre, org):
    other = make_person("李梅", dwelling=org.huashan_dwellings[1], birth=dt.date(1958, 1, 1))
    actions.open_health_record(actor=centre, person=other)
    bundle = api(resident).get("/fhir/R4/Patient").json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(patient.pk)]
    outcome(api(resident).get(f"/fhir/R4/Patient/{other.pk}"), 404)


@pytest.mark.parametrize("query", [{"_count": "-5"}, {"_offset": "-1"}, {"_count": "9" * 40}, {"_count": "x"},
                                   {"identifier": "urn:oid:2.16.156.10011.1.3|"}, {"_id": "9" * 30}])
def test_odd_search_parameters_never_cause_a_server_error(doctor, patient, query):
    response = api(doctor).get("/fhir/R4/Patient", query)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        outcome(response, 400)


def test_a_bundle_naming_an_absurd_patient_id_is_refused_cleanly(centre, resident_person):
    bundle = _clinic_bundle(resident_person)
    bundle["entry"][0]["resource"]["subject"]["reference"] = "Patient/" + "9" * 40
    outcome(api(centre).post("/fhir/R4/", bundle, format="json"), 404)


@pytest.mark.parametrize("path", ["/fhir/R4/Medication", "/fhir/R4/Patient/abc", "/fhir/R4/Observation/bp-x",
                                  "/fhir/R4/Observation/bp-99999999999999999999"])
def test_unknown_types_and_ids_answer_operation_outcomes(doctor, patient, path):
    outcome(api(doctor).get(path), 404)


def _bundle(kind, *entries):
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def _post(resource, full_url=None):
    entry = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _patient_entry(person):
    return _post({"resourceType": "Patient", "identifier": [{"system": fhir.ID_CARD_SYSTEM,
                                                            "value": person.id_number}]}, "urn:uuid:p1")


def _clinic_bundle(person, kind="transaction"):
    return _bundle(
        kind,
        _post({"resourceType": "Encounter", "status": "finished", "identifier": [{"value": "HIS-778"}],
               "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
               "subject": {"reference": "urn:uuid:p1"}, "period": {"start": "2026-02-10"},
               "serviceProvider": {"display": "华山医院"}, "reasonCode": [{"text": "胸闷"}]}),
        _patient_entry(person),
        _post({"resourceType": "Condition", "code": {"coding": [{"system": fhir.ICD10, "code": "E11.9"}]},
               "subject": {"reference": "urn:uuid:p1"}, "onsetDateTime": "2024-06-01"}),
        _post({"resourceType": "Observation", "status": "final",
               "code": {"coding": [{"system": fhir.LOINC, "code": fhir.GLUCOSE_MASS}]},
               "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2026-02-10T09:00:00+08:00",
               "valueQuantity": {"value": 306, "unit": "mg/dL", "system": fhir.UCUM, "code": "mg/dL"}}),
    )


def test_a_transaction_bundle_is_imported_through_the_actions(centre, doctor, contract, resident_person):
    response = api(centre, token=True).post("/fhir/R4/", _clinic_bundle(resident_person), format="json")
    assert response.status_code == 200, response.content
    reply = Bundle.model_validate(response.json())
    assert reply.type == "transaction-response"
    assert [e.response.status for e in reply.entry] == ["201 Created", "200 OK", "201 Created", "201 Created"]
    assert reply.entry[1].response.location == f"Patient/{resident_person.pk}"
    encounter = Encounter.objects.get()
    assert encounter.facility == "华山医院" and encounter.source_ref == "HIS-778" and encounter.reason == "胸闷"
    assert ChronicCondition.objects.get().code == ConditionCode.TYPE2_DIABETES
    entry = DiaryEntry.objects.get()
    assert entry.glucose == Decimal("17.0"), "306 mg/dL is 17.0 mmol/L"
    assert Alert.objects.get().doctor == doctor, "an imported reading beyond the threshold alerts the doctor too"
    summary = AuditEntry.objects.get(event=actions.BUNDLE_IMPORTED)
    assert summary.after == {"entries": 4, "written": 3, "failed": 0, "kind": "transaction"}
    assert AuditEntry.objects.filter(event=actions.ENCOUNTER_RECORDED, actor=centre).exists()

    again = api(centre).post("/fhir/R4/", _clinic_bundle(resident_person), format="json").json()
    assert [e["response"]["status"] for e in again["entry"]][:3] == ["200 OK", "200 OK", "200 OK"]
    assert Encounter.objects.count() == 1 and ChronicCondition.objects.count() == 1


def test_a_failing_transaction_writes_nothing(centre, resident_person):
    bundle = _clinic_bundle(resident_person)
    bundle["entry"][2]["resource"]["code"]["coding"][0]["code"] = "K35"  # appendicitis is not a chronic condition
    result = outcome(api(centre).post("/fhir/R4/", bundle, format="json"), 400)
    assert "K35" in result.issue[0].diagnostics and result.issue[0].expression == ["Bundle.entry[2].resource.code"]
    assert not Encounter.objects.exists() and not DiaryEntry.objects.exists()


def test_a_batch_keeps_the_good_entries_and_reports_the_bad(centre, resident_person):
    bundle = _clinic_bundle(resident_person, kind="batch")
    bundle["entry"][2]["resource"]["code"]["coding"][0]["code"] = "K35"
    bundle["entry"].append(_post({"resourceType": "Observation", "status": "final",
                                  "code": {"coding": [{"system": fhir.LOINC, "code": fhir.WEIGHT}]},
                                  "subject": {"reference": "Patient/999999"}, "effectiveDateTime": "2026-02-10",
                                  "valueQuantity": {"value": 60, "unit": "kg"}}))
    reply = api(centre).post("/fhir/R4/", bundle, format="json").json()
    statuses = [e["response"]["status"] for e in reply["entry"]]
    assert statuses == ["201 Created", "200 OK", "400", "201 Created", "404"]
    OperationOutcome.model_validate(reply["entry"][2]["response"]["outcome"])
    assert Encounter.objects.count() == 1 and DiaryEntry.objects.count() == 1


def test_an_unknown_patient_is_not_created_but_refused(centre, resident_person):
    bundle = _clinic_bundle(resident_person)
    bundle["entry"][1]["resource"]["identifier"][0]["value"] = "110101199003071234"
    outcome(api(centre).post("/fhir/R4/", bundle, format="json"), 404)
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
    outcome(api(other_doctor).post("/fhir/R4/", _clinic_bundle(resident_person), format="json"), 404)
    assert not Encounter.objects.exists()


@pytest.mark.parametrize("role", [Role.LIBRARIAN, Role.ADMIN, Role.RESIDENT])
def test_roles_that_may_not_write_health_data_cannot_import(role, make_staff, resident, resident_person, admin):
    user = {Role.ADMIN: admin, Role.RESIDENT: resident}.get(role) or make_staff(role, "importer")
    outcome(api(user).post("/fhir/R4/", _clinic_bundle(resident_person), format="json"), 404)
    outcome(api().post("/fhir/R4/", _clinic_bundle(resident_person), format="json"), 401)
