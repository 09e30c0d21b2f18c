"""Reads of elderly dining: scoped lists, the subsidy a diner gets, and a canteen's monthly settlement.

A canteen operator sees his own canteens only (those he is an operator of); other staff see the
canteens of their sub-district or neighborhood; a resident sees her own meals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from shequ.cards import queries as card_queries
from shequ.core.registry import per_period
from shequ.core.roles import Role
from shequ.core.scopes import restrict
from shequ.dining.choices import RuleKind
from shequ.dining.models import Canteen, Meal, Menu, MenuItem, SubsidyRule
from shequ.population.models import Person

DAILY_LIMIT = 2  # meals per person per day, over all canteens: the subsidy is for the person, not the card.


def canteens(user: Any, action: str = "view") -> QuerySet[Canteen]:
    found = restrict(Canteen.objects.select_related("account"), user, action)
    if getattr(user, "role", None) == Role.CANTEEN:
        found = found.filter(operators=user)
    return found


def menus(user: Any, action: str = "view") -> QuerySet[Menu]:
    return Menu.objects.filter(canteen__in=canteens(user, "view" if action == "view" else action))


def meals(user: Any, action: str = "view") -> QuerySet[Meal]:
    found = restrict(Meal.objects.select_related("canteen", "item", "person"), user, action)
    if getattr(user, "role", None) == Role.CANTEEN:
        found = found.filter(canteen__operators=user)
    return found


def canteen_of_account(account_id: int) -> Canteen | None:
    return Canteen.objects.filter(account_id=account_id, is_active=True).first()


def menu_of(canteen: Canteen, day: dt.date) -> Menu | None:
    return Menu.objects.filter(canteen=canteen, day=day).prefetch_related("items").first()


def item_of(canteen: Canteen, item_id: int) -> MenuItem | None:
    return MenuItem.objects.select_related("menu").filter(menu__canteen=canteen, pk=item_id).first()


def subsidy_for(person: Person, day: dt.date, price_fen: int) -> int:
    """The fund's share of one meal: the highest age band that applies plus every tag supplement, capped
    at the price. Rules of the person's sub-district replace the defaults when it has any."""
    return subsidy_share(person, day).for_price(price_fen)


@dataclass(frozen=True)
class SubsidyShare:
    """What the subsidy fund pays towards one meal of one diner: her age band's share and the supplements."""

    age_band_fen: int
    supplements_fen: int

    @property
    def total_fen(self) -> int:
        return self.age_band_fen + self.supplements_fen

    def for_price(self, price_fen: int) -> int:
        return min(price_fen, self.total_fen)


def subsidy_share(person: Person, day: dt.date) -> SubsidyShare:
    """The fund's share per meal before the cap at the price; :func:`subsidy_for` is it capped."""
    rules = SubsidyRule.objects.filter(is_active=True)
    local = rules.filter(subdistrict_id=person.subdistrict_id)
    rules = local if local.exists() else rules.filter(subdistrict__isnull=True)
    age = person.age_on(day)
    band = max((rule.amount_fen for rule in rules.filter(kind=RuleKind.AGE_BAND, min_age__lte=age)
                .filter(Q(max_age__isnull=True) | Q(max_age__gte=age))), default=0)
    tags = set(person.tags.values_list("code", flat=True))
    supplements = sum(rule.amount_fen for rule in rules.filter(kind=RuleKind.TAG, tag__in=tags))
    return SubsidyShare(age_band_fen=band, supplements_fen=supplements)


def last_meal_at_till(user: Any, canteen: Canteen) -> Meal | None:
    """The last meal ``user`` rang up at this canteen (voided or not): the only one her till may void."""
    return (meals(user).filter(canteen=canteen, transaction__actor=user)
            .select_related("transaction", "card").order_by("-transaction__created_at", "-pk").first())


def voidable_meal(user: Any, canteen: Canteen) -> Meal | None:
    """The till's last meal if it may still be voided there: rung up today and neither voided nor reversed."""
    last = last_meal_at_till(user, canteen)
    if last is None or timezone.localdate(last.transaction.created_at) != timezone.localdate():
        return None
    return last if Meal.objects.filter(pk=last.pk).served().exists() else None


def meals_today(person: Person, day: dt.date) -> int:
    return Meal.objects.filter(person=person, day=day, transaction__reversed_by__isnull=True).count()


@dataclass
class SettlementDay:
    day: dt.date
    meals: int
    price: int
    subsidy: int
    meal_wallet: int
    cash: int


@dataclass
class Settlement:
    """One canteen's month: what it served, what to claim from the subsidy fund, what residents paid."""

    canteen: Canteen
    month: dt.date
    days: list[SettlementDay] = field(default_factory=list)
    meals: int = 0
    price: int = 0
    subsidy: int = 0
    meal_wallet: int = 0
    cash: int = 0
    ledger: int = 0
    reversed_meals: int = 0

    @property
    def reconciled(self) -> bool:
        return self.price == self.ledger == self.subsidy + self.meal_wallet + self.cash


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    following = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, following


def settlement(canteen: Canteen, month: dt.date) -> Settlement:
    """Meals are counted by the time their ledger transaction was posted, the same clock the ledger total
    uses, so a meal paid at 23:59:59 on the last day can never fall in a different month on each side."""
    start, end = month_bounds(month)
    result = Settlement(canteen=canteen, month=start.date())
    rows = (Meal.objects.filter(canteen=canteen, transaction__created_at__gte=start, transaction__created_at__lt=end)
            .annotate(posted=TruncDate("transaction__created_at")).values("posted")
            .annotate(meals=Count("id"), price=Coalesce(Sum("price_fen"), 0), subsidy=Coalesce(Sum("subsidy_fen"), 0),
                      wallet=Coalesce(Sum("from_meal_wallet_fen"), 0), cash=Coalesce(Sum("cash_fen"), 0))
            .order_by("posted"))
    for row in rows:
        day = SettlementDay(row["posted"], row["meals"], row["price"], row["subsidy"], row["wallet"], row["cash"])
        result.days.append(day)
        result.meals += day.meals
        result.price += day.price
        result.subsidy += day.subsidy
        result.meal_wallet += day.meal_wallet
        result.cash += day.cash
    # A meal whose payment was reversed (cards.actions.reverse) comes off in the month of the reversal,
    # the month its negating entries fall in on the ledger.
    undone = Meal.objects.filter(canteen=canteen, transaction__reversed_by__created_at__gte=start,
                                 transaction__reversed_by__created_at__lt=end).aggregate(
        meals=Count("id"), price=Coalesce(Sum("price_fen"), 0), subsidy=Coalesce(Sum("subsidy_fen"), 0),
        wallet=Coalesce(Sum("from_meal_wallet_fen"), 0), cash=Coalesce(Sum("cash_fen"), 0))
    result.reversed_meals = undone["meals"]
    result.meals -= undone["meals"]
    result.price -= undone["price"]
    result.subsidy -= undone["subsidy"]
    result.meal_wallet -= undone["wallet"]
    result.cash -= undone["cash"]
    result.ledger = card_queries.account_total(canteen.account, start=start, end=end)
    return result


def unreconciled_canteens() -> list[str]:
    """Every canteen whose meals, all time, do not add up to its ledger account (a reconciliation check)."""
    problems = []
    for canteen in Canteen.objects.select_related("account"):
        meals_total = Meal.objects.filter(canteen=canteen, transaction__reversed_by__isnull=True).aggregate(
            total=Coalesce(Sum("price_fen"), 0))["total"]
        ledger = card_queries.account_total(canteen.account)
        if meals_total != ledger:
            problems.append(f"canteen {canteen.pk} {canteen.name}: meals {meals_total}, ledger {ledger}")
    return problems


# Workbench counts


def canteens_without_menu(user: Any, day: dt.date | None = None) -> QuerySet[Canteen]:
    """Open canteens of the user's that have no menu for the day yet: nothing can be sold at their tills."""
    return canteens(user).filter(is_active=True).exclude(menus__day=day or timezone.localdate())


def canteens_without_menu_count(user: Any) -> int:
    return canteens_without_menu(user).count()


# Dashboard figures


def _meals_served(user: Any) -> QuerySet[Meal]:
    # A meal voided at the till (its payment reversed) was not served.
    return meals(user).filter(transaction__reversed_by__isnull=True)


def meals_by_period(user: Any, periods: list[Any]) -> list[int]:
    """Meals served (not voided) on the days of each period, in the canteens the user may see."""
    return per_period(_meals_served(user), periods, "day")


def meal_subsidy_by_period(user: Any, periods: list[Any]) -> list[int]:
    """The subsidy fund's share (fen) of the meals served in each period."""
    return per_period(_meals_served(user), periods, "day",
                      measure=lambda within: Sum("subsidy_fen", filter=within, default=0))
