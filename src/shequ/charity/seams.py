"""Where the charity shop meets the resident card and its ledger (cards app, built in parallel).
Switch these three functions, and only these, when ``shequ.cards`` is merged:

- :func:`person_for_card` → ``cards.queries.card_by_number(number).person`` (same sub-district, else NotFound).
- :func:`points_balance` → ``cards.queries.balances(live_card_of(person))["charity_points"]`` (0 without a card).
- :func:`post_points_credit` → ``cards.actions.credit(actor=, card=, wallet="charity_points", amount_fen=points,
  counter_account=system_account(sd, "charity_fund"), idempotency_key=reference)``; return the transaction id.
- :func:`post_sale_payment` → ``cards.actions.pay(..., wallet="charity_points", amount_fen=points,
  counter_account=system_account(sd, "charity_shop"), idempotency_key=reference)``. Cash is paid at the till in
  notes today; paying it from the card's cash wallet would be a second ``pay`` with ``wallet="cash"``.

Until then the charity shop's own rows are the record: a balance is what the household was granted minus what
was spent, and the two posting functions only return a reference.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.core.models import User
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


def post_points_credit(*, actor: User, person: Person, points: int, reference: str) -> str:
    """SEAM: credit the monthly allowance to the person's charity-points wallet; returns the ledger reference."""
    return reference


def post_sale_payment(*, actor: User, person: Person, points: int, cash_fen: int, reference: str) -> str:
    """SEAM: take points (and cash paid at the till) for a sale; returns the ledger reference."""
    return reference
