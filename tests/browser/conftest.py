"""Drive Debian's Chromium through Playwright against pytest-django's live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API keeps an event loop running in the test thread, so Django would refuse the
    fixtures' ORM calls there (SynchronousOnlyOperation). Only this thread touches the test database
    from the test side, which is safe; the switch is set for browser tests only, not the whole run."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# What the browser says when the Content-Security-Policy or the Permissions-Policy blocks something a page does.
POLICY_VIOLATION = re.compile(r"Content Security Policy|Permissions[- ]Policy|Refused to (execute|load|apply)", re.I)


def _watch(context: Any, problems: list[str]) -> Any:
    """Collect every policy violation and uncaught script error of the pages of ``context``."""
    context.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
               if POLICY_VIOLATION.search(message.text) else None)
    context.on("weberror", lambda error: problems.append(f"uncaught script error: {error.error}"))
    return context


@pytest.fixture
def chromium(chromium_path: str) -> Iterator[Any]:
    """The browser; every context made from it is watched, and a test fails if a page had a script blocked by
    the Content-Security-Policy (an inline script or style, an outside source) or a script error."""
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        new_context = browser.new_context
        browser.new_context = lambda *args, **kwargs: _watch(new_context(*args, **kwargs), problems)
        browser.policy_problems = problems
        try:
            yield browser
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture
def browser_page(chromium: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A desktop-sized page whose relative URLs go to the live server, asking for Chinese like a browser here."""
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the staff login form, as a person would."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
