"""The sub-district's public home: anyone may read it, without signing in, on a phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import User
from shequ.portal import actions
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="notice-title">(?:<span[^>]*>[^<]*</span> )?([^<]+)</h3>', html)


def test_the_public_home_shows_name_hotline_and_both_sign_ins_without_login(client: Client, org: Any,
                                                                              settings: Any) -> None:
    settings.SHEQU_HOTLINE = "52389022"
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(settings.SITE_NAME) in html or "江苏路街道" in html
    assert 'data-testid="hotline"' in html and 'href="tel:52389022"' in html
    assert f'href="{reverse("core:resident_login")}"' in html
    assert f'href="{reverse("core:login")}"' in html
    assert f'action="{reverse("library:catalogue")}"' in html, "the public catalogue can be searched from here"


def test_the_hotline_comes_from_the_setting(client: Client, org: Any, settings: Any) -> None:
    settings.SHEQU_HOTLINE = "12345"
    assert 'href="tel:12345"' in client.get("/").content.decode()


def test_notices_show_pinned_first_then_newest(client: Client, admin: User) -> None:
    now = timezone.now()
    actions.publish_notice(actor=admin, title="较早的通知", publish_at=now - dt.timedelta(days=3))
    actions.publish_notice(actor=admin, title="置顶的通知", publish_at=now - dt.timedelta(days=5), pinned=True)
    actions.publish_notice(actor=admin, title="最新的通知", publish_at=now - dt.timedelta(hours=1))
    assert _titles(client.get("/").content.decode()) == ["置顶的通知", "最新的通知", "较早的通知"]


def test_expired_scheduled_and_withdrawn_notices_are_hidden(client: Client, admin: User) -> None:
    now = timezone.now()
    actions.publish_notice(actor=admin, title="在期的通知", publish_at=now - dt.timedelta(days=1))
    actions.publish_notice(actor=admin, title="过期的通知", publish_at=now - dt.timedelta(days=10),
                           expires_at=now - dt.timedelta(days=1))
    actions.publish_notice(actor=admin, title="将来的通知", publish_at=now + dt.timedelta(days=1))
    withdrawn = actions.publish_notice(actor=admin, title="撤回的通知", publish_at=now - dt.timedelta(days=1))
    actions.withdraw_notice(actor=admin, notice=withdrawn)
    assert _titles(client.get("/").content.decode()) == ["在期的通知"]


def test_a_signed_in_resident_is_taken_to_her_home_and_staff_to_the_desk(client: Client, resident: User,
                                                                         alice: User) -> None:
    login(client, resident)
    assert client.get("/")["Location"] == reverse("portal:home")
    login(client, alice)
    assert client.get("/")["Location"] == reverse("core:home")


def test_the_public_home_is_fast(client: Client, admin: User, django_assert_max_num_queries: Any) -> None:
    for number in range(12):
        actions.publish_notice(actor=admin, title=f"通知{number}")
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200
