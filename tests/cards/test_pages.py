from __future__ import annotations

from typing import Any

from django.test import Client

from shequ.cards import actions, queries
from shequ.cards.choices import CardStatus, WalletKind
from shequ.cards.models import Card
from shequ.core.models import AuditEntry, User
from shequ.population.models import Person
from tests.conftest import login


def test_the_card_desk_finds_a_card_by_number_and_offers_cards_to_people_without_one(
        client: Client, clerk: User, card: Card, make_person: Any, org: Any) -> None:
    make_person("王小明", dwelling=org.huashan_dwellings[3])
    login(client, clerk)
    page = client.get("/cards/", {"q": card.number[:8]})
    assert page.status_code == 200 and card.number_display in page.content.decode()
    offered = client.get("/cards/", {"q": "王"}).content.decode()
    assert "王小明" in offered and "/cards/issue/" in offered


def test_a_clerk_issues_a_card_from_the_desk(client: Client, clerk: User, resident_person: Person) -> None:
    login(client, clerk)
    answer = client.post(f"/cards/issue/{resident_person.pk}/")
    card = queries.live_card_of(resident_person)
    assert card is not None and answer.status_code == 302 and answer["Location"] == f"/cards/{card.pk}/"
    assert AuditEntry.objects.filter(event=actions.CARD_ISSUED, actor=clerk).exists()


def test_a_clerk_tops_up_and_freezes_a_card_and_a_resent_form_charges_once(
        client: Client, clerk: User, card: Card) -> None:
    login(client, clerk)
    for _ in range(2):
        client.post(f"/cards/{card.pk}/top-up/", {"amount_yuan": "50.00", "idempotency_key": "form-1"})
    assert queries.balances(card)[WalletKind.CASH] == 5000
    client.post(f"/cards/{card.pk}/freeze/", {"reason": "家属申请"})
    card.refresh_from_db()
    assert card.status == CardStatus.FROZEN
    assert "¥50.00" in client.get(f"/cards/{card.pk}/").content.decode()


def test_reissue_from_the_desk_leads_to_the_new_card(client: Client, clerk: User, card: Card) -> None:
    login(client, clerk)
    answer = client.post(f"/cards/{card.pk}/reissue/", {"reason": "磨损"})
    new = Card.objects.get(reissue_of=card)
    assert answer["Location"] == f"/cards/{new.pk}/"


def test_card_pages_are_404_out_of_scope_and_send_visitors_to_login(
        client: Client, yuyuan_clerk: User, card: Card) -> None:
    assert client.get(f"/cards/{card.pk}/").status_code == 302
    login(client, yuyuan_clerk)
    assert client.get(f"/cards/{card.pk}/").status_code == 404
    assert client.post(f"/cards/{card.pk}/freeze/", {"reason": "x"}).status_code == 404


def test_a_resident_sees_her_card_balances_transactions_and_qr_code(
        client: Client, resident: User, card: Card, clerk: User) -> None:
    actions.top_up(actor=clerk, card=card, amount_fen=1234)
    login(client, resident)
    page = client.get("/cards/mine/").content.decode()
    assert card.number_display in page and "¥12.34" in page and "<svg" in page
    assert client.get(f"/cards/{card.pk}/").status_code == 200
    assert client.get("/cards/").status_code == 200
    assert client.post(f"/cards/{card.pk}/freeze/", {"reason": "x"}).status_code == 404
