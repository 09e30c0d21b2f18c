"""An emergency incident opens its request in the service centre, and closing that request closes the incident."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.affairs import actions as affairs_actions
from shequ.affairs.choices import Channel, DepartmentKind, SlaUnit
from shequ.affairs.models import EmergencyDispatch
from shequ.safety import alarms
from shequ.safety.actions import plans as plan_actions
from shequ.safety.choices import DeviceKind, EventKind, IncidentStatus, IncidentStepKind, PlanType, Severity
from shequ.safety.models import Incident
from tests.affairs.conftest import centre, staff  # noqa: F401  (the service centre's departments and staff)
from tests.safety.conftest import place
from tests.safety.incidents_helpers import T0, happen

pytestmark = pytest.mark.django_db


@pytest.fixture
def safety_service(admin: Any, centre: Any) -> Any:  # noqa: F811
    """The service an emergency incident opens: the police office responds, the committee and health follow."""
    return affairs_actions.save_service(
        actor=admin, code="safety-emergency", name="安防紧急事件", category="应急", department=centre.police,
        sla_amount=2, sla_unit=SlaUnit.HOURS, is_emergency=True, ack_minutes=5,
        linked_departments=[centre.huashan_committee, centre.health])


def test_a_duress_code_opens_an_emergency_request_that_alerts_every_party(door, safety_service, centre):  # noqa: F811
    happen(door, EventKind.DOOR_DURESS, T0)
    incident = Incident.objects.get()
    assert incident.severity == Severity.EMERGENCY
    request = incident.request
    assert request is not None and request.is_emergency and request.channel == Channel.DEVICE
    assert request.service == safety_service and request.compound == door.compound
    assert incident.number in request.description
    parties = set(EmergencyDispatch.objects.filter(request=request).values_list("department__code", flat=True))
    assert parties == {"police", "huashan-committee", "health"}
    assert incident.steps.filter(kind=IncidentStepKind.REQUEST).exists()


def test_an_incident_escalating_to_emergency_opens_one_request_once(door, safety_service):
    happen(door, EventKind.DOOR_FORCED, T0)
    assert Incident.objects.get().request is None
    happen(door, EventKind.DOOR_DURESS, T0)
    happen(door, EventKind.DOOR_DURESS, T0)
    incident = Incident.objects.get()
    assert incident.severity == Severity.EMERGENCY and incident.alarm_count == 3
    assert incident.request is not None
    from shequ.affairs.models import ServiceRequest

    assert ServiceRequest.objects.count() == 1


def test_closing_the_request_in_the_service_centre_closes_the_incident(door, safety_service, centre):  # noqa: F811
    happen(door, EventKind.DOOR_DURESS, T0)
    incident = Incident.objects.get()
    request = incident.request
    affairs_actions.resolve(actor=centre.clerk, request=request, note="民警到场，住户安全")
    assert Incident.objects.get().status == IncidentStatus.OPEN  # resolved is not closed
    affairs_actions.close(actor=centre.clerk, request=request, note="")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == centre.clerk
    assert "民警到场" in incident.outcome and request.number in incident.outcome
    assert incident.takes_alarms is None


def test_without_an_emergency_service_the_incident_says_so_and_the_ingest_goes_on(door):
    happen(door, EventKind.DOOR_DURESS, T0)
    incident = Incident.objects.get()
    assert incident.request is None and incident.severity == Severity.EMERGENCY
    assert "safety-emergency" in incident.steps.get(kind=IncidentStepKind.REQUEST).note


def test_the_plan_for_the_alarm_decides_the_service(org, admin, centre, safety_service):  # noqa: F811
    fire_service = affairs_actions.save_service(
        actor=admin, code="fire", name="火警", category="应急", department=centre.office, sla_amount=1,
        sla_unit=SlaUnit.HOURS, is_emergency=True, linked_departments=[centre.police])
    plan = plan_actions.save_plan(actor=admin, plan_type=PlanType.FIRE, title="火灾应急预案", service=fire_service,
                                  steps="拨打119\n疏散楼内居民")
    smoke = place(org, DeviceKind.SMOKE_ALARM, "smoke-hs-1-101", dwelling=org.huashan_dwellings[0],
                  name="华山小区1号101烟感")
    happen(smoke, EventKind.SMOKE_ALARM, T0)
    incident = Incident.objects.get()
    assert incident.request.service == fire_service and incident.plan == plan
    assert incident.request.dwelling == org.huashan_dwellings[0]


def test_two_smoke_detectors_of_one_building_make_one_fire(org, safety_service):
    first = place(org, DeviceKind.SMOKE_ALARM, "smoke-1", dwelling=org.huashan_dwellings[0])
    second = place(org, DeviceKind.SMOKE_ALARM, "smoke-2", dwelling=org.huashan_dwellings[1])
    happen(first, EventKind.SMOKE_ALARM, T0)
    happen(second, EventKind.SMOKE_ALARM, T0)
    incident = Incident.objects.get()
    assert incident.alarm_count == 2 and incident.request is not None


def test_a_one_button_call_is_an_emergency(org, safety_service):
    button = place(org, DeviceKind.CALL_BUTTON, "call-1", dwelling=org.huashan_dwellings[2])
    alarms.on_events([happen(button, EventKind.HEARTBEAT, T0)])
    happen(button, EventKind.CALL_PRESSED, T0)
    assert Incident.objects.get().severity == Severity.EMERGENCY


def test_another_subdistricts_service_is_never_used(door, admin, centre):  # noqa: F811
    from shequ.affairs.models import Department, Service
    from shequ.core.models import Subdistrict

    elsewhere = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    department = Department.objects.create(subdistrict=elsewhere, code="x-police", name="x", kind=DepartmentKind.POLICE)
    Service.objects.create(subdistrict=elsewhere, code="safety-emergency", name="x", category="x",
                           department=department, sla_amount=1, is_emergency=True)
    happen(door, EventKind.DOOR_DURESS, T0)
    assert Incident.objects.get().request is None
