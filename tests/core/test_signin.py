"""Sign-in limits: the client's address as our own proxies report it, per-account limits that cannot lock a
member of staff out of her own desk, and texted codes limited per phone number however it is written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from shequ.core import signin
from shequ.core.models import ApiToken, AuditEntry
from shequ.core.net import client_ip
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


class Clock:
    """The limiter's clock, moved forward by hand instead of waiting."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_900_000_000.0
        monkeypatch.setattr(signin, "_now", lambda: self.now)

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _password(remote: str, username: str, password: str, **headers: str) -> Any:
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=remote, **headers)


# Whose address -------------------------------------------------------------------------------------------------


def test_a_forwarded_for_header_from_an_untrusted_client_is_ignored():
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "fd00::/8"])
def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client():
    # The client wrote "1.2.3.4" itself; our proxies appended the rest.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.1")) == "198.51.100.9"
    assert client_ip(_request("fd00::2", "2001:db8::7")) == "2001:db8::7"
    assert client_ip(_request("10.0.0.2", "")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "not-an-address, 10.0.0.3")) == "10.0.0.3"


def test_forty_guesses_with_forged_forwarded_for_headers_do_not_reset_the_token_endpoints_limit(alice):
    statuses = [
        _password("203.0.113.7", "alice", f"wrong-{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(40)
    ]
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    forty_first = _password("203.0.113.7", "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.250")
    assert forty_first.status_code == 429
    assert not ApiToken.objects.exists()


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_trusted_proxys_forwarded_for_is_honoured_for_limits_and_the_audit_log(alice):
    for _ in range(6):
        _password("10.0.0.1", "alice", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert _password("10.0.0.1", "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Another client behind the same proxy is another address: not held back by the first one's guesses.
    response = _password("10.0.0.1", "alice", PASSWORD, HTTP_X_FORWARDED_FOR="forged, 198.51.100.9")
    assert response.status_code == 200
    issued = AuditEntry.objects.get(event="core.api_token_issued")
    assert issued.ip_address == "198.51.100.9"


# Per account ---------------------------------------------------------------------------------------------------


def test_the_sign_in_page_and_the_token_endpoint_share_one_guess_budget(client, alice):
    for _ in range(3):
        client.post("/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        _password("203.0.113.7", "alice", "wrong")
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429


def test_an_address_that_guessed_waits_one_minute_then_longer_with_each_further_guess(alice, clock):
    for _ in range(5):
        assert _password("203.0.113.7", "alice", "wrong").status_code == 400
    assert _password("203.0.113.7", "alice", PASSWORD).status_code == 429
    clock.advance(1)
    assert _password("203.0.113.7", "alice", "wrong").status_code == 400
    clock.advance(1)
    assert _password("203.0.113.7", "alice", PASSWORD).status_code == 429  # two minutes now
    clock.advance(1)
    assert _password("203.0.113.7", "alice", PASSWORD).status_code == 200


def test_guesses_from_many_addresses_cannot_lock_staff_out_of_the_address_she_signs_in_from(client, alice, clock):
    assert client.post("/login/", {"username": "alice", "password": PASSWORD},
                       REMOTE_ADDR="192.0.2.10").status_code == 302
    client.logout()
    for n in range(60):
        _password(f"203.0.113.{n}", "alice", "wrong")
    assert _password("198.51.100.1", "alice", PASSWORD).status_code == 429  # a new address must wait
    assert client.post("/login/", {"username": "alice", "password": PASSWORD},
                       REMOTE_ADDR="192.0.2.10").status_code == 302


def test_a_new_address_is_kept_out_for_at_most_the_window_after_the_guessing_stops(alice, clock, settings):
    for n in range(40):
        _password(f"203.0.113.{n}", "alice", "wrong")
    refused = _password("198.51.100.1", "alice", PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= settings.SIGNIN_WINDOW_SECONDS
    clock.advance(settings.SIGNIN_WINDOW_SECONDS / 60)
    assert _password("198.51.100.1", "alice", PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_stopped(make_staff, clock):
    for n in range(60):
        _password("203.0.113.7", f"user{n}", "wrong")
    make_staff("clerk", "carol")
    assert _password("203.0.113.7", "carol", PASSWORD).status_code == 429
    assert _password("203.0.113.8", "carol", PASSWORD).status_code == 200


def test_wrong_passwords_on_the_sign_in_page_are_refused_after_five_from_one_address(client, alice):
    statuses = [client.post("/login/", {"username": "alice", "password": "wrong"},
                            REMOTE_ADDR="203.0.113.7").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert client.post("/login/", {"username": "alice", "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.1").status_code == 302


# Texted codes --------------------------------------------------------------------------------------------------

SAME_NUMBER = ["13812345678", "+86 138 1234 5678", "138 1234 5678", "１３８１２３４５６７８", "86-138-1234-5678",
               "+86１３８ １２３４ ５６７８"]


def _ask_code(client: Any, phone: str, n: int) -> Any:
    return client.post("/login/resident/", {"step": "phone", "phone": phone}, REMOTE_ADDR=f"198.51.100.{n}")


def test_codes_are_limited_per_hour_for_every_way_of_writing_one_number(client, resident, clock, texts):
    statuses = [_ask_code(client, phone, n).status_code for n, phone in enumerate(SAME_NUMBER)]
    assert statuses == [200] * 5 + [429]
    assert len(texts) == 5
    clock.advance(61)
    assert _ask_code(client, "138-1234-5678", 50).status_code == 200


def test_codes_are_limited_per_day(client, resident, clock, settings):
    sent = 0
    for hour in range(6):
        for n in range(settings.LOGIN_CODES_PER_HOUR):
            if _ask_code(client, SAME_NUMBER[n], hour * 10 + n).status_code == 200:
                sent += 1
        clock.advance(61)
    assert sent == settings.LOGIN_CODES_PER_DAY
    clock.advance(24 * 60)
    assert _ask_code(client, "13812345678", 99).status_code == 200


def test_an_unregistered_number_is_limited_and_answered_like_a_registered_one(client, resident):
    registered = [_ask_code(client, "13812345678", n) for n in range(6)]
    unknown = [_ask_code(client, "13900000000", 10 + n) for n in range(6)]
    assert [r.status_code for r in registered] == [r.status_code for r in unknown] == [200] * 5 + [429]

    def text(response: Any) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|1[0-9]{10}', "", response.content.decode())

    assert text(registered[0]) == text(unknown[0])
    assert text(registered[-1]) == text(unknown[-1])


def test_the_rate_counters_never_hold_a_phone_number_in_the_clear(client, resident):
    for n, phone in enumerate(SAME_NUMBER[:3]):
        _ask_code(client, phone, n)
    client.post("/login/resident/", {"step": "code", "phone": "13812345678", "code": "000000"},
                REMOTE_ADDR="198.51.100.1")
    keys = " ".join(str(key) for key in cache._cache)  # type: ignore[attr-defined]
    assert "signin:codes:hour:" in keys and "signin:pair:code:" in keys
    assert "12345678" not in keys


def test_wrong_codes_are_limited_per_number_and_address(client, resident, texts):
    _ask_code(client, "13812345678", 1)
    assert len(texts) == 1
    statuses = [client.post("/login/resident/", {"step": "code", "phone": phone, "code": "000000"},
                            REMOTE_ADDR="198.51.100.1").status_code for phone in SAME_NUMBER]
    assert statuses == [200] * 5 + [429]
