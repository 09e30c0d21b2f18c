"""The demo's cards and canteens: elders hold cards with money on them, lunches are sold, the books balance."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shequ.cards.models import Card
from shequ.cards.reconciliation import check_books
from shequ.demo import builder
from shequ.dining import queries as dining_queries
from shequ.dining.models import Canteen, Meal


def test_the_demo_has_canteens_cards_and_todays_lunches_and_its_books_balance(db: Any) -> None:
    builder.build(residents=200)
    assert Canteen.objects.count() == 2
    assert Card.objects.count() >= 20
    assert Meal.objects.exists()
    for canteen in Canteen.objects.all():
        assert dining_queries.settlement(canteen, timezone.localdate()).reconciled
    report = check_books()
    assert report.ok, report.problems()
