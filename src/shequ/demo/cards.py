"""The demo's resident cards and elderly dining: two canteens with today's menu, cards for elders of the
first two neighborhoods (and for every resident with a portal login), cash on them, a meal subsidy for
households on 低保, and the lunches already sold today. Everything goes through the apps' actions."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards.choices import AccountKind, WalletKind
from shequ.core.models import Neighborhood, User
from shequ.dining import actions as dining_actions
from shequ.population.choices import PersonStatus
from shequ.population.models import Person

ELDERS_PER_NEIGHBORHOOD = 60
MENU = [("一荤两素套餐", 1500, "lunch"), ("两荤一素套餐", 1800, "lunch"), ("菜肉馄饨", 800, "dinner")]


def build(*, users: dict[str, User], neighborhoods: list[Neighborhood], today: dt.date, rng: random.Random) -> int:
    """Returns the number of cards issued."""
    admin, clerk, operator = users["admin"], users["clerk"], users["canteen"]
    canteens = []
    for neighborhood, name in zip(neighborhoods[:2], ("华山长者食堂", "愚园长者助餐点"), strict=True):
        canteen = dining_actions.create_canteen(actor=admin, name=name, neighborhood=neighborhood)
        dining_actions.add_operator(actor=admin, canteen=canteen, user=operator)
        dining_actions.set_menu(actor=operator, canteen=canteen, day=today, items=MENU)
        canteens.append(canteen)
    born_before = today.replace(year=today.year - 60)
    holders: list[Any] = []
    for neighborhood in neighborhoods[:2]:
        holders += Person.objects.filter(neighborhood=neighborhood, status=PersonStatus.ACTIVE,
                                         birth_date__lte=born_before).order_by("id")[:ELDERS_PER_NEIGHBORHOOD]
    holders += Person.objects.filter(user__isnull=False, status=PersonStatus.ACTIVE).exclude(
        pk__in=[p.pk for p in holders])
    fund = card_actions.system_account(admin.subdistrict_id or 0, AccountKind.SUBSIDY_FUND)
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(11, 30)))
    cards = []
    for person in holders:
        card = card_actions.issue_card(actor=clerk, person=person)
        card_actions.top_up(actor=clerk, card=card, amount_fen=rng.choice((5000, 10000, 20000, 30000)))
        if person.tags.filter(code="subsistence").exists():
            card_actions.credit(actor=clerk, card=card, wallet=WalletKind.MEAL_SUBSIDY, amount_fen=6000,
                                counter_account=fund, memo="低保助餐补贴")
        cards.append((card, person))
    for index, (card, person) in enumerate(cards[: len(cards) // 2]):
        canteen = canteens[0] if person.neighborhood_id == neighborhoods[0].pk else canteens[1]
        item = canteen.menus.get(day=today).items.order_by("id")[index % 2]
        dining_actions.buy_meal(actor=operator, canteen=canteen, card=card, item=item, occurred_at=noon)
    return len(cards)
