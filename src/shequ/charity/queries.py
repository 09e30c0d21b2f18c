"""Reads of the charity shop, through ``restrict``; the reports reconcile stock to its movements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from shequ.charity import seams
from shequ.charity.models import Allowance, AllowanceRun, Donation, Sale, StockItem, StockMovement
from shequ.core.models import User
from shequ.core.registry import per_period
from shequ.core.scopes import restrict
from shequ.population.models import Person


def items(user: User) -> QuerySet[StockItem]:
    return restrict(StockItem.objects.all(), user).order_by("name_pinyin", "id")


def donations(user: User) -> QuerySet[Donation]:
    return restrict(Donation.objects.prefetch_related("lines__item"), user)


def sales(user: User) -> QuerySet[Sale]:
    return restrict(Sale.objects.select_related("buyer").prefetch_related("lines__item"), user)


def last_sale_at_till(user: User) -> Sale | None:
    """The last sale the user made (voided or not): the only one her till may void."""
    return sales(user).filter(sold_by=user).order_by("-sold_at", "-pk").first()


def voidable_sale(user: User) -> Sale | None:
    """The till's last sale if it may still be voided: made today and not voided yet."""
    last = last_sale_at_till(user)
    if last is None or last.voided_at is not None or timezone.localdate(last.sold_at) != timezone.localdate():
        return None
    return last


def allowance_runs(user: User) -> QuerySet[AllowanceRun]:
    # A household listed with 0 points had no card to credit (see actions.grant_monthly_allowance).
    return restrict(AllowanceRun.objects.annotate(
        households=Count("allowances", filter=Q(allowances__points__gt=0)),
        no_card=Count("allowances", filter=Q(allowances__points=0)),
        points=Sum("allowances__points")), user)


def allowances(user: User, run: AllowanceRun | None = None) -> QuerySet[Allowance]:
    found = restrict(Allowance.objects.select_related("household", "recipient", "run"), user)
    return found.filter(run=run) if run else found.order_by("-run__month", "id")


@dataclass
class StockRow:
    item: StockItem
    received: int
    sold: int
    adjusted: int
    movements_total: int

    @property
    def reconciles(self) -> bool:
        return self.movements_total == self.item.on_hand


def stock_report(user: User, *, since: dt.date | None = None, until: dt.date | None = None,
                 out_only: bool = False) -> list[StockRow]:
    """Per item: received, sold and adjusted in the period, and whether the level equals the sum of all movements."""
    period = Q()
    if since:
        period &= Q(movements__at__date__gte=since)
    if until:
        period &= Q(movements__at__date__lte=until)
    rows: Any = restrict(StockItem.objects.all(), user, "export").annotate(
        received=Sum("movements__quantity", filter=period & Q(movements__kind="donation"), default=0),
        # Net of voided sales: a void puts the goods back under the same heading.
        sold=Sum("movements__quantity", filter=period & Q(movements__kind__in=["sale", "void"]), default=0),
        adjusted=Sum("movements__quantity", filter=period & Q(movements__kind__in=["adjustment", "write_off"]),
                     default=0),
    ).order_by("name_pinyin", "id")
    if out_only:
        rows = rows.filter(on_hand__lte=0)
    totals = dict(StockMovement.objects.filter(item__in=[r.pk for r in rows]).values("item")
                  .annotate(n=Sum("quantity")).values_list("item", "n"))
    return [StockRow(item=row, received=row.received, sold=-row.sold, adjusted=row.adjusted,
                     movements_total=totals.get(row.pk, 0)) for row in rows]


def my_points(user: User) -> tuple[Person | None, int]:
    """A resident's own charity-points balance."""
    person = Person.objects.filter(user=user).first()
    return person, seams.points_balance(person) if person else 0


# Workbench counts


def out_of_stock(user: User) -> QuerySet[StockItem]:
    """Goods the shop lists with none on the shelf."""
    return items(user).filter(on_hand__lte=0)


def out_of_stock_count(user: User) -> int:
    return out_of_stock(user).count()


def unfinished_allowance_runs(user: User) -> QuerySet[AllowanceRun]:
    """Monthly allowance runs that stopped before every household was granted: the next attempt finishes them."""
    return allowance_runs(user).filter(completed_at__isnull=True)


def unfinished_allowance_runs_count(user: User) -> int:
    return restrict(AllowanceRun.objects.filter(completed_at__isnull=True), user).count()


# Dashboard figures


def sales_by_period(user: Any, periods: list[Any]) -> list[int]:
    """Sales rung up at the charity shop in each period."""
    return per_period(restrict(Sale.objects.all(), user), periods, "sold_at", moment=True)
