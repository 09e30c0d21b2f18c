"""Commands to devices (block a credential, unlock a reader …), sent through the outbox as MQTT messages.

An action calls :func:`send_command` in its own transaction; the outbox's worker publishes the message to the
device's ``commands`` topic with QoS 1 and retries while the broker is unreachable, so a command exists exactly
when the action happened and is not lost across a crash. The recipient of an ``mqtt`` outbox message is the
topic; its text is the JSON payload.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models

from shequ.core import outbox
from shequ.core.models import OutboxMessage
from shequ.safety.models import Device

if TYPE_CHECKING:  # paho declares its auth dict for type checkers only
    from paho.mqtt.publish import AuthParameter


def topic(device: Device, channel: str) -> str:
    """``<prefix>/<sub-district code>/<device ID>/<channel>``: the one topic scheme of docs/devices.md."""
    return f"{settings.MQTT_TOPIC_PREFIX}/{device.subdistrict.code}/{device.code}/{channel}"


def send_command(*, device: Device, command: str, data: dict[str, Any], event: str,
                 obj: models.Model | None = None) -> OutboxMessage:
    """Queue ``command`` for ``device``, in the caller's transaction; the device sees ``{"id", "command", "data"}``."""
    payload = json.dumps({"id": uuid.uuid4().hex, "command": command, "data": data}, ensure_ascii=False,
                         sort_keys=True)
    [message] = outbox.enqueue(channel="mqtt", to=topic(device, "commands"), text=payload, event=event,
                               obj=obj or device, subdistrict_id=device.subdistrict_id, sensitive=False)
    return message


def broker_address() -> tuple[str, int, str | None, str | None]:
    """Host, port, user name and password of ``SHEQU_MQTT_URL``."""
    url = urlsplit(settings.MQTT_URL)
    if url.scheme not in {"mqtt", "tcp"} or not url.hostname:
        raise ValueError("SHEQU_MQTT_URL must look like mqtt://user:password@host:1883")
    return url.hostname, url.port or 1883, url.username, url.password


def publish(recipient: str, text: str) -> None:
    """The outbox sender of the ``mqtt`` channel: publish ``text`` to the topic ``recipient`` with QoS 1."""
    from paho.mqtt import publish as mqtt_publish

    if not settings.MQTT_URL:
        raise outbox.Undeliverable("no broker: SHEQU_MQTT_URL is not set")
    host, port, username, password = broker_address()
    auth: AuthParameter | None = None
    if username:
        auth = {"username": username, "password": password or ""}
    mqtt_publish.single(recipient, payload=text.encode(), qos=1, hostname=host, port=port, auth=auth,
                        client_id=f"shequ-outbox-{uuid.uuid4().hex[:12]}")


def same_topic(recipient: str) -> str:
    return recipient.strip()
