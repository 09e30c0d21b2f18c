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

from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
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
from shequ.health import actions, fhir, fhir_search, queries
from shequ.health.models import ChronicCondition, DiaryEntry, Encounter, HealthRecord

MODELS: dict[str, type[Model]] = {"Patient": HealthRecord, "Encounter": Encounter, "Condition": ChronicCondition,
                                  "Observation": DiaryEntry}
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


def fhir_operation(operation_id: str, description: str, *, takes_bundle: bool = False) -> Any:
    """The OpenAPI entry of a FHIR interaction: its bodies are FHIR R4 JSON documents, defined by HL7 rather than by
    a serializer of this API."""
    return extend_schema(operation_id=operation_id, description=description,
                         request=OpenApiTypes.OBJECT if takes_bundle else None, responses={200: OpenApiTypes.OBJECT})


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


class MetadataView(FhirView):
    """The CapabilityStatement: what this server reads, searches and imports. Public, as FHIR expects."""

    permission_classes = [AllowAny]

    @fhir_operation("fhir_metadata", "The CapabilityStatement (FHIR R4 JSON).")
    def get(self, request: Request) -> Response:
        creates = {"Encounter", "Observation"}  # written by a transaction or batch Bundle, conditionally
        resources = []
        for name, params in fhir_search.PARAMETERS.items():
            resource: dict[str, Any] = {
                "type": name, "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [{"name": param, "type": kind} for param, kind in params.items()],
            }
            if name in creates:
                resource["conditionalCreate"] = True
            resources.append(resource)
        return Response({
            "resourceType": "CapabilityStatement", "status": "active", "date": dt.date.today().isoformat(),
            "kind": "instance", "fhirVersion": "4.0.1", "format": ["application/fhir+json"],
            "implementation": {"description": "Shequ community health", "url": request.build_absolute_uri("/fhir/R4")},
            "rest": [{
                "mode": "server",
                "documentation": "Bundles (transaction or batch) POSTed to the base create Encounter, Condition "
                                 "and Observation entries conditionally: ifNoneExist (identifier=system|value), "
                                 "else the resource's identifier, else its content, so a re-sent Bundle writes "
                                 "nothing twice. Quantities must be UCUM (mm[Hg] or kPa; mmol/L, mg/dL or g/L; "
                                 "kg, g or [lb_av]). Searches page with next/previous links; _count is at most "
                                 f"{fhir_search.MAX_COUNT}.",
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "resource": resources,
            }],
        })


class SearchView(FhirView):
    @fhir_operation("fhir_search", "A searchset Bundle (FHIR R4 JSON), paged by its next link.")
    def get(self, request: Request, resource_type: str) -> Response:
        _model(resource_type, request.user)
        page = fhir_search.search(resource_type, request.user, request.query_params)
        queries.audit_read(request.user, page.people, resource_type, via="fhir")
        links = [{"relation": "self", "url": request.build_absolute_uri()}]
        for relation, cursor in (("next", page.next_cursor), ("previous", page.previous_cursor)):
            if cursor:
                params = request.query_params.copy()
                params["_cursor"] = cursor
                links.append({"relation": relation,
                              "url": request.build_absolute_uri(f"{request.path}?{params.urlencode()}")})
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
        if page.total is not None:
            bundle["total"] = page.total
        bundle["link"] = links
        bundle["entry"] = [{"fullUrl": request.build_absolute_uri(f"/fhir/R4/{r['resourceType']}/{r['id']}"),
                            "resource": r, "search": {"mode": "match"}} for r in page.resources]
        return Response(bundle)


class ReadView(FhirView):
    @fhir_operation("fhir_read", "One resource (FHIR R4 JSON).")
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
            resource = fhir_search.patient_resource(person) if person else None
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

    @fhir_operation("fhir_bundle", "A transaction-response or batch-response Bundle (FHIR R4 JSON).", takes_bundle=True)
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
