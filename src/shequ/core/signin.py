"""Limits on guessing passwords and one-time codes, built so that nobody can lock a named person out.

Three counters watch every sign-in (staff password on the page or the token endpoint, a resident's
texted code), each counting failures only:

- per account *and* address: strict. After ``SIGNIN_PAIR_FAILURES`` failures from one address for one
  account, that address waits one minute, doubling with each further failure up to an hour. This is the
  limit a guesser meets first; it costs the real user nothing unless she shares the guesser's address.
- per account, from all addresses: looser and short. ``SIGNIN_ACCOUNT_FAILURES`` failures within
  ``SIGNIN_WINDOW_SECONDS`` close the account to *new* addresses until the window ends. Addresses the
  account has signed in from successfully (within ``SIGNIN_KNOWN_DAYS``) are not affected, so a stranger
  guessing "zhangwei" from anywhere cannot keep Zhang Wei out of her own desk.
- per address, over all accounts: ``SIGNIN_ADDRESS_FAILURES`` failures in the window close the address
  (password spraying across many accounts).

Residents' texted codes are also limited per phone number (``LOGIN_CODES_PER_HOUR``/``_PER_DAY``), keyed
by the phone's blind index, never the number itself, and counted whether or not the number is registered.
The address is always :func:`shequ.core.net.client_ip`, so a forged ``X-Forwarded-For`` changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from shequ.core import crypto
from shequ.core.net import client_ip

PASSWORD = "password"  # noqa: S105 (the kind of secret guessed)
LOGIN_CODE = "code"
DAY = 86400


def _now() -> float:
    return time.time()


def account_key(kind: str, account: str) -> str:
    """A keyed digest naming the account in cache keys; a phone number is normalised first (+86, spaces,
    full-width digits), so every way of writing one number counts as that number."""
    if kind == LOGIN_CODE:
        return crypto.blind_index("phone", crypto.normalize_phone(account))
    return crypto.blind_index("signin", account.strip().lower())


@dataclass
class _Window:
    """Failures counted in a fixed window that starts at the first failure."""

    key: str
    seconds: int

    def count(self, now: float) -> int:
        value = cache.get(self.key)
        if not value or now - value[0] >= self.seconds:
            return 0
        return int(value[1])

    def ends_at(self, now: float) -> float:
        value = cache.get(self.key)
        return value[0] + self.seconds if value else now

    def add(self, now: float) -> int:
        value = cache.get(self.key)
        if not value or now - value[0] >= self.seconds:
            value = (now, 0)
        value = (value[0], value[1] + 1)
        cache.set(self.key, value, timeout=self.seconds + 60)
        return int(value[1])


class SigninLimiter:
    """The three counters for one attempt to sign in to ``account`` from the request's client address."""

    def __init__(self, kind: str, account: str, request: HttpRequest) -> None:
        self.kind = kind
        self.ip = client_ip(request)
        self.account = account_key(kind, account) if account else ""
        window = settings.SIGNIN_WINDOW_SECONDS
        self._pair_key = f"signin:pair:{kind}:{self.account}:{self.ip}"
        self._known_key = f"signin:known:{kind}:{self.account}:{self.ip}"
        self._account = _Window(f"signin:account:{kind}:{self.account}", window)
        self._address = _Window(f"signin:address:{kind}:{self.ip}", window)

    def wait_seconds(self) -> int:
        """0 if this attempt may go ahead, else how long this address must wait."""
        now = _now()
        waits = [0.0]
        if self._address.count(now) >= settings.SIGNIN_ADDRESS_FAILURES:
            waits.append(self._address.ends_at(now) - now)
        if self.account:
            pair = cache.get(self._pair_key)
            if pair:
                waits.append(pair[1] - now)
            if (self._account.count(now) >= settings.SIGNIN_ACCOUNT_FAILURES
                    and not cache.get(self._known_key)):
                waits.append(self._account.ends_at(now) - now)
        return max(0, int(max(waits) + 0.999))

    def failed(self) -> None:
        now = _now()
        self._address.add(now)
        if not self.account:
            return
        self._account.add(now)
        failures = (cache.get(self._pair_key) or (0, 0.0))[0] + 1
        locked_until = 0.0
        over = failures - settings.SIGNIN_PAIR_FAILURES
        if over >= 0:
            locked_until = now + min(60 * 2 ** over, settings.SIGNIN_PAIR_MAX_LOCK_SECONDS)
        cache.set(self._pair_key, (failures, locked_until), timeout=DAY)

    def succeeded(self) -> None:
        cache.delete(self._pair_key)
        cache.set(self._known_key, 1, timeout=settings.SIGNIN_KNOWN_DAYS * DAY)


def login_code_wait_seconds(phone: str, request: HttpRequest) -> int:
    """0 if a code may be texted to ``phone`` now (and counts it), else how long to wait.

    Counted per normalised number and per client address, registered or not, so that the answer
    says nothing about whether the number belongs to a resident.
    """
    now = _now()
    index = account_key(LOGIN_CODE, phone)
    windows = [
        (_Window(f"signin:codes:hour:{index}", 3600), settings.LOGIN_CODES_PER_HOUR),
        (_Window(f"signin:codes:day:{index}", DAY), settings.LOGIN_CODES_PER_DAY),
        (_Window(f"signin:codes:address:{client_ip(request)}", 3600), settings.LOGIN_CODES_PER_ADDRESS_HOUR),
    ]
    waits = [window.ends_at(now) - now for window, limit in windows if window.count(now) >= limit]
    if waits:
        return max(1, int(max(waits) + 0.999))
    for window, _limit in windows:
        window.add(now)
    return 0
