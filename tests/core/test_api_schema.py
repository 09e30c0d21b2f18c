"""The API does what its OpenAPI schema says: schemathesis over every operation, in process.

The schema is the one ``/api/v1/schema/`` serves (drf-spectacular with ``shequ.core.openapi.AutoSchema``).
Schemathesis generates requests for every operation from it and sends them to the Django WSGI application
in this process, as each of three callers: the sub-district administrator, a resident (both signed in with
a session and its CSRF token) and a canteen till (``Authorization: Terminal …``). Every answer must pass:

- ``not_a_server_error``: no 5xx, whatever the input;
- ``response_schema_conformance``: the body matches the schema of its status (errors included: the
  ``Error`` component that ``core/errors.py`` writes);
- ``status_code_conformance``: the status is one the operation documents (its 2xx and the 4xx that
  ``core/openapi.py`` works out from the view).

A second pass sends the administrator's requests that break the schema on purpose (schemathesis's
negative mode) and checks ``not_a_server_error`` only: invalid input gets a 4xx, never a 5xx.

No operation is left out. The run is bounded (``EXAMPLES`` generated requests per operation and caller,
no shrinking; ``SHEQU_SCHEMA_EXAMPLES`` raises it) and derandomized (Hypothesis derives the examples from
the test, not from a random seed), so it is the same run on every machine and takes well under two minutes.
All failures are collected and reported together, one entry per operation.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.apps import apps
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.color import no_style
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from shequ.cards import actions as card_actions
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.demo import builder
from shequ.dining.models import Canteen

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Generated requests per operation and caller; SHEQU_SCHEMA_EXAMPLES=50 makes a deeper run by hand.
EXAMPLES = int(os.environ.get("SHEQU_SCHEMA_EXAMPLES", "6"))
RESIDENTS = 60
MAX_ID = 80
# The statuses each operation answered in the current run: "GET /api/v1/people/" → [200, 400, …].
answered: dict[str, list[int]] = {}


@pytest.fixture
def api_schema() -> Any:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(ids_that_exist(raw))


def ids_that_exist(raw: dict[str, Any]) -> dict[str, Any]:
    """Integer ids in paths are drawn from 1..MAX_ID, where the demo's rows are, instead of anywhere in int64:
    otherwise nearly every generated request is a 404 and the 2xx bodies go unchecked. Only what is generated
    changes; answers are validated against the schema as served."""
    for operations in raw["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": MAX_ID}
    return raw


class Caller:
    """What one caller sends with every request: headers, and cookies for a browser's session."""

    def __init__(self, headers: dict[str, str], cookies: dict[str, str] | None = None) -> None:
        self.headers = headers
        self.cookies = cookies or {}


def signed_in(user: User) -> Caller:
    """A signed-in browser: the session cookie, and the CSRF cookie with the header that must match it."""
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Caller({"X-CSRFToken": csrf}, {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: csrf})


def run_every_operation(api_schema: Any, caller: Caller, mode: GenerationMode = GenerationMode.POSITIVE,
                        checks: list[Any] = CHECKS) -> list[str]:
    app = WSGIHandler()
    failures = []
    # Django closes the database connection after each request; the test's transaction must outlive them
    # (Django's test client disconnects the same handler).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        for result in api_schema.get_all_operations():
            api_operation = result.ok()
            try:
                run_operation(api_operation, caller, app, mode, checks)
            except Exception as exc:  # one entry per operation; the run goes on to the next
                failures.append(f"{api_operation.label}: {type(exc).__name__}\n{exc}")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return failures


def run_operation(api_operation: Any, caller: Caller, app: WSGIHandler, mode: GenerationMode,
                  checks: list[Any]) -> None:
    @hypothesis.settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                         report_multiple_bugs=False)
    @hypothesis.given(case=api_operation.as_strategy(mode))
    def call(case: Any) -> None:
        response = case.call_and_validate(headers=caller.headers, cookies=caller.cookies, checks=checks, app=app)
        answered.setdefault(api_operation.label, []).append(response.status_code)

    call()


@pytest.fixture
def demo(db: Any) -> None:
    """The demo sub-district (small): people, households, requests, cards, loans and meals with low ids,
    so generated ids find real rows and the 2xx answers are checked too, not only the 404s. On PostgreSQL
    the sequences go on counting across rolled-back tests: they restart after the rows that exist."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    builder.build(residents=RESIDENTS)


def staff(username: str) -> User:
    return User.objects.get(username=username)


def a_till() -> Caller:
    admin = staff("admin")
    canteen = Canteen.objects.order_by("pk").first()
    assert canteen is not None
    _, token = card_actions.register_terminal(actor=admin, name="schema till", kind="canteen_till",
                                              account=canteen.account)
    return Caller({"Authorization": f"Terminal {token}"})


def assert_keeps_to_the_schema(api_schema: Any, caller: Caller, reached: str) -> None:
    answered.clear()
    failures = run_every_operation(api_schema, caller)
    assert not failures, f"{len(failures)} operation(s) break the schema:\n\n" + "\n\n".join(failures)
    # The caller really was signed in: an operation it may use answered 200 at least once.
    assert 200 in answered.get(reached, []), f"{reached} never answered 200: {answered.get(reached)}"


def test_every_operation_keeps_to_the_schema_for_the_administrator(api_schema: Any, demo: None) -> None:
    assert_keeps_to_the_schema(api_schema, signed_in(staff("admin")), "GET /api/v1/people/")


def test_every_operation_keeps_to_the_schema_for_a_resident(api_schema: Any, demo: None) -> None:
    resident = User.objects.filter(role=Role.RESIDENT).order_by("pk").first()
    assert resident is not None
    assert_keeps_to_the_schema(api_schema, signed_in(resident), "GET /api/v1/service-requests/")


def test_every_operation_keeps_to_the_schema_for_a_terminal(api_schema: Any, demo: None) -> None:
    assert_keeps_to_the_schema(api_schema, a_till(), "GET /api/v1/terminal/menu/")




def test_no_operation_answers_invalid_input_with_a_server_error(api_schema: Any, demo: None) -> None:
    """Requests that break the schema on purpose (wrong types, missing fields, out-of-range values): the
    answer may be any 4xx, and Django's own 404 page for a path that does not match, but never a 5xx."""
    failures = run_every_operation(api_schema, signed_in(staff("admin")), GenerationMode.NEGATIVE,
                                   [not_a_server_error])
    assert not failures, f"{len(failures)} operation(s) answer a 5xx:\n\n" + "\n\n".join(failures)

def operation(raw: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = raw["paths"][path][method]
    return found


def test_terminal_operations_declare_the_terminal_scheme() -> None:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    scheme = raw["components"]["securitySchemes"]["Terminal"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert operation(raw, "post", "/api/v1/terminal/meals/")["security"] == [{"Terminal": []}]
    assert {"Terminal": []} in operation(raw, "post", "/api/v1/library/loans/")["security"]


def test_each_operation_documents_its_error_answers_with_the_error_body() -> None:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    error = {"$ref": "#/components/schemas/Error"}
    meal = operation(raw, "post", "/api/v1/terminal/meals/")["responses"]
    assert {"400", "401", "403", "404", "409"} <= set(meal)
    assert meal["409"]["content"]["application/json"]["schema"] == error
    people = operation(raw, "get", "/api/v1/people/")["responses"]
    assert {"400", "401", "403", "404"} <= set(people) and "409" not in people
    token = operation(raw, "post", "/api/v1/auth/token/")["responses"]
    assert "429" in token and "401" not in token  # throttled, and open to anyone
    catalogue = operation(raw, "get", "/api/v1/library/catalogue/{id}/")["responses"]
    assert "404" in catalogue and "401" not in catalogue
    assert set(raw["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}


def test_a_validation_error_from_drf_answers_the_one_error_body(admin: User) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin)
    response = client.get("/api/v1/people/", {"status": "no-such-status"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "status" and body["detail"]
    assert "status" in body["errors"]


def test_a_filter_moment_with_an_offset_postgresql_refuses_is_read_in_utc(admin: User) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin)
    response = client.get("/api/v1/service-requests/", {"created_after": "0523-05-24T19:22:44+19:09"})
    assert response.status_code == 200, response.content
    too_early = client.get("/api/v1/service-requests/", {"created_after": "0001-01-01T00:00:00+01:00"})
    assert too_early.status_code == 400 and too_early.json()["field"] == "created_after"
