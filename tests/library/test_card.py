"""The library desk identifies a reader by her resident card: a live card lends, a lost or frozen one is refused."""

from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.library.models import Loan


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_loan_by_card_number_goes_to_the_cards_holder(admin, librarian, book, resident_person):
    card = card_actions.issue_card(actor=admin, person=resident_person)
    response = _client(librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "card": card.number},
                                       format="json")
    assert response.status_code == 201, response.content
    assert Loan.objects.get().reader == resident_person


def test_a_frozen_or_lost_card_is_refused_by_name_and_nothing_is_lent(admin, librarian, book, resident_person):
    card = card_actions.issue_card(actor=admin, person=resident_person)
    card_actions.freeze(actor=admin, card=card, reason="家属要求")
    response = _client(librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "card": card.number},
                                       format="json")
    assert response.status_code == 409 and card.number in response.json()["detail"]
    card_actions.unfreeze(actor=admin, card=card)
    card_actions.report_lost(actor=admin, card=card, reason="丢在公交车上")
    response = _client(librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "card": card.number},
                                       format="json")
    assert response.status_code == 409
    assert not Loan.objects.exists()


def test_a_card_of_another_subdistrict_is_unknown_at_this_desk(admin, outside_librarian, book, resident_person):
    card = card_actions.issue_card(actor=admin, person=resident_person)
    response = _client(outside_librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "card": card.number},
                                               format="json")
    assert response.status_code == 404
    assert not Loan.objects.exists()


def test_the_desk_page_finds_the_reader_by_her_card(client, admin, librarian, book, resident_person):
    card = card_actions.issue_card(actor=admin, person=resident_person)
    client.force_login(librarian)
    response = client.get("/library/desk/", {"card": card.number})
    assert response.status_code == 200 and "王秀英" in response.content.decode()
