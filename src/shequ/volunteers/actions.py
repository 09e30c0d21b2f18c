"""Every write of volunteering: registration, activities and shifts, sign-up, check-in/out, the time bank.

Keyword-only with an ``actor``, one durable transaction each, with its audit row. A sign-up locks its shift row
so that two volunteers taking the last place at once cannot both get it.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Neighborhood, User
from shequ.core.scopes import can, get_visible
from shequ.population.models import Person
from shequ.population.queries import people_served_in
from shequ.volunteers import seams
from shequ.volunteers.choices import SignUpStatus
from shequ.volunteers.models import Activity, Shift, SignUp, TimeSpend, Volunteer

VOLUNTEER_REGISTERED = "volunteers.volunteer_registered"
ACTIVITY_CREATED = "volunteers.activity_created"
SHIFT_ADDED = "volunteers.shift_added"
SIGNED_UP = "volunteers.signed_up"
SIGNUP_CANCELLED = "volunteers.signup_cancelled"
CHECKED_IN = "volunteers.checked_in"
CHECKED_OUT = "volunteers.checked_out"
TIME_SPENT = "volunteers.time_spent"

EARLY_CHECK_IN = dt.timedelta(minutes=60)


def _require(actor: User, model: type, action: str) -> int:
    if not can(actor, model, action) or actor.is_resident or actor.subdistrict_id is None:
        raise NotFound()
    return actor.subdistrict_id


@transaction.atomic(durable=True)
def register_volunteer(*, actor: User, person: Person, skills: str = "", registered_on: dt.date | None = None,
                       ) -> Volunteer:
    subdistrict_id = _require(actor, Volunteer, "add")
    person_row = people_served_in(subdistrict_id).filter(pk=person.pk).first()
    if person_row is None:
        raise NotFound(_("This resident is not registered in the sub-district."), field="person")
    if Volunteer.objects.filter(person=person_row).exists():
        raise Conflict(_("%(name)s is already a volunteer.") % {"name": person_row.name}, field="person")
    volunteer = Volunteer.objects.create(person=person_row, subdistrict_id=subdistrict_id, skills=skills.strip(),
                                         registered_on=registered_on or timezone.localdate())
    audit.record(actor=actor, event=VOLUNTEER_REGISTERED, obj=volunteer, after={"person": person_row.pk,
                                                                               "skills": volunteer.skills})
    return volunteer


@transaction.atomic(durable=True)
def create_activity(*, actor: User, title: str, description: str = "", place: str = "",
                    neighborhood: Neighborhood | None = None) -> Activity:
    subdistrict_id = _require(actor, Activity, "add")
    if not title.strip():
        raise Invalid(pgettext("volunteer activity", "A title is required."), field="title")
    if neighborhood is not None and neighborhood.subdistrict_id != subdistrict_id:
        raise NotFound(field="neighborhood")
    activity = Activity.objects.create(subdistrict_id=subdistrict_id, title=title.strip(), description=description,
                                       place=place.strip(), neighborhood=neighborhood, created_by=actor)
    audit.record(actor=actor, event=ACTIVITY_CREATED, obj=activity, after={"title": activity.title})
    return activity


@transaction.atomic(durable=True)
def add_shift(*, actor: User, activity: Activity, starts_at: dt.datetime, ends_at: dt.datetime, capacity: int,
              ) -> Shift:
    activity = get_visible(Activity.objects.all(), actor, "change", pk=activity.pk)
    _require(actor, Shift, "add")
    if ends_at <= starts_at:
        raise Invalid(_("A shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=12):
        raise Invalid(_("A shift lasts at most 12 hours."), field="ends_at")
    if capacity < 1:
        raise Invalid(_("A shift needs at least one place."), field="capacity")
    shift = Shift.objects.create(activity=activity, subdistrict_id=activity.subdistrict_id, starts_at=starts_at,
                                 ends_at=ends_at, capacity=capacity)
    audit.record(actor=actor, event=SHIFT_ADDED, obj=shift,
                 after={"activity": activity.pk, "starts_at": starts_at, "ends_at": ends_at, "capacity": capacity})
    return shift


def _volunteer_for(actor: User, volunteer: Volunteer | None) -> Volunteer:
    """A resident signs herself up; a coordinator signs up any volunteer of her sub-district."""
    if actor.is_resident:
        own = Volunteer.objects.filter(person__user=actor, active=True).first()
        if own is None:
            raise NotFound(_("You are not registered as a volunteer yet; ask the volunteer coordinator."))
        return own
    subdistrict_id = _require(actor, SignUp, "add")
    if volunteer is None:
        raise Invalid(_("Choose the volunteer."), field="volunteer")
    found = Volunteer.objects.filter(pk=volunteer.pk, subdistrict_id=subdistrict_id, active=True).first()
    if found is None:
        raise NotFound(field="volunteer")
    return found


def _sign_up(*, actor: User, shift_id: int, volunteer: Volunteer) -> SignUp:
    # The lock on the shift row makes "count the places, then take one" atomic across concurrent sign-ups.
    shift = Shift.objects.select_for_update().filter(pk=shift_id, subdistrict_id=volunteer.subdistrict_id).first()
    if shift is None:
        raise NotFound(field="shift")
    if shift.ends_at <= timezone.now():
        raise Conflict(_("This shift is over."))
    taken = SignUp.objects.filter(shift=shift, status=SignUpStatus.SIGNED_UP)
    if taken.filter(volunteer=volunteer).exists():
        raise Conflict(_("Already signed up for this shift."))
    if taken.count() >= shift.capacity:
        raise Conflict(_("This shift is full."))
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(shift=shift, volunteer=volunteer, subdistrict_id=shift.subdistrict_id)
    except IntegrityError as exc:
        raise Conflict(_("Already signed up for this shift.")) from exc
    audit.record(actor=actor, event=SIGNED_UP, obj=signup, after={"shift": shift.pk, "volunteer": volunteer.pk},
                 subdistrict_id=shift.subdistrict_id)
    return signup


@transaction.atomic(durable=True)
def sign_up(*, actor: User, shift: Shift, volunteer: Volunteer | None = None) -> SignUp:
    return _sign_up(actor=actor, shift_id=shift.pk, volunteer=_volunteer_for(actor, volunteer))


@transaction.atomic(durable=True)
def cancel_sign_up(*, actor: User, signup: SignUp) -> SignUp:
    signup = get_visible(SignUp.objects.select_for_update(), actor, "view", pk=signup.pk)
    if not actor.is_resident:
        _require(actor, SignUp, "change")
    if signup.status != SignUpStatus.SIGNED_UP or signup.checked_in_at is not None:
        raise Conflict(_("This sign-up can no longer be cancelled."))
    signup.status = SignUpStatus.CANCELLED
    signup.save(update_fields=["status"])
    audit.record(actor=actor, event=SIGNUP_CANCELLED, obj=signup, subdistrict_id=signup.subdistrict_id)
    return signup


def _hold_card(person: Person) -> None:
    """Lock the person's card before the volunteer's own rows: the one lock order (shequ.cards.locks)."""
    card = card_queries.active_card_of(person)
    if card is not None:
        card_actions.lock_card(card)


def _signup_for_tap(actor: User, shift: Shift, person: Person) -> SignUp:
    subdistrict_id = _require(actor, SignUp, "change")
    volunteer = Volunteer.objects.filter(person=person, subdistrict_id=subdistrict_id, active=True).first()
    if volunteer is None:
        raise NotFound(_("%(name)s is not a registered volunteer.") % {"name": person.name}, field="card")
    signup = (SignUp.objects.select_for_update().select_related("shift")
              .filter(shift_id=shift.pk, volunteer=volunteer, status=SignUpStatus.SIGNED_UP).first())
    if signup is None:
        # A volunteer who turns up without signing up takes a free place, if there is one.
        signup = _sign_up(actor=actor, shift_id=shift.pk, volunteer=volunteer)
        signup = SignUp.objects.select_for_update().select_related("shift").get(pk=signup.pk)
    return signup


@transaction.atomic(durable=True)
def check_in(*, actor: User, shift: Shift, person: Person, at: dt.datetime | None = None) -> SignUp:
    """A card tap at the start of a shift (from an hour before it starts until it ends)."""
    at = at or timezone.now()
    signup = _signup_for_tap(actor, shift, person)
    if not signup.shift.starts_at - EARLY_CHECK_IN <= at < signup.shift.ends_at:
        raise Conflict(_("Check-in opens an hour before the shift starts and closes when it ends."))
    if signup.checked_in_at is not None:
        raise Conflict(_("Already checked in."))
    signup.checked_in_at = at
    signup.save(update_fields=["checked_in_at"])
    audit.record(actor=actor, event=CHECKED_IN, obj=signup, after={"at": at}, subdistrict_id=signup.subdistrict_id)
    return signup


def served_minutes(signup: SignUp, checked_out_at: dt.datetime) -> int:
    """Time served within the shift: arriving early or staying late does not count."""
    assert signup.checked_in_at is not None
    start = max(signup.checked_in_at, signup.shift.starts_at)
    end = min(checked_out_at, signup.shift.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


@transaction.atomic(durable=True)
def check_out(*, actor: User, shift: Shift, person: Person, at: dt.datetime | None = None) -> SignUp:
    """A card tap at the end: the minutes served are credited to her time bank, once."""
    at = at or timezone.now()
    _require(actor, SignUp, "change")
    _hold_card(person)
    signup = _signup_for_tap(actor, shift, person)
    if signup.checked_in_at is None:
        raise Conflict(_("Not checked in."))
    if signup.checked_out_at is not None:
        raise Conflict(_("Already checked out."))
    if at < signup.checked_in_at:
        raise Invalid(_("Check-out cannot be before check-in."), field="at")
    signup.checked_out_at = at
    signup.minutes_credited = served_minutes(signup, at)
    signup.save(update_fields=["checked_out_at", "minutes_credited"])
    if signup.minutes_credited:
        signup.ledger_reference = seams.post_time_credit(actor=actor, person=person, minutes=signup.minutes_credited,
                                                         reference=f"volunteer-signup-{signup.pk}")
        signup.save(update_fields=["ledger_reference"])
    audit.record(actor=actor, event=CHECKED_OUT, obj=signup, after={"at": at, "minutes": signup.minutes_credited},
                 subdistrict_id=signup.subdistrict_id)
    return signup


@transaction.atomic(durable=True)
def spend_time(*, actor: User, volunteer: Volunteer, minutes: int, service: str) -> TimeSpend:
    """Hours from the time bank used for a service from others (互助): never more than she has."""
    subdistrict_id = _require(actor, TimeSpend, "add")
    _hold_card(volunteer.person)
    locked = Volunteer.objects.select_for_update().filter(pk=volunteer.pk, subdistrict_id=subdistrict_id).first()
    if locked is None:
        raise NotFound(field="volunteer")
    volunteer = locked
    if minutes <= 0:
        raise Invalid(_("Give the time used, in minutes."), field="minutes")
    if not service.strip():
        raise Invalid(_("Say which service was received."), field="service")
    if card_queries.active_card_of(volunteer.person) is None:
        raise Conflict(_("%(name)s has no active resident card; time-bank hours are kept on it.")
                       % {"name": volunteer.person.name}, field="minutes")
    # A friendly refusal; the ledger enforces the same under the card's lock.
    balance = seams.time_bank_balance(volunteer.person)
    if minutes > balance:
        raise Conflict(_("Only %(n)d minutes in the time bank.") % {"n": balance}, field="minutes")
    spend = TimeSpend.objects.create(volunteer=volunteer, subdistrict_id=subdistrict_id, minutes=minutes,
                                     service=service.strip(), recorded_by=actor)
    spend.ledger_reference = seams.post_time_spend(actor=actor, person=volunteer.person, minutes=minutes,
                                                   reference=f"volunteer-spend-{spend.pk}")
    spend.save(update_fields=["ledger_reference"])
    audit.record(actor=actor, event=TIME_SPENT, obj=spend, after={"minutes": minutes, "service": spend.service})
    return spend
