"""What several action modules share: the event names, who counts as a coordinator or handler, locking a
request, its steps and audit entries, the texts queued in the outbox, and dispatching to a department."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.affairs.choices import DepartmentKind, Status, StepKind
from shequ.affairs.models import Department, DepartmentMember, EmergencyDispatch, RequestStep, ServiceRequest
from shequ.core import audit, outbox
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible

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


# Dispatching ------------------------------------------------------------------------------------------------


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
