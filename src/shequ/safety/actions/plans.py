"""Emergency plans (应急预案), running one for an incident, ticking off its steps, and recording drills.

A plan belongs to the sub-district; administrators and the police office write them. Running a plan for an
incident copies its steps into :class:`~shequ.safety.models.PlanTask` rows (ticked off by whoever did each) and,
when the incident has no emergency request yet, opens it with the plan's service (:mod:`shequ.safety.emergency`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Compound, Neighborhood, User
from shequ.core.scopes import can, get_visible
from shequ.safety import emergency
from shequ.safety.actions.incidents import _locked as _locked_incident
from shequ.safety.alarms import step
from shequ.safety.choices import IncidentStatus, IncidentStepKind, PlanType
from shequ.safety.models import Drill, EmergencyPlan, PlanTask

PLAN_SAVED = "safety.plan_saved"
PLAN_DELETED = "safety.plan_deleted"
PLAN_RUN = "safety.plan_run"
TASK_DONE = "safety.plan_task_done"
DRILL_SAVED = "safety.drill_saved"

MAX_STEPS = 50


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _home(actor: User) -> int:
    if actor.subdistrict_id is None:
        raise NotFound()
    return actor.subdistrict_id


def clean_steps(steps: str | Iterable[str]) -> list[str]:
    """The steps in order: one per line (a text area) or a list; blank lines dropped."""
    lines = steps.splitlines() if isinstance(steps, str) else list(steps)
    cleaned = [str(line).strip()[:300] for line in lines if str(line).strip()]
    if len(cleaned) > MAX_STEPS:
        raise Invalid(_("A plan has at most %(count)d steps.") % {"count": MAX_STEPS}, field="steps")
    return cleaned


def _departments(subdistrict_id: int, departments: Iterable[Any]) -> list[Any]:
    from shequ.affairs.models import Department

    pks = {d.pk if hasattr(d, "pk") else int(d) for d in departments}
    found = list(Department.objects.filter(pk__in=pks, subdistrict_id=subdistrict_id, active=True))
    if len(found) != len(pks):
        raise Invalid(_("Unknown department."), field="departments")
    return found


def _service(subdistrict_id: int, service: Any) -> Any:
    from shequ.affairs.models import Service

    if service is None:
        return None
    pk = service.pk if hasattr(service, "pk") else int(service)
    found = Service.objects.filter(pk=pk, subdistrict_id=subdistrict_id, active=True).first()
    if found is None:
        raise Invalid(_("Unknown service."), field="service")
    return found


def _plan_snapshot(plan: EmergencyPlan) -> dict[str, Any]:
    return {"plan_type": plan.plan_type, "title": plan.title, "service": plan.service_id, "steps": plan.steps,
            "active": plan.active}


@transaction.atomic(durable=True)
def save_plan(*, actor: User, plan: EmergencyPlan | None = None, plan_type: str, title: str,
              steps: str | Iterable[str] = (), service: Any = None, departments: Iterable[Any] = (),
              contacts: str = "", materials: str = "", active: bool = True) -> EmergencyPlan:
    """Write a new plan (``plan`` None) or change one."""
    subdistrict_id = _home(actor)
    if plan is None:
        _require(actor, EmergencyPlan, "add")
        plan, before = EmergencyPlan(subdistrict_id=subdistrict_id), {}
    else:
        plan = get_visible(EmergencyPlan.objects.select_for_update(), actor, "change", pk=plan.pk)
        before = _plan_snapshot(plan)
    if plan_type not in PlanType.values:
        raise Invalid(_("Unknown incident type."), field="plan_type")
    title = (title or "").strip()
    if not title:
        raise Invalid(_("A title is required."), field="title")
    plan.plan_type, plan.title = plan_type, title[:120]
    plan.steps = clean_steps(steps)
    plan.service = _service(plan.subdistrict_id, service)
    plan.contacts, plan.materials, plan.active = (contacts or "").strip(), (materials or "").strip(), bool(active)
    plan.save()
    plan.departments.set(_departments(plan.subdistrict_id, departments))
    old, new = audit.changes(before, _plan_snapshot(plan))
    audit.record(actor=actor, event=PLAN_SAVED, obj=plan, before=old,
                 after={**new, "departments": sorted(d.pk for d in plan.departments.all())})
    return plan


@transaction.atomic(durable=True)
def delete_plan(*, actor: User, plan: EmergencyPlan) -> None:
    """Delete a plan never run nor drilled; one with a history is taken out of force instead (its records stay)."""
    plan = get_visible(EmergencyPlan.objects.select_for_update(), actor, "change", pk=plan.pk)
    if plan.incidents.exists() or plan.drills.exists():
        raise Conflict(_("This plan has been run or drilled: take it out of force instead of deleting it."))
    audit.record(actor=actor, event=PLAN_DELETED, obj=plan, before=_plan_snapshot(plan))
    plan.delete()


@transaction.atomic(durable=True)
def run_plan(*, actor: User, incident: Any, plan: EmergencyPlan | None = None) -> list[PlanTask]:
    """Run a plan for an incident: its steps become the incident's tasks; the linked request is opened with the
    plan's service if the incident has none."""
    incident = _locked_incident(actor, incident)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("The incident is closed."))
    if incident.tasks.exists():
        raise Conflict(_("A plan is already running for this incident."))
    if plan is None:
        plan = emergency.suggested_plan(incident)
        if plan is None:
            raise Invalid(_("Choose a plan."), field="plan")
    plan = get_visible(EmergencyPlan.objects.all(), actor, "view", pk=plan.pk)
    if plan.subdistrict_id != incident.subdistrict_id or not plan.active:
        raise Invalid(_("Choose a plan in force."), field="plan")
    if not plan.steps:
        raise Invalid(_("This plan has no steps."), field="plan")
    now = timezone.now()
    tasks = PlanTask.objects.bulk_create([PlanTask(incident=incident, number=number, text=text)
                                          for number, text in enumerate(plan.steps, start=1)])
    incident.plan = plan
    incident.save(update_fields=["plan", "updated_at"])
    step(incident, IncidentStepKind.PLAN, at=now, actor=actor, note=plan.title)
    audit.record(actor=actor, event=PLAN_RUN, obj=incident, after={"plan": plan.pk, "tasks": len(tasks)},
                 subdistrict_id=incident.subdistrict_id)
    if incident.request_id is None and plan.service_id:
        emergency.open_request(incident, now=now, plan=plan)
    return tasks


@transaction.atomic(durable=True)
def complete_task(*, actor: User, task: PlanTask, note: str = "") -> PlanTask:
    """Tick off one step of the running plan, saying who did it."""
    task = get_visible(PlanTask.objects.select_for_update(of=("self",)).select_related("incident"), actor,
                       "change", pk=task.pk)
    if task.done_at is not None:
        raise Conflict(_("This step is already done."))
    now = timezone.now()
    task.done_at, task.done_by, task.note = now, actor, (note or "").strip()[:300]
    task.save(update_fields=["done_at", "done_by", "note"])
    step(task.incident, IncidentStepKind.TASK, at=now, actor=actor, note=f"{task.number}. {task.text} {task.note}")
    audit.record(actor=actor, event=TASK_DONE, obj=task, after={"number": task.number, "incident": task.incident_id},
                 reason=task.note, subdistrict_id=task.incident.subdistrict_id)
    return task


@transaction.atomic(durable=True)
def save_drill(*, actor: User, drill: Drill | None = None, plan: EmergencyPlan, started_at: dt.datetime,
               ended_at: dt.datetime, participants: str, departments: Iterable[Any] = (), findings: str = "",
               neighborhood: Neighborhood | None = None, compound: Compound | None = None) -> Drill:
    """Record a drill of a plan: when it ran (how long), who and which parties took part, what it taught."""
    subdistrict_id = _home(actor)
    if drill is None:
        _require(actor, Drill, "add")
        drill, before = Drill(subdistrict_id=subdistrict_id, recorded_by=actor), {}
    else:
        drill = get_visible(Drill.objects.select_for_update(), actor, "change", pk=drill.pk)
        before = {"started_at": drill.started_at, "ended_at": drill.ended_at, "plan": drill.plan_id}
    plan = get_visible(EmergencyPlan.objects.all(), actor, "view", pk=plan.pk)
    if ended_at < started_at:
        raise Invalid(_("The drill cannot end before it starts."), field="ended_at")
    if ended_at > timezone.now() + dt.timedelta(minutes=5):
        raise Invalid(_("Record a drill once it has taken place."), field="ended_at")
    participants = (participants or "").strip()
    if not participants:
        raise Invalid(_("Say who took part."), field="participants")
    if compound is not None:
        neighborhood = compound.neighborhood
    if neighborhood is not None and neighborhood.subdistrict_id != subdistrict_id:
        raise Invalid(_("That place is not in this sub-district."), field="neighborhood")
    if neighborhood is None and actor.neighborhood_id:
        neighborhood = actor.neighborhood  # a police office records drills of its own beat
    drill.plan, drill.started_at, drill.ended_at = plan, started_at, ended_at
    drill.participants, drill.findings = participants[:4000], (findings or "").strip()[:4000]
    drill.neighborhood, drill.compound = neighborhood, compound
    drill.save()
    drill.departments.set(_departments(subdistrict_id, departments))
    audit.record(actor=actor, event=DRILL_SAVED, obj=drill, before=before,
                 after={"plan": plan.pk, "started_at": started_at, "ended_at": ended_at,
                        "minutes": int((ended_at - started_at).total_seconds() // 60),
                        "departments": sorted(d.pk for d in drill.departments.all())})
    return drill
