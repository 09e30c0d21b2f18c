"""Every write of the one-window service centre. Views, API, Open311, periodic jobs and the demo call these.

Each public action takes keyword arguments and an ``actor``, runs in one durable transaction, writes a
RequestStep (for requests) and its audit entry, and queues its text messages in the outbox in the same transaction.

Who may do what to a request, beyond the role table and the row scope:
- coordinators (administrators, service-centre clerks, committee workers) accept, dispatch, transfer,
  close, merge and do anything a department may do;
- members of the department a request is dispatched to start, resolve, transfer and return it, and
  acknowledge their emergency linkages;
- the resident whose request it is confirms and rates it, or reopens it when it is not solved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.affairs import queries, workdays
from shequ.affairs.choices import (
    OPEN_STATUSES,
    Channel,
    DepartmentKind,
    HolidayKind,
    SlaUnit,
    Status,
    StepKind,
)
from shequ.affairs.models import (
    Department,
    DepartmentMember,
    EmergencyDispatch,
    Holiday,
    Open311Key,
    RequestStep,
    Service,
    ServiceRequest,
)
from shequ.core import audit, outbox
from shequ.core.bulk import take_ids
from shequ.core.crypto import normalize_phone
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import Building, Compound, Dwelling, User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible, level_of

REQUEST_CREATED = "affairs.request_created"
REQUEST_DISPATCHED = "affairs.request_dispatched"
REQUEST_STARTED = "affairs.request_started"
REQUEST_RESOLVED = "affairs.request_resolved"
REQUEST_CONFIRMED = "affairs.request_confirmed"
REQUEST_CLOSED = "affairs.request_closed"
REQUEST_TRANSFERRED = "affairs.request_transferred"
REQUEST_RETURNED = "affairs.request_returned"
REQUEST_REOPENED = "affairs.request_reopened"
REQUEST_MERGED = "affairs.request_merged"
REQUEST_ESCALATED = "affairs.request_escalated"
LINKAGE_DISPATCHED = "affairs.linkage_dispatched"
LINKAGE_ACKNOWLEDGED = "affairs.linkage_acknowledged"
LINKAGE_ESCALATED = "affairs.linkage_escalated"
DEPARTMENT_SAVED = "affairs.department_saved"
MEMBER_ADDED = "affairs.member_added"
MEMBER_REMOVED = "affairs.member_removed"
SERVICE_SAVED = "affairs.service_saved"
SERVICES_IMPORTED = "affairs.services_imported"
HOLIDAY_SET = "affairs.holiday_set"
HOLIDAY_REMOVED = "affairs.holiday_removed"
OPEN311_KEY_CREATED = "affairs.open311_key_created"
OPEN311_KEY_REVOKED = "affairs.open311_key_revoked"

COORDINATOR_ROLES = frozenset({Role.ADMIN, Role.CLERK, Role.COMMITTEE})
MAX_DESCRIPTION = 4000


# Helpers ----------------------------------------------------------------------------------------------------


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def is_coordinator(user: Any) -> bool:
    return getattr(user, "role", None) in COORDINATOR_ROLES


def is_member(user: Any, department_id: int | None) -> bool:
    if department_id is None or not getattr(user, "is_authenticated", False):
        return False
    return DepartmentMember.objects.filter(department_id=department_id, user_id=user.pk).exists()


def is_own_request(user: Any, request: ServiceRequest) -> bool:
    if getattr(user, "role", None) != Role.RESIDENT:
        return False
    if request.requester_id == user.pk:
        return True
    return request.person is not None and request.person.user_id == user.pk


def _locked(actor: User, request: ServiceRequest) -> ServiceRequest:
    """The request, locked for this transaction, if the actor may change it (else the same 404 as missing)."""
    return get_visible(ServiceRequest.objects.select_for_update(of=("self",)), actor, "change", pk=request.pk)


def _check_status(request: ServiceRequest, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if request.status not in allowed:
        raise Conflict(_("This cannot be done to a request that is %(status)s.")
                       % {"status": request.get_status_display()})


def _require_coordinator(actor: User) -> None:
    if not is_coordinator(actor):
        raise Forbidden(_("Only the service centre or the committee can do this."))


def _require_handler(actor: User, request: ServiceRequest) -> None:
    """A coordinator, or a member of the department the request is dispatched to."""
    if is_coordinator(actor) or is_member(actor, request.department_id):
        return
    raise Forbidden(_("Only the department handling this request can do this."))


def _note_required(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise Invalid(_("Please write a note."), field="note")
    return note


def _department(department: Department | int, subdistrict_id: int) -> Department:
    pk = department.pk if isinstance(department, Department) else department
    found = Department.objects.filter(pk=pk, subdistrict_id=subdistrict_id, active=True).first()
    if found is None:
        raise Invalid(_("Unknown department."), field="department")
    return found


def _assignee(assignee: User | int | None, department: Department) -> User | None:
    if assignee is None:
        return None
    pk = assignee.pk if isinstance(assignee, User) else assignee
    member = DepartmentMember.objects.filter(department=department, user_id=pk).select_related("user").first()
    if member is None:
        raise Invalid(_("The assignee does not work for %(department)s.") % {"department": department.name},
                      field="assignee")
    return member.user


def _snapshot(request: ServiceRequest) -> dict[str, Any]:
    """What the audit log keeps of a request: never the caller's phone in plain text."""
    return {
        "status": request.status, "department": request.department_id, "assignee": request.assignee_id,
        "service": request.service_id, "due_at": request.due_at, "satisfaction": request.satisfaction,
    }


def _step(request: ServiceRequest, *, kind: str, actor: User | None, at: dt.datetime, from_status: str,
          note: str = "", department: Department | None = None, assignee: User | None = None) -> RequestStep:
    return RequestStep.objects.create(
        request=request, kind=kind, from_status=from_status, to_status=request.status, actor=actor, at=at,
        note=note, department=department, assignee=assignee,
    )


def _record(actor: User | None, event: str, request: ServiceRequest, before: dict[str, Any], note: str = "",
            **extra: Any) -> None:
    old, new = audit.changes(before, _snapshot(request))
    audit.record(actor=actor, event=event, obj=request, before=old, after={**new, **extra}, reason=note,
                 subdistrict_id=request.subdistrict_id)


def _text(message: str, **values: Any) -> str:
    """A message in the platform's language (residents read Chinese whatever the clerk's screen shows)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


def _notify(phones: Iterable[str], text: str, *, event: str, obj: ServiceRequest | EmergencyDispatch,
            subdistrict_id: int, sensitive: bool = False) -> None:
    """One text per phone in the outbox. Texts to staff are not sensitive: an administrator may read a failed
    emergency alert on the outbox page and pass it on by other means."""
    outbox.enqueue(channel="sms", to=phones, text=text, event=event, obj=obj, subdistrict_id=subdistrict_id,
                   sensitive=sensitive)


def _tell_resident(request: ServiceRequest, message: str, *, event: str, **values: Any) -> None:
    _notify([request.caller_phone], _text(message, number=request.number, **values), event=event, obj=request,
            subdistrict_id=request.subdistrict_id, sensitive=True)


def _staff_phones(users: Iterable[User | None]) -> list[str]:
    return [user.phone for user in users if user is not None and user.phone]


def _supervisors(department_id: int | None, subdistrict_id: int) -> list[User]:
    """Who an escalation goes to: the department's supervisors, else the sub-district office's."""
    members = DepartmentMember.objects.filter(is_supervisor=True).select_related("user")
    found = [m.user for m in members.filter(department_id=department_id)] if department_id else []
    if not found:
        found = [m.user for m in members.filter(department__subdistrict_id=subdistrict_id,
                                                department__kind=DepartmentKind.SUBDISTRICT_OFFICE)]
    return found


def _department_staff(department: Department) -> list[User]:
    return [m.user for m in department.members.select_related("user")]


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


def _dispatch(actor: User | None, request: ServiceRequest, *, department: Department | int,
              assignee: User | int | None, note: str, now: dt.datetime, kind: str = StepKind.DISPATCHED,
              event: str = REQUEST_DISPATCHED) -> None:
    before, from_status = _snapshot(request), request.status
    target = _department(department, request.subdistrict_id)
    person = _assignee(assignee, target)
    request.department, request.assignee = target, person
    request.status, request.dispatched_at = Status.DISPATCHED, now
    request.started_at = None
    request.save(update_fields=["department", "assignee", "status", "dispatched_at", "started_at", "updated_at"])
    _step(request, kind=kind, actor=actor, at=now, from_status=from_status, note=note, department=target,
          assignee=person)
    _record(actor, event, request, before, note)
    if kind == StepKind.DISPATCHED:
        _tell_resident(request, gettext_noop("Your request %(number)s has been passed to %(department)s."),
                       event=event, department=target.name)
    staff = [person] if person is not None else _department_staff(target)
    _notify(_staff_phones(staff), _text(gettext_noop("New request %(number)s for %(department)s: %(service)s."),
                                        number=request.number, department=target.name,
                                        service=request.service.name),
            event=event, obj=request, subdistrict_id=request.subdistrict_id)


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


# Emergency linkage (应急联动) ----------------------------------------------------------------------------------


def _dispatch_emergency(actor: User, request: ServiceRequest, now: dt.datetime) -> None:
    service = request.service
    linked = service.linked_departments.filter(active=True).exclude(pk=service.department_id)
    departments = [service.department, *linked]
    _dispatch(actor, request, department=service.department, assignee=None, note="", now=now)
    due = now + dt.timedelta(minutes=service.ack_minutes)
    for department in departments:
        linkage = EmergencyDispatch.objects.create(request=request, department=department, dispatched_at=now,
                                                   ack_due_at=due)
        _notify(_staff_phones(_department_staff(department)), _text(
            gettext_noop("EMERGENCY %(number)s: %(service)s at %(address)s. Acknowledge within %(minutes)d minutes."),
            number=request.number, service=service.name, address=request.address or "-",
            minutes=service.ack_minutes), event=LINKAGE_DISPATCHED, obj=linkage, subdistrict_id=request.subdistrict_id)
        audit.record(actor=actor, event=LINKAGE_DISPATCHED, obj=linkage,
                     after={"request": request.number, "department": department.pk, "ack_due_at": due},
                     subdistrict_id=request.subdistrict_id)
    _step(request, kind=StepKind.LINKED, actor=actor, at=now, from_status=request.status,
          note=", ".join(d.name for d in departments))


@transaction.atomic(durable=True)
def acknowledge_linkage(*, actor: User, linkage: EmergencyDispatch, note: str = "") -> EmergencyDispatch:
    """A party confirms it has received the emergency and is acting."""
    linkage = get_visible(EmergencyDispatch.objects.select_for_update(of=("self",)).select_related("request"),
                          actor, "change", pk=linkage.pk)
    if not (is_coordinator(actor) or is_member(actor, linkage.department_id)):
        raise Forbidden(_("Only the department alerted can acknowledge."))
    if linkage.acknowledged_at is not None:
        raise Conflict(_("Already acknowledged."))
    now = timezone.now()
    linkage.acknowledged_at, linkage.acknowledged_by = now, actor
    linkage.save(update_fields=["acknowledged_at", "acknowledged_by"])
    request = linkage.request
    _step(request, kind=StepKind.ACKNOWLEDGED, actor=actor, at=now, from_status=request.status,
          note=f"{linkage.department.name} {note.strip()}".strip(), department=linkage.department)
    audit.record(actor=actor, event=LINKAGE_ACKNOWLEDGED, obj=linkage, after={"acknowledged_at": now},
                 reason=note, subdistrict_id=request.subdistrict_id)
    return linkage


# Escalation (督办), run by the worker ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Every open request past its deadline and not yet escalated goes to the supervisor; returns how many."""
    now = now or timezone.now()
    overdue = (ServiceRequest.objects.select_for_update(skip_locked=True, of=("self",))
               .filter(status__in=OPEN_STATUSES, due_at__lt=now, escalated_at__isnull=True)
               .select_related("service")[:500])
    count = 0
    for request in overdue:
        before = _snapshot(request)
        request.escalated_at = now
        request.save(update_fields=["escalated_at", "updated_at"])
        supervisors = _supervisors(request.department_id, request.subdistrict_id)
        _step(request, kind=StepKind.ESCALATED, actor=None, at=now, from_status=request.status,
              note=_("Overdue since %(due)s; escalated to %(who)s.") % {
                  "due": f"{timezone.localtime(request.due_at):%Y-%m-%d %H:%M}",
                  "who": ", ".join(str(user) for user in supervisors) or "-"})
        _record(None, REQUEST_ESCALATED, request, before, "", escalated_at=now,
                supervisors=[user.pk for user in supervisors])
        _notify(_staff_phones(supervisors), _text(
            gettext_noop("Overdue request %(number)s (%(service)s), due %(due)s."), number=request.number,
            service=request.service.name, due=f"{timezone.localtime(request.due_at):%m-%d %H:%M}"),
            event=REQUEST_ESCALATED, obj=request, subdistrict_id=request.subdistrict_id)
        count += 1
    return count


@transaction.atomic(durable=True)
def escalate_unacknowledged(*, now: dt.datetime | None = None) -> int:
    """Every emergency linkage not acknowledged in time goes to that department's supervisor."""
    now = now or timezone.now()
    late = (EmergencyDispatch.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(acknowledged_at__isnull=True, escalated_at__isnull=True, ack_due_at__lt=now)
            .select_related("request", "department")[:500])
    count = 0
    for linkage in late:
        linkage.escalated_at = now
        linkage.save(update_fields=["escalated_at"])
        request = linkage.request
        supervisors = _supervisors(linkage.department_id, request.subdistrict_id)
        _step(request, kind=StepKind.ESCALATED, actor=None, at=now, from_status=request.status,
              note=_("%(department)s has not acknowledged the emergency.") % {"department": linkage.department.name},
              department=linkage.department)
        audit.record(actor=None, event=LINKAGE_ESCALATED, obj=linkage,
                     after={"escalated_at": now, "supervisors": [user.pk for user in supervisors]},
                     subdistrict_id=request.subdistrict_id)
        _notify(_staff_phones(supervisors), _text(
            gettext_noop("EMERGENCY %(number)s: %(department)s has not acknowledged."), number=request.number,
            department=linkage.department.name),
            event=LINKAGE_ESCALATED, obj=linkage, subdistrict_id=request.subdistrict_id)
        count += 1
    return count


# Catalogue --------------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def save_department(*, actor: User, code: str, name: str, kind: str, department: Department | None = None,
                    neighborhood: Any = None, compounds: Iterable[Compound] = (), duty_phone: str = "",
                    active: bool = True) -> Department:
    """Create a department, or change ``department``."""
    _require(actor, Department, "change" if department else "add")
    if kind not in DepartmentKind.values:
        raise Invalid(_("Unknown kind."), field="kind")
    if not code.strip() or not name.strip():
        raise Invalid(_("Code and name are required."), field="code")
    clash = Department.objects.filter(code=code.strip())
    if department is not None:
        department = get_visible(Department.objects.select_for_update(), actor, "change", pk=department.pk)
        clash = clash.exclude(pk=department.pk)
    if clash.exists():
        raise Conflict(_("Another department has this code."), field="code")
    if actor.subdistrict_id is None:
        raise NotFound()
    target = department or Department(subdistrict_id=actor.subdistrict_id)
    target.code, target.name, target.kind = code.strip(), name.strip(), kind
    target.neighborhood, target.duty_phone, target.active = neighborhood, duty_phone.strip(), active
    target.save()
    target.compounds.set(list(compounds))
    audit.record(actor=actor, event=DEPARTMENT_SAVED, obj=target, after={
        "code": target.code, "name": target.name, "kind": kind, "compounds": [c.pk for c in compounds]})
    return target


@transaction.atomic(durable=True)
def add_member(*, actor: User, department: Department, user: User, is_supervisor: bool = False) -> DepartmentMember:
    department = get_visible(Department.objects.all(), actor, "change", pk=department.pk)
    if user.role == Role.RESIDENT or user.subdistrict_id != department.subdistrict_id:
        raise Invalid(_("Only staff of this sub-district can join a department."), field="user")
    member, _created = DepartmentMember.objects.update_or_create(
        department=department, user=user, defaults={"is_supervisor": is_supervisor})
    audit.record(actor=actor, event=MEMBER_ADDED, obj=member, after={"user": user.pk, "supervisor": is_supervisor})
    return member


@transaction.atomic(durable=True)
def remove_member(*, actor: User, member: DepartmentMember) -> None:
    member = get_visible(DepartmentMember.objects.all(), actor, "change", pk=member.pk)
    audit.record(actor=actor, event=MEMBER_REMOVED, obj=member, before={"user": member.user_id})
    member.delete()


SERVICE_FIELDS = ("code", "name", "category", "description", "department", "materials", "sla_amount", "sla_unit",
                  "is_emergency", "ack_minutes", "keywords", "active")


def _clean_service(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    for field in ("code", "name", "category"):
        clean[field] = str(clean.get(field) or "").strip()
        if not clean[field]:
            raise Invalid(_("%(field)s is required.") % {"field": field}, field=field)
    department = clean.get("department")
    if department is None:
        raise Invalid(_("The responsible department is required."), field="department")
    clean["department"] = _department(department, actor.subdistrict_id or 0)
    amount = clean.get("sla_amount")
    if not isinstance(amount, int) or amount <= 0:
        raise Invalid(_("The time limit must be a whole number above zero."), field="sla_amount")
    if clean.get("sla_unit", SlaUnit.WORKING_DAYS) not in SlaUnit.values:
        raise Invalid(_("Unknown time limit unit."), field="sla_unit")
    return clean


@transaction.atomic(durable=True)
def save_service(*, actor: User, service: Service | None = None,
                 linked_departments: Iterable[Department] | None = None, **data: Any) -> Service:
    """Create a catalogue entry, or change ``service``."""
    unknown = set(data) - set(SERVICE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    linked = None if linked_departments is None else list(linked_departments)
    return _save_service(actor, service, linked, data)


def _save_service(actor: User, service: Service | None, linked: list[Department] | None,
                  data: dict[str, Any]) -> Service:
    """Shared by :func:`save_service` and the catalogue import (which runs it inside its own transaction)."""
    _require(actor, Service, "change" if service else "add")
    before: dict[str, Any] = {}
    if service is not None:
        service = get_visible(Service.objects.select_for_update(), actor, "change", pk=service.pk)
        before = {field: getattr(service, field) for field in SERVICE_FIELDS}
        data = {**before, **data}
    clean = _clean_service(actor, data)
    clash = Service.objects.filter(code=clean["code"])
    if service is not None:
        clash = clash.exclude(pk=service.pk)
    if clash.exists():
        raise Conflict(_("Another service has the code %(code)s.") % {"code": clean["code"]}, field="code")
    if actor.subdistrict_id is None:
        raise NotFound()
    target = service or Service(subdistrict_id=actor.subdistrict_id)
    for field in SERVICE_FIELDS:
        if field in clean:
            setattr(target, field, clean[field])
    target.save()
    if linked is not None:
        target.linked_departments.set([_department(d, target.subdistrict_id) for d in linked])
    after = {field: getattr(target, field) for field in SERVICE_FIELDS}
    old, new = audit.changes(before, after) if before else ({}, after)
    audit.record(actor=actor, event=SERVICE_SAVED, obj=target, before=old, after=new)
    return target


@transaction.atomic(durable=True)
def set_holiday(*, actor: User, date: dt.date, kind: str, name: str = "") -> Holiday:
    """Mark a day as a public holiday or a make-up working day (overwrites what was there)."""
    _require(actor, Holiday, "change")
    if kind not in HolidayKind.values:
        raise Invalid(_("Unknown kind."), field="kind")
    holiday, _created = Holiday.objects.update_or_create(date=date, defaults={"kind": kind, "name": name.strip()})
    audit.record(actor=actor, event=HOLIDAY_SET, obj=holiday, after={"date": date, "kind": kind, "name": name})
    return holiday


@transaction.atomic(durable=True)
def remove_holiday(*, actor: User, date: dt.date) -> None:
    _require(actor, Holiday, "change")
    holiday = Holiday.objects.filter(date=date).first()
    if holiday is None:
        raise NotFound()
    audit.record(actor=actor, event=HOLIDAY_REMOVED, obj=holiday, before={"date": date, "kind": holiday.kind})
    holiday.delete()


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
