"""Calling the FHIR endpoints in tests, and checking that every answer is valid FHIR R4 (fhir.resources)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from rest_framework.test import APIClient

from shequ.core.actions import issue_api_token
from shequ.health import fhir

FHIR_JSON = "application/fhir+json"


def api(user: Any = None, token: bool = False) -> APIClient:
    client = APIClient()
    if user is not None and token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(actor=user, user=user)[1]}")
    elif user is not None:
        client.force_authenticate(user)
    return client


def valid(response: Any, status: int = 200, kind: str | None = None) -> Any:
    """The answer parsed with the R4B model of its resourceType (a Bundle's entries and their outcomes are
    validated with it); fails on a wrong status, content type or anything that is not valid FHIR."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    model = get_fhir_model_class(body["resourceType"]).model_validate(body)
    if kind is not None:
        assert body["resourceType"] == kind, body
    if isinstance(model, Bundle):
        for entry in model.entry or []:
            if entry.response is not None and entry.response.outcome is not None:
                assert entry.response.outcome.get_resource_type() == "OperationOutcome"
    return model


def bundle(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def post(resource: dict[str, Any], full_url: str | None = None, if_none_exist: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
    if full_url:
        entry["fullUrl"] = full_url
    if if_none_exist:
        entry["request"]["ifNoneExist"] = if_none_exist
    return entry


def patient_entry(person: Any) -> dict[str, Any]:
    return post({"resourceType": "Patient", "identifier": [{"system": fhir.ID_CARD_SYSTEM,
                                                           "value": person.id_number}]}, "urn:uuid:p1")


def quantity(value: float, code: str, system: str | None = fhir.UCUM) -> dict[str, Any]:
    found: dict[str, Any] = {"value": value, "unit": code, "code": code}
    if system:
        found["system"] = system
    return found


def observation(loinc: str, value: dict[str, Any], when: str = "2026-02-10T09:00:00+08:00",
                subject: str = "urn:uuid:p1", **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": fhir.LOINC, "code": loinc}]},
            "subject": {"reference": subject}, "effectiveDateTime": when, "valueQuantity": value, **extra}


def blood_pressure(systolic: dict[str, Any], diastolic: dict[str, Any],
                   when: str = "2026-02-10T09:00:00+08:00") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": fhir.LOINC, "code": fhir.BP_PANEL}]},
            "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": when,
            "component": [
                {"code": {"coding": [{"system": fhir.LOINC, "code": fhir.SYSTOLIC}]}, "valueQuantity": systolic},
                {"code": {"coding": [{"system": fhir.LOINC, "code": fhir.DIASTOLIC}]}, "valueQuantity": diastolic},
            ]}


def clinic_bundle(person: Any, kind: str = "transaction") -> dict[str, Any]:
    """A clinic's visit: an encounter, the patient, a diabetes diagnosis and a glucose of 306 mg/dL."""
    return bundle(
        kind,
        post({"resourceType": "Encounter", "status": "finished", "identifier": [{"value": "HIS-778"}],
              "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
              "subject": {"reference": "urn:uuid:p1"}, "period": {"start": "2026-02-10"},
              "serviceProvider": {"display": "华山医院"}, "reasonCode": [{"text": "胸闷"}]}),
        patient_entry(person),
        post({"resourceType": "Condition", "code": {"coding": [{"system": fhir.ICD10, "code": "E11.9"}]},
              "subject": {"reference": "urn:uuid:p1"}, "onsetDateTime": "2024-06-01"}),
        post(observation(fhir.GLUCOSE_MASS, quantity(306, "mg/dL"))),
    )
