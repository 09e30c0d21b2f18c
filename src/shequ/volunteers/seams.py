"""Where volunteering meets the resident card and its time-bank wallet (cards app, built in parallel).
Switch these functions, and only these, when ``shequ.cards`` is merged:

- :func:`person_for_card` → ``cards.queries.card_by_number(number).person`` (the kiosk tap; same sub-district).
- :func:`time_bank_balance` → ``cards.queries.balances(live_card_of(person))["time_bank"]`` (minutes).
- :func:`post_time_credit` → ``cards.actions.credit(actor=, card=, wallet="time_bank", amount_fen=minutes,
  counter_account=system_account(sd, "time_bank"), idempotency_key=reference)``; return the transaction id.
- :func:`post_time_spend` → ``cards.actions.pay(..., wallet="time_bank", amount_fen=minutes,
  counter_account=system_account(sd, "time_bank"), idempotency_key=reference)``.

Until then this app's rows are the record: the balance is minutes credited for shifts minus minutes spent.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.core.models import User
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


def post_time_credit(*, actor: User, person: Person, minutes: int, reference: str) -> str:
    """SEAM: credit minutes served to the person's time-bank wallet; returns the ledger reference."""
    return reference


def post_time_spend(*, actor: User, person: Person, minutes: int, reference: str) -> str:
    """SEAM: take minutes from the person's time-bank wallet; returns the ledger reference."""
    return reference
