"""FHIR R4 endpoints under /fhir/R4/: read and search of Patient, Encounter, Condition, Observation, and
import of a transaction or batch Bundle (POST to the base).

Authentication is the API's (``Authorization: Token …`` or a session); scope is the rest of the health
app's (``queries``), so a family doctor reaches her contracted patients only, a resident herself, and no
other role anything. Every answer is FHIR JSON; every error an OperationOutcome with a 4xx status (a role
that may not, and a row out of scope, both answer 404), never a 500. Every read is audited per person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from pydantic import ValidationError
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.core.errors import DomainError, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can
from shequ.health import actions, fhir, queries
from shequ.health.choices import ConditionStatus, condition_for_icd10
from shequ.health.models import ChronicCondition, DiaryEntry, Encounter, HealthRecord
from shequ.population.models import Person

MODELS: dict[str, type[Model]] = {"Patient": HealthRecord, "Encounter": Encounter, "Condition": ChronicCondition,
                                  "Observation": DiaryEntry}
MAX_COUNT = 100
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               409: "conflict", 415: "not-supported", 429: "throttled"}


class FhirRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FhirJsonRenderer(JSONRenderer):
    """Plain ``application/json`` for clients that ask for it."""


class FhirParser(JSONParser):
    media_type = "application/fhir+json"


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every error as an OperationOutcome (the FHIR way), with the status the rest of the API would give."""
    if isinstance(exc, DomainError):
        return Response(fhir.outcome(str(exc.message), ISSUE_CODES.get(exc.status_code, "processing"),
                                     expression=exc.field), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    if isinstance(exc, drf_exceptions.APIException):
        code = exc.status_code
        headers = {}
        if isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
            code, headers = 401, {"WWW-Authenticate": "Token"}
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return Response(fhir.outcome(str(detail), ISSUE_CODES.get(code, "processing")), status=code,
                        headers=headers)
    raise exc


class FhirView(APIView):
    renderer_classes = [FhirRenderer, FhirJsonRenderer]
    parser_classes = [FhirParser, JSONParser]
    permission_classes = [IsAuthenticated]

    def get_exception_handler(self) -> Any:
        return fhir_exception_handler



def _model(resource_type: str, user: Any, action: str = "view") -> type[Model]:
    model = MODELS.get(resource_type)
    if model is None:
        raise NotFound(_("%(type)s is not served here; try Patient, Encounter, Condition or Observation.")
                       % {"type": resource_type})
    if not can(user, model, action):
        raise NotFound()
    return model


def _patient_id(value: str) -> int:
    pk = value.removeprefix("Patient/")
    if not pk.isdigit() or len(pk) > 18:
        raise Invalid(_("patient must be a Patient id."), field="patient")
    return int(pk)


DATE_PREFIXES = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


def _date_filter(values: list[str], column: str) -> Q:
    condition = Q()
    for value in values:
        prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError as exc:
            raise Invalid(_("date must look like 2026-03-01, optionally with ge, le, gt or lt before it."),
                          field="date") from exc
        condition &= Q(**{f"{column}{DATE_PREFIXES[prefix]}": day})
    return condition


def _doctor_names(people: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for person_id in people:
        contract = queries.active_contract(Person(pk=person_id))
        if contract is not None:
            names[person_id] = str(contract.doctor)
    return names


def _search(resource_type: str, user: Any, params: Any) -> tuple[list[dict[str, Any]], int, list[int]]:
    """Resources matching the search parameters, a page of them, their total, and the persons shown."""
    try:
        count = max(min(int(params.get("_count", 50)), MAX_COUNT), 0)
        offset = min(max(int(params.get("_offset", 0)), 0), 10**9)
    except (ValueError, OverflowError) as exc:
        raise Invalid(_("_count and _offset must be numbers."), field="_count") from exc
    patient = params.get("patient") or params.get("subject")
    if resource_type == "Patient":
        people: QuerySet[Person] = queries.health_people(user).order_by("id")
        if params.get("_id"):
            people = people.filter(pk=_patient_id(params["_id"]))
        if params.get("name"):
            people = people.filter(name__startswith=params["name"])
        if params.get("birthdate"):
            people = people.filter(_date_filter(params.getlist("birthdate"), "birth_date"))
        if params.get("identifier"):
            system, _sep, value = params["identifier"].rpartition("|")
            if (system and system != fhir.ID_CARD_SYSTEM) or not value.strip():
                raise Invalid(_("Only resident ID numbers (%(system)s) can be searched.")
                              % {"system": fhir.ID_CARD_SYSTEM}, field="identifier")
            index = Person._meta.get_field("id_number_index").index_for(value)  # type: ignore[attr-defined]
            people = people.filter(id_number_index=index)
        total = people.count()
        page = list(people[offset:offset + count])
        doctors = _doctor_names([p.pk for p in page])
        return [fhir.patient(p, doctors.get(p.pk)) for p in page], total, [p.pk for p in page]
    if resource_type == "Encounter":
        rows: QuerySet[Any] = queries.encounters(user).order_by("-occurred_on", "-id")
        if params.get("date"):
            rows = rows.filter(_date_filter(params.getlist("date"), "occurred_on"))
    elif resource_type == "Condition":
        rows = queries.conditions(user).order_by("id")
        if params.get("code"):
            code = condition_for_icd10(params["code"].rpartition("|")[2])
            rows = rows.filter(code=code) if code else rows.none()
        if params.get("clinical-status"):
            wanted = params["clinical-status"]
            rows = rows.filter(status=ConditionStatus.MANAGED if wanted == "active" else ConditionStatus.CLOSED)
    else:
        rows = queries.diary(user).order_by("-measured_at", "-id")
        if params.get("date"):
            rows = rows.filter(_date_filter(params.getlist("date"), "measured_at__date"))
    if patient:
        rows = rows.filter(person_id=_patient_id(patient))
    if resource_type == "Observation":
        # One diary entry is up to three Observations; which exist is only known after decryption.
        wanted_code = params.get("code", "").rpartition("|")[2]
        if wanted_code and wanted_code not in fhir.OBSERVATION_KINDS:
            return [], 0, []
        kind = fhir.OBSERVATION_KINDS.get(wanted_code)
        found = []
        people_shown: list[int] = []
        for entry in rows[:2000]:
            for resource in fhir.observations(entry):
                if kind is None or resource["id"].startswith(f"{kind}-"):
                    found.append(resource)
                    people_shown.append(entry.person_id)
        page_rows = found[offset:offset + count]
        return page_rows, len(found), people_shown[offset:offset + count]
    total = rows.count()
    page_objects = list(rows[offset:offset + count])
    convert = fhir.encounter if resource_type == "Encounter" else fhir.condition
    return [convert(row) for row in page_objects], total, [row.person_id for row in page_objects]


class MetadataView(FhirView):
    """The CapabilityStatement: what this server reads, searches and imports. Public, as FHIR expects."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        search = {
            "Patient": ["_id", "name", "birthdate", "identifier"],
            "Encounter": ["patient", "subject", "date"],
            "Condition": ["patient", "subject", "code", "clinical-status"],
            "Observation": ["patient", "subject", "code", "date"],
        }
        return Response({
            "resourceType": "CapabilityStatement", "status": "active", "date": dt.date.today().isoformat(),
            "kind": "instance", "fhirVersion": "4.0.1", "format": ["application/fhir+json"],
            "rest": [{
                "mode": "server",
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "resource": [{"type": name, "interaction": [{"code": "read"}, {"code": "search-type"}],
                              "searchParam": [{"name": p, "type": "token" if p != "date" else "date"}
                                              for p in params]}
                             for name, params in search.items()],
            }],
        })


class SearchView(FhirView):
    def get(self, request: Request, resource_type: str) -> Response:
        _model(resource_type, request.user)
        resources, total, people = _search(resource_type, request.user, request.query_params)
        queries.audit_read(request.user, people, resource_type, via="fhir")
        return Response({
            "resourceType": "Bundle", "type": "searchset", "total": total,
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": [{"fullUrl": request.build_absolute_uri(f"/fhir/R4/{r['resourceType']}/{r['id']}"),
                       "resource": r, "search": {"mode": "match"}} for r in resources],
        })


class ReadView(FhirView):
    def get(self, request: Request, resource_type: str, resource_id: str) -> Response:
        _model(resource_type, request.user)
        user = request.user
        if resource_type == "Observation":
            _kind, _sep, pk = resource_id.partition("-")
            entry = queries.diary(user).filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 19 else None
            resource = next((r for r in fhir.observations(entry) if r["id"] == resource_id), None) if entry else None
            person_id = entry.person_id if entry else 0
        elif not resource_id.isdigit() or len(resource_id) > 18:
            resource, person_id = None, 0
        elif resource_type == "Patient":
            person = queries.health_people(user).filter(pk=int(resource_id)).first()
            resource = fhir.patient(person, _doctor_names([person.pk]).get(person.pk)) if person else None
            person_id = person.pk if person else 0
        elif resource_type == "Encounter":
            row = queries.encounters(user).filter(pk=int(resource_id)).first()
            resource, person_id = (fhir.encounter(row), row.person_id) if row else (None, 0)
        else:
            found = queries.conditions(user).filter(pk=int(resource_id)).first()
            resource, person_id = (fhir.condition(found), found.person_id) if found else (None, 0)
        if resource is None:
            raise NotFound()
        queries.audit_read(user, [person_id], resource_type, via="fhir")
        return Response(resource)


class BundleView(FhirView):
    """POST a Bundle of type transaction (all or nothing) or batch (each entry on its own)."""

    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
            raise Invalid(_("POST a Bundle to the base URL."), field="resourceType")
        for model in MODELS.values():
            if not can(request.user, model, "add"):
                raise NotFound()
        from fhir.resources.R4B.bundle import Bundle

        try:
            Bundle.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise Invalid(f"{where}: {first['msg']}", field=f"Bundle.{where}") from exc
        if data.get("type") not in ("transaction", "batch"):
            raise Invalid(_("Only transaction and batch Bundles can be imported."), field="Bundle.type")
        entries = data.get("entry") or []
        if len(entries) > 1000:
            raise Invalid(_("At most 1000 entries per Bundle."), field="Bundle.entry")
        transaction_bundle = data["type"] == "transaction"
        items: list[fhir.ImportItem] = []
        parse_errors: dict[int, DomainError] = {}
        for index, entry in enumerate(entries):
            try:
                items.append(fhir.parse_entry(index, entry))
            except DomainError as parse_error:
                if transaction_bundle:
                    raise
                parse_errors[index] = parse_error
        actor = cast(User, request.user)
        results = {r.index: r for r in actions.import_bundle(actor=actor, items=items,
                                                             all_or_nothing=transaction_bundle)}
        response_entries = []
        for index in range(len(entries)):
            error: DomainError | None = parse_errors.get(index) or results[index].error
            if error is not None:
                response_entries.append({"response": {
                    "status": str(error.status_code),
                    "outcome": fhir.outcome(str(error.message), ISSUE_CODES.get(error.status_code, "processing"),
                                            expression=error.field)}})
                continue
            result = results[index]
            label = "Created" if result.status == 201 else "OK"
            response_entries.append({"response": {"status": f"{result.status} {label}", "location": result.location}})
        return Response({"resourceType": "Bundle", "type": f"{data['type']}-response", "entry": response_entries},
                        status=status.HTTP_200_OK)
