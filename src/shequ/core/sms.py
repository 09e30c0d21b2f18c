"""Text messages to phones. The backend is pluggable (SHEQU_SMS_BACKEND); the default writes to the log."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shequ.core import crypto

logger = logging.getLogger("shequ.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSmsBackend:
    """Writes the message to the log with the number masked (the code itself is what staff need in a demo)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", crypto.mask_phone(phone), text)


class MemorySmsBackend:
    """Keeps messages in memory; tests read ``outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(phone, text)
