"""Accepting device messages — the one action behind the MQTT consumer and the HTTP ingest — and what follows.

:func:`ingest` takes a batch of messages, each addressed by its MQTT topic
(``<prefix>/<sub-district code>/<device ID>/<channel>``) or by the device that signed in over HTTP, and:

- resolves the device; a message of an unknown, revoked or retired device goes to the dead letters;
- ``events``: checks the payload against its kind's schema (:mod:`shequ.safety.schemas`) and stores each
  event ONCE: ``INSERT … ON CONFLICT (device, event_id) DO NOTHING RETURNING`` (PostgreSQL, and SQLite
  since 3.35), so a resend — a QoS 1 redelivery, an HTTP retry — is acknowledged and ignored without a
  lookup per event and without a race between two consumers; heartbeats are not stored;
- ``heartbeat``: the device is alive; ``status``: the broker's birth (``online``) / last-will (``offline``);
- updates ``last_seen_at`` and availability, calling :func:`shequ.safety.alarms.on_availability` on each
  change and :func:`shequ.safety.alarms.on_events` with the new events, in the same transaction, so an
  event exists exactly when its rules ran;
- a door heard from for the first time (new, or back in service) is sent its building's door credentials.

A message that cannot be accepted never raises out of :func:`ingest`: it becomes a :class:`DeadLetter` with
the reason, which an administrator replays (after registering the device, or correcting the payload) or
discards. Only a database that cannot be reached raises, so that the MQTT consumer does not acknowledge and
the broker delivers again.

Ingest is the system's own writing, not a person's: it is not audited row by row (the event is its own
record). Replaying and discarding dead letters are administrators' acts and are audited.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict
from shequ.core.models import Subdistrict, User
from shequ.core.scopes import get_visible
from shequ.safety import alarms
from shequ.safety.actions import credentials
from shequ.safety.choices import (
    Availability,
    DeadLetterReason,
    DeadLetterStatus,
    DeviceKind,
    EventKind,
    EventSource,
)
from shequ.safety.models import DeadLetter, Device, Event
from shequ.safety.schemas import PayloadError, parse_event, parse_status

logger = logging.getLogger("shequ.safety.ingest")

DEAD_LETTER_REPLAYED = "safety.dead_letter_replayed"
DEAD_LETTER_DISCARDED = "safety.dead_letter_discarded"

CHANNELS = ("events", "status", "heartbeat")
# A device is offline once it has been silent for this many heartbeats (GB/T 28181: 3 × 60 s for cameras).
SILENT_HEARTBEATS = 3
PRUNE_BATCH = 5000
# One run of the pruning job deletes at most this many batches, so that it never holds the worker for long;
# what is left is pruned at the next run.
PRUNE_MAX_BATCHES = 20

# Outcomes of one message.
STORED = "stored"
DUPLICATE = "duplicate"
HEARTBEAT = "heartbeat"
STATUS = "status"
DEAD = "dead_letter"


@dataclass(frozen=True)
class Message:
    """One message to ingest: its MQTT topic, or the device that sent it over HTTP with the channel."""

    target: str | Device
    payload: bytes
    channel: str = "events"


@dataclass
class Outcome:
    """What became of one message, in the order they came."""

    status: str
    event_id: str = ""
    reason: str = ""
    problem: str = ""
    event: Event | None = None
    dead_letter: DeadLetter | None = None
    device: Device | None = None


@dataclass
class _Batch:
    source: str
    now: dt.datetime
    keep_dead_letters: bool
    outcomes: list[Outcome] = field(default_factory=list)
    rows: list[tuple[int, Event]] = field(default_factory=list)  # (index of its outcome, unsaved event)
    dead: list[tuple[int, DeadLetter]] = field(default_factory=list)
    changed: dict[int, Device] = field(default_factory=dict)
    transitions: list[tuple[Device, bool]] = field(default_factory=list)
    # Doors heard from for the first time (new, or back in service): they are sent their building's credentials.
    first_heard: list[Device] = field(default_factory=list)


def _as_message(item: Message | tuple[Any, ...]) -> Message:
    return item if isinstance(item, Message) else Message(*item)


def split_topic(topic: str) -> tuple[str, str, str] | None:
    """(sub-district code, device ID, channel) of a topic of the scheme, or None."""
    parts = topic.split("/")
    prefix = settings.MQTT_TOPIC_PREFIX.split("/")
    if len(parts) != len(prefix) + 3 or parts[:len(prefix)] != prefix:
        return None
    subdistrict, code, channel = parts[len(prefix):]
    if not subdistrict or not code or channel not in CHANNELS:
        return None
    return subdistrict, code, channel


def ingest(*, source: str, messages: Sequence[Message | tuple[Any, ...]],
           now: dt.datetime | None = None) -> list[Outcome]:
    """Accept ``messages`` (one outcome each, in order); never raises for a message, only for a database down.

    The batch is one transaction. Should anything in it fail unexpectedly (a rule's bug, say), each message
    is tried again alone, and the one that fails alone goes to the dead letters: one poisoned message never
    holds up the others, nor the consumer.
    """
    batch = [_as_message(item) for item in messages]
    if not batch:
        return []
    now = now or timezone.now()
    try:
        return _ingest_atomic(source, batch, now)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("ingest of a batch of %s messages failed; trying them one by one", len(batch))
    outcomes: list[Outcome] = []
    for message in batch:
        try:
            outcomes += _ingest_atomic(source, [message], now)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            logger.exception("a message could not be processed; it goes to the dead letters")
            reason = f"{type(exc).__name__}: {exc}"
            try:
                outcomes.append(_dead_letter_alone(source, message, now, reason))
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                # Not even a dead letter could keep it: logged, so that the consumer is never stuck on it.
                logger.exception("message dropped, not even kept as a dead letter: %r", message.payload[:2000])
                outcomes.append(Outcome(DEAD, reason=reason, problem=DeadLetterReason.FAILED))
    return outcomes


def _ingest_atomic(source: str, messages: list[Message], now: dt.datetime) -> list[Outcome]:
    with transaction.atomic(durable=True):
        return _process(messages, source=source, now=now, keep_dead_letters=True)


@transaction.atomic(durable=True)
def _dead_letter_alone(source: str, message: Message, now: dt.datetime, reason: str) -> Outcome:
    batch = _Batch(source=source, now=now, keep_dead_letters=True)
    device = message.target if isinstance(message.target, Device) else None
    _refuse(batch, message, DeadLetterReason.FAILED, reason[:2000], device=device)
    _save_dead_letters(batch)
    return batch.outcomes[0]


def _process(messages: list[Message], *, source: str, now: dt.datetime, keep_dead_letters: bool) -> list[Outcome]:
    """The work of :func:`ingest`, in the caller's transaction."""
    batch = _Batch(source=source, now=now, keep_dead_letters=keep_dead_letters)
    devices = _devices_of(messages)
    seen: dict[tuple[int, str], int] = {}  # (device, event_id) → index of the first in this batch
    for message in messages:
        if isinstance(message.target, Device):
            device: Device | None = devices.get(("", message.target.pk))
            channel = message.channel
            if device is None:  # deleted since it signed in
                _refuse(batch, message, DeadLetterReason.UNKNOWN_DEVICE, "the device is no longer registered")
                continue
        else:
            parts = split_topic(message.target)
            if parts is None:
                _refuse(batch, message, DeadLetterReason.UNKNOWN_TOPIC,
                        f"topic is not {settings.MQTT_TOPIC_PREFIX}/<sub-district>/<device ID>/"
                        f"<{'|'.join(CHANNELS)}>")
                continue
            subdistrict_code, code, channel = parts
            device = devices.get((subdistrict_code, code))
            if device is None:
                _refuse(batch, message, DeadLetterReason.UNKNOWN_DEVICE,
                        f"no device {code} in sub-district {subdistrict_code}")
                continue
        if device.secret_revoked_at is not None or not device.active:
            _refuse(batch, message, DeadLetterReason.DEVICE_REVOKED,
                    "the device's secret is revoked" if device.active else "the device is out of service",
                    device=device)
            continue
        try:
            if channel == "status":
                if parse_status(message.payload):
                    _seen(batch, device)
                else:
                    _went_offline(batch, device)
                batch.outcomes.append(Outcome(STATUS, device=device))
            elif channel == "heartbeat":
                _seen(batch, device)
                batch.outcomes.append(Outcome(HEARTBEAT, device=device))
            else:
                envelope = parse_event(message.payload, device_kind=device.kind, now=now)
                _seen(batch, device)
                if envelope.kind == EventKind.HEARTBEAT:
                    batch.outcomes.append(Outcome(HEARTBEAT, event_id=envelope.event_id, device=device))
                    continue
                key = (device.pk, envelope.event_id)
                if key in seen:
                    batch.outcomes.append(Outcome(DUPLICATE, event_id=envelope.event_id, device=device))
                    continue
                seen[key] = len(batch.outcomes)
                batch.outcomes.append(Outcome(STORED, event_id=envelope.event_id, device=device))
                batch.rows.append((seen[key], Event(
                    device=device, event_id=envelope.event_id, kind=envelope.kind.value,
                    occurred_at=envelope.occurred_at, received_at=now, source=source, data=envelope.data,
                    subdistrict_id=device.subdistrict_id, neighborhood_id=device.neighborhood_id,
                    compound_id=device.compound_id)))
        except PayloadError as error:
            _refuse(batch, message, error.problem, error.reason, device=device)
    new_events = _store_once(batch)
    _save_devices(batch)
    _save_dead_letters(batch)
    for device, online in batch.transitions:
        alarms.on_availability(device, online=online, at=now)
    for door in batch.first_heard:
        credentials.load_door(door=door)
    if new_events:
        alarms.on_events(new_events)
    return batch.outcomes


def _devices_of(messages: Iterable[Message]) -> dict[tuple[str, Any], Device]:
    """The devices the messages name, locked for their availability update: by (sub-district code, ID) for a
    topic, by ("", pk) for a device that signed in."""
    codes: set[str] = set()
    pks: set[int] = set()
    for message in messages:
        if isinstance(message.target, Device):
            pks.add(message.target.pk)
        elif (parts := split_topic(message.target)) is not None:
            codes.add(parts[1])
    found: dict[tuple[str, Any], Device] = {}
    if not codes and not pks:
        return found
    query = Device.objects.none()
    if codes:
        query = query | Device.objects.filter(code__in=codes)
    if pks:
        query = query | Device.objects.filter(pk__in=pks)
    # In pk order, so that two batches locking the same doors never wait on each other in a circle.
    for device in query.select_related("subdistrict").select_for_update(of=("self",)).order_by("pk"):
        found[(device.subdistrict.code, device.code)] = device
        found[("", device.pk)] = device
    return found


def _refuse(batch: _Batch, message: Message, problem: str, reason: str, *, device: Device | None = None) -> None:
    if isinstance(message.target, Device):
        device = device or message.target
        from shequ.safety.commands import topic as topic_of

        topic = topic_of(device, message.channel)
    else:
        topic = message.target
    text = as_text(message.payload)
    letter = DeadLetter(received_at=batch.now, source=batch.source, topic=topic[:255], payload=text, reason=reason,
                        problem=problem, device=device,
                        subdistrict_id=device.subdistrict_id if device is not None else None)
    batch.outcomes.append(Outcome(DEAD, reason=reason, problem=problem, dead_letter=letter, device=device))
    batch.dead.append((len(batch.outcomes) - 1, letter))


def as_text(payload: bytes) -> str:
    """A payload as text a database column keeps: bytes that are not UTF-8 and NUL (which PostgreSQL's text
    refuses) are written as ``\\xNN`` escapes."""
    return payload.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def _seen(batch: _Batch, device: Device) -> None:
    device.last_seen_at = batch.now
    if device.availability == Availability.UNKNOWN and device.kind == DeviceKind.DOOR:
        batch.first_heard.append(device)
    if device.availability != Availability.ONLINE:
        device.availability = Availability.ONLINE
        device.availability_changed_at = batch.now
        batch.transitions.append((device, True))
    batch.changed[device.pk] = device


def _went_offline(batch: _Batch, device: Device) -> None:
    """The broker's last will for the device: it dropped off without saying goodbye."""
    if device.availability != Availability.OFFLINE:
        device.availability = Availability.OFFLINE
        device.availability_changed_at = batch.now
        batch.transitions.append((device, False))
        batch.changed[device.pk] = device


_EVENT_COLUMNS = ("device_id", "event_id", "kind", "occurred_at", "received_at", "source", "data", "subdistrict_id",
                  "neighborhood_id", "compound_id")


def _store_once(batch: _Batch) -> list[Event]:
    """Insert the batch's events, skipping those stored before; the new ones come back with their ids.

    Django's ``bulk_create(ignore_conflicts=True)`` cannot say which rows were inserted, so this is the one
    statement by hand; both PostgreSQL and SQLite (≥ 3.35) take it as written.
    """
    if not batch.rows:
        return []
    fields = [column for name in _EVENT_COLUMNS
              if isinstance(column := Event._meta.get_field(name.removesuffix("_id") if name.endswith("_id")
                                                           and name != "event_id" else name), Field)]
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in _EVENT_COLUMNS)
    placeholders = "(" + ", ".join(["%s"] * len(_EVENT_COLUMNS)) + ")"
    new: list[tuple[int, Event]] = []
    by_key = {(event.device_id, event.event_id): (index, event) for index, event in batch.rows}
    # SQLite allows 32766 parameters a statement; 10 columns × 1000 rows stays well inside on both.
    for start in range(0, len(batch.rows), 1000):
        chunk = batch.rows[start:start + 1000]
        params: list[Any] = []
        for _index, event in chunk:
            for model_field in fields:
                params.append(model_field.get_db_prep_save(getattr(event, model_field.attname), connection))
        sql = (f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))} "  # noqa: S608
               f"ON CONFLICT (device_id, event_id) DO NOTHING RETURNING id, device_id, event_id")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.fetchall()
        for pk, device_id, event_id in inserted:
            index, event = by_key[(device_id, event_id)]
            event.pk = pk
            event._state.adding = False
            event._state.db = connection.alias
            new.append((index, event))
            batch.outcomes[index].event = event
    stored = {index for index, _event in new}
    for index, _event in batch.rows:
        if index not in stored:
            batch.outcomes[index].status = DUPLICATE
    # RETURNING gives no promise of order; the rules see the events in the order they came.
    return [event for _index, event in sorted(new, key=lambda pair: pair[0])]


def _save_devices(batch: _Batch) -> None:
    if batch.changed:
        Device.objects.bulk_update(list(batch.changed.values()),
                                   ["last_seen_at", "availability", "availability_changed_at"])


def _save_dead_letters(batch: _Batch) -> None:
    if not batch.keep_dead_letters or not batch.dead:
        return
    unknown = {letter.topic.split("/")[-3] for _i, letter in batch.dead
               if letter.subdistrict_id is None and letter.topic.count("/") >= 3}
    if unknown:
        codes = dict(Subdistrict.objects.filter(code__in=unknown).values_list("code", "pk"))
        for _index, letter in batch.dead:
            if letter.subdistrict_id is None and letter.topic.count("/") >= 3:
                letter.subdistrict_id = codes.get(letter.topic.split("/")[-3])
    for _index, letter in batch.dead:
        letter.save()  # one by one, few: a healthy ingest has none


# --- dead letters ---------------------------------------------------------------------------------------------

def _open_letter(actor: User, dead_letter: DeadLetter) -> DeadLetter:
    letter = get_visible(DeadLetter.objects.select_for_update(), actor, "change", pk=dead_letter.pk)
    if letter.status != DeadLetterStatus.NEW:
        raise Conflict(_("This message was already %(status)s.") % {"status": letter.get_status_display()})
    return letter


@transaction.atomic(durable=True)
def replay_dead_letter(*, actor: User, dead_letter: DeadLetter, payload: str | None = None,
                       now: dt.datetime | None = None) -> Outcome:
    """Send a dead letter through the ingest again — after the device was registered, or with ``payload``
    corrected by the administrator. If it still cannot be accepted nothing changes and :class:`Conflict` says
    why; a message stored meanwhile (the device resent it) counts as replayed, pointing at that event."""
    letter = _open_letter(actor, dead_letter)
    now = now or timezone.now()
    text = letter.payload if payload is None else payload
    [outcome] = _process([Message(letter.topic, text.encode())], source=EventSource.REPLAY, now=now,
                         keep_dead_letters=False)
    if outcome.status == DEAD:
        raise Conflict(_("Still refused: %(reason)s") % {"reason": outcome.reason}, field="payload")
    event = outcome.event
    if event is None and outcome.status == DUPLICATE and outcome.device is not None:
        event = Event.objects.filter(device=outcome.device, event_id=outcome.event_id).first()
    before = {"status": letter.status, "payload": letter.payload}
    letter.status = DeadLetterStatus.REPLAYED
    letter.resolved_at = now
    letter.resolved_by = actor
    letter.event = event
    letter.device = outcome.device or letter.device
    changed_payload = text != letter.payload
    letter.payload = text
    letter.save(update_fields=["status", "resolved_at", "resolved_by", "event", "device", "payload"])
    after: dict[str, Any] = {"status": letter.status, "outcome": outcome.status,
                             "event": event.pk if event else None}
    if changed_payload:
        after["payload"] = text
    else:
        before.pop("payload")
    audit.record(actor=actor, event=DEAD_LETTER_REPLAYED, obj=letter, before=before, after=after,
                 subdistrict_id=letter.subdistrict_id)
    return outcome


@transaction.atomic(durable=True)
def discard_dead_letter(*, actor: User, dead_letter: DeadLetter, reason: str = "",
                        now: dt.datetime | None = None) -> DeadLetter:
    """Decide a dead letter is not worth keeping (a test message, a retired device's noise)."""
    letter = _open_letter(actor, dead_letter)
    before = {"status": letter.status}
    letter.status = DeadLetterStatus.DISCARDED
    letter.resolved_at = now or timezone.now()
    letter.resolved_by = actor
    letter.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit.record(actor=actor, event=DEAD_LETTER_DISCARDED, obj=letter, before=before,
                 after={"status": letter.status}, reason=reason, subdistrict_id=letter.subdistrict_id)
    return letter


# --- availability and retention (periodic jobs) ---------------------------------------------------------------

@transaction.atomic(durable=True)
def mark_silent_devices_offline(now: dt.datetime | None = None) -> int:
    """Mark offline every online device silent for more than three heartbeats; each raises its alarm.

    Run by the worker every 30 s. Grouped by heartbeat so that each group is one indexed query.
    """
    now = now or timezone.now()
    online = Device.objects.filter(availability=Availability.ONLINE, active=True)
    count = 0
    for heartbeat in online.values_list("heartbeat_seconds", flat=True).distinct().order_by():
        cutoff = now - dt.timedelta(seconds=SILENT_HEARTBEATS * heartbeat)
        silent = (online.filter(heartbeat_seconds=heartbeat, last_seen_at__lt=cutoff)
                  | online.filter(heartbeat_seconds=heartbeat, last_seen_at__isnull=True,
                                  availability_changed_at__lt=cutoff))
        for device in silent.select_for_update().order_by("pk"):
            if device.availability != Availability.ONLINE:
                continue
            device.availability = Availability.OFFLINE
            device.availability_changed_at = now
            device.save(update_fields=["availability", "availability_changed_at"])
            alarms.on_availability(device, online=False, at=now)
            count += 1
    return count


def prune_events(now: dt.datetime | None = None, batch: int = PRUNE_BATCH,
                 max_batches: int = PRUNE_MAX_BATCHES) -> int:
    """Delete events received longer ago than ``SAFETY_EVENT_RETENTION_DAYS`` (never under 30), in batches.

    Each batch is its own short transaction, oldest first, so the event table is never locked for long and
    a large backlog (the first run after raising the period) is worked off over several runs.
    """
    now = now or timezone.now()
    days = max(int(settings.SAFETY_EVENT_RETENTION_DAYS), 30)
    cutoff = now - dt.timedelta(days=days)
    deleted = 0
    for _round in range(max_batches):
        with transaction.atomic(durable=True):
            pks = list(Event.objects.filter(received_at__lt=cutoff).order_by("received_at", "pk")
                       .values_list("pk", flat=True)[:batch])
            if not pks:
                break
            # QuerySet.delete also clears the alarms' and dead letters' links to these events (SET_NULL).
            Event.objects.filter(pk__in=pks).delete()
        deleted += len(pks)
        if len(pks) < batch:
            break
    return deleted

