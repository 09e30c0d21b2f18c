"""Encryption at rest, blind indexes and masking for sensitive personal information (PIPL).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys from the environment;
several keys may be given so that old rows stay readable after a rotation. Exact-match search
works through a blind index: a keyed HMAC of the normalised value, which reveals nothing without
the key and cannot be reversed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


@cache
def _index_key() -> bytes:
    return hashlib.sha256(b"shequ-blind-index:" + settings.BLIND_INDEX_KEY.encode()).digest()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong SHEQU_FIELD_KEYS or damaged value") from exc


def blind_index(kind: str, normalized_value: str) -> str:
    """A keyed, one-way digest for exact-match lookups; ``kind`` keeps IDs and phones apart."""
    message = f"{kind}:{normalized_value}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()[:32]


def mask_id_number(value: str) -> str:
    """310105************ : only the division code (district) of a GB 11643 number is kept.

    The birth date, the sequence (whose last digit gives the sex) and the check character stay hidden, so that
    someone who knows a person's district, sex and exact birth date still has 500 valid numbers to choose from
    (docs/privacy.md has the arithmetic). Other documents (passports, permits) keep their first two characters,
    which name the kind of document, when at least six stay hidden.
    """
    if len(value) == 18:
        return value[:6] + "*" * 12
    if len(value) >= 8:
        return value[:2] + "*" * (len(value) - 2)
    return "*" * len(value)


def mask_birth_date(value: dt.date | None) -> str:
    """The year of birth only: the full date is a quasi-identifier (with sex and district it singles out most
    people) and digits 7-14 of the ID number, so it is shown only to the person herself or after a reveal."""
    return f"{value.year:04d}" if value is not None else ""


def mask_phone(value: str) -> str:
    """138****1234 for a mobile or a landline with its area code; a shorter number (a local landline such as
    6234 5678) keeps only its last digits, so that at least four are always hidden."""
    if len(value) < 7:
        return "*" * len(value)
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    shown = min(4, len(value) - 4)
    return "*" * (len(value) - shown) + value[-shown:]


def normalize_phone(raw: str) -> str:
    digits = "".join(ch for ch in raw.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def encrypt_bytes(data: bytes) -> bytes:
    """For whole uploaded files (a spreadsheet of ID numbers) kept until a background task has read them."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes | memoryview) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong SHEQU_FIELD_KEYS or damaged value") from exc
