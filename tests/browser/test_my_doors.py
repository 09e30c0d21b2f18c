"""我的门禁 on a 390 px phone: her QR code and her credentials, passing axe-core and the 长辈版 measures."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.cards import actions as card_actions
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.safety.actions import credentials
from shequ.safety.choices import CredentialKind, DeviceKind
from tests.browser.conftest import assert_accessible, assert_elder_friendly, save_screenshot
from tests.safety.conftest import place

pytestmark = pytest.mark.browser

_TOO_WIDE = "() => document.documentElement.scrollWidth"
_WIDE_ONES = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > 391)
  .map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
  .slice(0, 8)"""


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_her_door_access_page_on_a_phone(elder: bool, phone_page: Any, client: Any, resident: User,
                                         resident_person: Any, alice: User, make_staff: Any, org: Any,
                                         live_server: Any) -> None:
    place(org, DeviceKind.DOOR, "door-hs-1-1", entrance="1单元", accepts_pin=True, accepts_qr=True)
    card_actions.issue_card(actor=make_staff(Role.CLERK, "clerk"), person=resident_person)
    credentials.grant(actor=alice, person=resident_person,
                      kinds=[CredentialKind.CARD, CredentialKind.PIN, CredentialKind.QR])
    resident.large_text = elder
    resident.save(update_fields=["large_text"])
    client.force_login(resident)
    phone_page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                     "url": live_server.url}])
    phone_page.goto(reverse("safety:my_doors"))
    assert phone_page.locator("[data-testid=my-qr] svg").is_visible()
    assert phone_page.locator("[data-testid=my-credentials] li").count() == 3
    assert_accessible(phone_page)
    if elder:
        assert_elder_friendly(phone_page)
    assert phone_page.evaluate(_TOO_WIDE) <= 390, phone_page.evaluate(_WIDE_ONES)
    save_screenshot(phone_page, f"resident-my-doors-phone-{'elder' if elder else 'standard'}")
    # The portal has her tile.
    phone_page.goto(reverse("portal:home"))
    assert phone_page.locator(f"a.portal-tile[href='{reverse('safety:my_doors')}']").is_visible()
