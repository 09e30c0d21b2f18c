"""Alarm rules: what the ingest's events and the devices' silences become (alarms, grouped into incidents).

The ingest calls these inside the transaction that stored the events or changed the device's availability.
"""

from __future__ import annotations

import datetime as dt

from shequ.safety.models import Device, Event


def on_events(events: list[Event]) -> None:
    """Apply the alarm rules to newly stored events (a batch, in the order they were stored)."""


def on_availability(device: Device, *, online: bool, at: dt.datetime) -> None:
    """A device went offline (an alarm) or came back (which may settle its offline incident)."""
