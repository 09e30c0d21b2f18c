"""A library desk registered as a cards Terminal lends by card with its own token; other devices cannot."""

from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.cards.choices import AccountKind
from shequ.library.models import Loan


def _device(admin, kind, account_kind):
    account = card_actions.system_account(admin.subdistrict_id, account_kind)
    _terminal, token = card_actions.register_terminal(actor=admin, name=kind, kind=kind, account=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    return client


def test_a_registered_library_desk_lends_by_card_with_its_token(admin, book, resident_person):
    card = card_actions.issue_card(actor=admin, person=resident_person)
    desk = _device(admin, "library_desk", AccountKind.LIBRARY)
    response = desk.post("/api/v1/library/loans/", {"barcode": "L0001", "card": card.number}, format="json")
    assert response.status_code == 201, response.content
    assert Loan.objects.get().reader == resident_person


def test_a_canteen_till_cannot_use_the_library_desk_api(admin, book, resident_person):
    card = card_actions.issue_card(actor=admin, person=resident_person)
    till = _device(admin, "canteen_till", AccountKind.CANTEEN)
    response = till.post("/api/v1/library/loans/", {"barcode": "L0001", "card": card.number}, format="json")
    assert response.status_code == 404
    assert not Loan.objects.exists()


def test_a_deactivated_desk_or_a_made_up_token_is_not_let_in(admin, book):
    account = card_actions.system_account(admin.subdistrict_id, AccountKind.LIBRARY)
    terminal, token = card_actions.register_terminal(actor=admin, name="desk", kind="library_desk", account=account)
    card_actions.deactivate_terminal(actor=admin, terminal=terminal)
    for presented in (token, "not-a-real-token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Terminal {presented}")
        assert client.get("/api/v1/library/loans/").status_code in (401, 403)
