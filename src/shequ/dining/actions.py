"""Every write of elderly dining. The money of a meal moves through :mod:`shequ.cards.actions` only.

    create_canteen(*, actor, name, neighborhood=None, address="") -> Canteen
    add_operator(*, actor, canteen, user) -> Canteen
    set_menu(*, actor, canteen, day, items: [(name, price_fen, meal_time)]) -> Menu
    buy_meal(*, actor, canteen, card, item, idempotency_key="", terminal=None, occurred_at=None) -> Meal
    void_meal(*, actor, canteen, meal, reason, idempotency_key="") -> Meal   # the till's last meal, today
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import AccountKind, Operation, TransactionKind, WalletKind
from shequ.cards.models import Card, Terminal
from shequ.core import audit, idempotency
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Neighborhood, User
from shequ.core.roles import Role
from shequ.core.scopes import can
from shequ.dining import queries
from shequ.dining.choices import MealTime
from shequ.dining.models import Canteen, Meal, Menu, MenuItem

CANTEEN_CREATED = "dining.canteen_created"
OPERATOR_ADDED = "dining.operator_added"
MENU_SET = "dining.menu_set"
MEAL_BOUGHT = "dining.meal_bought"
MEAL_VOIDED = "dining.meal_voided"


class DailyLimitReached(Conflict):
    code = "daily_limit"
    default_message = gettext_lazy("This person has had the meals allowed for today.")


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


@transaction.atomic
def create_canteen(*, actor: User, name: str, neighborhood: Neighborhood | None = None, address: str = "") -> Canteen:
    _require(actor, Canteen, "add")
    if not name.strip():
        raise Invalid(_("A canteen needs a name."), field="name")
    if actor.subdistrict_id is None:
        raise NotFound()
    if neighborhood is not None and neighborhood.subdistrict_id != actor.subdistrict_id:
        raise NotFound()
    account = card_actions.system_account(actor.subdistrict_id, AccountKind.CANTEEN,
                                          f"canteen-{secrets.token_hex(5)}", name=name.strip())
    canteen = Canteen.objects.create(name=name.strip(), address=address, subdistrict_id=actor.subdistrict_id,
                                     neighborhood=neighborhood, account=account)
    audit.record(actor=actor, event=CANTEEN_CREATED, obj=canteen, after={"name": canteen.name,
                                                                          "account": account.code})
    return canteen


@transaction.atomic
def add_operator(*, actor: User, canteen: Canteen, user: User) -> Canteen:
    _require(actor, Canteen, "change")
    found = queries.canteens(actor, "change").filter(pk=canteen.pk).first()
    if found is None or user.role != Role.CANTEEN or user.subdistrict_id != found.subdistrict_id:
        raise NotFound()
    found.operators.add(user)
    audit.record(actor=actor, event=OPERATOR_ADDED, obj=found, after={"operator": user.username})
    return found


@transaction.atomic
def set_menu(*, actor: User, canteen: Canteen, day: dt.date, items: Sequence[tuple[str, int, str]]) -> Menu:
    """The day's menu; dishes already sold stay (a meal keeps its dish), new ones are added."""
    _require(actor, Menu, "add")
    found = queries.canteens(actor).filter(pk=canteen.pk).first()
    if found is None:
        raise NotFound()
    if not items:
        raise Invalid(_("A menu needs at least one dish."), field="items")
    for name, price, meal_time in items:
        if not name.strip() or not isinstance(price, int) or isinstance(price, bool) or not 0 < price <= 100_000:
            raise Invalid(_("Each dish needs a name and a price between 1 fen and 1000 yuan."), field="items")
        if meal_time not in MealTime.values:
            raise Invalid(_("Unknown meal time."), field="items")
    menu, _created = Menu.objects.get_or_create(canteen=found, day=day)
    MenuItem.objects.bulk_create([MenuItem(menu=menu, name=name.strip(), price_fen=price, meal_time=meal_time)
                                  for name, price, meal_time in items])
    audit.record(actor=actor, event=MENU_SET, obj=menu, after={"day": day, "items": [list(i) for i in items]})
    return menu


def _earlier(actor: User, terminal: Terminal | None, idempotency_key: str, card: Card, item: MenuItem) -> Meal | None:
    """The meal this key already bought (the first answer, for a retry); another meal under it is a conflict."""
    if not idempotency_key:
        return None
    scoped = f"t{terminal.pk}:{idempotency_key.strip()}" if terminal else f"u{actor.pk}:{idempotency_key.strip()}"
    earlier = Meal.objects.filter(transaction__idempotency_key=scoped).first()
    if earlier is None:
        return None
    if earlier.item_id != item.pk or earlier.card_id != card.pk:
        raise Conflict(_("This idempotency key was already used for a different request."), field="idempotency_key")
    earlier.replayed = True  # type: ignore[attr-defined]
    return earlier


def _buy(*, actor: User, canteen: Canteen, card: Card, item: MenuItem, idempotency_key: str,
         terminal: Terminal | None, occurred_at: dt.datetime | None) -> Meal:
    if item.menu.canteen_id != canteen.pk:
        raise NotFound(_("This dish is not on this canteen's menu."))
    # A retry of a meal already bought returns it, before the daily limit could count it twice.
    if (earlier := _earlier(actor, terminal, idempotency_key, card, item)) is not None:
        return earlier
    when = occurred_at or timezone.now()
    day = timezone.localdate(when)
    if item.menu.day != day:
        raise Invalid(_("This dish is not on today's menu."), field="item")
    held = card_actions.lock_card(card)
    # Asked again under the card's lock: a retry that raced the first request waited here for it to commit.
    if (earlier := _earlier(actor, terminal, idempotency_key, card, item)) is not None:
        return earlier
    person = held.person
    if held.subdistrict_id != canteen.subdistrict_id:
        raise NotFound(_("This card belongs to another sub-district."))
    price = item.price_fen
    subsidy = queries.subsidy_for(person, day, price)
    remaining = price - subsidy
    from_wallet = min(remaining, card_queries.balances(held)[WalletKind.MEAL_SUBSIDY])
    cash = remaining - from_wallet
    legs = [card_actions.Leg(amount=price, account=canteen.account)]
    if subsidy:
        legs.append(card_actions.Leg(amount=-subsidy, account=card_actions.system_account(
            canteen.subdistrict_id, AccountKind.SUBSIDY_FUND)))
    if from_wallet:
        legs.append(card_actions.Leg(amount=-from_wallet, wallet=WalletKind.MEAL_SUBSIDY))
    if cash:
        legs.append(card_actions.Leg(amount=-cash, wallet=WalletKind.CASH))
    if len(legs) == 1:  # a meal the fund pays in full still needs two sides; the canteen leg is the other
        raise Invalid(_("The meal has no payer."))
    if queries.meals_today(person, day) >= queries.DAILY_LIMIT:
        raise DailyLimitReached(_("%(name)s has already had %(count)s meals today.") % {
            "name": person.name, "count": queries.DAILY_LIMIT})
    txn = card_actions.post(actor=actor, kind=TransactionKind.PAYMENT, card=held, legs=legs,
                            idempotency_key=idempotency_key, terminal=terminal, memo=f"{canteen.name} {item.name}",
                            occurred_at=occurred_at, operation=Operation.MEAL)
    if getattr(txn, "replayed", False):  # the key's payment was posted by a request that raced this one
        replayed = Meal.objects.get(transaction=txn)
        replayed.replayed = True  # type: ignore[attr-defined]
        return replayed
    meal = Meal.objects.create(canteen=canteen, item=item, day=day, card=held, person=person, price_fen=price,
                               subsidy_fen=subsidy, from_meal_wallet_fen=from_wallet, cash_fen=cash, transaction=txn)
    audit.record(actor=actor, event=MEAL_BOUGHT, obj=meal,
                 after={"card": held.number, "price": price, "subsidy": subsidy, "meal_wallet": from_wallet,
                        "cash": cash, "transaction": txn.pk}, subdistrict_id=canteen.subdistrict_id)
    meal.replayed = False  # type: ignore[attr-defined]
    return meal


@transaction.atomic
def buy_meal(*, actor: User, canteen: Canteen, card: Card, item: MenuItem, idempotency_key: str = "",
             terminal: Terminal | None = None, occurred_at: dt.datetime | None = None) -> Meal:
    """A diner pays for one dish with the card: the subsidy fund pays its share (age band and tags), then
    the meal-subsidy wallet, then cash. Refused past the daily limit or when the card cannot pay."""
    _require(actor, Meal, "add")
    terminal = terminal or card_actions.terminal_of(actor)  # a till's service user buys as its till
    if terminal is not None:
        if terminal.account_id != canteen.account_id or terminal.user_id != actor.pk:
            raise NotFound()
    elif not queries.canteens(actor).filter(pk=canteen.pk).exists():
        raise NotFound()
    return _buy(actor=actor, canteen=canteen, card=card, item=item, idempotency_key=idempotency_key,
                terminal=terminal, occurred_at=occurred_at)


class NotVoidable(Conflict):
    code = "not_voidable"
    default_message = gettext_lazy("Only the last meal rung up at this till today can be voided.")


@transaction.atomic(durable=True)
def void_meal(*, actor: User, canteen: Canteen, meal: Meal, reason: str, idempotency_key: str = "") -> Meal:
    """Undo the last meal this operator rang up at this canteen's till today: its payment is reversed in the
    card ledger (subsidy back to the fund, wallets refunded), the meal is marked voided and leaves the
    settlement. With ``idempotency_key`` a retry returns the voided meal (``replayed``); a second void of the
    same meal under another key, an older meal, or another operator's meal is refused."""
    _require(actor, Meal, "add")
    found = queries.canteens(actor).filter(pk=canteen.pk).first()
    if found is None or meal.canteen_id != found.pk:
        raise NotFound()
    if not reason.strip():
        raise Invalid(_("Say why the meal is voided."), field="reason")
    scoped = idempotency.scoped_key(idempotency_key, f"u{actor.pk}")
    card_actions.lock_card(meal.card)  # the card first: the one lock order of shequ.cards.locks
    locked = Meal.objects.select_for_update().select_related("transaction").get(pk=meal.pk)
    if locked.voided_at is not None:
        if scoped and locked.void_key == scoped:
            locked.replayed = True  # type: ignore[attr-defined]
            return locked
        raise NotVoidable(_("This meal was already voided at %(time)s.") % {
            "time": timezone.localtime(locked.voided_at).strftime("%H:%M")})
    if locked.transaction.actor_id != actor.pk:
        raise NotVoidable(_("This meal was rung up by someone else; only its own till can void it."))
    if queries.last_meal_at_till(actor, found) != locked:
        raise NotVoidable()
    if timezone.localdate(locked.transaction.created_at) != timezone.localdate():
        raise NotVoidable(_("Only a meal of today can be voided at the till; ask the card desk to correct it."))
    reversal = card_actions.reverse(actor=actor, transaction=locked.transaction, reason=reason.strip(),
                                    idempotency_key=f"void-meal-{locked.pk}")
    locked.voided_at = timezone.now()
    locked.voided_by = actor
    locked.void_key = scoped
    locked.save(update_fields=["voided_at", "voided_by", "void_key"])
    audit.record(actor=actor, event=MEAL_VOIDED, obj=locked, reason=reason.strip(),
                 before={"transaction": locked.transaction_id},
                 after={"reversal": reversal.pk, "price": locked.price_fen, "subsidy": locked.subsidy_fen,
                        "meal_wallet": locked.from_meal_wallet_fen, "cash": locked.cash_fen},
                 subdistrict_id=found.subdistrict_id)
    locked.replayed = False  # type: ignore[attr-defined]
    return locked
