"""The administrator posts and withdraws the public notices; every change is audited; nobody else may."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.core.errors import Invalid, NotFound
from shequ.core.models import AuditEntry, Subdistrict, User
from shequ.core.roles import STAFF_ROLES, Role
from shequ.portal import actions, queries
from shequ.portal.models import Notice
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_publishing_a_notice_is_audited(admin: User) -> None:
    notice = actions.publish_notice(actor=admin, title="停水通知", body="明天上午停水", pinned=True)
    entry = AuditEntry.objects.get(event=actions.NOTICE_PUBLISHED, object_id=str(notice.pk))
    assert entry.actor == admin and entry.after["title"] == "停水通知" and entry.after["pinned"] is True
    assert notice.subdistrict == admin.subdistrict


def test_withdrawing_a_notice_is_audited_and_takes_it_off_at_once(admin: User) -> None:
    notice = actions.publish_notice(actor=admin, title="停水通知")
    actions.withdraw_notice(actor=admin, notice=notice)
    assert AuditEntry.objects.filter(event=actions.NOTICE_WITHDRAWN, object_id=str(notice.pk), actor=admin).exists()
    assert not queries.public_notices().exists()


def test_a_notice_must_end_after_it_starts(admin: User) -> None:
    now = timezone.now()
    with pytest.raises(Invalid):
        actions.publish_notice(actor=admin, title="通知", publish_at=now, expires_at=now - dt.timedelta(hours=1))


@pytest.mark.parametrize("role", sorted(STAFF_ROLES - {Role.ADMIN}))
def test_only_the_administrator_may_post_a_notice(role: str, make_staff: Callable[..., User]) -> None:
    with pytest.raises(NotFound):
        actions.publish_notice(actor=make_staff(role), title="通知")
    assert not Notice.objects.exists()


def test_a_resident_may_not_post_or_withdraw(resident: User, admin: User) -> None:
    notice = actions.publish_notice(actor=admin, title="通知")
    with pytest.raises(NotFound):
        actions.publish_notice(actor=resident, title="通知")
    with pytest.raises(NotFound):
        actions.withdraw_notice(actor=resident, notice=notice)


def test_an_administrator_of_another_sub_district_cannot_withdraw_ours(admin: User) -> None:
    from shequ.core import actions as core_actions

    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    outsider = core_actions.create_user(actor=None, username="other-admin", role=Role.ADMIN, subdistrict=other)
    notice = actions.publish_notice(actor=admin, title="通知")
    with pytest.raises(NotFound):
        actions.withdraw_notice(actor=outsider, notice=notice)


def test_the_administrator_posts_and_withdraws_through_the_pages(client: Client, admin: User) -> None:
    login(client, admin)
    response = client.post(reverse("portal:notice_create"), {"title": "燃气安全", "body": "请关好阀门",
                                                              "publish_at": "", "expires_at": "", "pinned": "on"})
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.pinned and notice.created_by == admin
    assert "燃气安全" in Client().get("/").content.decode(), "a visitor sees it on the public home"
    page = client.get(reverse("portal:notice_list"))
    assert page.status_code == 200 and "燃气安全" in page.content.decode()
    assert client.post(reverse("portal:notice_withdraw", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_by == admin
    assert "燃气安全" not in Client().get("/").content.decode()


def test_the_notice_pages_are_closed_to_other_staff_and_residents(client: Client, alice: User,
                                                                  resident: User) -> None:
    for user in (alice, resident):
        login(client, user)
        assert client.get(reverse("portal:notice_list")).status_code == 404
        assert client.get(reverse("portal:notice_create")).status_code == 404


def test_the_administrators_menu_has_the_notices(client: Client, admin: User) -> None:
    login(client, admin)
    urls = [item.url for group in client.get(reverse("core:home")).context["nav_groups"] for item in group.items]
    assert reverse("portal:notice_list") in urls
