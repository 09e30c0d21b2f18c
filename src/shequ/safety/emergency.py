"""An emergency incident and the service centre: the linked emergency request, and learning when it is closed.

An incident that reaches EMERGENCY severity (duress, smoke, a one-button call, or alarms escalating to it) opens
an emergency request in ``affairs`` through its own action :func:`shequ.affairs.actions.create_device_request`,
which alerts every linked party at once with its acknowledgement deadline (应急联动). The service is the
incident's emergency plan's, else the one whose code is ``SAFETY_EMERGENCY_SERVICE`` (``safety-emergency``) in
the incident's sub-district. The request is opened in the same transaction as the alarm, so an emergency is never
stored without its request. When the service centre closes the request, ``affairs.signals.request_closed`` closes
the incident with the request's resolution as its outcome (connected in ``SafetyConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import DomainError
from shequ.safety.alarms import step
from shequ.safety.choices import AlarmKind, IncidentStatus, IncidentStepKind, PlanType
from shequ.safety.models import EmergencyPlan, Incident

logger = logging.getLogger(__name__)

REQUEST_OPENED = "safety.emergency_request_opened"

# Which plan suits an incident, by the alarm that made it an emergency.
PLAN_FOR_ALARM = {
    AlarmKind.SMOKE: PlanType.FIRE,
    AlarmKind.CALL: PlanType.ELDER_UNWELL,
    AlarmKind.DURESS: PlanType.INTRUSION,
    AlarmKind.FORCED: PlanType.INTRUSION,
}


def suggested_plan(incident: Incident) -> EmergencyPlan | None:
    """The plan in force for the incident's type (by its most severe alarm), if the sub-district has one."""
    if incident.plan_id:
        return incident.plan
    alarm = incident.alarms.order_by("-severity", "raised_at").first()
    plan_type = PLAN_FOR_ALARM.get(alarm.kind) if alarm is not None else None  # type: ignore[call-overload]
    if plan_type is None:
        return None
    return EmergencyPlan.objects.filter(subdistrict_id=incident.subdistrict_id, plan_type=plan_type,
                                        active=True).order_by("pk").first()


def emergency_service(incident: Incident, plan: EmergencyPlan | None) -> Any:
    from shequ.affairs.models import Service

    if plan is not None and plan.service_id and plan.service is not None and plan.service.active:
        return plan.service
    return Service.objects.filter(code=settings.SAFETY_EMERGENCY_SERVICE, subdistrict_id=incident.subdistrict_id,
                                  active=True).first()


def _description(incident: Incident) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Incident %(number)s: %(title)s (%(count)d alarms, first at %(at)s).") % {
            "number": incident.number, "title": incident.title, "count": incident.alarm_count,
            "at": f"{timezone.localtime(incident.opened_at):%Y-%m-%d %H:%M}"}


def open_request(incident: Incident, *, now: dt.datetime | None = None, plan: EmergencyPlan | None = None) -> Any:
    """Open the linked emergency request of a (locked) incident, in the caller's transaction; None when the
    sub-district has no emergency service to open it with (said on the incident's timeline, never failing the
    ingest)."""
    from shequ.affairs import actions as affairs_actions

    if incident.request_id is not None:
        return incident.request
    now = now or timezone.now()
    plan = plan or suggested_plan(incident)
    service = emergency_service(incident, plan)
    if service is None:
        with translation.override(settings.LANGUAGE_CODE):
            note = _("No emergency service to alert: set up the service %(code)s or give the plan one.") % {
                "code": settings.SAFETY_EMERGENCY_SERVICE}
        step(incident, IncidentStepKind.REQUEST, at=now, note=note)
        logger.warning("incident %s is an emergency but no emergency service is set up", incident.number)
        return None
    device = incident.device
    try:
        with transaction.atomic():
            request = affairs_actions.create_device_request(
                service=service, description=_description(incident), subdistrict_id=incident.subdistrict_id,
                compound=incident.compound, building=incident.building,
                dwelling=device.dwelling if device is not None and device.dwelling_id else None,
                address=(device.location or device.name) if device is not None else "", now=now)
    except DomainError as exc:
        step(incident, IncidentStepKind.REQUEST, at=now, note=str(exc.message))
        logger.warning("incident %s: the emergency request could not be opened: %s", incident.number, exc)
        return None
    incident.request = request
    fields = ["request", "updated_at"]
    if plan is not None and incident.plan_id is None:
        incident.plan = plan
        fields.append("plan")
    incident.save(update_fields=fields)
    step(incident, IncidentStepKind.REQUEST, at=now, note=f"{request.number} {service.name}")
    audit.record(actor=None, event=REQUEST_OPENED, obj=incident, after={"request": request.number,
                                                                        "service": service.code},
                 subdistrict_id=incident.subdistrict_id)
    return request


def on_request_closed(sender: Any, *, request: Any, actor: Any = None, note: str = "", **kwargs: Any) -> None:
    """The service centre closed the linked request: the incident is over too, with the request's resolution."""
    from shequ.safety.actions.incidents import close_automatically

    incident = Incident.objects.select_for_update().filter(request_id=request.pk).first()
    if incident is None or incident.status == IncidentStatus.CLOSED:
        return
    with translation.override(settings.LANGUAGE_CODE):
        outcome = _("Closed with emergency request %(number)s: %(resolution)s") % {
            "number": request.number, "resolution": request.resolution or note or "-"}
    close_automatically(incident, at=timezone.now(), outcome=outcome, actor=actor)
