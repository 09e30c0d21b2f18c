"""Writes of the core app: accounts and one-time login codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Invalid
from shequ.core.models import Compound, LoginCode, Neighborhood, Subdistrict, User
from shequ.core.roles import Role
from shequ.core.sms import send_sms

USER_CREATED = "core.user_created"
USER_CHANGED = "core.user_changed"
LOGIN_CODE_SENT = "core.login_code_sent"
LOGIN_CODE_USED = "core.login_code_used"
PREFERENCES_CHANGED = "core.preferences_changed"
MAX_CODE_ATTEMPTS = 5


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
    phone: str = "",
    subdistrict: Subdistrict | None = None,
    neighborhood: Neighborhood | None = None,
    compound: Compound | None = None,
) -> User:
    """A staff member at a level of the tree, or a resident account (linked to a Person by population)."""
    if role not in Role.values:
        raise Invalid(_("Unknown role: %(role)s") % {"role": role}, field="role")
    if User.objects.filter(username=username).exists():
        raise Invalid(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    if neighborhood is not None:
        subdistrict = neighborhood.subdistrict
    if compound is not None:
        neighborhood = compound.neighborhood
        subdistrict = neighborhood.subdistrict
    if role != Role.RESIDENT and subdistrict is None:
        raise Invalid(_("A member of staff must belong to a sub-district."), field="subdistrict")
    user = User(
        username=username, role=role, full_name=full_name, phone=phone,
        subdistrict=subdistrict, neighborhood=neighborhood, compound=compound,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(
        actor=actor, event=USER_CREATED, obj=user,
        after={"role": role, "subdistrict": subdistrict, "neighborhood": neighborhood, "compound": compound},
        subdistrict_id=subdistrict.pk if subdistrict else None,
    )
    return user


@transaction.atomic
def set_preferences(*, actor: User, large_text: bool) -> User:
    before = {"large_text": actor.large_text}
    actor.large_text = large_text
    actor.save(update_fields=["large_text"])
    audit.record(actor=actor, event=PREFERENCES_CHANGED, obj=actor, before=before, after={"large_text": large_text})
    return actor


def _code_hash(user_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"login-code:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def send_login_code(*, phone: str) -> bool:
    """Text a six-digit code to a resident's phone. Answers the same whether or not the number is known."""
    index = User._meta.get_field("phone_index").index_for(phone)  # type: ignore[attr-defined]
    user = User.objects.filter(phone_index=index, is_active=True).first() if index else None
    if user is None:
        return False
    code = f"{secrets.randbelow(1_000_000):06d}"
    LoginCode.objects.create(
        user=user, code_hash=_code_hash(user.pk, code),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.LOGIN_CODE_SECONDS),
    )
    audit.record(actor=user, event=LOGIN_CODE_SENT, obj=user)
    minutes = settings.LOGIN_CODE_SECONDS // 60
    text = _("Your Shequ login code is %(code)s, valid for %(minutes)d minutes. Do not tell anyone.") % {
        "code": code, "minutes": minutes,
    }
    transaction.on_commit(lambda: send_sms(user.phone, text))
    return True


@transaction.atomic
def use_login_code(*, phone: str, code: str) -> User | None:
    """The user if ``code`` is the latest unexpired code for ``phone``; each wrong guess counts."""
    index = User._meta.get_field("phone_index").index_for(phone)  # type: ignore[attr-defined]
    user = User.objects.filter(phone_index=index, is_active=True).first() if index else None
    if user is None:
        return None
    login_code = (
        LoginCode.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if login_code is None or login_code.attempts >= MAX_CODE_ATTEMPTS:
        return None
    if not hmac.compare_digest(login_code.code_hash, _code_hash(user.pk, code.strip())):
        login_code.attempts += 1
        login_code.save(update_fields=["attempts"])
        return None
    login_code.used_at = timezone.now()
    login_code.save(update_fields=["used_at"])
    audit.record(actor=user, event=LOGIN_CODE_USED, obj=user)
    return user


def describe_user(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "is_active": user.is_active}
