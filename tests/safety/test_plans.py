"""Emergency plans, running one for an incident, ticking off its steps, and drills; their pages and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.affairs.choices import SlaUnit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.safety.actions import plans as actions
from shequ.safety.choices import EventKind, IncidentStepKind, PlanType
from shequ.safety.models import Drill, EmergencyPlan, Incident, PlanTask
from shequ.safety.queries import plans as queries
from tests.affairs.conftest import centre, staff  # noqa: F401  (the service centre's departments and staff)
from tests.conftest import login
from tests.safety.incidents_helpers import T0, happen

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(admin: Any, centre: Any) -> EmergencyPlan:  # noqa: F811
    from shequ.affairs import actions as affairs_actions

    service = affairs_actions.save_service(
        actor=admin, code="intrusion", name="入室盗窃警情", category="应急", department=centre.police, sla_amount=1,
        sla_unit=SlaUnit.HOURS, is_emergency=True, linked_departments=[centre.huashan_committee])
    return actions.save_plan(actor=admin, plan_type=PlanType.INTRUSION, title="入室盗窃应急预案", service=service,
                             departments=[centre.police, centre.huashan_committee],
                             steps="调取门禁记录\n\n保安封控出入口\n通知民警到场", contacts="派出所 110",
                             materials="门禁钥匙在物业值班室")


def test_a_plan_keeps_its_steps_in_order_and_is_audited(plan, admin):
    assert plan.steps == ["调取门禁记录", "保安封控出入口", "通知民警到场"]
    assert set(plan.departments.values_list("code", flat=True)) == {"police", "huashan-committee"}
    assert AuditEntry.objects.filter(event=actions.PLAN_SAVED, object_id=str(plan.pk)).exists()
    changed = actions.save_plan(actor=admin, plan=plan, plan_type=PlanType.INTRUSION, title="入室盗窃预案（修订）",
                                steps=["一", "二"], active=False)
    assert changed.steps == ["一", "二"] and not changed.active and changed.service is None


def test_bad_plans_are_refused(admin, centre):  # noqa: F811
    with pytest.raises(Invalid):
        actions.save_plan(actor=admin, plan_type="volcano", title="x")
    with pytest.raises(Invalid):
        actions.save_plan(actor=admin, plan_type=PlanType.FIRE, title=" ")


def test_a_committee_worker_reads_plans_but_does_not_write_them(plan, alice):
    assert list(queries.plans(alice)) == [plan]
    with pytest.raises(NotFound):
        actions.save_plan(actor=alice, plan_type=PlanType.FIRE, title="x")


def test_running_a_plan_makes_its_tasks_and_opens_the_request(door, plan, police, alice):
    happen(door, EventKind.DOOR_FORCED, T0)
    incident = Incident.objects.get()
    tasks = actions.run_plan(actor=police, incident=incident, plan=plan)
    assert [task.text for task in tasks] == plan.steps
    incident.refresh_from_db()
    assert incident.plan == plan and incident.request is not None and incident.request.service == plan.service
    with pytest.raises(Conflict):
        actions.run_plan(actor=police, incident=incident, plan=plan)
    first = PlanTask.objects.get(incident=incident, number=1)
    actions.complete_task(actor=alice, task=first, note="已调取")
    first.refresh_from_db()
    assert first.done_by == alice and first.note == "已调取"
    with pytest.raises(Conflict):
        actions.complete_task(actor=alice, task=first)
    assert incident.steps.filter(kind=IncidentStepKind.TASK, actor=alice).exists()


def test_the_suggested_plan_is_the_one_for_the_alarm(door, plan, police):
    happen(door, EventKind.DOOR_FORCED, T0)
    tasks = actions.run_plan(actor=police, incident=Incident.objects.get())
    assert len(tasks) == 3


def test_a_plan_run_or_drilled_cannot_be_deleted(plan, admin, police):
    start = timezone.now() - dt.timedelta(hours=2)
    actions.save_drill(actor=police, plan=plan, started_at=start, ended_at=start + dt.timedelta(minutes=40),
                       participants="民警2人，保安4人")
    with pytest.raises(Conflict):
        actions.delete_plan(actor=admin, plan=plan)
    spare = actions.save_plan(actor=admin, plan_type=PlanType.FLOOD, title="防汛预案")
    actions.delete_plan(actor=admin, plan=spare)
    assert not EmergencyPlan.objects.filter(pk=spare.pk).exists()


def test_a_drill_records_its_times_people_parties_and_findings(org, plan, police, centre):  # noqa: F811
    start = timezone.now() - dt.timedelta(days=1)
    drill = actions.save_drill(actor=police, plan=plan, started_at=start, ended_at=start + dt.timedelta(minutes=45),
                               participants="民警2人，居委3人", departments=[centre.police, centre.huashan_committee],
                               findings="2号楼消防通道堆物", compound=org.huashan_compound)
    assert drill.neighborhood == org.huashan and drill.recorded_by == police
    assert drill.departments.count() == 2
    with pytest.raises(Invalid):
        actions.save_drill(actor=police, plan=plan, started_at=start, ended_at=start - dt.timedelta(minutes=1),
                           participants="x")
    with pytest.raises(Invalid):
        actions.save_drill(actor=police, plan=plan, started_at=start, ended_at=start, participants=" ")
    assert list(queries.drills(police)) == [drill]


def test_the_yuyuan_worker_does_not_see_a_huashan_drill(org, plan, police, bob):
    start = timezone.now() - dt.timedelta(days=1)
    actions.save_drill(actor=police, plan=plan, started_at=start, ended_at=start + dt.timedelta(minutes=30),
                       participants="x", compound=org.huashan_compound)
    assert not queries.drills(bob).exists()


def test_the_plan_and_drill_pages(client, org, plan, police, centre):  # noqa: F811
    login(client, police)
    listing = client.get("/safety/plans/")
    assert listing.status_code == 200 and plan.title in listing.content.decode()
    detail = client.get(f"/safety/plans/{plan.pk}/")
    assert detail.status_code == 200 and "保安封控出入口" in detail.content.decode()
    edit = client.post(f"/safety/plans/{plan.pk}/edit/", {
        "plan_type": PlanType.INTRUSION, "title": "入室盗窃应急预案", "steps": "一\n二", "active": "on",
        "departments": [centre.police.pk]})
    assert edit.status_code == 302
    plan.refresh_from_db()
    assert plan.steps == ["一", "二"]
    assert client.get("/safety/plans/new/").status_code == 200
    assert client.get("/safety/drills/").status_code == 200
    assert client.get(f"/safety/drills/new/?plan={plan.pk}").status_code == 200
    start = timezone.localtime() - dt.timedelta(hours=3)
    made = client.post("/safety/drills/new/", {
        "plan": plan.pk, "compound": org.huashan_compound.pk, "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + dt.timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M"), "participants": "民警、保安",
        "departments": [centre.police.pk], "findings": "演练顺利"})
    assert made.status_code == 302 and Drill.objects.count() == 1
    assert "演练顺利" in client.get("/safety/drills/").content.decode()


def test_a_committee_worker_may_not_write_a_plan_on_the_page(client, alice, plan):
    login(client, alice)
    assert client.get("/safety/plans/").status_code == 200
    assert client.get("/safety/plans/new/").status_code == 404
    assert client.get(f"/safety/plans/{plan.pk}/edit/").status_code == 404
    assert client.get("/safety/drills/new/").status_code == 404


def test_running_a_plan_from_the_incident_page(client, door, plan, police):
    happen(door, EventKind.DOOR_FORCED, T0)
    incident = Incident.objects.get()
    login(client, police)
    page = client.get(f"/safety/incidents/{incident.pk}/")
    assert page.context["plan_form"] is not None
    client.post(f"/safety/incidents/{incident.pk}/plan/", {"plan": plan.pk})
    tasks = list(PlanTask.objects.filter(incident=incident))
    assert len(tasks) == 3
    client.post(f"/safety/plan-tasks/{tasks[0].pk}/done/")
    tasks[0].refresh_from_db()
    assert tasks[0].done_by == police
    text = client.get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert text.count('data-testid="plan-task"') == 3
