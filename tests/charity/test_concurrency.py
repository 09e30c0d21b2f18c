"""Two tills selling to the same resident at the same moment: her points are never spent twice."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.actions import issue_card
from shequ.cards.choices import WalletKind
from shequ.cards.reconciliation import check_books
from shequ.charity import actions as charity
from shequ.charity import seams as charity_seams
from shequ.charity.models import Allowance, AllowanceRun
from shequ.core.errors import Conflict
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.dining import actions as dining
from shequ.dining.models import Meal
from shequ.dining.queries import DAILY_LIMIT
from shequ.population.models import Tag


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_never_spend_the_same_points_twice(postgres_only, make_staff, make_person):
    clerk = make_staff(Role.CHARITY_CLERK, "clerk-charity")
    # A transactional test before this one may have flushed the standard tags.
    tag, _created = Tag.objects.get_or_create(code="subsistence", defaults={"name": "低保"})
    buyer = make_person("张桂英", relationship="head", tags=[tag])
    issue_card(actor=make_staff(Role.CLERK, "card-desk"), person=buyer)
    item = charity.add_item(actor=clerk, name="食用油", price_fen=1000)
    charity.receive_donation(actor=clerk, donor_name="爱心企业", lines=[(item, 20)])
    charity.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=3000,
                                    tags=["subsistence"])
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def buy() -> None:
        barrier.wait()
        try:
            charity.sell(actor=clerk, buyer=buyer, lines=[(item, 1)], points=1000)
            outcomes.append("sold")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 2 + ["sold"] * 3
    assert charity_seams.points_balance(buyer) == 0
    item.refresh_from_db()
    assert item.on_hand == 17
    assert check_books().ok


def _resident_with_points(make_staff, make_person, clerk, *, dwelling=None, name="张桂英", n=0):
    """An eligible head of household with her card; the card desk tops it up with ¥50."""
    tag, _created = Tag.objects.get_or_create(code="subsistence", defaults={"name": "低保"})
    extra = {"dwelling": dwelling, "birth": dt.date(1950, 3, 1 + n)} if dwelling is not None else {}
    person = make_person(name, relationship="head", tags=[tag], **extra)
    desk = User.objects.filter(username="card-desk").first() or make_staff(Role.CLERK, "card-desk")
    card = issue_card(actor=desk, person=person)
    card_actions.top_up(actor=desk, card=card, amount_fen=5000)
    return person, card


def _at_once(*works):
    """Run the works in threads released together; return what each raised (None when it succeeded)."""
    barrier = threading.Barrier(len(works))
    raised = [None] * len(works)

    def run(index, work):
        barrier.wait()
        try:
            work()
        except Exception as error:  # reported to the test, which asserts there is none
            raised[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting: deadlock"
    return raised


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_resident_paying_at_the_charity_shop_and_the_canteen_at_once_never_deadlocks(
        postgres_only, make_staff, make_person, admin):
    clerk = make_staff(Role.CHARITY_CLERK, "clerk-charity")
    buyer, card = _resident_with_points(make_staff, make_person, clerk)
    item = charity.add_item(actor=clerk, name="食用油", price_fen=100)
    charity.receive_donation(actor=clerk, donor_name="爱心企业", lines=[(item, 20)])
    charity.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 5, 1), points_per_household=1000,
                                    tags=["subsistence"])
    canteen = dining.create_canteen(actor=admin, name="华山长者食堂")
    operator = make_staff(Role.CANTEEN, "zhou")
    dining.add_operator(actor=admin, canteen=canteen, user=operator)
    noodles = dining.set_menu(actor=operator, canteen=canteen, day=timezone.localdate(),
                              items=[("面条", 800, "lunch")]).items.get()
    for round_ in range(DAILY_LIMIT):
        raised = _at_once(
            lambda: charity.sell(actor=clerk, buyer=buyer, lines=[(item, 1)], points=100),
            lambda r=round_: dining.buy_meal(actor=operator, canteen=canteen, card=card, item=noodles,
                                             idempotency_key=f"meal-{r}"))
        assert raised == [None, None], raised
    balances = card_queries.balances(card)
    assert balances[WalletKind.CHARITY_POINTS] == 1000 - 100 * DAILY_LIMIT
    assert balances[WalletKind.CASH] == 5000 - sum(Meal.objects.values_list("cash_fen", flat=True))
    assert check_books().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_monthly_allowance_run_does_not_hold_a_card_while_it_grants_the_others(
        postgres_only, make_staff, make_person, org, monkeypatch):
    clerk = make_staff(Role.CHARITY_CLERK, "clerk-charity")
    for n, dwelling in enumerate(org.huashan_dwellings[:3]):
        _resident_with_points(make_staff, make_person, clerk, dwelling=dwelling, name=f"张{n}", n=n)
    item = charity.add_item(actor=clerk, name="食用油", price_fen=100)
    charity.receive_donation(actor=clerk, donor_name="爱心企业", lines=[(item, 20)])
    original = charity._grant_household
    granted, first_granted, sale_done = [], threading.Event(), threading.Event()

    def gated(**kwargs):
        if granted:  # the rest of the run waits until the sale has gone through (or gives up)
            sale_done.wait(timeout=30)
        allowance = original(**kwargs)
        if allowance is not None and allowance.points and not granted:
            granted.append(allowance)
            first_granted.set()
        return allowance

    monkeypatch.setattr(charity, "_grant_household", gated)

    def run():
        try:
            charity.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 6, 1), points_per_household=1000,
                                            tags=["subsistence"])
        finally:
            connection.close()

    runner = threading.Thread(target=run)
    runner.start()
    try:
        assert first_granted.wait(timeout=30)
        buyer = granted[0].recipient
        sold = []

        def sell():
            try:
                sold.append(charity.sell(actor=clerk, buyer=buyer, lines=[(item, 2)], points=200))
            finally:
                connection.close()

        seller = threading.Thread(target=sell)
        seller.start()
        seller.join(timeout=15)
        assert not seller.is_alive() and sold, "the sale waited for the whole allowance run"
    finally:
        sale_done.set()
        runner.join(timeout=60)
    assert charity_seams.points_balance(buyer) == 800
    assert Allowance.objects.filter(points=1000).count() == 3
    assert check_books().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_allowance_runs_at_once_credit_each_household_once(postgres_only, make_staff, make_person, org):
    clerk = make_staff(Role.CHARITY_CLERK, "clerk-charity")
    people = [_resident_with_points(make_staff, make_person, clerk, dwelling=dwelling, name=f"李{n}", n=n)[0]
              for n, dwelling in enumerate(org.huashan_dwellings[:4])]

    def grant():
        charity.grant_monthly_allowance(actor=clerk, month=dt.date(2026, 7, 1), points_per_household=500,
                                        tags=["subsistence"])

    raised = _at_once(grant, grant)
    assert all(error is None or isinstance(error, Conflict) for error in raised), raised
    assert raised.count(None) >= 1
    assert [charity_seams.points_balance(person) for person in people] == [500] * 4
    assert Allowance.objects.count() == 4
    assert AllowanceRun.objects.get().completed_at is not None
    assert check_books().ok
