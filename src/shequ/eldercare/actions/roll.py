"""Every write about who is cared for: the roll (by rule and by hand), consent, emergency contacts, care
assessments, away periods and pairing. Each write is audited; phones go to the audit under the ``phone`` key,
which the audit seals and shows masked (shequ.core.audit.SENSITIVE_KEYS)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.crypto import normalize_phone
from shequ.core.dates import add_years
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible
from shequ.eldercare.choices import (
    ASSESSMENT_VALID_YEARS,
    REASON_TAGS,
    ROLL_AGE,
    AwayReason,
    CareGrade,
    ConsentForm,
    ContactRelationship,
    ReasonSource,
    RollReason,
)
from shequ.eldercare.models import AwayPeriod, CareAssessment, CareRecipient, Consent, EmergencyContact
from shequ.eldercare.queries.visits import pairing_warning
from shequ.population.choices import PersonStatus
from shequ.population.models import Person
from shequ.safety.choices import HOME_SENSOR_KINDS
from shequ.volunteers.models import Volunteer

ROLL_JOINED = "eldercare.roll_joined"
ROLL_CHANGED = "eldercare.roll_reasons_changed"
ROLL_LEFT = "eldercare.roll_left"
ROLL_ADDED_BY_HAND = "eldercare.roll_added_by_hand"
ROLL_REMOVED_BY_HAND = "eldercare.roll_removed_by_hand"
CONSENT_RECORDED = "eldercare.consent_recorded"
CONSENT_WITHDRAWN = "eldercare.consent_withdrawn"
CONTACT_ADDED = "eldercare.contact_added"
CONTACT_CHANGED = "eldercare.contact_changed"
CONTACT_REMOVED = "eldercare.contact_removed"
CONTACT_PHONE_REVEALED = "eldercare.contact_phone_revealed"
ASSESSMENT_RECORDED = "eldercare.assessment_recorded"
AWAY_SET = "eldercare.away_set"
AWAY_ENDED = "eldercare.away_ended"
PAIRING_CHANGED = "eldercare.pairing_changed"
OVERRIDES_CHANGED = "eldercare.rule_overrides_changed"

# Reasons found by a registry tag count for people of this age or over (a disabled child is not an elder).
ELDER_AGE = 60


# The roll ------------------------------------------------------------------------------------------------------

@dataclass
class RollRefresh:
    joined: int = 0
    changed: int = 0
    left: int = 0
    on_roll: int = 0
    left_people: list[int] = field(default_factory=list)


def rule_reasons(*, today: dt.date, subdistrict_id: int | None = None) -> dict[int, set[str]]:
    """The reasons each living resident is on the roll by rule, from the registry's tags and dates of birth."""
    people = Person.objects.filter(status=PersonStatus.ACTIVE)
    if subdistrict_id is not None:
        people = people.filter(subdistrict_id=subdistrict_id)
    found: dict[int, set[str]] = defaultdict(set)
    by_tag = {tag: reason for reason, tag in REASON_TAGS.items()}
    tagged = Person.tags.through.objects.filter(
        tag__code__in=list(by_tag), person__in=people.filter(birth_date__lte=add_years(today, -ELDER_AGE)),
    ).values_list("person_id", "tag__code")
    for person_id, code in tagged:
        found[person_id].add(by_tag[code])
    # Living alone is the registry's own judgement: its tag counts whatever the recorded age.
    for person_id in Person.tags.through.objects.filter(
            tag__code=REASON_TAGS[RollReason.LIVING_ALONE], person__in=people).values_list("person_id", flat=True):
        found[person_id].add(RollReason.LIVING_ALONE)
    for person_id in people.filter(birth_date__lte=add_years(today, -ROLL_AGE)).values_list("pk", flat=True):
        found[person_id].add(RollReason.AGED_80)
    return found


def _leave(recipient: CareRecipient, *, why: str, actor: User | None, now: dt.datetime) -> None:
    recipient.left_roll_at = now
    recipient.left_reason = why
    recipient.save(update_fields=["left_roll_at", "left_reason", "reasons", "updated_at"])
    audit.record(actor=actor, event=ROLL_LEFT, obj=recipient, after={"reasons": sorted(recipient.reasons)},
                 reason=why, subdistrict_id=recipient.person.subdistrict_id)


@transaction.atomic
def refresh_roll(*, actor: User | None = None, subdistrict_id: int | None = None,
                 today: dt.date | None = None) -> RollRefresh:
    """Bring the roll in line with the registry: everyone a rule finds is on it with the rule's reasons; hand
    reasons stay; whoever moved out or died leaves it, as does anyone with no reason left. Safe to run again:
    a second run changes nothing."""
    now = timezone.now()
    today = today or timezone.localdate()
    if actor is not None and subdistrict_id is None:
        subdistrict_id = actor.subdistrict_id
    found = rule_reasons(today=today, subdistrict_id=subdistrict_id)
    result = RollRefresh()
    recipients = CareRecipient.objects.select_related("person").select_for_update()
    if subdistrict_id is not None:
        recipients = recipients.filter(person__subdistrict_id=subdistrict_id)
    existing = {recipient.person_id: recipient for recipient in recipients}
    for recipient in existing.values():
        rules = found.get(recipient.person_id, set())
        hand = {code for code, source in (recipient.reasons or {}).items() if source == ReasonSource.HAND}
        reasons = {code: ReasonSource.RULE for code in rules} | {code: ReasonSource.HAND for code in hand}
        person = recipient.person
        if person.status != PersonStatus.ACTIVE:
            if recipient.on_roll:
                why = _("Died") if person.status == PersonStatus.DECEASED else _("Moved out")
                _leave(recipient, why=str(why), actor=actor, now=now)
                result.left += 1
                result.left_people.append(person.pk)
            continue
        if recipient.excluded:
            continue
        if not reasons:
            if recipient.on_roll:
                before = sorted(recipient.reasons)
                recipient.reasons = {}
                _leave(recipient, why=str(_("No reason left")), actor=actor, now=now)
                audit.record(actor=actor, event=ROLL_CHANGED, obj=recipient, before={"reasons": before},
                             after={"reasons": []}, subdistrict_id=person.subdistrict_id)
                result.left += 1
                result.left_people.append(person.pk)
            continue
        if not recipient.on_roll:
            recipient.left_roll_at = None
            recipient.left_reason = ""
            recipient.on_roll_since = today
            recipient.reasons = reasons
            recipient.save()
            audit.record(actor=actor, event=ROLL_JOINED, obj=recipient, after={"reasons": sorted(reasons)},
                         subdistrict_id=person.subdistrict_id)
            result.joined += 1
        elif reasons != recipient.reasons:
            before = sorted(recipient.reasons)
            recipient.reasons = reasons
            recipient.save(update_fields=["reasons", "updated_at"])
            audit.record(actor=actor, event=ROLL_CHANGED, obj=recipient, before={"reasons": before},
                         after={"reasons": sorted(reasons)}, subdistrict_id=person.subdistrict_id)
            result.changed += 1
    new = [person_id for person_id in found if person_id not in existing]
    for person in Person.objects.filter(pk__in=new):
        reasons = {code: ReasonSource.RULE for code in found[person.pk]}
        recipient = CareRecipient.objects.create(person=person, reasons=reasons, on_roll_since=today)
        audit.record(actor=actor, event=ROLL_JOINED, obj=recipient, after={"reasons": sorted(reasons)},
                     subdistrict_id=person.subdistrict_id)
        result.joined += 1
    on_roll = CareRecipient.objects.on_roll()
    if subdistrict_id is not None:
        on_roll = on_roll.filter(person__subdistrict_id=subdistrict_id)
    result.on_roll = on_roll.count()
    return result


def _reasons(codes: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    codes = [str(code) for code in codes]
    if not codes:
        raise Invalid(_("Choose at least one reason."), field="reasons")
    unknown = [code for code in codes if code not in RollReason.values]
    if unknown:
        raise Invalid(_("Unknown reason: %(code)s.") % {"code": unknown[0]}, field="reasons")
    return codes


@transaction.atomic
def add_to_roll(*, actor: User, person: Person, reasons: list[str], note: str = "") -> CareRecipient:
    """Put someone on the roll by hand with the reasons given (kept until removed by hand), or add hand reasons
    to someone already on it. Undoes an earlier removal by hand."""
    codes = _reasons(reasons)
    person = get_visible(Person.objects.all(), actor, "view", pk=person.pk)
    if person.status != PersonStatus.ACTIVE:
        raise Invalid(_("Only someone living here can be on the care roll."), field="person")
    recipient, created = CareRecipient.objects.select_for_update().get_or_create(
        person=person, defaults={"on_roll_since": timezone.localdate()})
    if not created:
        recipient = get_visible(CareRecipient.objects.select_for_update(), actor, "add", pk=recipient.pk)
    before = sorted(recipient.reasons or {})
    now_reasons: dict[str, str] = dict(recipient.reasons or {})
    for code in codes:
        now_reasons[code] = ReasonSource.HAND
    if not recipient.on_roll:
        recipient.on_roll_since = timezone.localdate()
    recipient.reasons = now_reasons
    recipient.excluded = False
    recipient.left_roll_at = None
    recipient.left_reason = ""
    recipient.save()
    audit.record(actor=actor, event=ROLL_ADDED_BY_HAND, obj=recipient, before={"reasons": before},
                 after={"reasons": sorted(now_reasons)}, reason=note.strip())
    return recipient


@transaction.atomic
def remove_from_roll(*, actor: User, recipient: CareRecipient, reason: str) -> CareRecipient:
    """Take someone off the roll by hand (she declined, she moved to a care home …); the rules leave her off."""
    if not reason.strip():
        raise Invalid(_("Say why she leaves the roll."), field="reason")
    recipient = get_visible(CareRecipient.objects.select_for_update(), actor, "change", pk=recipient.pk)
    if not recipient.on_roll:
        raise Conflict(_("She is not on the roll."))
    recipient.excluded = True
    recipient.left_roll_at = timezone.now()
    recipient.left_reason = reason.strip()
    recipient.save(update_fields=["excluded", "left_roll_at", "left_reason", "updated_at"])
    audit.record(actor=actor, event=ROLL_REMOVED_BY_HAND, obj=recipient, reason=reason.strip())
    return recipient


@transaction.atomic
def pair(*, actor: User, recipient: CareRecipient, worker: User | None, volunteer: Volunteer | None) -> CareRecipient:
    """Set the responsible committee worker and the paired volunteer (either may be none: none unpairs). A
    volunteer who already has ``ELDERCARE_PAIRS_PER_VOLUNTEER`` pairs is paired all the same, with the warning of
    :func:`shequ.eldercare.queries.visits.pairing_warning` in the audit entry's reason."""
    recipient = get_visible(CareRecipient.objects.select_for_update().select_related("person"), actor, "change",
                            pk=recipient.pk)
    subdistrict_id = recipient.person.subdistrict_id
    if worker is not None and (worker.role != Role.COMMITTEE or not worker.is_active
                               or worker.subdistrict_id != subdistrict_id):
        raise Invalid(_("The responsible worker must be an active committee worker of this sub-district."),
                      field="worker")
    if volunteer is not None and (volunteer.subdistrict_id != subdistrict_id or not volunteer.active):
        raise Invalid(_("The volunteer must be an active volunteer of this sub-district."), field="volunteer")
    # 老伙伴计划: one volunteer to about five elders. More is her and the worker's call, so only a warning, kept
    # in the audit; the pairing page shows it.
    warning = pairing_warning(volunteer, recipient)
    before = {"worker": recipient.worker_id, "volunteer": recipient.volunteer_id}
    recipient.worker = worker
    recipient.volunteer = volunteer
    recipient.save(update_fields=["worker", "volunteer", "updated_at"])
    after = {"worker": recipient.worker_id, "volunteer": recipient.volunteer_id}
    if before != after:
        audit.record(actor=actor, event=PAIRING_CHANGED, obj=recipient, before=before, after=after,
                     reason=warning)
    return recipient


@transaction.atomic
def set_rule_overrides(*, actor: User, recipient: CareRecipient, overrides: dict[str, Any]) -> CareRecipient:
    """Replace the elder's own rule settings, shaped ``{rule_code: {setting: value}}`` (see CareRecipient)."""
    if not isinstance(overrides, dict) or not all(isinstance(key, str) and isinstance(value, dict)
                                                  for key, value in overrides.items()):
        raise Invalid(_("Rule settings must map each rule to its settings."), field="rule_overrides")
    recipient = get_visible(CareRecipient.objects.select_for_update(), actor, "change", pk=recipient.pk)
    before = recipient.rule_overrides
    recipient.rule_overrides = overrides
    recipient.save(update_fields=["rule_overrides", "updated_at"])
    audit.record(actor=actor, event=OVERRIDES_CHANGED, obj=recipient, before={"rule_overrides": before},
                 after={"rule_overrides": overrides})
    return recipient


# Consent ------------------------------------------------------------------------------------------------------

@transaction.atomic
def record_consent(*, actor: User, recipient: CareRecipient, sensors: list[str], tell_family: bool, form: str,
                   given_on: dt.date | None = None) -> Consent:
    """Record what the elder agreed to; it replaces the consent in force (kept, marked withdrawn)."""
    recipient = get_visible(CareRecipient.objects.select_for_update(), actor, "change", pk=recipient.pk)
    if form not in ConsentForm.values:
        raise Invalid(_("Say how she gave her consent."), field="form")
    unknown = [kind for kind in sensors if kind not in HOME_SENSOR_KINDS]
    if unknown:
        raise Invalid(_("Unknown sensor: %(kind)s.") % {"kind": unknown[0]}, field="sensors")
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise Invalid(_("Consent cannot be given in the future."), field="given_on")
    now = timezone.now()
    Consent.objects.filter(recipient=recipient).in_force().update(withdrawn_at=now, withdrawn_by=actor)
    consent = Consent.objects.create(recipient=recipient, sensors=sorted(set(sensors)), tell_family=tell_family,
                                     form=form, given_on=given_on, recorded_by=actor)
    audit.record(actor=actor, event=CONSENT_RECORDED, obj=recipient,
                 after={"sensors": consent.sensors, "tell_family": tell_family, "form": form,
                        "given_on": given_on})
    return consent


@transaction.atomic
def withdraw_consent(*, actor: User, recipient: CareRecipient, reason: str = "") -> Consent:
    recipient = get_visible(CareRecipient.objects.select_for_update(), actor, "change", pk=recipient.pk)
    consent = Consent.objects.filter(recipient=recipient).in_force().first()
    if consent is None:
        raise Conflict(_("There is no consent in force to withdraw."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(actor=actor, event=CONSENT_WITHDRAWN, obj=recipient, reason=reason.strip())
    return consent


# Emergency contacts ---------------------------------------------------------------------------------------------

def _contact_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data:
        cleaned["name"] = str(data["name"] or "").strip()
        if not cleaned["name"]:
            raise Invalid(_("Give the contact's name."), field="name")
    if "relationship" in data:
        if data["relationship"] not in ContactRelationship.values:
            raise Invalid(_("Choose the relationship."), field="relationship")
        cleaned["relationship"] = data["relationship"]
    if "phone" in data:
        phone = normalize_phone(str(data["phone"] or ""))
        if not phone or not (phone.isdigit() and 7 <= len(phone) <= 12):
            raise Invalid(_("Enter a valid phone number."), field="phone")
        cleaned["phone"] = phone
    if "order" in data:
        order = int(data["order"] or 1)
        if order < 1:
            raise Invalid(_("The order of calling starts at 1."), field="order")
        cleaned["order"] = order
    if "may_be_told" in data:
        cleaned["may_be_told"] = bool(data["may_be_told"])
    if "note" in data:
        cleaned["note"] = str(data["note"] or "").strip()
    return cleaned


@transaction.atomic
def add_contact(*, actor: User, recipient: CareRecipient, name: str, relationship: str, phone: str,
                order: int = 1, may_be_told: bool = True, note: str = "") -> EmergencyContact:
    recipient = get_visible(CareRecipient.objects.all(), actor, "change", pk=recipient.pk)
    if not can(actor, EmergencyContact, "add"):
        raise NotFound()
    fields = _contact_fields({"name": name, "relationship": relationship, "phone": phone, "order": order,
                              "may_be_told": may_be_told, "note": note})
    contact = EmergencyContact.objects.create(recipient=recipient, **fields)
    audit.record(actor=actor, event=CONTACT_ADDED, obj=recipient,
                 after={key: value for key, value in fields.items() if key != "note"})
    return contact


@transaction.atomic
def change_contact(*, actor: User, contact: EmergencyContact, **data: Any) -> EmergencyContact:
    """Change some of a contact's details; only the fields given change."""
    contact = get_visible(EmergencyContact.objects.select_for_update(), actor, "change", pk=contact.pk)
    fields = _contact_fields(data)
    before = {key: getattr(contact, key) for key in fields}
    for key, value in fields.items():
        setattr(contact, key, value)
    contact.save()
    changed_before, changed_after = audit.changes(before, fields)
    if changed_after:
        audit.record(actor=actor, event=CONTACT_CHANGED, obj=contact.recipient, before=changed_before,
                     after=changed_after)
    return contact


@transaction.atomic
def remove_contact(*, actor: User, contact: EmergencyContact) -> None:
    contact = get_visible(EmergencyContact.objects.select_for_update(), actor, "change", pk=contact.pk)
    audit.record(actor=actor, event=CONTACT_REMOVED, obj=contact.recipient,
                 before={"name": contact.name, "phone": contact.phone})
    contact.delete()


@transaction.atomic
def reveal_contact_phone(*, actor: User, contact: EmergencyContact, reason: str) -> str:
    """A contact's full phone number, for a permitted user who gives a reason; always audited."""
    if not reason.strip():
        raise Invalid(_("Say why you need to see it."), field="reason")
    contact = get_visible(EmergencyContact.objects.select_related("recipient"), actor, "reveal", pk=contact.pk)
    audit.record(actor=actor, event=CONTACT_PHONE_REVEALED, obj=contact.recipient,
                 after={"field": "phone", "contact": contact.pk}, reason=reason.strip())
    return contact.phone or ""


# Care assessments -----------------------------------------------------------------------------------------------

@transaction.atomic
def record_assessment(*, actor: User, recipient: CareRecipient, grade: int, assessed_on: dt.date,
                      valid_until: dt.date | None = None, assessor: str = "") -> CareAssessment:
    """Record a care-needs assessment; it is valid for two years unless the result says less, never more."""
    recipient = get_visible(CareRecipient.objects.all(), actor, "change", pk=recipient.pk)
    if grade not in CareGrade.values:
        raise Invalid(_("Choose a grade from normal to 6."), field="grade")
    if assessed_on > timezone.localdate():
        raise Invalid(_("An assessment cannot be dated in the future."), field="assessed_on")
    longest = add_years(assessed_on, ASSESSMENT_VALID_YEARS)
    valid_until = valid_until or longest
    if valid_until > longest:
        raise Invalid(_("An assessment is valid for at most two years."), field="valid_until")
    if valid_until < assessed_on:
        raise Invalid(_("It cannot end before it was made."), field="valid_until")
    assessment = CareAssessment.objects.create(recipient=recipient, grade=grade, assessed_on=assessed_on,
                                               valid_until=valid_until, assessor=assessor.strip(),
                                               recorded_by=actor)
    audit.record(actor=actor, event=ASSESSMENT_RECORDED, obj=recipient,
                 after={"grade": grade, "assessed_on": assessed_on, "valid_until": valid_until})
    return assessment


# Away periods ---------------------------------------------------------------------------------------------------

@transaction.atomic
def set_away(*, actor: User, recipient: CareRecipient, starts_on: dt.date, until: dt.date | None, reason: str,
             note: str = "") -> AwayPeriod:
    """Mark the elder away from a day to a day (or until she is marked back): the rules pause for her."""
    recipient = get_visible(CareRecipient.objects.select_for_update(), actor, "change", pk=recipient.pk)
    if reason not in AwayReason.values:
        raise Invalid(_("Choose why she is away."), field="reason")
    if until is not None and until < starts_on:
        raise Invalid(_("The end cannot be before the start."), field="until")
    for period in AwayPeriod.objects.filter(recipient=recipient, ended_at__isnull=True):
        if (period.until is None or period.until >= starts_on) and (until is None or until >= period.starts_on):
            raise Conflict(_("She is already marked away for part of this time."))
    period = AwayPeriod.objects.create(recipient=recipient, starts_on=starts_on, until=until, reason=reason,
                                       note=note.strip(), recorded_by=actor)
    audit.record(actor=actor, event=AWAY_SET, obj=recipient,
                 after={"starts_on": starts_on, "until": until, "reason": reason})
    return period


@transaction.atomic
def mark_back(*, actor: User, period: AwayPeriod) -> AwayPeriod:
    """She is home: the period stops pausing the rules now."""
    period = get_visible(AwayPeriod.objects.select_for_update(), actor, "change", pk=period.pk)
    if period.ended_at is not None:
        raise Conflict(_("She is already marked back."))
    today = timezone.localdate()
    period.ended_at = timezone.now()
    if period.until is None or period.until > today:
        period.until = max(today, period.starts_on)
    period.save(update_fields=["ended_at", "until"])
    audit.record(actor=actor, event=AWAY_ENDED, obj=period.recipient, after={"until": period.until})
    return period


# Following the registry at once -------------------------------------------------------------------------------

def follow_life_event(*, person: Person, actor: User | None) -> bool:
    """Someone who moved out or died leaves the roll with the registry's change, not at the next daily refresh
    (no alert or visit should go to an empty home). Returns whether she left."""
    if person.status == PersonStatus.ACTIVE:
        return False
    recipient = CareRecipient.objects.select_for_update().select_related("person").filter(
        person=person, left_roll_at__isnull=True).first()
    if recipient is None:
        return False
    recipient.person = person
    why = _("Died") if person.status == PersonStatus.DECEASED else _("Moved out")
    _leave(recipient, why=str(why), actor=actor, now=timezone.now())
    return True


def _on_life_event(sender: Any, *, person: Person, actor: User | None = None, **_kwargs: Any) -> None:
    follow_life_event(person=person, actor=actor)


def connect() -> None:
    """Called from EldercareConfig.ready(): the roll follows the registry's moves and deaths."""
    from shequ.population.signals import life_event_recorded

    life_event_recorded.connect(_on_life_event, dispatch_uid="eldercare.roll.life_event")
