"""Domain errors raised by actions and queries, and the one place that maps them to HTTP."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A request the platform understood but will not carry out; the message is for the user."""

    status_code = 400
    code = "invalid"
    default_message = _("The request cannot be carried out.")

    def __init__(self, message: Any = None, *, field: str | None = None, details: Any = None) -> None:
        self.message = message or self.default_message
        self.field = field
        self.details = details
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing, or outside what the user may see: the two are never told apart."""

    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    """The user may see the object but not do this to it."""

    status_code = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = _("This conflicts with the current state of the record.")


class Invalid(DomainError):
    status_code = 400
    code = "invalid"


def error_body(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": str(exc.message), "code": exc.code}
    if exc.field:
        body["field"] = exc.field
    if exc.details is not None:
        body["errors"] = exc.details
    return body


def _first_message(errors: Any) -> tuple[str | None, str]:
    """The first field in error and its first message, from DRF's nested ``{field: [message]}`` errors."""
    field = None
    while isinstance(errors, (dict, list)) and errors:
        if isinstance(errors, dict):
            key, errors = next(iter(errors.items()))
            if field is None and key != "non_field_errors":
                field = str(key)
        else:
            errors = errors[0]
    return field, str(errors)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF handler: every 4xx answer has one body, ``{detail, code, field?, errors?}`` (the OpenAPI ``Error``)."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(error_body(Invalid("; ".join(exc.messages), details=exc.messages)),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (Http404, DjangoPermissionDenied)):
        exc = drf_exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, drf_exceptions.APIException):
        return response
    codes = exc.get_codes()
    if isinstance(exc.detail, (dict, list)):
        field, message = _first_message(exc.detail)
        body: dict[str, Any] = {"detail": message, "code": "invalid", "errors": response.data}
        if field:
            body["field"] = field
        response.data = body
    elif isinstance(response.data, dict) and "code" not in response.data:
        response.data["code"] = codes if isinstance(codes, str) else "invalid"
    return response
