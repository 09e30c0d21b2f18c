"""The OpenAPI schema's shared parts: the error answers of every operation and the ``Terminal`` scheme.

Every operation documents the 4xx answers it can give, worked out once here from what the view is (method,
parameters, authentication, permissions, throttles) instead of per view, with the error body that
:func:`shequ.core.errors.api_exception_handler` writes. A client generated from the schema then knows the
error shape, and the schemathesis run (tests/core/test_api_schema.py) checks that no operation answers a
status its schema does not list.

Kept apart from ``core/drf.py``: DRF imports that module (the pagination class) while ``rest_framework.generics``
is still loading, and drf-spectacular's ``AutoSchema`` imports ``rest_framework.generics``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny

from shequ.core.errors import api_exception_handler

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_DESCRIPTIONS = {
    "400": "The request is invalid: `detail` says why, `field` names the first field in error and `errors` "
           "holds every field's messages.",
    "401": "No credentials, or credentials the platform does not accept.",
    "403": "Signed in, but not allowed to do this (or a session request without its CSRF token).",
    "404": "Missing, or outside what the caller may see: the two are never told apart.",
    "409": "The request conflicts with the record's current state, or reuses an idempotency key for a "
           "different request.",
    "429": "Too many requests: wait for the time the `Retry-After` header gives.",
}


# The body of every 4xx answer of the platform's API (``core/errors.py``), as the ``Error`` component. Built with
# inline_serializer because a declared field named ``errors`` would shadow ``Serializer.errors`` for type checkers.
ErrorSerializer = inline_serializer("Error", {
    "detail": serializers.CharField(help_text="What went wrong, in the user's language."),
    "code": serializers.CharField(
        help_text="For programs: invalid, parse_error, not_authenticated, authentication_failed, "
                  "permission_denied, forbidden, not_found, conflict, throttled, …"),
    "field": serializers.CharField(required=False, help_text="The first input field in error."),
    "errors": serializers.JSONField(required=False, help_text="Every field's messages, on a validation error."),
})


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema with each operation's error answers added (``DEFAULT_SCHEMA_CLASS``)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self.error_codes(operation):
            if code not in responses:
                responses[code] = self._error_response(code)
        return operation

    def error_codes(self, operation: dict[str, Any]) -> list[str]:
        """The 4xx statuses this operation can answer, judged from the view and the operation."""
        unsafe = self.method in UNSAFE_METHODS
        parameters = operation.get("parameters", [])
        has_path_parameter = any(p.get("in") == "path" for p in parameters)
        # A hand-written APIView reads query parameters the schema may not list; a generic view's are listed.
        reads_own_input = not isinstance(self.view, GenericAPIView)
        has_input = (unsafe or "requestBody" in operation or reads_own_input
                     or any(p.get("in") == "query" for p in parameters))
        needs_auth = self._needs_authentication()
        codes = []
        if has_input:
            codes.append("400")
        if needs_auth:
            codes += ["401", "403", "404"]  # scope and role checks both answer 404
        elif has_path_parameter:
            codes.append("404")
        if unsafe and needs_auth:
            codes.append("409")  # actions refuse writes that conflict with the current state
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        # DRF drops ``allow_blank`` from read-only model fields, so a choice column that may be empty (a
        # moved-out person's ``relationship``) would be documented as an enum without "": say it may be "".
        if isinstance(field, serializers.ChoiceField) and field.read_only and _model_field_allows_blank(field):
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _needs_authentication(self) -> bool:
        permissions = self.view.get_permissions()
        return bool(permissions) and not any(isinstance(permission, AllowAny) for permission in permissions)

    def _error_response(self, code: str) -> dict[str, Any]:
        if self.view.get_exception_handler() is not api_exception_handler:
            # A view with its own error format (FHIR answers OperationOutcome): its body is its own.
            return {"description": ERROR_DESCRIPTIONS[code], "content": {
                media: {"schema": {"type": "object", "description": "The view's own error body."}}
                for media in self.map_renderers("media_type")}}
        response: dict[str, Any] = self._get_response_for_code(ErrorSerializer, code)
        response["description"] = ERROR_DESCRIPTIONS[code]
        return response


def _model_field_allows_blank(field: serializers.Field[Any, Any, Any, Any]) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return bool(getattr(model_field, "blank", False))


class TerminalAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The ``Terminal`` security scheme: a till, desk or kiosk sends ``Authorization: Terminal <token>``."""

    target_class = "shequ.cards.api.TerminalAuthentication"
    name = "Terminal"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A registered device's token, sent as `Authorization: Terminal <token>` "
                           "(`shequ register-terminal` prints it once).",
        }
