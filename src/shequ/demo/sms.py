"""The demo's SMS backend: every text goes to the demo's phone page (``/demo/texts/``) and to the console.

``shequ`` selects it when ``SHEQU_DEMO=1`` and no ``SHEQU_SMS_BACKEND`` is set (:mod:`shequ.cli`). Like the log
backend it hands login codes to whoever watches, so it refuses to run outside the demo (and tests).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shequ.core import crypto

BACKEND = "shequ.demo.sms.DemoSmsBackend"
# The page shows the newest texts; older ones are deleted as new ones arrive.
KEEP = 200
CONSOLE_MARK = "【演示短信】"

_echo = True


def demo_allowed() -> bool:
    return bool(getattr(settings, "DEMO", False) or getattr(settings, "TESTING", False))


@contextmanager
def quietly() -> Iterator[None]:
    """Texts delivered inside go to the page but not to the console (the demo's history, when it is built)."""
    global _echo
    before, _echo = _echo, False
    try:
        yield
    finally:
        _echo = before


def console_line(phone_masked: str, text: str) -> str:
    return f"{CONSOLE_MARK}{phone_masked}: {text}"


class DemoSmsBackend:
    """Keeps each text, with the number masked, for the demo's phone page, and prints it as one marked line."""

    def __init__(self) -> None:
        if not demo_allowed():
            raise ImproperlyConfigured(
                "SHEQU_SMS_BACKEND is the demo backend, which shows login codes on a public page: it runs only "
                "with SHEQU_DEMO=1. Set SHEQU_SMS_BACKEND to your SMS gateway's backend.")

    def send(self, phone: str, text: str) -> None:
        from shequ.demo.models import DemoText

        masked = crypto.mask_phone(phone)
        kept = DemoText.objects.create(phone_masked=masked, text=text)
        DemoText.objects.filter(pk__lte=kept.pk - KEEP).delete()
        if _echo:
            print(console_line(masked, text), file=sys.stdout, flush=True)
