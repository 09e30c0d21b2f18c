"""Scoped reads of door credentials: per building for the committee and the desk, her own for a resident."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shequ.core.models import Building, User
from shequ.core.registry import TileLine
from shequ.core.scopes import restrict
from shequ.safety.choices import CredentialKind, CredentialStatus
from shequ.safety.models import DoorCredential


def credentials(user: User, action: str = "view") -> QuerySet[DoorCredential]:
    return restrict(DoorCredential.objects.all(), user, action).select_related(
        "person", "building__compound", "card")


def credential_list(user: User, *, building_id: int | None = None, status: str = CredentialStatus.ACTIVE
                    ) -> QuerySet[DoorCredential]:
    """The credentials the user may see, of one building or all, by status (active by default; '' for all)."""
    found = credentials(user)
    if building_id:
        found = found.filter(building_id=building_id)
    if status:
        found = found.filter(status=status)
    return found.order_by("building__compound__name", "building__number", "person__name_pinyin", "kind", "-pk")


def buildings_with_credentials(user: User) -> QuerySet[Building]:
    """The buildings the user has credentials in, for the list's filter."""
    ids = credentials(user).values("building_id")
    return Building.objects.filter(pk__in=ids).select_related("compound").order_by("compound__name", "number")


def person_credentials(user: User, person_id: int) -> QuerySet[DoorCredential]:
    return credentials(user).filter(person_id=person_id).order_by("status", "kind", "-issued_at")


def my_credentials(user: User) -> QuerySet[DoorCredential]:
    """A resident's own credentials: the active ones first."""
    if not user.is_resident:
        return DoorCredential.objects.none()
    return credentials(user).filter(person__user=user).order_by("status", "building_id", "kind", "-issued_at")


def my_doors_tile(user: User) -> list[TileLine]:
    """The portal tile: how she gets in, and a warning when her card's access is blocked."""
    mine = list(my_credentials(user).filter(status__in=[CredentialStatus.ACTIVE, CredentialStatus.BLOCKED]))
    active = [c for c in mine if c.status == CredentialStatus.ACTIVE]
    if not mine:
        return [TileLine(_("Door access"), _("none yet"))]
    lines = [TileLine(_("Door access"), "、".join(sorted({str(c.get_kind_display()) for c in active}))
                      or _("none in use"))]
    if any(c.status == CredentialStatus.BLOCKED and c.kind == CredentialKind.CARD for c in mine) and not any(
            c.kind == CredentialKind.CARD for c in active):
        lines.append(TileLine(_("Card access"), _("blocked"), warn=True))
    return lines
