"""Events as the ingest stores them, for the tests of alarms and incidents (the ingest itself is tested apart)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from shequ.safety import alarms
from shequ.safety.choices import EventSource
from shequ.safety.models import Device, Event

T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def event(device: Device, kind: str, at: dt.datetime | None = None, **data: Any) -> Event:
    at = at or timezone.now()
    return Event.objects.create(
        device=device, event_id=uuid.uuid4().hex, kind=kind, occurred_at=at, received_at=at, source=EventSource.MQTT,
        data=data, subdistrict_id=device.subdistrict_id, neighborhood_id=device.neighborhood_id,
        compound_id=device.compound_id)


def happen(device: Device, kind: str, at: dt.datetime | None = None, **data: Any) -> Event:
    """Store one event and run the rules on it, as the ingest does."""
    stored = event(device, kind, at, **data)
    alarms.on_events([stored])
    return stored
