"""Open311 keys: an api_key for a client acting as a member of staff, and its revocation."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.affairs.actions._common import OPEN311_KEY_CREATED, OPEN311_KEY_REVOKED, _require
from shequ.affairs.models import Open311Key, ServiceRequest
from shequ.core import audit
from shequ.core.errors import Invalid
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible

# Open311 keys -----------------------------------------------------------------------------------------------


def open311_key_hash(key: str) -> str:
    import hashlib
    import hmac

    return hmac.new(settings.SECRET_KEY.encode(), b"open311:" + key.encode(), hashlib.sha256).hexdigest()


@transaction.atomic(durable=True)
def create_open311_key(*, actor: User, user: User, name: str) -> tuple[Open311Key, str]:
    """A new api_key for an Open311 client acting as ``user``; returns the key, shown only this once."""
    import secrets

    _require(actor, Open311Key, "add")
    if user.role == Role.RESIDENT or user.subdistrict_id != actor.subdistrict_id or not can(
            user, ServiceRequest, "add"):
        raise Invalid(_("The key must act as a member of staff who may take requests."), field="user")
    key = secrets.token_urlsafe(24)
    record = Open311Key.objects.create(name=name.strip()[:80] or "open311", prefix=key[:6],
                                       key_hash=open311_key_hash(key), user=user)
    audit.record(actor=actor, event=OPEN311_KEY_CREATED, obj=record, after={"user": user.pk, "prefix": key[:6]})
    return record, key


@transaction.atomic(durable=True)
def revoke_open311_key(*, actor: User, key: Open311Key) -> None:
    key = get_visible(Open311Key.objects.all(), actor, "change", pk=key.pk)
    key.active = False
    key.save(update_fields=["active"])
    audit.record(actor=actor, event=OPEN311_KEY_REVOKED, obj=key)
