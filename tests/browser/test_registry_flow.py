"""A committee worker's day in a real browser: sign in, register, find by initials, reveal with a reason."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, id_number

pytestmark = pytest.mark.browser

MASKED = re.compile(r"^310105\*{12}$")


def test_a_committee_worker_registers_a_resident_finds_her_by_initials_and_reveals_her_id(
    browser_page, org, alice
):
    page = browser_page
    number = id_number(dt.date(1962, 4, 9), "F", 46)
    sign_in(page, "alice", PASSWORD)
    assert page.locator(".who").inner_text().startswith("Alice")

    page.goto(reverse("population:person_create"))
    page.fill("#id_name", "陈美玲")
    page.fill("#id_id_number", number)
    page.select_option("#id_residence_type", "registered")
    page.select_option("#id_compound", str(org.huashan_compound.pk))
    page.fill("#id_building", "1号")
    page.fill("#id_room", "101")
    with page.expect_navigation():
        page.click("main form button.primary")
    assert re.search(r"/population/people/\d+/$", page.url), page.locator("main").inner_text()

    page.goto(reverse("population:person_list"))
    page.fill("#id_q", "cml")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    assert "q=cml" in page.url
    result = page.locator("main table tbody a", has_text="陈美玲")
    assert result.count() == 1

    with page.expect_navigation():
        result.click()
    shown = page.get_by_test_id("id-number")
    assert MASKED.match(shown.inner_text().strip())
    assert number not in page.content(), "the full ID number is not on the page until revealed"

    page.locator("details.reveal summary").click()
    page.fill("#reveal-reason", "核对居住证申请材料")
    with page.expect_navigation():
        page.click("details.reveal button[name=field][value=id_number]")
    assert page.get_by_test_id("id-number").inner_text().strip() == number


def test_on_a_phone_large_text_grows_the_page_and_english_can_be_chosen(browser_page, org, alice, make_person):
    page = browser_page
    make_person("陈美玲", birth=dt.date(1962, 4, 9), phone="13912345678")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "alice", PASSWORD)
    page.goto(reverse("population:person_list"))

    def root_font_size() -> float:
        return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))

    before = root_font_size()
    toggle = f'form[action="{reverse("core:toggle_large_text")}"] button'
    assert page.locator(toggle).get_attribute("aria-pressed") == "false"
    with page.expect_navigation():
        page.click(toggle)
    assert root_font_size() > before
    assert page.locator(toggle).get_attribute("aria-pressed") == "true"

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Residents"
    assert page.locator("button[name=language][value=zh-hans]").inner_text() == "中文"
    assert page.locator("button[type=submit].primary", has_text="Search").is_visible()

    # Kept for a person to look at (CI keeps /tmp/shequ-*.png as an artifact when it can).
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "shequ-phone-large-text.png"), full_page=True)
    # Nothing is wider than the phone: wide tables scroll inside their own frame.
    too_wide = page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-wrap'))
        .map(e => `${e.tagName}.${e.className}#${e.id}`)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, too_wide


def test_the_dynamics_page_draws_its_charts_with_the_local_chart_js(browser_page, live_server, org, admin,
                                                                     make_person):
    page = browser_page
    make_person("王秀英")
    make_person("张伟", birth=dt.date(1990, 2, 3), sex="M", residence_type="migrant",
                dwelling=org.yuyuan_dwellings[0])
    outside: list[str] = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or outside.append(request.url))
    sign_in(page, "admin", PASSWORD)
    page.goto(reverse("population:dynamics"))
    page.wait_for_function("window.Chart !== undefined && Object.keys(Chart.instances).length === 4")
    assert page.locator(".chart-box:visible canvas").count() == 4
    assert page.locator("details.fallback[open]").count() == 0, "the tables fold away once the charts are drawn"
    labels = page.evaluate(
        "Object.values(Chart.instances).find(c => c.config.type === 'line').data.datasets.map(d => d.label)")
    assert len(labels) == 5 and all(labels)
    assert outside == [], f"requests left the platform: {outside}"
