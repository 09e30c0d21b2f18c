"""The card desk's workbench count of lost cards to replace opens the list it counted."""

from __future__ import annotations

from typing import Any

from django.test import Client

from shequ.cards import actions
from shequ.core.models import User
from shequ.core.registry import registry
from tests.conftest import login


def test_the_lost_cards_count_equals_the_cards_listed_and_only_in_the_clerks_neighborhood(
        client: Client, clerk: User, yuyuan_clerk: User, card: Any, make_person: Any, make_staff: Any) -> None:
    other = actions.issue_card(actor=clerk, person=make_person("李建国"))
    actions.report_lost(actor=clerk, card=card)
    entry = registry.counts["cards.lost"]
    assert entry.allowed(clerk) and entry.count(clerk) == 1
    login(client, clerk)
    page = client.get(entry.url(clerk)).content.decode()
    assert page.count('data-testid="card-row"') == 1 and card.number_display in page
    assert other.number_display not in page
    assert entry.count(yuyuan_clerk) == 0  # 王秀英 lives in 华山
    actions.reissue_card(actor=clerk, card=card)
    assert entry.count(clerk) == 0
    assert not entry.allowed(make_staff("canteen", "zhou"))
