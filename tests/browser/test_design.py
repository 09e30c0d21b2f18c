"""The design system measured in Chromium: on a 390×844 phone a long list reads as cards with no cell squeezed
to a column of single characters, no button label wraps, the menu folds away so the title is on the first
screen, and 长辈版 meets the elder-friendly rules; axe finds nothing serious on the living page or a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.conftest import (
    PHONE,
    assert_accessible,
    assert_elder_friendly,
    save_screenshot,
    sign_in,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NAMES = ["王秀英", "欧阳春花", "张伟", "李娜", "陈美玲", "司马相如"]

# Every visible table cell whose text is narrower than three characters and yet runs over more than one line:
# the "one character per line" squeeze.
_SQUEEZED_CELLS = """() => [...document.querySelectorAll('main td')]
  .filter(td => td.offsetParent !== null && td.innerText.trim())
  .map(td => {
    const range = document.createRange(); range.selectNodeContents(td);
    const box = range.getBoundingClientRect(); const style = getComputedStyle(td);
    const size = parseFloat(style.fontSize);
    const line = style.lineHeight === 'normal' ? 1.2 * size : parseFloat(style.lineHeight);
    return {text: td.innerText.trim().slice(0, 20), width: box.width, size, oneLine: box.height < 1.5 * line};
  })
  .filter(cell => cell.width < 3 * cell.size && !cell.oneLine)
  .map(cell => `"${cell.text}" ${Math.round(cell.width)} px`)"""

# Every visible button whose label wrapped: a button at least two lines of its text high.
_WRAPPED_BUTTONS = """() => [...document.querySelectorAll('main button, main .button, header button, header .button')]
  .filter(el => el.offsetParent !== null && el.innerText.trim())
  .filter(el => {
    const style = getComputedStyle(el); const size = parseFloat(style.fontSize);
    const line = style.lineHeight === 'normal' ? 1.2 * size : parseFloat(style.lineHeight);
    const range = document.createRange(); range.selectNodeContents(el);
    return range.getBoundingClientRect().height >= 2 * line;
  })
  .map(el => `"${el.innerText.trim()}"`)"""


@pytest.fixture
def thirty_residents(make_person: Callable[..., Any]) -> None:
    for i in range(30):
        make_person(f"{NAMES[i % len(NAMES)]}{i}", birth=dt.date(1935 + i, 1 + i % 12, 1 + i % 28))


def _toggle_elder_mode(page: Any) -> None:
    with page.expect_navigation():
        page.click(f'form[action="{reverse("core:toggle_large_text")}"] button')


def test_on_a_phone_a_long_list_reads_as_cards_with_the_title_on_the_first_screen(
    phone_page: Any, admin: Any, thirty_residents: None
) -> None:
    page = phone_page
    sign_in(page, "admin", PASSWORD)
    page.goto(reverse("population:person_list"))
    assert page.locator("main tbody tr").count() == 30

    assert page.locator("details.menu").get_attribute("open") is None, "the menu is folded on a phone"
    assert page.locator("h1").bounding_box()["y"] < PHONE["height"], "the title is on the first screen"
    assert page.evaluate(_SQUEEZED_CELLS) == []
    assert page.evaluate(_WRAPPED_BUTTONS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "nothing runs off the side"
    label = page.evaluate("getComputedStyle(document.querySelector('main td'), '::before').content")
    assert label == '"姓名"', "each cell of the card is labelled with its column"
    assert_accessible(page)
    save_screenshot(page, "design-residents-phone")

    page.locator("details.menu summary").click()
    assert page.locator(".mainnav a[aria-current=page]").is_visible(), "the open menu marks the current page"

    _toggle_elder_mode(page)
    assert page.locator("html.elder").count() == 1
    assert page.locator("h1").bounding_box()["y"] < PHONE["height"]
    assert page.evaluate(_SQUEEZED_CELLS) == []
    assert page.evaluate(_WRAPPED_BUTTONS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_elder_friendly(page)
    assert_accessible(page)
    save_screenshot(page, "design-residents-phone-elder")


def test_on_a_desktop_the_menu_is_a_sidebar_with_the_current_page_marked(
    browser_page: Any, admin: Any, thirty_residents: None
) -> None:
    page = browser_page
    sign_in(page, "admin", PASSWORD)
    page.goto(reverse("population:person_list"))
    current = page.locator(".mainnav a[aria-current=page]")
    assert current.is_visible() and current.inner_text() == "居民"
    menu = page.locator(".mainnav").bounding_box()
    title = page.locator("h1").bounding_box()
    assert menu["x"] + menu["width"] <= title["x"], "the menu stands to the left of the content"
    assert page.evaluate(_WRAPPED_BUTTONS) == []
    assert_accessible(page)


def test_the_living_page_passes_axe_in_both_modes_at_both_sizes(phone_page: Any, browser_page: Any) -> None:
    for page, size in ((phone_page, "phone"), (browser_page, "desktop")):
        page.goto(reverse("core:ui"))
        assert page.locator(".data-table").is_visible()
        assert page.evaluate(_WRAPPED_BUTTONS) == []
        assert_accessible(page)
        save_screenshot(page, f"design-ui-{size}")

        page.goto(reverse("core:ui") + "?mode=elder")
        assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 20
        assert page.evaluate(_WRAPPED_BUTTONS) == []
        assert_elder_friendly(page)
        assert_accessible(page)
        save_screenshot(page, f"design-ui-{size}-elder")

    phone_page.goto(reverse("core:ui"))
    assert phone_page.evaluate(_SQUEEZED_CELLS) == []
