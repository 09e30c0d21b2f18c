"""Every write about visits (关爱探访): check in at the elder's door, check out with how she was, and bank a
volunteer's minutes in her time bank through the volunteers app (:mod:`shequ.volunteers.seams`).

Who may visit whom: a volunteer (a resident) only her own pairs; a committee worker the elders she may change (her
neighbourhood's and those she is responsible for). At the door the visitor proves she is there with her own
resident card (active, hers), the signed QR code printed for that elder's door, or by hand with a reason.

A volunteer's visit banks its minutes when it is checked out, from her phone or by the worker, as the
sub-district's care-visits kiosk (:func:`shequ.volunteers.seams.post_care_visit_credit`): a posting that may credit
time and nothing else, so nobody at an elder's door gains a right over the card ledger. A visit whose volunteer had
no active card keeps its minutes until the worker banks them (:func:`bank_visit_minutes`). The posting's idempotency
key is the visit's, and the visit row is locked and marked, so a retry banks once.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cards import queries as card_queries
from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can, restrict
from shequ.eldercare.choices import CheckInMethod
from shequ.eldercare.models import MAX_NOTE, CareRecipient, Visit
from shequ.volunteers import seams as volunteer_seams
from shequ.volunteers.models import Volunteer

VISIT_STARTED = "eldercare.visit_started"
VISIT_ENDED = "eldercare.visit_ended"
VISIT_BANKED = "eldercare.visit_banked"

# A forgotten check-out must not bank a day: a visit counts for at most this long.
MAX_VISIT_MINUTES = 180
_DOOR_SALT = "shequ.eldercare.door"


def door_token(recipient: CareRecipient) -> str:
    """The signed token printed (as a QR code or short text) on the elder's door; it names her and only her."""
    return signing.Signer(salt=_DOOR_SALT).sign(str(recipient.pk))


def recipient_of_door_token(token: str) -> int:
    """The elder a door token names; a forged or damaged token is refused."""
    try:
        return int(signing.Signer(salt=_DOOR_SALT).unsign((token or "").strip()))
    except (signing.BadSignature, ValueError):
        raise Invalid(_("This door code is not valid; scan the code on her door again or check in by hand."),
                      field="door_token") from None


def _own_volunteer(actor: User) -> Volunteer:
    volunteer = Volunteer.objects.select_related("person").filter(person__user=actor, active=True).first()
    if volunteer is None:
        raise NotFound(_("You are not registered as a volunteer yet; ask the volunteer coordinator."))
    return volunteer


def _visitable(actor: User, recipient: CareRecipient) -> tuple[CareRecipient, Volunteer | None]:
    """The elder, locked, if the actor may visit her, and the volunteer the visit is for (None for a worker)."""
    found = CareRecipient.objects.select_for_update().filter(pk=recipient.pk, left_roll_at__isnull=True)
    if actor.is_resident:
        volunteer = _own_volunteer(actor)
        locked = found.filter(volunteer=volunteer).first()
        if locked is None or not can(actor, Visit, "add"):
            raise NotFound()
        return locked, volunteer
    if not can(actor, Visit, "add"):
        raise NotFound()
    locked = restrict(found, actor, "change").first()
    if locked is None:
        raise NotFound()
    return locked, None


def _check_card(volunteer: Volunteer | None, card_number: str | None) -> None:
    if volunteer is None:
        raise Invalid(_("A card check-in is for the paired volunteer's own card; check in by hand."), field="card")
    if not (card_number or "").strip():
        raise Invalid(_("Tap or enter your resident card."), field="card")
    try:
        card = card_queries.card_by_number(card_number or "")
    except NotFound:
        raise Invalid(_("No card with this number."), field="card") from None
    if card.person_id != volunteer.person_id:
        raise Invalid(_("This card is not yours: check in with your own resident card."), field="card")
    if not card.can_transact:
        raise Invalid(_("Your card cannot be used: it is %(status)s.") % {"status": card.get_status_display()},
                      field="card")


@transaction.atomic(durable=True)
def check_in(*, actor: User, recipient: CareRecipient, method: str, card_number: str | None = None,
             door_token: str | None = None, reason: str = "", now: dt.datetime | None = None) -> Visit:
    """Begin a visit at her door. A retry of the same visitor's check-in returns her open visit."""
    now = now or timezone.now()
    locked, volunteer = _visitable(actor, recipient)
    if method == CheckInMethod.CARD:
        _check_card(volunteer, card_number)
    elif method == CheckInMethod.DOOR_QR:
        if recipient_of_door_token(door_token or "") != locked.pk:
            raise Invalid(_("This door code is another elder's; scan the code on her door."), field="door_token")
    elif method == CheckInMethod.HAND:
        if not reason.strip():
            raise Invalid(_("Say why you check in by hand."), field="reason")
    else:
        raise Invalid(_("Choose how you check in."), field="method")
    open_visit = Visit.objects.filter(recipient=locked, ended_at__isnull=True).first()
    if open_visit is not None:
        mine = (open_visit.volunteer_id == volunteer.pk) if volunteer is not None else (
            open_visit.volunteer_id is None and open_visit.worker_id == actor.pk)
        if mine:
            return open_visit
        raise Conflict(_("Someone else's visit to her is open; it must be checked out first."))
    visit = Visit.objects.create(recipient=locked, volunteer=volunteer, worker=None if volunteer else actor,
                                 started_at=now, check_in=method, hand_reason=reason.strip()[:MAX_NOTE],
                                 created_by=actor)
    audit.record(actor=actor, event=VISIT_STARTED, obj=visit,
                 after={"recipient": locked.pk, "method": method, "volunteer": visit.volunteer_id},
                 reason=visit.hand_reason)
    return visit


def _bank(actor: User, visit: Visit) -> None:
    """Bank the visit's minutes in the volunteer's time bank, once (the caller holds the visit's row lock)."""
    if visit.volunteer is None or visit.minutes <= 0 or visit.minutes_credited:
        return
    visit.ledger_reference = volunteer_seams.post_care_visit_credit(
        person=visit.volunteer.person, minutes=visit.minutes, reference=f"eldercare-visit-{visit.pk}",
        subdistrict_id=visit.volunteer.person.subdistrict_id)
    # Without an active card nothing is banked (the seam says so with an empty reference); the minutes stay on
    # the visit and the worker may bank them once she has a card.
    visit.minutes_credited = visit.minutes if visit.ledger_reference else 0
    visit.save(update_fields=["ledger_reference", "minutes_credited"])
    audit.record(actor=actor, event=VISIT_BANKED, obj=visit,
                 after={"minutes": visit.minutes_credited, "ledger": visit.ledger_reference})


def _may_bank(actor: User) -> bool:
    """Banking a visit left waiting (its volunteer had no card then) is the staff's who keep visits."""
    return not actor.is_resident and can(actor, Visit, "change")


def _own_visit(actor: User, visit: Visit) -> Visit:
    # Only the visit row is locked: its volunteer is a nullable join, which PostgreSQL will not lock.
    locking = Visit.objects.select_for_update(of=("self",)).select_related("volunteer__person")
    found = restrict(locking, actor, "change").filter(pk=visit.pk).first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic(durable=True)
def check_out(*, actor: User, visit: Visit, seen_well: bool, note: str = "", now: dt.datetime | None = None,
              ) -> Visit:
    """End a visit: was she seen well (if not, say how in the note — no health data), and bank the volunteer's
    minutes. A retried check-out changes nothing and banks nothing more."""
    now = now or timezone.now()
    locked = _own_visit(actor, visit)
    if locked.ended_at is not None:
        return locked
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Invalid(_("Keep the note short (at most %(n)d characters).") % {"n": MAX_NOTE}, field="note")
    if not seen_well and not note:
        raise Invalid(_("Say briefly what was not well."), field="note")
    if now < locked.started_at:
        raise Invalid(_("Check-out cannot be before check-in."), field="now")
    locked.ended_at = now
    locked.seen_well = seen_well
    locked.note = note
    locked.minutes = min(MAX_VISIT_MINUTES, int((now - locked.started_at).total_seconds() // 60))
    locked.save(update_fields=["ended_at", "seen_well", "note", "minutes"])
    audit.record(actor=actor, event=VISIT_ENDED, obj=locked,
                 after={"seen_well": seen_well, "minutes": locked.minutes}, reason=note)
    _bank(actor, locked)
    return locked


@transaction.atomic(durable=True)
def bank_visit_minutes(*, actor: User, visit: Visit) -> Visit:
    """A committee worker banks the minutes of a volunteer's visit that had to wait (no active card at check-out);
    once."""
    if not _may_bank(actor):
        raise NotFound()
    locked = _own_visit(actor, visit)
    if locked.ended_at is None:
        raise Conflict(_("The visit is not checked out yet."))
    if locked.volunteer is None:
        raise Conflict(_("Only a volunteer's visit is banked in a time bank."))
    _bank(actor, locked)
    return locked
