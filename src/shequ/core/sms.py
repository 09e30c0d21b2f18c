"""Text messages to phones: the SMS channel of the outbox (:mod:`shequ.core.outbox`).

Nothing calls :func:`send_sms` but the outbox's sender: actions queue texts with ``outbox.enqueue``. The
backend is pluggable (``SHEQU_SMS_BACKEND``). The default writes texts to the log, login codes included, so it
refuses to run outside development (``SHEQU_DEBUG``), the demo (``SHEQU_DEMO``) and tests.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from shequ.core import crypto

logger = logging.getLogger("shequ.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def log_backend_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "DEMO", False) or getattr(settings, "TESTING", False))


class LogSmsBackend:
    """Writes the message to the log with the number masked (the code itself is what staff need in a demo).

    Anyone who reads the log could sign in as any resident with it, so it will not run in production.
    """

    def __init__(self) -> None:
        if not log_backend_allowed():
            raise ImproperlyConfigured(
                "SHEQU_SMS_BACKEND is the log backend, which writes login codes to the log: it runs only with "
                "SHEQU_DEBUG=1 (development) or SHEQU_DEMO=1 (the demo). Set SHEQU_SMS_BACKEND to your SMS "
                "gateway's backend.")

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", crypto.mask_phone(phone), text)


class MemorySmsBackend:
    """Keeps messages in memory; tests read ``outbox`` after ``shequ.core.outbox.deliver_due()``.

    A gateway that is down for some numbers: it raises for each number in ``unreachable`` (``"*"``: all).
    """

    outbox: list[tuple[str, str]] = []
    unreachable: set[str] = set()

    def send(self, phone: str, text: str) -> None:
        if phone in self.unreachable or "*" in self.unreachable:
            raise ConnectionError(f"the gateway did not answer for {phone}")
        self.outbox.append((phone, text))


def backend() -> SmsBackend:
    """The configured backend; raises ImproperlyConfigured when it may not run here."""
    made: SmsBackend = import_string(settings.SMS_BACKEND)()
    return made


def check_backend() -> None:
    """Called by ``shequ serve`` and ``shequ worker`` at start-up, so a refused backend stops them at once
    instead of failing every text later."""
    backend()


def send_sms(phone: str, text: str) -> None:
    backend().send(phone, text)
