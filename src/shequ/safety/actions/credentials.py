"""Residents' door credentials: granted for the building she lives in, and following the registry after that.

- A credential is her resident card (the one-card of the ``cards`` app), a PIN (kept only as a hash) or a QR
  code (valid :data:`QR_VALID_DAYS` days, then replaced by a new one while she still lives there).
- Every change reaches the building's doors as a command (``credential.grant`` / ``credential.revoke`` /
  ``credential.block``) queued in the outbox in the same transaction, so a door is told exactly when the
  change happened and nothing is lost across a crash.
- Credentials follow the registry: a move-out, a death or a move to another building revokes them (population's
  ``life_event_recorded``); a card reported lost or cancelled blocks the card's credential and a reissued card
  takes over the old one's doors (cards' ``card_status_changed``). The receivers run inside the registry's own
  transaction. :func:`sweep` (a periodic job) catches anything missed and expires QR codes.
- No face image is ever kept: faces stay on the devices, and never as the only way in.
"""

from __future__ import annotations

import datetime as dt
import secrets as std_secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cards.choices import CardStatus
from shequ.cards.models import Card
from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Building, User
from shequ.core.scopes import can, get_visible
from shequ.population.choices import LifeEventKind, PersonStatus
from shequ.population.models import Person
from shequ.safety import commands, secrets
from shequ.safety.choices import CredentialCause, CredentialKind, CredentialStatus, DeviceKind
from shequ.safety.models import Device, DoorCredential

CREDENTIAL_GRANTED = "safety.credential_granted"
CREDENTIAL_REVOKED = "safety.credential_revoked"
CREDENTIAL_BLOCKED = "safety.credential_blocked"
PIN_CHANGED = "safety.credential_pin_changed"

QR_VALID_DAYS = 90
PIN_LENGTH = 6
# A PIN is six digits a person chose or was given: its hash gets a real work factor, unlike a device's secret.
PIN_ITERATIONS = 100_000


def _now() -> dt.datetime:
    return timezone.now()


def doors_of(building_id: int, kind: str | None = None) -> list[Device]:
    """The doors in service of a building that take credentials of ``kind`` (every door for a card)."""
    doors = Device.objects.filter(kind=DeviceKind.DOOR, building_id=building_id, active=True).select_related(
        "subdistrict")
    if kind == CredentialKind.PIN:
        doors = doors.filter(accepts_pin=True)
    elif kind == CredentialKind.QR:
        doors = doors.filter(accepts_qr=True)
    return list(doors.order_by("pk"))


def _card_of(person: Person) -> Card | None:
    return Card.objects.filter(person=person, status=CardStatus.ACTIVE).order_by("-issued_at").first()


def new_qr_code() -> str:
    """The text of a QR code: 24 random URL-safe characters behind a fixed prefix the doors recognise."""
    return "SQ1-" + std_secrets.token_urlsafe(18)


def new_pin() -> str:
    return "".join(std_secrets.choice("0123456789") for _digit in range(PIN_LENGTH))


def clean_pin(raw: str) -> str:
    pin = (raw or "").strip()
    if len(pin) != PIN_LENGTH or not pin.isdigit():
        raise Invalid(_("A PIN is %(n)d digits.") % {"n": PIN_LENGTH}, field="pin")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise Invalid(_("This PIN is too easy to guess; choose another."), field="pin")
    return pin


def _grant_data(credential: DoorCredential) -> dict[str, Any]:
    """What a door needs to let the credential in: never the person, never a PIN or QR in the clear."""
    data: dict[str, Any] = {"credential": credential.pk, "kind": credential.kind}
    if credential.kind == CredentialKind.CARD and credential.card is not None:
        data["card"] = credential.card.number
    else:
        data["hash"] = credential.secret_hash
    if credential.expires_at is not None:
        data["valid_until"] = credential.expires_at.isoformat()
    return data


def _push(credential: DoorCredential, command: str) -> int:
    """Queue ``command`` for every door of the credential's building that takes its kind; the count queued."""
    if command == "credential.grant":
        data = _grant_data(credential)
    else:
        data = {"credential": credential.pk, "kind": credential.kind}
        if credential.kind == CredentialKind.CARD and credential.card is not None:
            # A blocked card goes on the reader's blocklist, so that a finder who tries it raises a denial.
            data["card"] = credential.card.number
    doors = doors_of(credential.building_id, credential.kind)
    for door in doors:
        commands.send_command(device=door, command=command, data=data, event=f"safety.{command}", obj=credential)
    return len(doors)


def _snapshot(credential: DoorCredential) -> dict[str, Any]:
    return {"person": credential.person_id, "building": credential.building_id, "kind": credential.kind,
            "status": credential.status, "cause": credential.cause,
            "expires_at": credential.expires_at.isoformat() if credential.expires_at else None}


def _create(*, actor: User | None, person: Person, building: Building, kind: str, cause: str,
            card: Card | None = None, pin: str | None = None) -> tuple[DoorCredential, str]:
    """One active credential, pushed to the doors and audited; with the PIN or QR text to show once."""
    now = _now()
    shown = ""
    credential = DoorCredential(
        person=person, building=building, kind=kind, status=CredentialStatus.ACTIVE, cause=cause, issued_at=now,
        issued_by=actor, subdistrict_id=building.compound.neighborhood.subdistrict_id,
        neighborhood_id=building.compound.neighborhood_id, compound_id=building.compound_id)
    if kind == CredentialKind.CARD:
        if card is None:
            raise Invalid(_("She has no resident card in use; issue or reissue her card first."), field="kinds")
        credential.card = card
    elif kind == CredentialKind.PIN:
        shown = clean_pin(pin) if pin else new_pin()
        credential.secret_hash = secrets.hash_secret(shown, iterations=PIN_ITERATIONS)
    else:
        shown = new_qr_code()
        credential.qr_code = shown
        credential.secret_hash = secrets.hash_secret(shown)
        credential.expires_at = now + dt.timedelta(days=QR_VALID_DAYS)
    try:
        with transaction.atomic():
            credential.save()
    except IntegrityError:  # safety_credential_one_active: granted a moment ago at another desk
        raise Conflict(_("She already has an active %(kind)s for this building.")
                       % {"kind": CredentialKind(kind).label}) from None
    doors = _push(credential, "credential.grant")
    audit.record(actor=actor, event=CREDENTIAL_GRANTED, obj=credential, after={**_snapshot(credential),
                 "doors": doors}, subdistrict_id=credential.subdistrict_id)
    return credential, shown


def _end(*, actor: User | None, credential: DoorCredential, status: str, cause: str, reason: str = "") -> None:
    """Block or revoke one active credential and tell its doors."""
    before = _snapshot(credential)
    credential.status = status
    credential.cause = cause
    credential.reason = reason[:200]
    credential.changed_at = _now()
    credential.changed_by = actor
    credential.save(update_fields=["status", "cause", "reason", "changed_at", "changed_by"])
    blocked = status == CredentialStatus.BLOCKED
    doors = _push(credential, "credential.block" if blocked else "credential.revoke")
    old, new = audit.changes(before, _snapshot(credential))
    audit.record(actor=actor, event=CREDENTIAL_BLOCKED if blocked else CREDENTIAL_REVOKED, obj=credential,
                 before=old, after={**new, "doors": doors}, reason=reason or str(CredentialCause(cause).label),
                 subdistrict_id=credential.subdistrict_id)


def _active(**lookup: Any) -> list[DoorCredential]:
    locked = DoorCredential.objects.select_for_update(of=("self",))
    return list(locked.filter(status=CredentialStatus.ACTIVE, **lookup).select_related("card", "building")
                .order_by("pk"))


def load_door(*, door: Device) -> int:
    """Queue a grant of every active credential of the door's building that the door takes: for a door just
    registered or replaced (the device registry calls this in its own transaction). Returns how many."""
    if door.kind != DeviceKind.DOOR or door.building_id is None or not door.active:
        return 0
    kinds = [CredentialKind.CARD] + [kind for kind, takes in ((CredentialKind.PIN, door.accepts_pin),
                                                              (CredentialKind.QR, door.accepts_qr)) if takes]
    found = DoorCredential.objects.filter(building_id=door.building_id, status=CredentialStatus.ACTIVE,
                                          kind__in=kinds).select_related("card").order_by("pk")
    count = 0
    for credential in found:
        commands.send_command(device=door, command="credential.grant", data=_grant_data(credential),
                              event="safety.credential.grant", obj=credential)
        count += 1
    return count


# ------------------------------------------------------------------------------------------- staff actions


@transaction.atomic(durable=True)
def grant(*, actor: User, person: Person, kinds: Iterable[str], pin: str | None = None) -> dict[str, str]:
    """Grant ``person`` the credentials of ``kinds`` for the building she lives in.

    Returns what is shown once: ``{"pin": …}`` when a PIN was made up for her (to hand her on a slip).
    A PIN or QR is granted only where a door of the building takes it.
    """
    if not can(actor, DoorCredential, "add") or actor.is_resident:
        raise NotFound()
    person = get_visible(Person.objects.select_for_update(), actor, "view", pk=person.pk)
    if person.status != PersonStatus.ACTIVE or person.dwelling_id is None:
        raise Invalid(_("Door credentials are granted only to people living here."), field="person")
    building = Building.objects.select_related("compound__neighborhood").get(dwellings__pk=person.dwelling_id)
    kinds = [kind for kind in CredentialKind.values if kind in set(kinds)]
    if not kinds:
        raise Invalid(_("Choose at least one kind of credential."), field="kinds")
    shown: dict[str, str] = {}
    for kind in kinds:
        if kind != CredentialKind.CARD and not doors_of(building.pk, kind):
            raise Invalid(_("No door of %(building)s takes a %(kind)s.")
                          % {"building": building, "kind": CredentialKind(kind).label}, field="kinds")
        _made, text = _create(actor=actor, person=person, building=building, kind=kind,
                                   cause=CredentialCause.GRANTED, card=_card_of(person),
                                   pin=pin if kind == CredentialKind.PIN else None)
        if kind == CredentialKind.PIN and not pin:
            shown["pin"] = text
    return shown


def _end_by_staff(actor: User, credential: DoorCredential, reason: str, *, status: str, cause: str) -> DoorCredential:
    if not reason.strip():
        raise Invalid(_("Say why."), field="reason")
    if actor.is_resident:
        raise NotFound()
    locked = DoorCredential.objects.select_for_update(of=("self",)).select_related("card", "building")
    found = get_visible(locked, actor, "change", pk=credential.pk)
    if found.status != CredentialStatus.ACTIVE:
        raise Conflict(_("This credential is no longer active."))
    _end(actor=actor, credential=found, status=status, cause=cause, reason=reason.strip())
    return found


@transaction.atomic(durable=True)
def revoke(*, actor: User, credential: DoorCredential, reason: str) -> DoorCredential:
    """Take a credential away (she no longer needs it); the doors forget it."""
    return _end_by_staff(actor, credential, reason, status=CredentialStatus.REVOKED,
                         cause=CredentialCause.REVOKED_BY_STAFF)


@transaction.atomic(durable=True)
def block(*, actor: User, credential: DoorCredential, reason: str) -> DoorCredential:
    """Block a credential at once (a card or PIN in the wrong hands): the doors put it on their blocklist."""
    return _end_by_staff(actor, credential, reason, status=CredentialStatus.BLOCKED,
                         cause=CredentialCause.BLOCKED_BY_STAFF)


# ---------------------------------------------------------------------------------------- resident actions


def _own_active(actor: User, kind: str) -> list[DoorCredential]:
    person = Person.objects.filter(user=actor, status=PersonStatus.ACTIVE).first()
    if person is None or not actor.is_resident:
        raise NotFound()
    return _active(person=person, kind=kind)


@transaction.atomic(durable=True)
def renew_qr(*, actor: User) -> list[DoorCredential]:
    """A resident replaces her QR codes now (someone saw it, say): the old ones stop working at once."""
    made = []
    for old in _own_active(actor, CredentialKind.QR):
        _end(actor=actor, credential=old, status=CredentialStatus.REVOKED, cause=CredentialCause.ROTATED)
        made.append(_create(actor=actor, person=old.person, building=old.building, kind=CredentialKind.QR,
                            cause=CredentialCause.ROTATED)[0])
    if not made:
        raise Conflict(_("You have no QR code to replace."))
    return made


@transaction.atomic(durable=True)
def change_pin(*, actor: User, pin: str) -> int:
    """A resident chooses her own PIN; every door of hers gets the new hash. Returns how many PINs changed."""
    pin = clean_pin(pin)
    changed = 0
    for old in _own_active(actor, CredentialKind.PIN):
        _end(actor=actor, credential=old, status=CredentialStatus.REVOKED, cause=CredentialCause.ROTATED)
        _create(actor=actor, person=old.person, building=old.building, kind=CredentialKind.PIN,
                cause=CredentialCause.ROTATED, pin=pin)
        changed += 1
    if not changed:
        raise Conflict(_("You have no PIN to change."))
    audit.record(actor=actor, event=PIN_CHANGED, obj=None, after={"pins": changed})
    return changed


# ------------------------------------------------------------------------------- following the registry


def follow_life_event(*, person: Person, event: Any, actor: User | None) -> int:
    """A move-out, death or move to another building: revoke what no longer fits. Runs in the caller's transaction."""
    causes = {LifeEventKind.MOVE_OUT: CredentialCause.MOVED_OUT, LifeEventKind.DEATH: CredentialCause.DIED,
              LifeEventKind.MOVE_WITHIN: CredentialCause.MOVED_AWAY}
    cause = causes.get(LifeEventKind(event.kind)) if event.kind in LifeEventKind.values else None
    if cause is None:
        return 0
    keep = None
    if person.status == PersonStatus.ACTIVE and person.dwelling_id:
        keep = Person.objects.filter(pk=person.pk).values_list("dwelling__building_id", flat=True).first()
    ended = 0
    for credential in _active(person_id=person.pk):
        if credential.building_id == keep:
            continue
        _end(actor=actor, credential=credential, status=CredentialStatus.REVOKED, cause=cause)
        ended += 1
    return ended


def follow_card(*, card: Card, after: str, actor: User | None, replaced_by: Card | None = None) -> int:
    """A card lost or cancelled: its credentials are blocked. A reissued card takes over the doors of the old one.
    Runs in the caller's transaction."""
    changed = 0
    if after in (CardStatus.LOST, CardStatus.CANCELLED):
        cause = CredentialCause.CARD_LOST if after == CardStatus.LOST else CredentialCause.CARD_CANCELLED
        for credential in _active(card=card):
            _end(actor=actor, credential=credential, status=CredentialStatus.BLOCKED, cause=cause)
            changed += 1
    if replaced_by is not None and replaced_by.status == CardStatus.ACTIVE:
        person = Person.objects.get(pk=replaced_by.person_id)
        if person.status == PersonStatus.ACTIVE and person.dwelling_id:
            building_ids = set(DoorCredential.objects.filter(card=card, kind=CredentialKind.CARD).values_list(
                "building_id", flat=True))
            current = Building.objects.select_related("compound__neighborhood").get(dwellings__pk=person.dwelling_id)
            has = DoorCredential.objects.filter(person=person, building=current, kind=CredentialKind.CARD,
                                                status=CredentialStatus.ACTIVE).exists()
            if current.pk in building_ids and not has:
                _create(actor=actor, person=person, building=current, kind=CredentialKind.CARD,
                        cause=CredentialCause.CARD_REISSUED, card=replaced_by)
                changed += 1
    return changed


def _on_life_event(sender: Any, *, person: Person, event: Any, actor: User | None, **_kwargs: Any) -> None:
    follow_life_event(person=person, event=event, actor=actor)


def _on_card_status(sender: Any, *, card: Card, after: str, actor: User | None, replaced_by: Card | None = None,
                    **_kwargs: Any) -> None:
    follow_card(card=card, after=after, actor=actor, replaced_by=replaced_by)


def connect() -> None:
    """Called from SafetyConfig.ready(): credentials follow the registry and the card office."""
    from shequ.cards.signals import card_status_changed
    from shequ.population.signals import life_event_recorded

    life_event_recorded.connect(_on_life_event, dispatch_uid="safety.credentials.life_event")
    card_status_changed.connect(_on_card_status, dispatch_uid="safety.credentials.card_status")


# -------------------------------------------------------------------------------------------------- sweep


@transaction.atomic(durable=True)
def sweep(*, now: dt.datetime | None = None) -> int:
    """Periodic job: end what the signals missed (a registry change made outside the actions, a crash), and
    replace QR codes that expired while their holder still lives there. Returns how many credentials changed."""
    now = now or _now()
    changed = 0
    # Only the credentials that no longer fit, found in SQL: the sweep runs every few minutes over every building.
    misfits = DoorCredential.objects.filter(status=CredentialStatus.ACTIVE).filter(
        ~Q(person__status=PersonStatus.ACTIVE) | Q(person__dwelling__isnull=True)
        | ~Q(person__dwelling__building_id=F("building_id"))
        | Q(card__status__in=[CardStatus.LOST, CardStatus.CANCELLED]) | Q(expires_at__lte=now))
    for credential in _active(pk__in=list(misfits.values_list("pk", flat=True))):
        person = Person.objects.filter(pk=credential.person_id).values_list(
            "status", "dwelling__building_id").first()
        status, building_id = person if person else (PersonStatus.MOVED_OUT, None)
        if status != PersonStatus.ACTIVE or building_id != credential.building_id:
            cause = {PersonStatus.DECEASED.value: CredentialCause.DIED,
                     PersonStatus.MOVED_OUT.value: CredentialCause.MOVED_OUT}.get(status, CredentialCause.MOVED_AWAY)
            _end(actor=None, credential=credential, status=CredentialStatus.REVOKED, cause=cause)
            changed += 1
        elif credential.kind == CredentialKind.CARD and credential.card is not None \
                and credential.card.status in (CardStatus.LOST, CardStatus.CANCELLED):
            cause = (CredentialCause.CARD_LOST if credential.card.status == CardStatus.LOST
                     else CredentialCause.CARD_CANCELLED)
            _end(actor=None, credential=credential, status=CredentialStatus.BLOCKED, cause=cause)
            changed += 1
        elif credential.expires_at is not None and credential.expires_at <= now:
            _end(actor=None, credential=credential, status=CredentialStatus.REVOKED, cause=CredentialCause.EXPIRED)
            if doors_of(credential.building_id, credential.kind):
                _create(actor=None, person=credential.person, building=credential.building, kind=credential.kind,
                        cause=CredentialCause.ROTATED)
            changed += 1
    return changed
