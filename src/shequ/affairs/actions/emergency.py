"""Emergency linkage (应急联动): alerting every linked department, their acknowledgements, and the
escalations (督办) the worker runs for overdue requests and unacknowledged emergencies."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.affairs.actions._common import (
    LINKAGE_ACKNOWLEDGED,
    LINKAGE_DISPATCHED,
    LINKAGE_ESCALATED,
    REQUEST_ESCALATED,
    _department_staff,
    _dispatch,
    _notify,
    _record,
    _snapshot,
    _staff_phones,
    _step,
    _supervisors,
    _text,
    is_coordinator,
    is_member,
)
from shequ.affairs.choices import OPEN_STATUSES, StepKind
from shequ.affairs.models import EmergencyDispatch, ServiceRequest
from shequ.core import audit
from shequ.core.errors import Conflict, Forbidden
from shequ.core.models import User
from shequ.core.scopes import get_visible

# Emergency linkage (应急联动) ----------------------------------------------------------------------------------


def _dispatch_emergency(actor: User | None, request: ServiceRequest, now: dt.datetime) -> None:
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
