"""Two tills selling to the same resident at the same moment: her points are never spent twice."""

import datetime as dt
import threading

import pytest
from django.db import connection

from shequ.cards.actions import issue_card
from shequ.cards.reconciliation import check_books
from shequ.charity import actions as charity
from shequ.charity import seams as charity_seams
from shequ.core.errors import Conflict
from shequ.core.roles import Role
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
