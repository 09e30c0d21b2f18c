"""Card numbers (16 digits, the last a Luhn check digit) and the signed payload of the card's QR code."""

from __future__ import annotations

import secrets

from django.core import signing

PREFIX = "3101"  # issuer: Shanghai; the rest is random so numbers cannot be walked.
LENGTH = 16
_QR_SALT = "shequ.cards.qr"
QR_SCHEME = "SHEQU-CARD:"


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body`` + digit pass the Luhn test (ISO/IEC 7812)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid(number: str) -> bool:
    return len(number) == LENGTH and number.isdigit() and luhn_digit(number[:-1]) == number[-1]


def normalize(raw: str) -> str:
    return "".join(raw.split()).replace("-", "")


def new_number() -> str:
    body = PREFIX + "".join(str(secrets.randbelow(10)) for _ in range(LENGTH - len(PREFIX) - 1))
    return body + luhn_digit(body)


def qr_payload(number: str) -> str:
    """What the QR code on the card and on the resident's phone says: the number, signed, so that a
    code cannot be made up for someone else's card from its printed number alone."""
    return QR_SCHEME + signing.Signer(salt=_QR_SALT).sign(number)


def number_from_qr(payload: str) -> str | None:
    if not payload.startswith(QR_SCHEME):
        return None
    try:
        return signing.Signer(salt=_QR_SALT).unsign(payload[len(QR_SCHEME):])
    except signing.BadSignature:
        return None
