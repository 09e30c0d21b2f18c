"""Where the charity shop meets the resident card and its ledger (cards app, built in parallel).
Switch these three functions, and only these, when ``shequ.cards`` is merged:

- :func:`person_for_card` → ``cards.queries.card_by_number(number)`` and its holder.
- :func:`points_balance` → the holder's ``charity_points`` wallet balance from ``cards.queries``.
- :func:`post_points_credit` → ``cards.actions.credit`` (charity fund → the holder's charity-points wallet).
- :func:`post_sale_payment` → ``cards.actions.pay`` (points wallet and, for card cash, cash wallet → charity-shop
  settlement account), with the sale id as the idempotency key.

Until then the charity shop's own rows are the record: a balance is what the household was granted minus what
was spent, and the two posting functions only return a reference.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.population.models import Person


def person_for_card(number: str, *, subdistrict_id: int | None) -> Person:
    """SEAM: no cards exist before the cards app is merged; the till finds the buyer in the registry."""
    raise NotFound(_("Unknown card number %(number)s.") % {"number": number}, field="card")


def points_balance(person: Person) -> int:
    """SEAM: charity points the person may spend (granted minus spent, from this app's rows until the ledger)."""
    from shequ.charity.models import Allowance, Sale

    granted = Allowance.objects.filter(recipient=person).aggregate(n=Sum("points"))["n"] or 0
    spent = Sale.objects.filter(buyer=person).aggregate(n=Sum("points_paid"))["n"] or 0
    return int(granted - spent)


def post_points_credit(*, person: Person, points: int, reference: str) -> str:
    """SEAM: credit the monthly allowance to the person's charity-points wallet; returns the ledger reference."""
    return reference


def post_sale_payment(*, person: Person, points: int, cash_fen: int, reference: str) -> str:
    """SEAM: take points (and cash paid at the till) for a sale; returns the ledger reference."""
    return reference
