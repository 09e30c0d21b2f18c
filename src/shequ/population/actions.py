"""Every write to the resident registry. Views, API, CLI, importer and demo all call these.

Each public action takes keyword arguments and an ``actor``, runs in one transaction, writes its
own audit entry, and checks that what it wrote is inside the actor's scope (else it rolls back
with the same NotFound a forbidden read gets).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import actions as core_actions
from shequ.core import audit, idnumbers, outbox
from shequ.core.crypto import normalize_phone
from shequ.core.dates import add_years
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry, Dwelling, Subdistrict, User
from shequ.core.queries import dwellings
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible, restrict
from shequ.core.text import normalize_name
from shequ.population.choices import (
    AGE_BANDS,
    IdType,
    LifeEventKind,
    PermitStatus,
    PersonStatus,
    Relationship,
    ResidenceType,
    Sex,
)
from shequ.population.models import (
    Household,
    LifeEvent,
    Person,
    PopulationCount,
    Residence,
    ResidencePermit,
    Tag,
)
from shequ.population.queries import last_counted_at
from shequ.population.signals import life_event_recorded

PERSON_REGISTERED = "population.person_registered"
PERSON_CHANGED = "population.person_changed"
PERSON_MOVED = "population.person_moved"
PERSON_MOVED_OUT = "population.person_moved_out"
PERSON_DIED = "population.person_died"
PERSON_TAGS_CHANGED = "population.person_tags_changed"
PERSON_FIELD_REVEALED = "population.person_field_revealed"
RESIDENT_ACCOUNT_CREATED = "population.resident_account_created"
HOUSEHOLD_CREATED = "population.household_created"
PERMIT_APPLIED = "population.permit_applied"
PERMIT_ISSUED = "population.permit_issued"
PERMIT_REFUSED = "population.permit_refused"
PERMIT_RENEWED = "population.permit_renewed"
PERMIT_EXPIRED = "population.permit_expired"
PERMIT_REMINDED = "population.permit_reminded"
PEOPLE_IMPORTED = "population.people_imported"

REVEALABLE_FIELDS = ("id_number", "phone", "birth_date")
# Choices' ``.values`` builds a new list (with lazily translated labels) on every call; the importer checks
# each of its rows against these.
_ID_TYPES = frozenset(IdType.values)
_SEXES = frozenset(Sex.values)
_RESIDENCE_TYPES = frozenset(ResidenceType.values)
_RELATIONSHIPS = frozenset(Relationship.values)
PERMIT_VALIDITY_YEARS = 1  # Shanghai's residence permit is valid one year and renewed each year.


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _dwelling_in_scope(actor: User, dwelling: Dwelling) -> Dwelling:
    found = dwellings(actor).filter(pk=dwelling.pk).first()
    if found is None:
        raise NotFound(_("That address is not in your area."))
    return found


def _ensure_visible(actor: User, obj: Any, action: str = "view") -> None:
    """After a write: the actor must still be able to see what she wrote, or the write is undone."""
    get_visible(type(obj)._default_manager.all(), actor, action, pk=obj.pk)


def clean_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if not phone:
        return ""
    mobile = len(phone) == 11 and phone.startswith("1")
    landline = len(phone) == 8 or (phone.startswith("0") and 10 <= len(phone) <= 12)
    if not (mobile or landline):
        raise Invalid(_("%(phone)s is not a mobile (11 digits) or landline number.") % {"phone": raw}, field="phone")
    return phone


def clean_identity(
    *, id_type: str, id_number: str, sex: str | None, birth_date: dt.date | None
) -> tuple[str, str, dt.date]:
    """Validates the ID number; for a resident ID card, sex and birth date come from it and must agree."""
    if id_type not in _ID_TYPES:
        raise Invalid(_("Unknown ID type."), field="id_type")
    if id_type == IdType.RESIDENT_ID and id_number:
        try:
            parsed = idnumbers.parse(id_number)
        except idnumbers.InvalidIdNumber as exc:
            raise Invalid(str(exc), field="id_number") from exc
        if sex and sex != parsed.sex:
            raise Invalid(_("The sex does not match the ID number."), field="sex")
        if birth_date and birth_date != parsed.birth_date:
            raise Invalid(_("The date of birth does not match the ID number."), field="birth_date")
        return parsed.value, parsed.sex, parsed.birth_date
    if not sex or sex not in _SEXES:
        raise Invalid(_("Sex is required."), field="sex")
    if birth_date is None:
        raise Invalid(_("Date of birth is required."), field="birth_date")
    return id_number.strip().upper(), sex, birth_date


def _check_unique_id(id_type: str, id_number: str, exclude_pk: int | None = None) -> None:
    if not id_number:
        return
    index = Person._meta.get_field("id_number_index").index_for(id_number)  # type: ignore[attr-defined]
    clash = Person.objects.filter(id_type=id_type, id_number_index=index)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(_("A person with this ID number is already registered."), field="id_number")


def snapshot(person: Person) -> dict[str, Any]:
    """A person as the audit log keeps her; :func:`shequ.core.audit.record` seals the ID number, phone and birth
    date and keeps only their masks in the clear."""
    return {
        "name": person.name, "sex": person.sex, "birth_date": person.birth_date, "id_type": person.id_type,
        "id_number": person.id_number, "phone": person.phone, "ethnicity": person.ethnicity,
        "hukou_address": person.hukou_address, "status": person.status, "residence_type": person.residence_type,
        "dwelling": person.dwelling_id, "household": person.household_id, "relationship": person.relationship,
    }


def household_number(household: Household) -> str:
    """户号: the neighborhood's code and the row's own id, so two clerks at once never collide."""
    return f"{household.neighborhood.code}-{household.pk:07d}"


def _new_household(*, actor: User | None, dwelling: Dwelling) -> Household:
    neighborhood = dwelling.building.compound.neighborhood
    # The number comes from the row's own id, so two clerks creating households at once never collide.
    household = Household.objects.create(
        number=f"new-{uuid.uuid4().hex[:24]}", dwelling=dwelling, neighborhood=neighborhood,
        subdistrict=neighborhood.subdistrict,
    )
    household.number = household_number(household)
    household.save(update_fields=["number"])
    audit.record(actor=actor, event=HOUSEHOLD_CREATED, obj=household, after={"dwelling": dwelling.pk},
                 subdistrict_id=neighborhood.subdistrict_id)
    return household


@transaction.atomic
def register_person(
    *,
    actor: User,
    name: str,
    residence_type: str,
    dwelling: Dwelling,
    id_type: str = IdType.RESIDENT_ID,
    id_number: str = "",
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    ethnicity: str = "",
    hukou_address: str = "",
    household: Household | None = None,
    new_household: bool = False,
    relationship: str = "",
    tags: Iterable[Tag] = (),
    started_on: dt.date | None = None,
    event_kind: str = LifeEventKind.REGISTERED,
    reason: str = "",
) -> Person:
    """Put a person on the registry, living at ``dwelling`` from ``started_on`` (today by default)."""
    _require(actor, Person, "add")
    dwelling = _dwelling_in_scope(actor, dwelling)
    name = normalize_name(name)
    if not name:
        raise Invalid(_("Name is required."), field="name")
    if residence_type not in _RESIDENCE_TYPES:
        raise Invalid(_("Unknown residence type."), field="residence_type")
    if relationship and relationship not in _RELATIONSHIPS:
        raise Invalid(_("Unknown relationship."), field="relationship")
    id_number, sex, birth_date = clean_identity(id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date)
    phone = clean_phone(phone)
    _check_unique_id(id_type, id_number)
    started_on = started_on or timezone.localdate()
    if started_on < birth_date:
        raise Invalid(_("Living here cannot start before the date of birth."), field="started_on")
    if new_household:
        household = _new_household(actor=actor, dwelling=dwelling)
        relationship = relationship or Relationship.HEAD
    elif household is not None:
        household = get_visible(Household.objects.all(), actor, "change", pk=household.pk)
    neighborhood = dwelling.building.compound.neighborhood
    person = Person(
        name=name, sex=sex, birth_date=birth_date, id_type=id_type, id_number=id_number, phone=phone,
        ethnicity=ethnicity.strip(), hukou_address=hukou_address.strip(), status=PersonStatus.ACTIVE,
        residence_type=residence_type, subdistrict_id=neighborhood.subdistrict_id, neighborhood=neighborhood,
        compound=dwelling.building.compound, dwelling=dwelling, household=household, relationship=relationship,
    )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise Conflict(_("A person with this ID number is already registered."), field="id_number") from exc
    person.tags.set(list(tags))
    Residence.objects.create(
        person=person, dwelling=dwelling, residence_type=residence_type, started_on=started_on,
        neighborhood=neighborhood, subdistrict_id=neighborhood.subdistrict_id,
    )
    LifeEvent.objects.create(
        person=person, kind=event_kind, occurred_on=started_on, dwelling=dwelling, recorded_by=actor,
        neighborhood=neighborhood, subdistrict_id=neighborhood.subdistrict_id, note=reason,
    )
    audit.record(actor=actor, event=PERSON_REGISTERED, obj=person,
                 after={**snapshot(person), "tags": [t.code for t in tags]}, reason=reason)
    _ensure_visible(actor, person)
    return person


EDITABLE_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "ethnicity", "hukou_address",
                   "residence_type", "relationship")


@transaction.atomic
def update_person(*, actor: User, person: Person, reason: str = "", **changes: Any) -> Person:
    """Correct or update a person's particulars; where she lives changes only through moves."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    person = get_visible(Person.objects.select_for_update(), actor, "change", pk=person.pk)
    before = snapshot(person)
    merged = {field: getattr(person, field) for field in EDITABLE_FIELDS} | changes
    merged["name"] = normalize_name(merged["name"])
    if not merged["name"]:
        raise Invalid(_("Name is required."), field="name")
    identity_changed = any(key in changes for key in ("id_type", "id_number", "sex", "birth_date"))
    if identity_changed:
        # With an ID card, sex and birth date follow from the number; any given alongside must agree.
        from_card = merged["id_type"] == IdType.RESIDENT_ID and bool(merged["id_number"])
        merged["id_number"], merged["sex"], merged["birth_date"] = clean_identity(
            id_type=merged["id_type"], id_number=merged["id_number"],
            sex=changes.get("sex") if from_card else merged["sex"],
            birth_date=changes.get("birth_date") if from_card else merged["birth_date"],
        )
        _check_unique_id(merged["id_type"], merged["id_number"], exclude_pk=person.pk)
    if "phone" in changes:
        merged["phone"] = clean_phone(merged["phone"])
    if merged["residence_type"] not in _RESIDENCE_TYPES:
        raise Invalid(_("Unknown residence type."), field="residence_type")
    for field, value in merged.items():
        setattr(person, field, value)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise Conflict(_("A person with this ID number is already registered."), field="id_number") from exc
    if "residence_type" in changes and person.dwelling_id:
        Residence.objects.filter(person=person, ended_on__isnull=True).update(residence_type=person.residence_type)
    old, new = audit.changes(before, snapshot(person))
    audit.record(actor=actor, event=PERSON_CHANGED, obj=person, before=old, after=new, reason=reason)
    return person


@transaction.atomic
def move_person(
    *, actor: User, person: Person, dwelling: Dwelling, moved_on: dt.date | None = None,
    residence_type: str | None = None, household: Household | None = None, new_household: bool = False,
    reason: str = "",
) -> Person:
    """Move someone to another dwelling inside the sub-district; the old residence is closed, not lost."""
    person = get_visible(Person.objects.select_for_update(), actor, "change", pk=person.pk)
    if person.status != PersonStatus.ACTIVE:
        raise Conflict(_("Only a person living here can move within the sub-district."))
    dwelling = _dwelling_in_scope(actor, dwelling)
    if dwelling.pk == person.dwelling_id:
        raise Invalid(_("The person already lives at this address."), field="dwelling")
    moved_on = moved_on or timezone.localdate()
    current = Residence.objects.filter(person=person, ended_on__isnull=True).first()
    if current is not None:
        if moved_on < current.started_on:
            raise Invalid(_("The move cannot be before the person moved to the current address."), field="moved_on")
        current.ended_on = moved_on
        current.save(update_fields=["ended_on"])
    before = snapshot(person)
    from_dwelling_id = person.dwelling_id
    neighborhood = dwelling.building.compound.neighborhood
    if new_household:
        household = _new_household(actor=actor, dwelling=dwelling)
        person.relationship = Relationship.HEAD
    elif household is not None:
        household = get_visible(Household.objects.all(), actor, "change", pk=household.pk)
    if household is not None or new_household:
        person.household = household
    person.dwelling = dwelling
    person.compound = dwelling.building.compound
    person.neighborhood = neighborhood
    person.subdistrict_id = neighborhood.subdistrict_id
    if residence_type:
        person.residence_type = residence_type
    person.save()
    Residence.objects.create(
        person=person, dwelling=dwelling, residence_type=person.residence_type, started_on=moved_on,
        neighborhood=neighborhood, subdistrict_id=neighborhood.subdistrict_id,
    )
    moved = LifeEvent.objects.create(
        person=person, kind=LifeEventKind.MOVE_WITHIN, occurred_on=moved_on, dwelling=dwelling,
        from_dwelling_id=from_dwelling_id, recorded_by=actor, neighborhood=neighborhood,
        subdistrict_id=neighborhood.subdistrict_id, note=reason,
    )
    old, new = audit.changes(before, snapshot(person))
    audit.record(actor=actor, event=PERSON_MOVED, obj=person, before=old, after=new, reason=reason)
    life_event_recorded.send(sender=LifeEvent, person=person, event=moved, actor=actor)
    return person


def _leave(*, actor: User, person: Person, on: dt.date, status: str, kind: str, event: str,
           destination: str = "", reason: str = "") -> Person:
    person = get_visible(Person.objects.select_for_update(), actor, "change", pk=person.pk)
    if person.status != PersonStatus.ACTIVE:
        raise Conflict(_("This person is no longer living here."))
    current = Residence.objects.filter(person=person, ended_on__isnull=True).first()
    if current is not None:
        if on < current.started_on:
            raise Invalid(_("The date cannot be before the person moved to the current address."))
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    before = snapshot(person)
    left = LifeEvent.objects.create(
        person=person, kind=kind, occurred_on=on, from_dwelling_id=person.dwelling_id, destination=destination,
        recorded_by=actor, neighborhood=person.neighborhood, subdistrict_id=person.subdistrict_id, note=reason,
    )
    person.status = status
    person.dwelling = None
    person.save()
    if person.user_id:
        User.objects.filter(pk=person.user_id).update(is_active=False)
    old, new = audit.changes(before, snapshot(person))
    audit.record(actor=actor, event=event, obj=person, before=old, after=new, reason=reason)
    life_event_recorded.send(sender=LifeEvent, person=person, event=left, actor=actor)
    return person


@transaction.atomic
def move_out(*, actor: User, person: Person, moved_on: dt.date | None = None, destination: str = "",
             reason: str = "") -> Person:
    """The person has left the sub-district; the record and its history stay."""
    return _leave(actor=actor, person=person, on=moved_on or timezone.localdate(), status=PersonStatus.MOVED_OUT,
                  kind=LifeEventKind.MOVE_OUT, event=PERSON_MOVED_OUT, destination=destination, reason=reason)


@transaction.atomic
def record_death(*, actor: User, person: Person, died_on: dt.date, reason: str = "") -> Person:
    if died_on > timezone.localdate():
        raise Invalid(_("The date of death cannot be in the future."), field="died_on")
    return _leave(actor=actor, person=person, on=died_on, status=PersonStatus.DECEASED,
                  kind=LifeEventKind.DEATH, event=PERSON_DIED, reason=reason)


@transaction.atomic
def record_birth(
    *, actor: User, name: str, sex: str, birth_date: dt.date, household: Household, id_number: str = "",
    residence_type: str = ResidenceType.REGISTERED, reason: str = "",
) -> Person:
    """A baby joins a household at its dwelling."""
    household = get_visible(Household.objects.select_related("dwelling"), actor, "change", pk=household.pk)
    return register_person(
        actor=actor, name=name, sex=sex, birth_date=birth_date, id_number=id_number,
        residence_type=residence_type, dwelling=household.dwelling, household=household,
        relationship=Relationship.CHILD, started_on=birth_date, event_kind=LifeEventKind.BIRTH, reason=reason,
    )


@transaction.atomic
def set_tags(*, actor: User, person: Person, tags: Iterable[Tag], reason: str = "") -> Person:
    person = get_visible(Person.objects.all(), actor, "change", pk=person.pk)
    before = sorted(person.tags.values_list("code", flat=True))
    tags = list(tags)
    person.tags.set(tags)
    after = sorted(tag.code for tag in tags)
    if before != after:
        audit.record(actor=actor, event=PERSON_TAGS_CHANGED, obj=person, before={"tags": before},
                     after={"tags": after}, reason=reason)
    return person


@transaction.atomic
def reveal_person_field(*, actor: User, person: Person, field: str, reason: str) -> str:
    """The unmasked ID number, phone or date of birth, for a permitted user who gives a reason; always audited."""
    if field not in REVEALABLE_FIELDS:
        raise Invalid(_("This field cannot be revealed."), field="field")
    if not reason.strip():
        raise Invalid(_("Say why you need to see it."), field="reason")
    person = get_visible(Person.objects.all(), actor, "reveal", pk=person.pk)
    audit.record(actor=actor, event=PERSON_FIELD_REVEALED, obj=person, after={"field": field}, reason=reason.strip())
    value = getattr(person, field)
    return value.isoformat() if isinstance(value, dt.date) else value or ""


@transaction.atomic
def create_resident_account(*, actor: User, person: Person) -> User:
    """A portal account for a resident, who signs in with the phone on her record and a texted code."""
    person = get_visible(Person.objects.select_for_update(), actor, "change", pk=person.pk)
    if person.user_id:
        raise Conflict(_("This person already has an account."))
    if not person.phone:
        raise Invalid(_("Record a mobile phone number first: residents sign in with a texted code."), field="phone")
    user = core_actions.create_user(
        actor=actor, username=f"resident-{person.pk}", role=Role.RESIDENT, full_name=person.name,
        phone=person.phone, subdistrict=person.subdistrict,
    )
    person.user = user
    person.save(update_fields=["user"])
    audit.record(actor=actor, event=RESIDENT_ACCOUNT_CREATED, obj=person, after={"user": user.pk})
    return user


# Residence permits (居住证) -------------------------------------------------------------------------


@transaction.atomic
def apply_permit(*, actor: User, person: Person, applied_on: dt.date | None = None) -> ResidencePermit:
    person = get_visible(Person.objects.all(), actor, "change", pk=person.pk)
    _require(actor, ResidencePermit, "add")
    if person.residence_type != ResidenceType.MIGRANT or person.status != PersonStatus.ACTIVE:
        raise Invalid(_("Residence permits are for migrants living here."))
    if restrict(ResidencePermit.objects.filter(person=person, status=PermitStatus.APPLIED), actor).exists():
        raise Conflict(_("An application is already waiting."))
    permit = ResidencePermit.objects.create(
        person=person, applied_on=applied_on or timezone.localdate(), neighborhood=person.neighborhood,
        subdistrict=person.subdistrict,
    )
    audit.record(actor=actor, event=PERMIT_APPLIED, obj=permit, after={"person": person.pk})
    return permit


@transaction.atomic
def issue_permit(
    *, actor: User, permit: ResidencePermit, number: str, issued_on: dt.date | None = None
) -> ResidencePermit:
    permit = get_visible(ResidencePermit.objects.select_for_update(), actor, "change", pk=permit.pk)
    if permit.status != PermitStatus.APPLIED:
        raise Conflict(_("Only an application can be issued."))
    number = number.strip()
    if not number:
        raise Invalid(_("The permit number is required."), field="number")
    if ResidencePermit.objects.filter(number=number).exists():
        raise Conflict(_("This permit number is already in use."), field="number")
    issued_on = issued_on or timezone.localdate()
    permit.number, permit.issued_on = number, issued_on
    permit.expires_on = add_years(issued_on, PERMIT_VALIDITY_YEARS)
    permit.status = PermitStatus.ISSUED
    permit.save()
    audit.record(actor=actor, event=PERMIT_ISSUED, obj=permit,
                 after={"number": number, "issued_on": issued_on, "expires_on": permit.expires_on})
    return permit


@transaction.atomic
def refuse_permit(*, actor: User, permit: ResidencePermit, reason: str) -> ResidencePermit:
    permit = get_visible(ResidencePermit.objects.select_for_update(), actor, "change", pk=permit.pk)
    if permit.status != PermitStatus.APPLIED:
        raise Conflict(_("Only an application can be refused."))
    if not reason.strip():
        raise Invalid(_("Say why the application is refused."), field="reason")
    permit.status = PermitStatus.REFUSED
    permit.save(update_fields=["status"])
    audit.record(actor=actor, event=PERMIT_REFUSED, obj=permit, reason=reason)
    return permit


@transaction.atomic
def renew_permit(*, actor: User, permit: ResidencePermit, applied_on: dt.date | None = None) -> ResidencePermit:
    """Start a renewal: a new application linked to the old permit, which is marked renewed when issued."""
    permit = get_visible(ResidencePermit.objects.select_for_update(), actor, "change", pk=permit.pk)
    if permit.status not in (PermitStatus.ISSUED, PermitStatus.EXPIRED):
        raise Conflict(_("Only an issued or expired permit can be renewed."))
    if hasattr(permit, "renewal"):
        raise Conflict(_("A renewal has already been started."))
    renewal = ResidencePermit.objects.create(
        person=permit.person, applied_on=applied_on or timezone.localdate(), renewal_of=permit,
        neighborhood=permit.neighborhood, subdistrict=permit.subdistrict,
    )
    permit.status = PermitStatus.RENEWED
    permit.save(update_fields=["status"])
    audit.record(actor=actor, event=PERMIT_RENEWED, obj=permit, after={"renewal": renewal.pk})
    return renewal


@transaction.atomic
def expire_permits(*, today: dt.date | None = None) -> int:
    """System task: issued permits past their date become expired."""
    today = today or timezone.localdate()
    expired = 0
    for permit in ResidencePermit.objects.select_for_update().filter(status=PermitStatus.ISSUED, expires_on__lt=today):
        permit.status = PermitStatus.EXPIRED
        permit.save(update_fields=["status"])
        audit.record(actor=None, event=PERMIT_EXPIRED, obj=permit, subdistrict_id=permit.subdistrict_id)
        expired += 1
    return expired


@transaction.atomic
def remind_expiring_permits(*, today: dt.date | None = None, days: int | None = None) -> int:
    """System task: text each holder whose permit expires within ``days``, once per permit."""
    from django.conf import settings

    today = today or timezone.localdate()
    days = settings.PERMIT_REMINDER_DAYS if days is None else days
    due = ResidencePermit.objects.select_for_update().select_related("person").filter(
        status=PermitStatus.ISSUED, expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days),
        reminded_on__isnull=True,
    )
    reminded = 0
    for permit in due:
        permit.reminded_on = today
        permit.save(update_fields=["reminded_on"])
        audit.record(actor=None, event=PERMIT_REMINDED, obj=permit, subdistrict_id=permit.subdistrict_id)
        if permit.person.phone:
            # Marked reminded now: the outbox owns the delivery, and its key keeps a re-run from texting twice.
            text = _("Your residence permit %(number)s expires on %(date)s. Please apply to renew it at the "
                     "service centre.") % {"number": permit.number, "date": permit.expires_on}
            outbox.enqueue(channel="sms", to=permit.person.phone, text=text, event=PERMIT_REMINDED, obj=permit,
                           subdistrict_id=permit.subdistrict_id, dedupe_key=f"population.permit_reminder:{permit.pk}")
        reminded += 1
    return reminded


# Writes that change how many people live where, or their sex, age or residence type.
COUNTED_EVENTS = (PERSON_REGISTERED, PERSON_CHANGED, PERSON_MOVED, PERSON_MOVED_OUT, PERSON_DIED, PEOPLE_IMPORTED)
# A write's audit entry is timed before its transaction commits, so a count that started a little after it
# may not have seen it: changes this long before the last count still make the counts stale.
COUNT_SETTLING = dt.timedelta(minutes=2)


def population_counts_stale(*, now: dt.datetime | None = None) -> bool:
    """Whether there is something new to count: nothing counted yet, a new day (people change age band on
    their birthdays) or a write to the registry since the last count."""
    return _stale(last_counted_at(), now or timezone.now())


def _stale(last: dt.datetime | None, now: dt.datetime) -> bool:
    if last is None or timezone.localdate(last) != timezone.localdate(now):
        return True
    return AuditEntry.objects.filter(at__gte=last - COUNT_SETTLING, event__in=COUNTED_EVENTS).exists()


def count_population_if_stale(*, unless_counted_within: dt.timedelta = dt.timedelta(0)) -> int | None:
    """Count again if the counts are stale and older than ``unless_counted_within``. Returns the number of
    people counted, or None when the last count stands."""
    now = timezone.now()
    last = last_counted_at()
    if last is not None and now - last < unless_counted_within:
        return None
    if not _stale(last, now):
        return None
    return count_population(now=now)


@transaction.atomic
def count_population(*, now: dt.datetime | None = None) -> int:
    """Count everyone living here again, grouped as the dynamics page shows them, replacing the last count.
    Returns the number of people counted. A system job (no actor, no audit entry: it changes no record)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Two counts at once would each delete the old rows and add their own: the second waits for the first.
    list(Subdistrict.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    lows = [low for _label, low, _high in AGE_BANDS]
    # One pass over the people, with a filtered count per band's lower age ("born on or before today minus
    # `low` years"), not a CASE in the GROUP BY: PostgreSQL cannot estimate how many groups a CASE makes
    # and would sort a million rows instead of hashing them.
    at_least = {f"aged_{low}": Count("birth_date", filter=Q(birth_date__lte=add_years(today, -low)))
                for low in lows[1:]}
    groups: Any = (
        Person.objects.filter(status=PersonStatus.ACTIVE)
        .values("subdistrict_id", "neighborhood_id", "compound_id", "residence_type", "sex")
        .annotate(total=Count("*"), **at_least).order_by()
    )
    rows = []
    counted = 0
    for group in groups:
        cumulative = [group["total"]] + [group[f"aged_{low}"] for low in lows[1:]] + [0]
        counted += group["total"]
        for i, low in enumerate(lows):
            people_in_band = cumulative[i] - cumulative[i + 1]
            if people_in_band:
                rows.append(PopulationCount(
                    subdistrict_id=group["subdistrict_id"], neighborhood_id=group["neighborhood_id"],
                    compound_id=group["compound_id"], residence_type=group["residence_type"], sex=group["sex"],
                    age_from=low, people=people_in_band, counted_at=now,
                ))
    PopulationCount.objects.all().delete()
    PopulationCount.objects.bulk_create(rows)
    return counted
