"""The HTTP ingest, for devices that cannot speak MQTT: the same action as the MQTT consumer.

Authenticated by the device's own secret and nothing else: ``Authorization: Device <device ID>:<secret>``
(the secret issued once by the registry, checked against its hash; revoked or wrong → 401).

- ``POST /api/v1/devices/events/``: one event (the envelope of docs/devices.md) or a list of up to
  :data:`MAX_EVENTS`; answers 202 with one result per event, in order: ``stored``, ``duplicate`` (already
  stored: acknowledged and ignored, so a device simply retries what it is not sure was received),
  ``heartbeat`` (kept as a sign of life, not stored) or ``rejected`` with the ``reason`` (the event went to
  the dead letters, where an administrator can replay it; resending it unchanged will not help).
- ``POST /api/v1/devices/status/``: ``{"status": "online"|"offline"}``, the HTTP form of the MQTT birth
  and last-will messages (a device about to shut down says so).

A body that is not JSON, or is empty, is a 400 (there is nothing to keep). Requests are limited per device
(``SHEQU_SAFETY_DEVICE_HTTP_RATE``, 120 a minute by default: a device batches its events).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from shequ.core.errors import Invalid
from shequ.safety.actions.ingest import DEAD, Message, ingest
from shequ.safety.choices import EventSource
from shequ.safety.models import Device
from shequ.safety.queries.ingest import device_by_secret
from shequ.safety.schemas import openapi_event

MAX_EVENTS = 500


class DeviceAuthentication(BaseAuthentication):
    """``Authorization: Device <device ID>:<secret>``: the request is the device's, with no user behind it."""

    keyword = "Device"

    def authenticate(self, request: Request) -> tuple[Any, Device] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        code, colon, secret = (parts[1].decode(errors="replace") if len(parts) == 2 else "").partition(":")
        if not (code and colon and secret):
            raise AuthenticationFailed(_("Send Authorization: Device <device ID>:<secret>."))
        device = device_by_secret(code, secret)
        if device is None:
            raise AuthenticationFailed(_("Unknown device, wrong secret, or a revoked secret."))
        return AnonymousUser(), device

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsDevice(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Device)


class DeviceRateThrottle(SimpleRateThrottle):
    """Per device (per address before it has signed in)."""

    scope = "device"

    def get_rate(self) -> str:
        return str(settings.SAFETY_DEVICE_HTTP_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = f"device-{request.auth.pk}" if isinstance(request.auth, Device) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The ``Device`` security scheme of the OpenAPI schema."""

    target_class = "shequ.safety.device_api.DeviceAuthentication"
    name = "Device"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "A device's own secret, sent as `Authorization: Device <device ID>:<secret>` "
                               "(issued once by the device registry; the same secret as for MQTT)."}


class DeviceView(APIView):
    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = [DeviceRateThrottle]
    parser_classes = [JSONParser]


RESULTS = inline_serializer("DeviceEventResult", many=True, fields={
    "event_id": serializers.CharField(help_text="The event's id as sent (empty if it had none)."),
    "status": serializers.ChoiceField(choices=["stored", "duplicate", "heartbeat", "rejected"]),
    "reason": serializers.CharField(help_text="Why it was rejected (empty otherwise)."),
})
EVENTS_ANSWER = inline_serializer("DeviceEventsAccepted", {
    "results": RESULTS,
    "stored": serializers.IntegerField(),
    "duplicates": serializers.IntegerField(),
    "rejected": serializers.IntegerField(),
})
EVENTS_REQUEST = {"application/json": {"oneOf": [
    openapi_event(), {"type": "array", "items": openapi_event(), "minItems": 1, "maxItems": MAX_EVENTS}]}}


def _event_id(item: Any) -> str:
    value = item.get("event_id") if isinstance(item, dict) else None
    return value[:64] if isinstance(value, str) else ""


class DeviceEventsView(DeviceView):
    @extend_schema(request=EVENTS_REQUEST, responses={202: EVENTS_ANSWER}, tags=["devices"],
                   summary="A device sends one event or a batch")
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, Device)
        body = request.data
        items = body if isinstance(body, list) else [body]
        if not items or body == {}:
            raise Invalid(_("Send one event (a JSON object) or a list of events."))
        if len(items) > MAX_EVENTS:
            raise Invalid(_("At most %(count)s events a request.") % {"count": MAX_EVENTS})
        messages = [Message(request.auth, json.dumps(item, ensure_ascii=False).encode(), "events")
                    for item in items]
        outcomes = ingest(source=EventSource.HTTP, messages=messages)
        results = [{"event_id": outcome.event_id or _event_id(item),
                    "status": "rejected" if outcome.status == DEAD else outcome.status,
                    "reason": outcome.reason} for item, outcome in zip(items, outcomes, strict=True)]
        return Response({"results": results,
                         "stored": sum(r["status"] == "stored" for r in results),
                         "duplicates": sum(r["status"] == "duplicate" for r in results),
                         "rejected": sum(r["status"] == "rejected" for r in results)},
                        status=status.HTTP_202_ACCEPTED)


class DeviceStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["online", "offline"])


class DeviceStatusView(DeviceView):
    @extend_schema(request=DeviceStatusSerializer, tags=["devices"],
                   summary="A device says it is online or going offline",
                   responses={202: inline_serializer("DeviceStatusAccepted", {
                       "status": serializers.ChoiceField(choices=["online", "offline"]),
                       "availability": serializers.ChoiceField(choices=["unknown", "online", "offline"])})})
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, Device)
        form = DeviceStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        said = form.validated_data["status"]
        [outcome] = ingest(source=EventSource.HTTP, messages=[Message(request.auth, said.encode(), "status")])
        if outcome.status == DEAD:  # the device was retired between signing in and now
            raise Invalid(outcome.reason)
        device = outcome.device or request.auth
        return Response({"status": said, "availability": device.availability}, status=status.HTTP_202_ACCEPTED)


def device_urls() -> list[Any]:
    return [
        path("devices/events/", DeviceEventsView.as_view(), name="device-events"),
        path("devices/status/", DeviceStatusView.as_view(), name="device-status"),
    ]
