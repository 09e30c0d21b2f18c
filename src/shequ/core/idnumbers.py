"""Citizen identity numbers (公民身份号码) as GB 11643-1999 defines them.

18 characters: a 6-digit administrative division code (GB/T 2260), an 8-digit birth date,
a 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK_CHARS = "10X98765432"


class InvalidIdNumber(ValueError):
    """The text is not a valid GB 11643 citizen ID number; the message says why, for a clerk."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    division_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    def __str__(self) -> str:
        return self.value


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    """Strip spaces and full-width forms that spreadsheets and phones introduce; upper-case the X."""
    text = raw.strip().translate(str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX"))
    return text.replace(" ", "").replace("-", "").upper()


def parse(raw: str) -> IdNumber:
    value = normalize(raw)
    if len(value) != 18:
        raise InvalidIdNumber(_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."))
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        # The message never echoes the digits: import reports and API errors are kept and shown again.
        raise InvalidIdNumber(_("The birth date in the ID number (digits 7 to 14) is not a date.")) from exc
    if birth.year < 1880 or birth > dt.date.today():
        raise InvalidIdNumber(_("The birth date in the ID number (digits 7 to 14) is not possible."))
    expected = check_character(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(
            _("The check character of the ID number is wrong (a digit may be mistyped).")
        )
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, division_code=value[:6], birth_date=birth, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidIdNumber:
        return False
    return True


def make(division_code: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """Build a valid ID number; the sequence's last digit is forced odd for men, even for women."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = seq + 1 if seq < 999 else seq - 1
    first17 = f"{division_code}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)
