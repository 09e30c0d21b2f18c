"""A librarian lends and takes back a book at the desk, on a phone-sized screen in a real browser."""

import pytest
from django.urls import reverse

from shequ.cards import actions as card_actions
from shequ.core.roles import Role
from shequ.library import actions
from shequ.library.models import Loan
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def phone_page(chromium, live_server, transactional_db):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def test_a_librarian_lends_a_book_at_the_desk_and_takes_it_back(phone_page, make_staff, admin, resident_person):
    card_actions.issue_card(actor=admin, person=resident_person)  # the desk serves card holders
    librarian = make_staff(Role.LIBRARIAN, "librarian")
    title = actions.add_title(actor=librarian, isbn="9787020002207", title="红楼梦", authors="曹雪芹")
    actions.add_copy(actor=librarian, title=title, barcode="L0001")
    page = phone_page
    sign_in(page, "librarian", PASSWORD)

    page.goto(reverse("library:desk"))
    page.fill("#id_reader_q", "wxy")
    with page.expect_navigation():
        page.press("#id_reader_q", "Enter")
    with page.expect_navigation():
        page.locator("main a", has_text="王秀英").click()
    assert page.locator("#reader-name").inner_text() == "王秀英"

    page.fill("#id_barcode", "l0001")
    with page.expect_navigation():
        page.click("button[name=lend]")
    assert "红楼梦" in page.locator(".messages").inner_text()
    loan = Loan.objects.get()
    assert loan.reader == resident_person and loan.returned_at is None
    # Nothing on the desk is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#id_return-barcode", "L0001")
    with page.expect_navigation():
        page.click("button[name=return]")
    loan.refresh_from_db()
    assert loan.returned_at is not None
    assert "王秀英" in page.locator(".messages").inner_text()
