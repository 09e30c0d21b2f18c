"""FHIR R4: what comes out is valid FHIR (checked with fhir.resources), scoped and audited; what goes in is
validated, written by the actions, and answered with OperationOutcome on error, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.core.audit import opened as sealed_opened
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.health import actions, fhir, queries
from shequ.health.choices import ConditionCode
from shequ.health.models import Encounter
from tests.health import fhir_client
from tests.health.fhir_client import api, valid


def outcome(response, status):
    return valid(response, status, kind="OperationOutcome")


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
    statement = valid(client.get("/fhir/R4/metadata"), kind="CapabilityStatement")
    assert statement.fhirVersion == "4.0.1"


# The type FHIR R4 gives each search parameter (the SearchParameter resources of the specification).
R4_TYPES = {
    "Patient": {"_id": "token", "name": "string", "birthdate": "date", "identifier": "token"},
    "Encounter": {"patient": "reference", "subject": "reference", "date": "date", "identifier": "token"},
    "Condition": {"patient": "reference", "subject": "reference", "code": "token", "clinical-status": "token"},
    "Observation": {"patient": "reference", "subject": "reference", "code": "token", "date": "date",
                    "identifier": "token"},
}


def test_the_capability_statement_declares_each_search_parameter_with_its_r4_type(client):
    statement = valid(client.get("/fhir/R4/metadata"), kind="CapabilityStatement")
    declared = {resource.type: {param.name: param.type for param in resource.searchParam}
                for resource in statement.rest[0].resource}
    assert declared == R4_TYPES
    conditional = {resource.type for resource in statement.rest[0].resource if resource.conditionalCreate}
    assert conditional == {"Encounter", "Observation"}


# One request per declared parameter: each is applied (a value that matches nothing gives an empty Bundle,
# a matching one finds the patient's resource), so nothing is declared that the server ignores.
PARAMETER_PROBES = {
    ("Patient", "_id"): ("{pk}", "999999"), ("Patient", "name"): ("王", "赵"),
    ("Patient", "birthdate"): ("1950-03-08", "1951-01-01"),
    ("Patient", "identifier"): (f"{fhir.ID_CARD_SYSTEM}|{{id_number}}", f"{fhir.ID_CARD_SYSTEM}|110101199003071234"),
    ("Encounter", "patient"): ("Patient/{pk}", "Patient/999999"), ("Encounter", "subject"): ("{pk}", "999999"),
    ("Encounter", "date"): ("2026-03-02", "2026-03-03"), ("Encounter", "identifier"): ("HIS-1", "HIS-2"),
    ("Condition", "patient"): ("{pk}", "999999"), ("Condition", "subject"): ("Patient/{pk}", "Patient/999999"),
    ("Condition", "code"): (f"{fhir.ICD10}|I10", "E11"), ("Condition", "clinical-status"): ("active", "inactive"),
    ("Observation", "patient"): ("{pk}", "999999"), ("Observation", "subject"): ("{pk}", "999999"),
    ("Observation", "code"): (f"{fhir.LOINC}|{fhir.WEIGHT}", "8302-2"),
    ("Observation", "date"): ("ge2020-01-01", "lt2020-01-01"), ("Observation", "identifier"): ("HIS-1", "HIS-2"),
}


def test_every_declared_search_parameter_is_applied(doctor, centre, patient):
    assert set(PARAMETER_PROBES) == {(kind, name) for kind, params in R4_TYPES.items() for name in params}
    actions.record_encounter(actor=centre, person=patient, occurred_on=dt.date(2026, 3, 1), facility="华山医院",
                             source="import", source_ref="HIS-1")
    weighed = fhir_client.observation(fhir.WEIGHT, fhir_client.quantity(60.2, "kg"), identifier=[{"value": "HIS-1"}])
    valid(api(centre).post("/fhir/R4/", fhir_client.bundle("transaction", fhir_client.patient_entry(patient),
                                                            fhir_client.post(weighed)), format="json"))
    for (kind, name), (match, miss) in PARAMETER_PROBES.items():
        values = {"pk": patient.pk, "id_number": patient.id_number}
        found = valid(api(doctor).get(f"/fhir/R4/{kind}", {name: match.format(**values)}), kind="Bundle")
        assert found.entry, (kind, name)
        none = valid(api(doctor).get(f"/fhir/R4/{kind}", {name: miss}), kind="Bundle")
        assert not none.entry, (kind, name)


def test_a_doctor_reads_her_patient_with_a_token_and_the_read_is_audited(doctor, patient):
    response = api(doctor, token=True).get(f"/fhir/R4/Patient/{patient.pk}")
    resource = valid(response, kind="Patient")
    assert resource.name[0].text == "王秀英" and resource.gender == "female"
    assert resource.generalPractitioner[0].display == str(doctor)
    assert patient.id_number not in response.content.decode(), "the ID number never leaves through FHIR"
    read = AuditEntry.objects.get(event=queries.HEALTH_READ, actor=doctor)
    assert read.object_id == str(patient.pk) and sealed_opened(read).after == {"what": "Patient", "via": "fhir"}


def test_searches_return_valid_bundles_of_each_resource(doctor, patient):
    client = api(doctor)
    for name in ("Encounter", "Condition", "Observation", "Patient"):
        response = client.get(f"/fhir/R4/{name}", {"patient": patient.pk} if name != "Patient" else {})
        bundle = valid(response, kind="Bundle")
        assert bundle.type == "searchset" and bundle.entry, name
        assert {entry.resource.get_resource_type() for entry in bundle.entry} == {name}
        # A count is given where it is one query; an Observation's existence needs decrypting its entry.
        assert bundle.total == (None if name == "Observation" else len(bundle.entry)), name
    assert AuditEntry.objects.filter(event=queries.HEALTH_READ, actor=doctor, after__via="fhir").count() == 4


def test_observations_carry_the_loinc_codes_and_units(doctor, patient):
    bundle = api(doctor).get("/fhir/R4/Observation", {"patient": f"Patient/{patient.pk}"})
    valid(bundle, kind="Bundle")
    bundle = bundle.json()
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"]}
    assert set(by_code) == {fhir.BP_PANEL, fhir.GLUCOSE_MOLAR, fhir.WEIGHT}
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in by_code[fhir.BP_PANEL]["component"]}
    assert components[fhir.SYSTOLIC] == {"value": 150.0, "unit": "mmHg", "system": fhir.UCUM, "code": "mm[Hg]"}
    assert components[fhir.DIASTOLIC]["value"] == 95.0
    assert by_code[fhir.WEIGHT]["valueQuantity"]["value"] == 61.5
    only_weight = api(doctor).get("/fhir/R4/Observation", {"code": f"{fhir.LOINC}|{fhir.WEIGHT}"}).json()
    assert [e["resource"]["id"] for e in only_weight["entry"]] == [by_code[fhir.WEIGHT]["id"]]
    read = api(doctor).get(f"/fhir/R4/Observation/{by_code[fhir.BP_PANEL]['id']}")
    assert valid(read, kind="Observation").code.coding[0].code == fhir.BP_PANEL


def test_conditions_are_coded_in_icd10_and_searchable_by_code(doctor, patient):
    response = api(doctor).get("/fhir/R4/Condition", {"code": f"{fhir.ICD10}|I10"})
    valid(response, kind="Bundle")
    bundle = response.json()
    assert bundle["total"] == 1
    assert bundle["entry"][0]["resource"]["code"]["coding"][0] == {
        "system": fhir.ICD10, "code": "I10", "display": "Essential (primary) hypertension"}
    assert api(doctor).get("/fhir/R4/Condition", {"code": "E11"}).json()["total"] == 0


def test_encounters_search_by_date(doctor, patient):
    assert valid(api(doctor).get("/fhir/R4/Encounter", {"date": "ge2026-03-01"})).total == 1
    assert valid(api(doctor).get("/fhir/R4/Encounter", {"date": "lt2026-03-01"})).total == 0
    outcome(api(doctor).get("/fhir/R4/Encounter", {"date": "yesterday"}), 400)


def test_out_of_scope_reads_answer_404_and_visitors_401(other_doctor, patient, make_staff, org):
    librarian = make_staff(Role.LIBRARIAN, "librarian", neighborhood=org.huashan)
    for path in (f"/fhir/R4/Patient/{patient.pk}", f"/fhir/R4/Encounter/{Encounter.objects.get().pk}"):
        outcome(api(other_doctor).get(path), 404)
        outcome(api(librarian).get(path), 404)
        response = api().get(path)
        outcome(response, 401)
    assert valid(api(other_doctor).get("/fhir/R4/Patient")).total == 0
    outcome(api(librarian).get("/fhir/R4/Observation"), 404)
    assert not AuditEntry.objects.filter(event=queries.HEALTH_READ).exists()


def test_a_resident_reads_only_herself_through_fhir(resident, patient, make_person, centre, org):
    other = make_person("李梅", dwelling=org.huashan_dwellings[1], birth=dt.date(1958, 1, 1))
    actions.open_health_record(actor=centre, person=other)
    bundle = valid(api(resident).get("/fhir/R4/Patient"))
    assert [e.resource.id for e in bundle.entry] == [str(patient.pk)]
    outcome(api(resident).get(f"/fhir/R4/Patient/{other.pk}"), 404)


@pytest.mark.parametrize("query", [{"_count": "-5"}, {"_count": "9" * 40}, {"_count": "x"},
                                   {"identifier": "urn:oid:2.16.156.10011.1.3|"}, {"_id": "9" * 30},
                                   {"_cursor": "garbage"}, {"_cursor": "eyJ0IjogIlBhdGllbnQifQ"}])
def test_odd_search_parameters_never_cause_a_server_error(doctor, patient, query):
    response = api(doctor).get("/fhir/R4/Patient", query)
    assert response.status_code in (200, 400), response.content
    valid(response, response.status_code)


@pytest.mark.parametrize("path", ["/fhir/R4/Medication", "/fhir/R4/Patient/abc", "/fhir/R4/Observation/bp-x",
                                  "/fhir/R4/Observation/bp-99999999999999999999"])
def test_unknown_types_and_ids_answer_operation_outcomes(doctor, patient, path):
    outcome(api(doctor).get(path), 404)


