"""The outbox: every message that leaves the platform (SMS, MQTT commands to devices; e-mail later).

An action calls :func:`enqueue` inside its own transaction: one :class:`~shequ.core.models.OutboxMessage` row
per recipient, committed or rolled back with the action, so a message exists exactly when the action happened.
Nothing talks to a gateway inside a web request: the worker (``shequ worker``, started by ``shequ serve``) calls
:func:`deliver_due`, which claims due rows, sends each through its channel's sender and records every attempt.

- A failed attempt is retried after :func:`backoff` (30 s, doubling, at most an hour) until the message's
  ``max_attempts``; then it is ``failed`` and shown on the staff outbox page, where it can be retried.
- A sender raising :class:`Undeliverable` (a number that does not exist) fails the message at once.
- Claims are safe between workers: rows are locked with ``SKIP LOCKED`` on PostgreSQL and taken by a
  conditional UPDATE everywhere, so two senders never hold the same row. A sender that dies mid-send leaves
  its rows ``sending``; once their lease (:data:`LEASE`) has passed another sender takes them over, so nothing
  is lost across a crash or restart. Delivery is therefore at least once: a crash after the gateway accepted
  a message but before the outcome was saved sends it again.
- A message past its ``expires_at`` (a login code) fails instead of going out late.

Channels are a registry (:data:`CHANNELS`): a name, the dotted path of ``send(recipient, text)`` (which raises
to fail the attempt), of the function that masks a recipient for staff, and of the one that normalises it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from shequ.core import audit, crypto
from shequ.core.choices import AttemptOutcome, MessageStatus
from shequ.core.models import OutboxAttempt, OutboxMessage

logger = logging.getLogger("shequ.outbox")

MAX_ATTEMPTS = 10
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
# How long a sender may hold a claimed message. A channel's sender must give up well within it (an HTTP
# gateway call with a timeout of a few seconds); past it, another sender takes the message over.
LEASE = dt.timedelta(minutes=2)
BATCH = 50
MAX_ERROR_LENGTH = 500


class Undeliverable(Exception):
    """Raised by a channel's sender when retrying cannot help (the number does not exist)."""


@dataclass(frozen=True)
class Channel:
    name: str
    send: str  # dotted path of send(recipient, text) -> None
    mask: str  # dotted path of mask(recipient) -> str: what staff see of the recipient
    normalize: str  # dotted path of normalize(recipient) -> str ('' when it is no recipient at all)

    def sender(self) -> Callable[[str, str], None]:
        return import_string(self.send)


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in [
    Channel("sms", send="shequ.core.sms.send_sms", mask="shequ.core.crypto.mask_phone",
            normalize="shequ.core.crypto.normalize_phone"),
    # Commands to devices: the recipient is the device's command topic, which names no person.
    Channel("mqtt", send="shequ.safety.commands.publish", mask="shequ.safety.commands.same_topic",
            normalize="shequ.safety.commands.same_topic"),
]}


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait after the ``attempt``-th try failed: 30 s, 1 min, 2 min, … doubling, at most an hour."""
    return min(BACKOFF_FIRST * 2 ** min(max(attempt - 1, 0), 16), BACKOFF_CAP)


def enqueue(
    *,
    channel: str,
    to: str | Iterable[str],
    text: str,
    event: str,
    obj: models.Model | None = None,
    subdistrict_id: int | None = None,
    sensitive: bool = True,
    dedupe_key: str = "",
    expires_at: dt.datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[OutboxMessage]:
    """Queue ``text`` for each recipient in ``to``, in the caller's transaction; the new rows.

    ``event`` names what caused the message (the action's audit event) and ``obj`` the object it is about;
    ``subdistrict_id`` decides which administrators see it on the outbox page. ``sensitive`` (the default)
    keeps the text from staff: say ``sensitive=False`` only for texts any administrator may read. With a
    ``dedupe_key`` a recipient gets the message once however often the caller runs (a reminder job run twice).
    Empty and repeated recipients are skipped.
    """
    kind = CHANNELS.get(channel)
    if kind is None:
        raise ValueError(f"unknown outbox channel {channel!r}; known: {sorted(CHANNELS)}")
    if len(dedupe_key) > 150:
        raise ValueError("dedupe_key is limited to 150 characters")
    normalize, mask = import_string(kind.normalize), import_string(kind.mask)
    # Administrators, who have no health right, run the outbox: a message about health data shows them that a
    # message went, never its text nor which record (and so which patient) it was about.
    about_health = audit.category_of(event, obj) == audit.HEALTH
    sensitive = sensitive or about_health
    recipients = sorted({normalize(recipient) for recipient in ([to] if isinstance(to, str) else to) if recipient}
                        - {""})
    made = []
    for recipient in recipients:
        key = f"{dedupe_key}:{crypto.blind_index('outbox', recipient)}" if dedupe_key else None
        if key is not None and OutboxMessage.objects.filter(dedupe_key=key).exists():
            continue
        message = OutboxMessage(
            channel=channel, event=event, recipient=recipient, recipient_masked=mask(recipient)[:64], body=text,
            sensitive=sensitive, max_attempts=max_attempts, expires_at=expires_at, dedupe_key=key,
            subdistrict_id=subdistrict_id,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None and not about_health else "",
        )
        try:
            with transaction.atomic():  # a savepoint: a concurrent run that queued the same key wins
                message.save()
        except IntegrityError:
            if key is None:
                raise
            continue
        made.append(message)
    return made


def deliver_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Send every message that is due, in batches of ``limit``; how many were tried.

    The worker calls it every second; tests call it to deliver what an action queued. ``now`` fixes the clock
    (tests); by default each batch reads it afresh. Call it outside any transaction: each claim and each
    outcome commits on its own, and the gateway is never called while a row lock is held.
    """
    tried = 0
    while True:
        claimed = _claim(now or timezone.now(), limit)
        for message in claimed:
            _attempt(message, now)
        tried += len(claimed)
        if len(claimed) < limit:
            return tried


def _give_up(now: dt.datetime) -> None:
    """Fail what may no longer be sent: messages past their expiry, and messages whose sender stopped during
    their last allowed attempt (a message that crashes its sender every time must not crash it for ever)."""
    stale_lease = Q(status=MessageStatus.SENDING, lease_until__lt=now)
    expired = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(Q(status=MessageStatus.QUEUED) | stale_lease, expires_at__lt=now)
                   .values_list("pk", "sensitive"))
    exhausted = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                     .filter(stale_lease, attempts__gte=F("max_attempts")).values_list("pk", flat=True))
    if not expired and not exhausted:
        return
    with translation.override(settings.LANGUAGE_CODE):
        too_late = _("Not sent before it expired.")
        stopped = _("The sender stopped during the last attempt.")
    finished = {"status": MessageStatus.FAILED, "lease_until": None, "claim": ""}
    sensitive = [pk for pk, is_sensitive in expired if is_sensitive]
    OutboxMessage.objects.filter(pk__in=[pk for pk, _s in expired]).update(last_error=too_late, **finished)
    OutboxMessage.objects.filter(pk__in=sensitive).update(body="")  # nothing of an expired login code is needed
    OutboxMessage.objects.filter(pk__in=exhausted).update(last_error=stopped, **finished)
    _interrupt(exhausted + [pk for pk, _s in expired], now)


def _interrupt(message_ids: list[int], now: dt.datetime) -> None:
    """Attempts still ``sending`` of these messages belonged to a sender that stopped."""
    if message_ids:
        OutboxAttempt.objects.filter(message_id__in=message_ids, outcome=AttemptOutcome.SENDING).update(
            outcome=AttemptOutcome.INTERRUPTED, finished_at=now, error="lease expired: the sender stopped")


def _claim(now: dt.datetime, limit: int) -> list[OutboxMessage]:
    due = Q(status=MessageStatus.QUEUED, next_attempt_at__lte=now) | Q(status=MessageStatus.SENDING,
                                                                         lease_until__lt=now)
    if not OutboxMessage.objects.filter(due).exists():
        return []  # a read first: on SQLite every write transaction takes the database's one write lock
    token = uuid.uuid4().hex
    with transaction.atomic():
        _give_up(now)
        ids = list(OutboxMessage.objects.select_for_update(skip_locked=True).filter(due)
                   .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The condition is checked again in the UPDATE: where rows cannot be locked (SQLite), a row another
        # sender took meanwhile no longer matches and stays with it.
        OutboxMessage.objects.filter(due, pk__in=ids).update(
            status=MessageStatus.SENDING, claim=token, lease_until=now + LEASE, attempts=F("attempts") + 1)
        claimed = list(OutboxMessage.objects.filter(pk__in=ids, claim=token).order_by("next_attempt_at", "pk"))
        _interrupt([message.pk for message in claimed], now)
        OutboxAttempt.objects.bulk_create([
            OutboxAttempt(message=message, number=message.attempts, started_at=now) for message in claimed])
    return claimed


def _describe(exc: BaseException, message: OutboxMessage) -> str:
    """The error for staff, without the recipient (a gateway may quote the number it refused)."""
    text = f"{type(exc).__name__}: {exc}".replace(message.recipient, message.recipient_masked)
    return text[:MAX_ERROR_LENGTH]


def _attempt(message: OutboxMessage, now: dt.datetime | None) -> None:
    error, permanent = "", False
    try:
        channel = CHANNELS.get(message.channel)
        if channel is None:
            raise Undeliverable(f"no channel {message.channel!r}")
        channel.sender()(message.recipient, message.body)
    except Undeliverable as exc:
        error, permanent = _describe(exc, message), True
    except Exception as exc:
        error = _describe(exc, message)
    finished_at = now or timezone.now()
    if not error:
        outcome = AttemptOutcome.SENT
        fields = {"status": MessageStatus.SENT, "sent_at": finished_at, "last_error": ""}
        if message.sensitive:
            fields["body"] = ""  # a sent login code or health notice is kept no longer than needed
    elif permanent or message.attempts >= message.max_attempts:
        outcome = AttemptOutcome.ERROR
        fields = {"status": MessageStatus.FAILED, "last_error": error}
        logger.error("message %s (%s) failed for good after %d attempts: %s", message.pk, message.event,
                     message.attempts, error)
    else:
        outcome = AttemptOutcome.ERROR
        fields = {"status": MessageStatus.QUEUED, "last_error": error,
                  "next_attempt_at": finished_at + backoff(message.attempts)}
        logger.warning("message %s (%s) attempt %d failed, retrying: %s", message.pk, message.event,
                       message.attempts, error)
    with transaction.atomic():
        # Only while this sender still holds the claim: past the lease another sender may have taken it over.
        OutboxMessage.objects.filter(pk=message.pk, claim=message.claim, status=MessageStatus.SENDING).update(
            lease_until=None, claim="", **fields)
        OutboxAttempt.objects.filter(message_id=message.pk, number=message.attempts).update(
            outcome=outcome, finished_at=finished_at, error=error)
