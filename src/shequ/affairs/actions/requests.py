"""A request's life: accepted from any channel, dispatched, transferred, started, resolved, returned for
information, confirmed and rated, closed, reopened, merged with its duplicates."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.affairs import queries, signals, workdays
from shequ.affairs.actions._common import (
    REQUEST_CLOSED,
    REQUEST_CONFIRMED,
    REQUEST_CREATED,
    REQUEST_MERGED,
    REQUEST_REOPENED,
    REQUEST_RESOLVED,
    REQUEST_RETURNED,
    REQUEST_STARTED,
    REQUEST_TRANSFERRED,
    _check_status,
    _department_staff,
    _dispatch,
    _locked,
    _note_required,
    _notify,
    _record,
    _require,
    _require_coordinator,
    _require_handler,
    _snapshot,
    _staff_phones,
    _step,
    _tell_resident,
    _text,
    is_coordinator,
    is_member,
    is_own_request,
)
from shequ.affairs.actions.emergency import _dispatch_emergency
from shequ.affairs.choices import OPEN_STATUSES, Channel, Status, StepKind
from shequ.affairs.models import Department, Service, ServiceRequest
from shequ.core import audit
from shequ.core.bulk import take_ids
from shequ.core.crypto import normalize_phone
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import Building, Compound, Dwelling, User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible, level_of

MAX_DESCRIPTION = 4000


# Creating ---------------------------------------------------------------------------------------------------


def _visible_person(actor: User, person: Any) -> Any:
    from shequ.population import queries as population_queries

    found = population_queries.people(actor).filter(pk=person.pk).first()
    if found is None:
        raise Invalid(_("Unknown resident."), field="person")
    return found


def _home_of(person: Any) -> Dwelling:
    """A person's home with its building, compound and neighborhood: as :func:`queries.caller_match` read it
    with her, else read now."""
    if type(person).dwelling.is_cached(person):
        return person.dwelling
    return Dwelling.objects.select_related("building__compound__neighborhood").get(pk=person.dwelling_id)


def _dwelling_in_area(actor: User, pk: int, *, caller: Any) -> Dwelling:
    """The caller's home (a person the actor sees lives in the actor's area), else the dwelling read within the
    actor's area."""
    if caller is not None and caller.dwelling_id == pk:
        home = _home_of(caller)
        if home.building.compound_id == caller.compound_id:
            return home
    found = queries.dwelling_in_area(actor, pk)
    if found is None:
        raise Invalid(_("Unknown address."), field="dwelling")
    return found


def _location(
    *, dwelling: Dwelling | None, building: Building | None, compound: Compound | None
) -> tuple[Dwelling | None, Building | None, Compound | None]:
    if dwelling is not None:
        building = dwelling.building
    if building is not None:
        compound = building.compound
    return dwelling, building, compound


def _request_number(now: dt.datetime, pk: int) -> str:
    """The number a resident is told: the day, then the row's own id, so two operators never collide."""
    return f"{timezone.localtime(now):%Y%m%d}{pk:06d}"


def _next_request_id() -> int | None:
    """On PostgreSQL, the new request's id from its sequence, so that the row is written once with its number
    (not inserted, then updated in a unique column). SQLite has no sequence: None, and the number follows."""
    if connection.vendor != "postgresql":
        return None
    return take_ids(ServiceRequest, 1)[0]


@transaction.atomic(durable=True)
def create_request(
    *,
    actor: User,
    channel: str,
    service: Service,
    description: str,
    caller_phone: str = "",
    caller_name: str = "",
    person: Any = None,
    dwelling: Dwelling | int | None = None,
    building: Building | None = None,
    compound: Compound | None = None,
    address: str = "",
    lat: Decimal | None = None,
    long: Decimal | None = None,
    department: Department | None = None,
    assignee: User | None = None,
    suggested_service: Service | None = None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Accept a request from any channel; with ``department`` it is dispatched at once.

    An emergency service alerts its responsible department and every linked department at once.
    The caller is matched to a resident of the registry by phone where possible, and her address
    is taken from the registry when none is given. A dwelling given by its id must be in the actor's area.
    """
    _require(actor, ServiceRequest, "add")
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel."), field="channel")
    description = (description or "").strip()
    if not description:
        raise Invalid(_("Please describe the request."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(_("The description is too long."), field="description")
    now = now or timezone.now()
    resident = actor.role == Role.RESIDENT
    if resident:
        person = getattr(actor, "person", None)
        caller_phone = actor.phone or (person.phone if person is not None else "")
        caller_name = person.name if person is not None else str(actor)
        department = assignee = None
    caller_phone = normalize_phone(caller_phone or "")
    if caller_phone and not 7 <= len(caller_phone) <= 12:
        raise Invalid(_("%(phone)s is not a phone number.") % {"phone": caller_phone}, field="caller_phone")
    if person is None:
        person = queries.caller_match(actor, caller_phone)
    elif not resident:
        person = _visible_person(actor, person)
    subdistrict_id = actor.subdistrict_id or (person.subdistrict_id if person is not None else None)
    if subdistrict_id is None:
        raise NotFound()
    # The caller read the service from the catalogue just now: check it is one of this sub-district's, as
    # given, instead of reading it again.
    if service.subdistrict_id != subdistrict_id or not service.active:
        raise Invalid(_("Unknown service."), field="service")
    if isinstance(dwelling, int):
        dwelling = _dwelling_in_area(actor, dwelling, caller=person)
    dwelling, building, compound = _location(dwelling=dwelling, building=building, compound=compound)
    if compound is None and person is not None and person.dwelling_id:
        dwelling, building, compound = _location(dwelling=_home_of(person), building=None, compound=None)
    neighborhood = compound.neighborhood if compound is not None else (person.neighborhood if person else None)
    if neighborhood is not None and neighborhood.subdistrict_id != subdistrict_id:
        raise Invalid(_("That address is not in this sub-district."), field="dwelling")
    pk = _next_request_id()
    request = ServiceRequest(
        pk=pk, number=_request_number(now, pk) if pk else f"new-{uuid.uuid4().hex[:16]}", channel=channel,
        service=service, is_emergency=service.is_emergency,
        description=description, subdistrict_id=subdistrict_id, neighborhood=neighborhood, compound=compound,
        building=building, dwelling=dwelling, address=(address or (dwelling.label if dwelling else ""))[:200],
        lat=lat, long=long, caller_name=(caller_name or (person.name if person else ""))[:50],
        caller_phone=caller_phone, person=person, requester=actor if resident else None, created_by=actor,
        status=Status.ACCEPTED, created_at=now, due_at=workdays.due_at(service, now),
        suggested_service=suggested_service,
    )
    request.save(force_insert=True)
    if pk is None:
        request.number = _request_number(now, request.pk)
        request.save(update_fields=["number"])
    _step(request, kind=StepKind.CREATED, actor=actor, at=now, from_status="",
          note=_("Channel: %(channel)s") % {"channel": request.get_channel_display()})
    audit.record(actor=actor, event=REQUEST_CREATED, obj=request, after={
        **_snapshot(request), "channel": channel, "person": request.person_id, "caller_phone":
        request.caller_phone_masked}, subdistrict_id=subdistrict_id)
    _tell_resident(request, gettext_noop("Your request %(number)s has been accepted (%(service)s). Hotline 52389022."),
                   event=REQUEST_CREATED,
                   service=service.name)
    if service.is_emergency:
        _dispatch_emergency(actor, request, now)
    elif department is not None:
        _dispatch(actor, request, department=department, assignee=assignee, note="", now=now)
    _check_visible(actor, request)
    return request


@transaction.atomic
def create_device_request(*, service: Service, description: str, subdistrict_id: int,
                          compound: Compound | None = None, building: Building | None = None,
                          dwelling: Dwelling | None = None, address: str = "",
                          now: dt.datetime | None = None) -> ServiceRequest:
    """A request raised by a device's alarm (an emergency incident of ``safety``), with no one at a desk: no
    actor, channel ``device``, no caller to text. Runs in the caller's transaction (the ingest's), so that the
    incident and its request exist together or not at all; an emergency service alerts its parties at once."""
    if service.subdistrict_id != subdistrict_id or not service.active:
        raise Invalid(_("Unknown service."), field="service")
    description = (description or "").strip()[:MAX_DESCRIPTION] or service.name
    now = now or timezone.now()
    dwelling, building, compound = _location(dwelling=dwelling, building=building, compound=compound)
    pk = _next_request_id()
    request = ServiceRequest(
        pk=pk, number=_request_number(now, pk) if pk else f"new-{uuid.uuid4().hex[:16]}", channel=Channel.DEVICE,
        service=service, is_emergency=service.is_emergency, description=description, subdistrict_id=subdistrict_id,
        neighborhood=compound.neighborhood if compound is not None else None, compound=compound, building=building,
        dwelling=dwelling, address=(address or (dwelling.label if dwelling else ""))[:200], status=Status.ACCEPTED,
        created_at=now, due_at=workdays.due_at(service, now),
    )
    request.save(force_insert=True)
    if pk is None:
        request.number = _request_number(now, request.pk)
        request.save(update_fields=["number"])
    _step(request, kind=StepKind.CREATED, actor=None, at=now, from_status="",
          note=_("Channel: %(channel)s") % {"channel": request.get_channel_display()})
    audit.record(actor=None, event=REQUEST_CREATED, obj=request,
                 after={**_snapshot(request), "channel": Channel.DEVICE}, subdistrict_id=subdistrict_id)
    if service.is_emergency:
        _dispatch_emergency(None, request, now)
    return request


def _check_visible(actor: User, request: ServiceRequest) -> None:
    """Whoever takes a request must see it (else: NotFound, and the transaction is undone). At sub-district and
    neighborhood level the scope path is a column of the row just written: no need to read it back."""
    level = level_of(actor)
    if can(actor, ServiceRequest, "view") and (
        (level == "subdistrict" and request.subdistrict_id == actor.subdistrict_id)
        or (level == "neighborhood" and request.neighborhood_id == actor.neighborhood_id)
    ):
        return
    get_visible(ServiceRequest.objects.all(), actor, "view", pk=request.pk)


# Workflow ---------------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def dispatch(*, actor: User, request: ServiceRequest, department: Department | int,
             assignee: User | int | None = None, note: str = "") -> ServiceRequest:
    """派单: send an accepted (or returned and completed) request to the department and person handling it."""
    request = _locked(actor, request)
    _require_coordinator(actor)
    _check_status(request, (Status.ACCEPTED, Status.RETURNED))
    _dispatch(actor, request, department=department, assignee=assignee, note=note.strip(), now=timezone.now())
    return request


@transaction.atomic(durable=True)
def transfer(*, actor: User, request: ServiceRequest, department: Department | int,
             assignee: User | int | None = None, note: str) -> ServiceRequest:
    """Hand a dispatched request to another department (it is not ours / someone else must act)."""
    request = _locked(actor, request)
    _require_handler(actor, request)
    _check_status(request, (Status.DISPATCHED, Status.IN_PROGRESS))
    note = _note_required(note)
    target_pk = department.pk if isinstance(department, Department) else department
    if target_pk == request.department_id and assignee is None:
        raise Invalid(_("The request is already with this department."), field="department")
    _dispatch(actor, request, department=department, assignee=assignee, note=note, now=timezone.now(),
              kind=StepKind.TRANSFERRED, event=REQUEST_TRANSFERRED)
    return request


@transaction.atomic(durable=True)
def start(*, actor: User, request: ServiceRequest, note: str = "") -> ServiceRequest:
    """The department begins work; the one who starts it becomes the assignee if there was none."""
    request = _locked(actor, request)
    _require_handler(actor, request)
    _check_status(request, (Status.DISPATCHED,))
    now, before = timezone.now(), _snapshot(request)
    request.status, request.started_at = Status.IN_PROGRESS, now
    if request.assignee_id is None and is_member(actor, request.department_id):
        request.assignee = actor
    request.save(update_fields=["status", "started_at", "assignee", "updated_at"])
    _step(request, kind=StepKind.STARTED, actor=actor, at=now, from_status=Status.DISPATCHED, note=note.strip())
    _record(actor, REQUEST_STARTED, request, before, note)
    return request


@transaction.atomic(durable=True)
def resolve(*, actor: User, request: ServiceRequest, note: str) -> ServiceRequest:
    """The department reports it done, saying what was done; the resident is asked to confirm."""
    request = _locked(actor, request)
    _require_handler(actor, request)
    _check_status(request, (Status.DISPATCHED, Status.IN_PROGRESS))
    note = _note_required(note)
    now, before, from_status = timezone.now(), _snapshot(request), request.status
    request.status, request.resolved_at, request.resolution = Status.RESOLVED, now, note
    request.started_at = request.started_at or now
    request.save(update_fields=["status", "resolved_at", "resolution", "started_at", "updated_at"])
    _step(request, kind=StepKind.RESOLVED, actor=actor, at=now, from_status=from_status, note=note)
    _record(actor, REQUEST_RESOLVED, request, before, note)
    _tell_resident(request, gettext_noop(
        "Your request %(number)s has been resolved. Please confirm and rate it on the portal or by calling 52389022."),
        event=REQUEST_RESOLVED)
    return request


@transaction.atomic(durable=True)
def return_for_information(*, actor: User, request: ServiceRequest, note: str) -> ServiceRequest:
    """Stop and ask the resident for what is missing; a coordinator dispatches it again once it is there."""
    request = _locked(actor, request)
    _require_handler(actor, request)
    _check_status(request, (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS))
    note = _note_required(note)
    now, before, from_status = timezone.now(), _snapshot(request), request.status
    request.status = Status.RETURNED
    request.save(update_fields=["status", "updated_at"])
    _step(request, kind=StepKind.RETURNED, actor=actor, at=now, from_status=from_status, note=note)
    _record(actor, REQUEST_RETURNED, request, before, note)
    _tell_resident(request, gettext_noop("Your request %(number)s needs more information: %(note)s"),
                   event=REQUEST_RETURNED, note=note)
    return request


@transaction.atomic(durable=True)
def confirm_with_rating(*, actor: User, request: ServiceRequest, satisfaction: int,
                        comment: str = "") -> ServiceRequest:
    """满意度: the resident (or an operator calling her back) confirms the result and rates it 1–5."""
    request = _locked(actor, request)
    if not (is_own_request(actor, request) or is_coordinator(actor)):
        raise Forbidden(_("Only the resident or the service centre can confirm a request."))
    _check_status(request, (Status.RESOLVED,))
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        raise Invalid(_("The rating must be a whole number from 1 to 5."), field="satisfaction")
    now, before = timezone.now(), _snapshot(request)
    request.status, request.confirmed_at = Status.CONFIRMED, now
    request.satisfaction, request.satisfaction_comment = satisfaction, (comment or "").strip()[:2000]
    request.save(update_fields=["status", "confirmed_at", "satisfaction", "satisfaction_comment", "updated_at"])
    _step(request, kind=StepKind.CONFIRMED, actor=actor, at=now, from_status=Status.RESOLVED,
          note=f"{satisfaction}/5 {request.satisfaction_comment}".strip())
    _record(actor, REQUEST_CONFIRMED, request, before, request.satisfaction_comment)
    return request


@transaction.atomic(durable=True)
def close(*, actor: User, request: ServiceRequest, note: str = "") -> ServiceRequest:
    """Close a confirmed request, or a resolved one the resident never confirmed."""
    request = _locked(actor, request)
    _require_coordinator(actor)
    _check_status(request, (Status.RESOLVED, Status.CONFIRMED))
    now, before, from_status = timezone.now(), _snapshot(request), request.status
    request.status, request.closed_at = Status.CLOSED, now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    _step(request, kind=StepKind.CLOSED, actor=actor, at=now, from_status=from_status, note=note.strip())
    _record(actor, REQUEST_CLOSED, request, before, note)
    signals.request_closed.send(sender=ServiceRequest, request=request, actor=actor, note=note.strip())
    return request


@transaction.atomic(durable=True)
def reopen(*, actor: User, request: ServiceRequest, note: str) -> ServiceRequest:
    """Not solved after all: back to the same department with a fresh deadline; counted in assessment."""
    request = _locked(actor, request)
    own = is_own_request(actor, request)
    if not (own or is_coordinator(actor)):
        raise Forbidden(_("Only the resident or the service centre can reopen a request."))
    _check_status(request, (Status.RESOLVED, Status.CONFIRMED) if own else (Status.RESOLVED, Status.CONFIRMED,
                                                                            Status.CLOSED))
    note = _note_required(note)
    now, before, from_status = timezone.now(), _snapshot(request), request.status
    request.status = Status.DISPATCHED if request.department_id else Status.ACCEPTED
    request.reopen_count += 1
    request.resolved_at = request.confirmed_at = request.closed_at = request.escalated_at = None
    request.satisfaction, request.satisfaction_comment = None, ""
    request.due_at = workdays.due_at(request.service, now)
    request.save()
    _step(request, kind=StepKind.REOPENED, actor=actor, at=now, from_status=from_status, note=note,
          department=request.department)
    _record(actor, REQUEST_REOPENED, request, before, note)
    if request.department is not None:
        staff = [request.assignee] if request.assignee else _department_staff(request.department)
        _notify(_staff_phones(staff), _text(gettext_noop("Request %(number)s was reopened: %(note)s"),
                                            number=request.number, note=note),
                event=REQUEST_REOPENED, obj=request, subdistrict_id=request.subdistrict_id)
    return request


@transaction.atomic(durable=True)
def merge_duplicates(*, actor: User, primary: ServiceRequest, duplicates: Iterable[ServiceRequest],
                     note: str = "") -> ServiceRequest:
    """Several calls about the same thing: the duplicates are closed into ``primary`` and followed there."""
    _require_coordinator(actor)
    primary = _locked(actor, primary)
    if primary.status == Status.MERGED:
        raise Conflict(_("A merged request cannot take duplicates."))
    others = [_locked(actor, duplicate) for duplicate in duplicates if duplicate.pk != primary.pk]
    if not others:
        raise Invalid(_("Choose at least one other request to merge."), field="duplicates")
    now = timezone.now()
    for duplicate in others:
        _check_status(duplicate, OPEN_STATUSES)
        before, from_status = _snapshot(duplicate), duplicate.status
        duplicate.status, duplicate.merged_into, duplicate.closed_at = Status.MERGED, primary, now
        duplicate.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
        _step(duplicate, kind=StepKind.MERGED, actor=actor, at=now, from_status=from_status,
              note=_("Merged into %(number)s. %(note)s") % {"number": primary.number, "note": note.strip()})
        _record(actor, REQUEST_MERGED, duplicate, before, note, merged_into=primary.number)
        _tell_resident(duplicate, gettext_noop("Your request %(number)s is handled together with %(primary)s."),
                       event=REQUEST_MERGED, primary=primary.number)
    _step(primary, kind=StepKind.MERGED, actor=actor, at=now, from_status=primary.status,
          note=_("Took in %(numbers)s. %(note)s") % {"numbers": ", ".join(d.number for d in others),
                                                     "note": note.strip()})
    return primary
