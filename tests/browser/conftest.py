"""Drive Debian's Chromium through Playwright against pytest-django's live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def phone_page(chromium: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A 390×844 phone page (an iPhone 12-class screen, the size most elders' phones render at)."""
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE,
                                   device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# axe-core rules of these impacts fail a test; "minor" and "moderate" findings are printed, not failed.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def assert_accessible(page: Any) -> None:
    """Run axe-core (bundled with axe-playwright-python, injected from disk: no network) on the page and fail
    on any serious or critical violation, naming the rule and the elements."""
    results = Axe().run(page)
    blocking = [violation for violation in results.response["violations"]
                if violation.get("impact") in BLOCKING_IMPACTS]
    assert blocking == [], f"{page.url}:\n" + "\n".join(
        f"- {violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in blocking)


_SMALL_TARGETS = """(minimum) => [...document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main summary, main [role=button],'
    + 'nav a[href], nav button, header a[href], header button')]
  .filter(el => el.offsetParent !== null)
  .map(el => { const r = el.getBoundingClientRect(); return [el, r]; })
  .filter(([el, r]) => r.width > 0 && (r.width < minimum || r.height < minimum))
  .map(([el, r]) => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '').trim().slice(0, 30)}"`
       + ` ${Math.round(r.width)}×${Math.round(r.height)}`)"""

_SMALL_TEXT = """(minimum) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const small = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.offsetParent === null) continue;
    const style = getComputedStyle(el);
    if (parseFloat(style.fontSize) < minimum)
      small.add(`${el.tagName.toLowerCase()} "${node.textContent.trim().slice(0, 20)}" ${style.fontSize}`);
  }
  return [...small];
}"""

_TIGHT_LINES = """(minimum) => [...document.querySelectorAll('main p, main li, main dd, main td, main label')]
  .filter(el => el.offsetParent !== null && el.innerText.trim())
  .map(el => { const s = getComputedStyle(el); const lh = s.lineHeight === 'normal' ? 1.2 * parseFloat(s.fontSize)
                                                                                 : parseFloat(s.lineHeight);
               return [el, lh / parseFloat(s.fontSize)]; })
  .filter(([el, ratio]) => ratio < minimum - 0.001)
  .map(([el, ratio]) => `${el.tagName.toLowerCase()} "${el.innerText.trim().slice(0, 20)}" ${ratio.toFixed(2)}`)"""


def assert_elder_friendly(page: Any) -> None:
    """The MIIT 2021 rules for 长辈版, measured on the rendered page: every tap target at least 60×60 px,
    every piece of text at least 18 px, line height at least 1.3."""
    assert page.evaluate(_SMALL_TARGETS, 60) == [], f"{page.url}: tap targets under 60×60 px"
    assert page.evaluate(_SMALL_TEXT, 18) == [], f"{page.url}: text under 18 px"
    assert page.evaluate(_TIGHT_LINES, 1.3) == [], f"{page.url}: line height under 1.3"


def save_screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot under var/screenshots/ (kept by CI as an artefact, never committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
