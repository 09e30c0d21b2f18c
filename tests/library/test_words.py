"""Words that mean one thing on one page: a loan is due back, not due to be handled (zh-Hans)."""

from __future__ import annotations

from shequ.library import actions
from tests.conftest import login


def test_a_residents_loan_says_when_the_book_is_due_back(client, librarian, book, resident, resident_person):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    login(client, resident)
    html = client.get("/library/mine/").content.decode()
    assert '<html lang="zh-hans"' in html and "《红楼梦》" in html
    assert "应还日期" in html and "续借" in html
    assert "办理期限" not in html, "the service centre's handling deadline in place of the return date"
    assert "续签" not in html, "renewing a permit in place of renewing a loan"


def test_the_librarians_loan_list_heads_the_return_date_column_for_loans(client, librarian, book, resident_person):
    actions.lend(actor=librarian, barcode="L0001", reader=resident_person)
    client.force_login(librarian)
    html = client.get("/library/loans/").content.decode()
    assert "借出日期" in html and "应还日期" in html and "归还日期" in html
    assert "办理期限" not in html
