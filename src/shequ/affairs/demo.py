"""The service centre of the demo sub-district: departments, the catalogue, and two months of requests.

Called by ``shequ.demo.builder`` once the registry is built. Requests go through the real actions (so every
step is audited and the routing help learns from them); afterwards their timestamps are moved back into the
past, which only a demo may do, so that the queue, the watch list and the assessment have history to show.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from shequ.affairs import actions, samples
from shequ.affairs.choices import Channel, DepartmentKind, StepKind
from shequ.affairs.models import Department, EmergencyDispatch, RequestStep, Service, ServiceRequest
from shequ.core import actions as core_actions
from shequ.core.models import Compound, Neighborhood, User
from shequ.core.roles import Role
from shequ.population.models import Person

REQUESTS = 160
PROPERTY_COMPANIES = ("长宁物业", "华山物业", "愚园物业")


def build_service_centre(
    *, admin: User, users: dict[str, User], neighborhoods: Sequence[Neighborhood], compounds: Sequence[Compound],
    seed: int, today: dt.date, password_hash: str, requests: int = REQUESTS,
) -> list[tuple[str, str, str]]:
    """Build it; returns the new staff logins as (username, role, where they work)."""
    rng = random.Random(seed)
    office = actions.save_department(actor=admin, code="office", name="街道办事处（受理中心）",
                                     kind=DepartmentKind.SUBDISTRICT_OFFICE, duty_phone="52389022")
    police = actions.save_department(actor=admin, code="police", name="江苏路派出所", kind=DepartmentKind.POLICE)
    health = actions.save_department(actor=admin, code="health", name="江苏路街道社区卫生服务中心",
                                     kind=DepartmentKind.HEALTH)
    committees = {nb.pk: actions.save_department(actor=admin, code=f"committee-{nb.code}", name=f"{nb.name}居委会",
                                                 kind=DepartmentKind.COMMITTEE, neighborhood=nb)
                  for nb in neighborhoods}
    property_of: dict[int, Department] = {}
    shares = [compounds[i::len(PROPERTY_COMPANIES)] for i in range(len(PROPERTY_COMPANIES))]
    companies = []
    for index, (name, served) in enumerate(zip(PROPERTY_COMPANIES, shares, strict=True)):
        company = actions.save_department(actor=admin, code=f"property-{index + 1}", name=name,
                                          kind=DepartmentKind.PROPERTY, compounds=served)
        companies.append(company)
        property_of.update({compound.pk: company for compound in served})
    by_kind: dict[str, Department] = {DepartmentKind.SUBDISTRICT_OFFICE: office, DepartmentKind.POLICE: police,
               DepartmentKind.HEALTH: health, DepartmentKind.PROPERTY: companies[0],
               DepartmentKind.COMMITTEE: next(iter(committees.values()))}
    services: dict[str, Service] = {}
    for sample in samples.SERVICES:
        services[sample.code] = actions.save_service(
            actor=admin, code=sample.code, name=sample.name, category=sample.category,
            department=by_kind[sample.department], materials=sample.materials, sla_amount=sample.sla_amount,
            sla_unit=sample.sla_unit, is_emergency=sample.is_emergency, keywords=sample.keywords,
            linked_departments=[police, health] if sample.is_emergency else [],
        )

    # Staff: the hotline operator, a property manager of the first company, and the existing accounts.
    first_compound = shares[0][0]
    made = []
    new_staff = (("hotline", Role.CLERK, "52389022 热线接线员", None),
                 ("wuye", Role.PROPERTY, f"{PROPERTY_COMPANIES[0]}经理", first_compound))
    for username, role, full_name, compound in new_staff:
        user = core_actions.create_user(actor=None, username=username, role=role, full_name=full_name,
                                        subdistrict=admin.subdistrict, compound=compound)
        user.password = password_hash
        user.save(update_fields=["password"])
        users[username] = user
        made.append((username, str(role), compound.name if compound else str(admin.subdistrict)))
    actions.add_member(actor=admin, department=office, user=users["clerk"], is_supervisor=True)
    actions.add_member(actor=admin, department=office, user=users["hotline"])
    actions.add_member(actor=admin, department=companies[0], user=users["wuye"], is_supervisor=True)
    if "police" in users:
        actions.add_member(actor=admin, department=police, user=users["police"], is_supervisor=True)
    if "health" in users:
        actions.add_member(actor=admin, department=health, user=users["health"], is_supervisor=True)
    for neighborhood in neighborhoods:
        for user in users.values():
            if user.role == Role.COMMITTEE and user.neighborhood_id == neighborhood.pk:
                actions.add_member(actor=admin, department=committees[neighborhood.pk], user=user,
                                   is_supervisor=True)

    callers = list(Person.objects.filter(subdistrict=admin.subdistrict, dwelling__isnull=False)
                   .exclude(phone_index="").select_related("dwelling__building__compound").order_by("id")[:400])
    if not callers:
        return made
    now = timezone.now()
    texts = samples.generate(requests, seed=seed, training=False)
    # Residents with an account see a request of their own waiting for their rating.
    account_holders = [p for p in callers if p.user_id][:3]
    for index, text in enumerate(texts):
        caller = account_holders[index] if index < len(account_holders) else rng.choice(callers)
        service = services[text.code]
        age_hours = rng.uniform(2, 24 * 60) if index >= len(account_holders) else rng.uniform(30, 80)
        _one_request(rng, users["hotline"], service, text.text, caller, property_of, committees,
                     now - dt.timedelta(hours=age_hours), now, resolve_only=index < len(account_holders))
    return made


def _department_for(service: Service, caller: Person, property_of: dict[int, Department],
                    committees: dict[int, Department]) -> Department:
    """The property company of the caller's compound for property work, her committee for committee work."""
    compound_id = caller.dwelling.building.compound_id if caller.dwelling else None
    if service.department.kind == DepartmentKind.PROPERTY and compound_id in property_of:
        return property_of[compound_id]
    if service.department.kind == DepartmentKind.COMMITTEE and caller.neighborhood_id in committees:
        return committees[caller.neighborhood_id]
    return service.department


def _one_request(rng: random.Random, operator: User, service: Service, text: str, caller: Person,
                 property_of: dict[int, Department], committees: dict[int, Department], accepted: dt.datetime,
                 now: dt.datetime, *, resolve_only: bool) -> None:
    channel = rng.choices([Channel.HOTLINE, Channel.COUNTER, Channel.PORTAL, Channel.API], weights=[6, 3, 2, 1])[0]
    if channel == Channel.PORTAL and not caller.user_id:
        channel = Channel.HOTLINE
    actor = caller.user if channel == Channel.PORTAL and caller.user is not None else operator
    request = actions.create_request(actor=actor, channel=channel, service=service, description=text,
                                     caller_phone=caller.phone, person=caller if actor is operator else None,
                                     now=accepted)
    times: dict[str, dt.datetime] = {}
    if request.is_emergency:
        _emergency_history(rng, operator, request, accepted)
    fate = "resolved" if resolve_only else rng.choices(
        ["accepted", "dispatched", "in_progress", "resolved", "confirmed", "closed", "reopened"],
        weights=[1, 2, 2, 2, 3, 6, 1])[0]
    sla_hours = (request.due_at - accepted).total_seconds() / 3600
    handling = sla_hours * rng.choice([0.2, 0.4, 0.6, 0.8, 0.9, 1.3, 2.0])
    if fate != "accepted" and not request.is_emergency:
        department = _department_for(service, caller, property_of, committees)
        actions.dispatch(actor=operator, request=request, department=department)
        times[StepKind.DISPATCHED] = accepted + dt.timedelta(minutes=rng.randint(5, 90))
    if fate in ("in_progress", "resolved", "confirmed", "closed", "reopened"):
        actions.start(actor=operator, request=request)
        times[StepKind.STARTED] = accepted + dt.timedelta(hours=min(handling / 3, 20))
    if fate in ("resolved", "confirmed", "closed", "reopened"):
        resolved = min(accepted + dt.timedelta(hours=handling), now - dt.timedelta(minutes=30))
        actions.resolve(actor=operator, request=request, note="已处理完毕。")
        times[StepKind.RESOLVED] = resolved
    if fate in ("confirmed", "closed", "reopened"):
        rating = rng.choices([5, 4, 3, 2, 1], weights=[50, 28, 12, 6, 4])[0]
        actions.confirm_with_rating(actor=operator, request=request, satisfaction=rating,
                                    comment=rng.choice(["", "满意", "处理很及时", "希望再快一点"]))
        times[StepKind.CONFIRMED] = times[StepKind.RESOLVED] + dt.timedelta(minutes=20)
    if fate == "closed":
        actions.close(actor=operator, request=request, note="回访完毕。")
        times[StepKind.CLOSED] = times[StepKind.RESOLVED] + dt.timedelta(hours=2)
    if fate == "reopened":
        actions.reopen(actor=operator, request=request, note="居民反映问题仍未解决。")
        times[StepKind.REOPENED] = times[StepKind.RESOLVED] + dt.timedelta(hours=3)
    _backdate(request, accepted, times)


def _emergency_history(rng: random.Random, operator: User, request: ServiceRequest, accepted: dt.datetime) -> None:
    """Every party acknowledged an old emergency within minutes; each alert is moved back with it."""
    for linkage in request.linkages.all():
        actions.acknowledge_linkage(actor=operator, linkage=linkage)
        EmergencyDispatch.objects.filter(pk=linkage.pk).update(
            dispatched_at=accepted, ack_due_at=accepted + dt.timedelta(minutes=request.service.ack_minutes),
            acknowledged_at=accepted + dt.timedelta(minutes=rng.randint(1, request.service.ack_minutes)))
    RequestStep.objects.filter(request=request, kind=StepKind.ACKNOWLEDGED).update(at=accepted)


def _backdate(request: ServiceRequest, accepted: dt.datetime, times: dict[str, dt.datetime]) -> None:
    """Move the steps just taken back to when the demo says they happened."""
    for kind, moment in times.items():
        RequestStep.objects.filter(request=request, kind=kind).update(at=moment)
    fields: dict[str, Any] = {}
    for kind, column in ((StepKind.DISPATCHED, "dispatched_at"), (StepKind.STARTED, "started_at"),
                         (StepKind.RESOLVED, "resolved_at"), (StepKind.CONFIRMED, "confirmed_at"),
                         (StepKind.CLOSED, "closed_at")):
        if kind in times and getattr(request, column, None) is not None:
            fields[column] = times[kind]
    if StepKind.REOPENED in times:
        reopened = times[StepKind.REOPENED]
        fields["due_at"] = request.due_at - (timezone.now() - reopened)
    if fields:
        ServiceRequest.objects.filter(pk=request.pk).update(**fields)
