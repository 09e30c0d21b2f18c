"""Where volunteering meets the resident card and its time-bank wallet (cards app, built in parallel).
Switch these functions, and only these, when ``shequ.cards`` is merged:

- :func:`person_for_card` → ``cards.queries.card_by_number(number)`` and its holder (the kiosk tap).
- :func:`time_bank_balance` → the holder's ``time_bank`` wallet balance (minutes) from ``cards.queries``.
- :func:`post_time_credit` → ``cards.actions.credit`` (time-bank account → the holder's time-bank wallet).
- :func:`post_time_spend` → ``cards.actions.pay`` from the time-bank wallet, the spend id as idempotency key.

Until then this app's rows are the record: the balance is minutes credited for shifts minus minutes spent.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.population.models import Person


def person_for_card(number: str, *, subdistrict_id: int | None) -> Person:
    """SEAM: no cards exist before the cards app is merged; check-in is by the volunteer's name until then."""
    raise NotFound(_("Unknown card number %(number)s.") % {"number": number}, field="card")


def time_bank_balance(person: Person) -> int:
    """SEAM: minutes in the person's time bank."""
    from shequ.volunteers.models import SignUp, TimeSpend

    credited = SignUp.objects.filter(volunteer__person=person).aggregate(n=Sum("minutes_credited"))["n"] or 0
    spent = TimeSpend.objects.filter(volunteer__person=person).aggregate(n=Sum("minutes"))["n"] or 0
    return int(credited - spent)


def post_time_credit(*, person: Person, minutes: int, reference: str) -> str:
    """SEAM: credit minutes served to the person's time-bank wallet; returns the ledger reference."""
    return reference


def post_time_spend(*, person: Person, minutes: int, reference: str) -> str:
    """SEAM: take minutes from the person's time-bank wallet; returns the ledger reference."""
    return reference
