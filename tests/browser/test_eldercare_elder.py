"""An elder on her phone, in 长辈版: the community is looking for her; she signs in with the texted code, sees the
prompt, presses "我很好", and her alert closes on her committee worker's desk."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from shequ.core.models import User
from shequ.eldercare.actions import alerts
from shequ.eldercare.actions import roll as roll_actions
from shequ.eldercare.choices import AlertOutcome, AlertStatus, LadderStep
from shequ.eldercare.models import Alert, CareRecipient
from shequ.eldercare.rules import Finding, Rule
from shequ.safety.choices import Severity
from tests.browser.conftest import assert_accessible, assert_elder_friendly, save_screenshot, sign_in
from tests.conftest import PASSWORD
from tests.eldercare.conftest import tag

pytestmark = pytest.mark.browser


def _zh(text: str) -> str:
    """What the page says in Chinese (whatever the catalogue holds for it)."""
    with translation.override("zh-hans"):
        return gettext(text)


@pytest.fixture
def quiet_home(resident: User, resident_person: Any, admin: User, alice: User) -> Alert:
    """王秀英 (a resident with a portal account, 长辈版 on) living alone, on the roll with alice as her worker, and
    her home quiet for 12 hours: her alert waits at its first rung, the automatic SMS to her."""
    resident.large_text = True
    resident.save(update_fields=["large_text"])
    tag(admin, resident_person, "elder_alone")
    roll_actions.refresh_roll()
    recipient = CareRecipient.objects.get(person=resident_person)
    roll_actions.pair(actor=alice, recipient=recipient, worker=alice, volunteer=None)
    alert = alerts.open_or_join(recipient, [Finding(Rule.WATER_LOW, Severity.WARNING,
                                                    {"litres": 0.0, "hours": 12, "limit": 10.0})],
                                now=timezone.now())
    assert alert is not None and alert.step == LadderStep.CALL_ELDER
    return alert


def test_an_elder_presses_im_fine_and_the_alert_closes_on_the_desk(phone_page: Any, browser_page: Any, texts: Any,
                                                                    resident_person: Any, quiet_home: Alert) -> None:
    page = phone_page
    page.goto(reverse("core:resident_login"))
    page.fill("#id_phone", resident_person.phone)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    code = re.search(r"\d{6}", texts[-1][1]).group(0)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith(reverse("portal:home"))
    assert "large-text" in (page.get_attribute("html", "class") or "")

    tile = page.locator('[data-tile="eldercare.my_care"]')
    assert tile.locator(".is-warn").count() == 1
    assert _zh("The community is looking for you") in tile.inner_text()
    with page.expect_navigation():
        tile.click()
    assert page.url.endswith(reverse("eldercare:my_care"))
    assert _zh("The community is looking for you: press “I'm fine”") in page.get_by_test_id("care-prompt").inner_text()
    assert page.locator('[data-testid="call"]').get_attribute("href").startswith("tel:")
    assert_accessible(page)
    assert_elder_friendly(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "eldercare-my-care-phone-elder")

    with page.expect_navigation():
        page.get_by_test_id("im-fine").click()
    assert _zh("We have told the community: you are fine.") in page.inner_text(".messages")
    assert page.get_by_test_id("care-prompt").count() == 0
    assert_accessible(page)
    assert_elder_friendly(page)

    quiet_home.refresh_from_db()
    assert (quiet_home.status, quiet_home.outcome) == (AlertStatus.CLOSED, AlertOutcome.FINE)

    desk = browser_page
    sign_in(desk, "alice", PASSWORD)
    desk.goto(reverse("eldercare:desk"))
    assert desk.locator(f'[data-testid="alert-row"][data-elder="{quiet_home.recipient_id}"]').count() == 0
    assert desk.get_by_test_id("alert-row").count() == 0
    desk.goto(reverse("eldercare:alert_detail", args=[quiet_home.pk]))
    assert _zh(str(AlertOutcome.FINE.label)) in desk.get_by_test_id("alert-outcome").inner_text()
    with translation.override("zh-hans"):
        closed = str(AlertStatus.CLOSED.label)
    assert closed in desk.get_by_test_id("alert-status").inner_text()
    assert_accessible(desk)
