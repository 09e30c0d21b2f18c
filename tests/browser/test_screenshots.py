"""Every role's home on a phone and a desktop, saved under var/screenshots/ for CI to keep as artefacts; each home
answers, names the role, and shows no error page."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from shequ.core.roles import STAFF_ROLES, Role
from tests.browser.conftest import DESKTOP, PHONE, save_screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Roles whose accounts belong to a neighborhood or a compound rather than the whole sub-district.
UNIT = {Role.COMMITTEE: "neighborhood", Role.PROPERTY: "compound", Role.OWNERS_COMMITTEE: "compound"}


def png_width(path: Path) -> int:
    """The width recorded in a PNG file's header (and that it is a PNG at all)."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int(struct.unpack(">I", header[16:20])[0])


def role_name(role: str) -> str:
    with translation.override("zh-hans"):
        return str(Role(role).label)


def assert_home(page, home: str, role: str) -> None:
    response = page.goto(home)
    assert response is not None and response.status == 200, f"{role}: {home} answered {response and response.status}"
    assert page.url.endswith(home), f"{role} was sent to {page.url}"
    text = page.inner_text("body")
    assert "Traceback" not in text and "Server Error" not in text
    assert role_name(role) in text, f"{role}: the role's name is not on {home}"


def test_every_roles_home_on_a_phone_and_a_desktop(browser_page, phone_page, live_server, make_staff, org,
                                                    resident):
    users = {}
    for role in sorted(STAFF_ROLES):
        unit = {"neighborhood": org.huashan, "compound": org.huashan_compound}.get(UNIT.get(role, ""))
        users[role] = make_staff(role, f"{role}-home", **({UNIT[role]: unit} if unit is not None else {}))
    desktop, phone = browser_page, phone_page
    saved = []
    for role in [*sorted(STAFF_ROLES), Role.RESIDENT]:
        for page in (desktop, phone):
            page.context.clear_cookies()
        if role == Role.RESIDENT:
            # A resident signs in with a texted code (tests/browser/test_portal*); her session is enough here.
            client = Client()
            client.force_login(resident)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            desktop.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                                          "url": live_server.url}])
            home = "/me/"
        else:
            cache.clear()  # the sign-in rate limit counts per address, and every sign-in here comes from one
            sign_in(desktop, users[role].username, PASSWORD)
            home = "/desk/"
        phone.context.add_cookies(desktop.context.cookies())
        for page, size, viewport, scale in ((desktop, "desktop", DESKTOP, 1), (phone, "phone", PHONE, 2)):
            assert_home(page, home, role)
            path = save_screenshot(page, f"{role}-home-{size}")
            assert png_width(path) == viewport["width"] * scale, path
            saved.append(path)
    assert len(saved) == 2 * (len(STAFF_ROLES) + 1)
    assert all(path.exists() for path in saved)
