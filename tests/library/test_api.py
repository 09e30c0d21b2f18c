"""The library's REST API: public catalogue search, lending and returns at a desk, a reader's renewal."""

from rest_framework.test import APIClient

from shequ.library import actions
from shequ.library.models import Loan


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_catalogue_api_answers_visitors_by_pinyin(book):
    response = _client().get("/api/v1/library/catalogue/", {"q": "hongloumeng"})
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["红楼梦"]
    assert response.json()["results"][0]["copies_available"] == 1


def test_a_desk_lends_and_takes_back_through_the_api(librarian, book, resident_person, reader_card):
    client = _client(librarian)
    response = client.post("/api/v1/library/loans/", {"barcode": "L0001", "reader": resident_person.pk},
                           format="json")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "红楼梦"
    response = client.post("/api/v1/library/loans/returns/", {"barcode": "L0001"}, format="json")
    assert response.status_code == 200 and response.json()["returned_at"]


def test_bad_input_to_the_loans_api_answers_400_with_a_message(librarian, book, resident_person, reader_card):
    client = _client(librarian)
    for body in ({}, {"barcode": "L0001"}, {"barcode": "L0001", "reader": "x"},
                 {"barcode": "L0001", "reader": 10**30}, {"barcode": "L0001", "reader": 1, "card": "1"}):
        response = client.post("/api/v1/library/loans/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["detail"]
    assert client.post("/api/v1/library/loans/", {"barcode": "L0001", "reader": 999999},
                       format="json").status_code == 400
    assert client.post("/api/v1/library/loans/", {"barcode": "NOPE", "reader": resident_person.pk},
                       format="json").status_code == 404
    assert not Loan.objects.exists()


def test_lending_a_copy_already_on_loan_answers_409(librarian, book, resident_person, reader_card):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    response = _client(librarian).post("/api/v1/library/loans/", {"barcode": "L0001", "reader": resident_person.pk},
                                       format="json")
    assert response.status_code == 409


def test_a_reader_renews_her_own_loan_through_the_api_but_cannot_lend(librarian, book, resident, resident_person):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    client = _client(resident)
    assert [row["id"] for row in client.get("/api/v1/library/loans/").json()["results"]] == [loan.pk]
    assert client.post(f"/api/v1/library/loans/{loan.pk}/renew/").json()["renewals"] == 1
    assert client.post("/api/v1/library/loans/", {"barcode": "L0001", "reader": resident_person.pk},
                       format="json").status_code == 404


def test_the_loans_api_refuses_visitors_and_other_libraries(outside_librarian, librarian, book, resident_person):
    loan = actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    assert _client().get("/api/v1/library/loans/").status_code == 401
    assert _client(outside_librarian).get(f"/api/v1/library/loans/{loan.pk}/").status_code == 404
    assert _client(outside_librarian).get("/api/v1/library/loans/").json()["results"] == []
