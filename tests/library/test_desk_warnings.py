"""The library desk warns of a reader's overdue books and holds ready, prints loan slips, and the librarian's
workbench counts match the lists they open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.core.models import User
from shequ.core.registry import registry
from shequ.core.roles import Role
from shequ.library import actions
from shequ.library.models import Loan, Title
from tests.conftest import login


def _lend(librarian: User, book: Title, barcode: str, reader: Any, days_ago: int) -> Loan:
    if barcode != "L0001":
        actions.add_copy(actor=librarian, title=book, barcode=barcode)
    return actions.lend(actor=librarian, barcode=barcode, reader=reader,
                        today=timezone.localdate() - dt.timedelta(days=days_ago))


def test_the_desk_warns_of_her_overdue_books_before_a_new_loan_which_is_still_allowed(
        client: Client, librarian: User, book: Title, reader_card: Any, resident_person: Any) -> None:
    _lend(librarian, book, "L0001", resident_person, days_ago=40)
    actions.add_copy(actor=librarian, title=book, barcode="L0002")
    login(client, librarian)
    page = client.get("/library/desk/", {"reader": resident_person.pk}).content.decode()
    assert 'data-testid="overdue-warning"' in page and "badge--danger" in page
    assert 'data-testid="loan-rule"' in page
    answer = client.post(f"/library/desk/?reader={resident_person.pk}", {"reader": resident_person.pk,
                                                                         "barcode": "L0002", "lend": "1"})
    assert answer.status_code == 302 and Loan.objects.filter(returned_at__isnull=True).count() == 2


def test_the_desk_shows_a_reader_without_overdue_books_no_warning(
        client: Client, librarian: User, book: Title, reader_card: Any, resident_person: Any) -> None:
    _lend(librarian, book, "L0001", resident_person, days_ago=0)
    login(client, librarian)
    page = client.get("/library/desk/", {"reader": resident_person.pk}).content.decode()
    assert 'data-testid="overdue-warning"' not in page and "红楼梦" in page


def test_the_loan_slip_shows_the_title_due_date_library_and_masked_card_only(
        client: Client, librarian: User, book: Title, reader_card: Any, resident_person: Any,
        outside_librarian: User) -> None:
    loan = _lend(librarian, book, "L0001", resident_person, days_ago=0)
    login(client, librarian)
    page = client.get(f"/library/loans/{loan.pk}/slip/").content.decode()
    assert '<article class="printable slip"' in page and "data-print" in page and "shequ/print.js" in page
    assert "红楼梦" in page and loan.due_on.isoformat() in page and loan.subdistrict.name in page
    assert "**** " + reader_card.number[-4:] in page and reader_card.number not in page
    assert resident_person.phone not in page
    login(client, outside_librarian)
    assert client.get(f"/library/loans/{loan.pk}/slip/").status_code == 404


def test_each_count_equals_the_rows_its_list_shows_and_ignores_another_library(
        client: Client, librarian: User, book: Title, reader_card: Any, resident_person: Any,
        outside_librarian: User, make_staff: Any, make_person: Any) -> None:
    _lend(librarian, book, "L0001", resident_person, days_ago=40)  # overdue
    _lend(librarian, book, "L0002", resident_person, days_ago=29)  # due in 1 day (loans last 30)
    _lend(librarian, book, "L0003", resident_person, days_ago=0)   # due in 30 days
    waiting = make_person("李建国", birth=dt.date(1948, 1, 2))
    card_actions.issue_card(actor=librarian_admin(make_staff), person=waiting)
    actions.place_hold(actor=librarian, title=book, reader=waiting)
    actions.take_back(actor=librarian, barcode="L0003")  # kept for 李建国: ready to collect
    login(client, librarian)
    page = client.get("/library/desk/", {"reader": waiting.pk}).content.decode()
    assert 'data-testid="holds-ready"' in page
    expected = {"library.overdue": 1, "library.due_soon": 1, "library.holds_ready": 1}
    for key, count in expected.items():
        entry = registry.counts[key]
        assert entry.allowed(librarian) and entry.count(librarian) == count, key
        page = client.get(entry.url(librarian)).content.decode()
        assert page.count('data-testid="loan-row"') + page.count('data-testid="hold-row"') == count, key
        assert entry.count(outside_librarian) == 0
    assert not registry.counts["library.overdue"].allowed(make_staff("canteen", "zhou"))


def librarian_admin(make_staff: Any) -> User:
    """The card desk, which issues the waiting reader her card."""
    user: User = make_staff(Role.CLERK, "card-desk")
    return user
