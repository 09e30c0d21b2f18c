"""The life of a request: accepted → dispatched → in progress → resolved → confirmed → closed, and the detours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shequ.affairs import actions, queries
from shequ.affairs.choices import Channel, Status, StepKind
from shequ.affairs.models import ServiceRequest
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import AuditEntry


def audit_events(request: ServiceRequest) -> list[str]:
    return list(AuditEntry.objects.filter(object_type="affairs.servicerequest", object_id=str(request.pk))
                .order_by("id").values_list("event", flat=True))


def hotline_call(centre: Any, phone: str = "13812345678", **extra: Any) -> ServiceRequest:
    return actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=extra.pop("service",
                                  centre.repair), description="厨房水管漏水", caller_phone=phone, **extra)


def test_a_hotline_call_is_matched_to_the_resident_with_that_phone_and_takes_her_address(
        centre, resident_person, outbox):
    request = hotline_call(centre)
    assert request.person == resident_person
    assert request.dwelling == resident_person.dwelling
    assert request.neighborhood == resident_person.neighborhood
    assert request.status == Status.ACCEPTED
    assert request.number.endswith(f"{request.pk:06d}")
    assert request.caller_phone_masked == "138****5678"
    assert audit_events(request) == [actions.REQUEST_CREATED]
    entry = AuditEntry.objects.get(event=actions.REQUEST_CREATED)
    assert "13812345678" not in str(entry.after)
    assert [phone for phone, _ in outbox] == ["13812345678"]
    assert request.number in outbox[0][1]


def test_an_unknown_caller_is_accepted_without_a_resident(centre, resident_person):
    request = hotline_call(centre, phone="13000000000")
    assert request.person is None and request.caller_phone == "13000000000"


def test_the_whole_workflow_is_stepped_timed_and_audited(centre, resident, outbox):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property,
                     assignee=centre.fixer, note="请尽快上门")
    actions.start(actor=centre.fixer, request=request)
    actions.resolve(actor=centre.fixer, request=request, note="已更换水管")
    actions.confirm_with_rating(actor=resident, request=request, satisfaction=5, comment="很快")
    actions.close(actor=centre.clerk, request=request)
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.satisfaction == 5 and request.satisfaction_comment == "很快"
    assert request.resolution == "已更换水管"
    assert all([request.dispatched_at, request.started_at, request.resolved_at, request.confirmed_at,
                request.closed_at])
    steps = list(request.steps.values_list("kind", "actor__username", "to_status"))
    assert steps == [
        (StepKind.CREATED, "clerk", Status.ACCEPTED), (StepKind.DISPATCHED, "clerk", Status.DISPATCHED),
        (StepKind.STARTED, "fixer", Status.IN_PROGRESS), (StepKind.RESOLVED, "fixer", Status.RESOLVED),
        (StepKind.CONFIRMED, resident.username, Status.CONFIRMED), (StepKind.CLOSED, "clerk", Status.CLOSED),
    ]
    assert audit_events(request) == [
        actions.REQUEST_CREATED, actions.REQUEST_DISPATCHED, actions.REQUEST_STARTED, actions.REQUEST_RESOLVED,
        actions.REQUEST_CONFIRMED, actions.REQUEST_CLOSED,
    ]
    resident_texts = [text for phone, text in outbox if phone == "13812345678"]
    assert len(resident_texts) == 3  # accepted, dispatched, resolved
    assert [phone for phone, _ in outbox if phone == centre.fixer.phone] == [centre.fixer.phone]


def test_dispatch_without_a_person_tells_everyone_in_the_department(centre, outbox):
    request = hotline_call(centre, phone="")
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    assert sorted(phone for phone, _ in outbox) == [centre.fixer.phone, centre.boss.phone]


def test_an_assignee_must_work_for_the_department(centre):
    request = hotline_call(centre)
    with pytest.raises(Invalid):
        actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property,
                         assignee=centre.other_fixer)


def test_a_property_company_cannot_dispatch(centre, resident_person):
    request = hotline_call(centre)
    with pytest.raises(NotFound):  # not yet dispatched to it: out of its sight altogether
        actions.dispatch(actor=centre.fixer, request=request, department=centre.huashan_property)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    with pytest.raises(Conflict):
        actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)


def test_only_the_department_handling_it_may_resolve(centre):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    with pytest.raises(NotFound):
        actions.resolve(actor=centre.other_fixer, request=request, note="x")
    with pytest.raises(Forbidden):  # the police see the whole sub-district but do not handle this one
        actions.resolve(actor=centre.officer, request=request, note="x")
    with pytest.raises(Invalid):
        actions.resolve(actor=centre.fixer, request=request, note=" ")
    actions.resolve(actor=centre.fixer, request=request, note="修好了")


def test_a_transfer_moves_the_request_and_the_old_department_loses_sight_of_it(centre):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    actions.transfer(actor=centre.fixer, request=request, department=centre.police, note="涉及治安，转派出所")
    request.refresh_from_db()
    assert request.department == centre.police and request.status == Status.DISPATCHED
    assert request.steps.last().kind == StepKind.TRANSFERRED
    assert actions.REQUEST_TRANSFERRED in audit_events(request)
    assert not queries.requests(centre.fixer).filter(pk=request.pk).exists()
    with pytest.raises(Invalid):
        actions.transfer(actor=centre.officer, request=request, department=centre.police, note="again")


def test_returned_for_information_then_dispatched_again(centre, outbox):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    actions.return_for_information(actor=centre.fixer, request=request, note="请提供具体楼层")
    request.refresh_from_db()
    assert request.status == Status.RETURNED
    assert "请提供具体楼层" in outbox[-1][1]
    assert actions.REQUEST_RETURNED in audit_events(request)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property, note="3楼")
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED


def test_a_rating_must_be_from_one_to_five_and_only_after_resolution(centre, resident):
    request = hotline_call(centre)
    with pytest.raises(Conflict):
        actions.confirm_with_rating(actor=resident, request=request, satisfaction=5)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=request, note="ok")
    for bad in (0, 6, True):
        with pytest.raises(Invalid):
            actions.confirm_with_rating(actor=resident, request=request, satisfaction=bad)
    with pytest.raises(Forbidden):
        actions.confirm_with_rating(actor=centre.fixer, request=request, satisfaction=5)


def test_someone_elses_request_cannot_be_rated_by_a_resident(centre, resident, make_person, org, admin):
    from shequ.population import actions as population_actions

    neighbour = make_person("李梅", dwelling=org.huashan_dwellings[1], phone="13700002222")
    request = hotline_call(centre, phone="13700002222")
    assert request.person == neighbour
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=request, note="ok")
    with pytest.raises(NotFound):
        actions.confirm_with_rating(actor=resident, request=request, satisfaction=1)
    neighbour_account = population_actions.create_resident_account(actor=admin, person=neighbour)
    actions.confirm_with_rating(actor=neighbour_account, request=request, satisfaction=2)


def test_reopening_sends_it_back_with_a_fresh_deadline_and_is_counted(centre, resident):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=request, note="ok")
    actions.confirm_with_rating(actor=resident, request=request, satisfaction=2)
    actions.reopen(actor=resident, request=request, note="还在漏")
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED and request.reopen_count == 1
    assert request.satisfaction is None and request.resolved_at is None
    assert request.due_at > timezone.now()
    assert actions.REQUEST_REOPENED in audit_events(request)
    actions.resolve(actor=centre.fixer, request=request, note="再修")
    actions.close(actor=centre.clerk, request=request)
    with pytest.raises(Conflict):  # once closed, only the centre reopens
        actions.reopen(actor=resident, request=request, note="again")
    actions.reopen(actor=centre.clerk, request=request, note="复查")


def test_duplicates_are_merged_into_one_request(centre, outbox):
    first = hotline_call(centre)
    second = hotline_call(centre, phone="13000000001")
    third = hotline_call(centre, phone="13000000002")
    actions.merge_duplicates(actor=centre.clerk, primary=first, duplicates=[second, third], note="同一处漏水")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == third.status == Status.MERGED
    assert second.merged_into == first and third.merged_into == first
    assert actions.REQUEST_MERGED in audit_events(second)
    assert first.steps.last().kind == StepKind.MERGED
    assert any(first.number in text for phone, text in outbox if phone == "13000000001")
    with pytest.raises(Conflict):
        actions.merge_duplicates(actor=centre.clerk, primary=first, duplicates=[second])
    with pytest.raises(Invalid):
        actions.merge_duplicates(actor=centre.clerk, primary=first, duplicates=[first])


def test_a_resident_files_her_own_request_on_the_portal_and_follows_it(centre, resident, resident_person):
    request = actions.create_request(actor=resident, channel=Channel.PORTAL, service=centre.repair,
                                     description="楼道灯坏了", caller_phone="13000000009")
    assert request.requester == resident and request.person == resident_person
    assert request.caller_phone == "13812345678"  # her own number, not what was typed
    assert list(queries.my_requests(resident)) == [request]


def test_a_resident_cannot_dispatch_her_own_request(centre, resident):
    request = actions.create_request(actor=resident, channel=Channel.PORTAL, service=centre.repair,
                                     description="楼道灯坏了", department=centre.huashan_property)
    assert request.status == Status.ACCEPTED and request.department is None
    with pytest.raises(Forbidden):
        actions.dispatch(actor=resident, request=request, department=centre.huashan_property)


def test_a_request_needs_a_description_a_known_channel_and_an_active_service(centre, admin):
    with pytest.raises(Invalid):
        actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=centre.repair, description=" ")
    with pytest.raises(Invalid):
        actions.create_request(actor=centre.clerk, channel="fax", service=centre.repair, description="x")
    retired = actions.save_service(actor=admin, service=centre.repair, active=False)
    with pytest.raises(Invalid):
        actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=retired, description="x")


def test_a_committee_worker_cannot_take_a_request_for_another_neighborhood(centre, bob, org):
    with pytest.raises(NotFound):
        actions.create_request(actor=bob, channel=Channel.COUNTER, service=centre.repair, description="x",
                               dwelling=org.huashan_dwellings[0])
    assert not ServiceRequest.objects.exists()


def test_a_request_dispatched_at_the_counter_goes_straight_to_the_department(centre, org):
    request = actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                     description="x", dwelling=org.huashan_dwellings[3],
                                     department=centre.huashan_property, assignee=centre.fixer)
    assert request.status == Status.DISPATCHED and request.assignee == centre.fixer
    assert request.compound == org.huashan_compound and request.building == org.huashan_dwellings[3].building


# Escalation (督办) ------------------------------------------------------------------------------------------


def test_overdue_requests_escalate_once_to_the_supervisor_and_show_on_the_watch_list(
        centre, outbox):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    later = request.due_at + dt.timedelta(minutes=1)
    assert list(queries.watch_list(centre.clerk, now=later)) == [request]
    assert list(queries.watch_list(centre.clerk, now=request.due_at - dt.timedelta(minutes=1))) == []
    outbox.clear()
    assert actions.escalate_overdue(now=later) == 1
    assert actions.escalate_overdue(now=later) == 0
    request.refresh_from_db()
    assert request.escalated_at == later
    assert [phone for phone, _ in outbox] == [centre.boss.phone]
    assert request.steps.last().kind == StepKind.ESCALATED
    entry = AuditEntry.objects.get(event=actions.REQUEST_ESCALATED)
    assert entry.actor is None and entry.after["supervisors"] == [centre.boss.pk]


def test_an_undispatched_overdue_request_escalates_to_the_office_supervisor(centre, admin, staff, outbox):
    chief = staff("clerk", "chief")
    chief.phone = "13900000009"
    chief.save()
    actions.add_member(actor=admin, department=centre.office, user=chief, is_supervisor=True)
    request = hotline_call(centre)
    outbox.clear()
    actions.escalate_overdue(now=request.due_at + dt.timedelta(hours=1))
    assert [phone for phone, _ in outbox] == ["13900000009"]


def test_resolved_requests_never_escalate(centre):
    request = hotline_call(centre)
    actions.dispatch(actor=centre.clerk, request=request, department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=request, note="ok")
    assert actions.escalate_overdue(now=request.due_at + dt.timedelta(days=30)) == 0


# Emergency linkage (应急联动) ---------------------------------------------------------------------------------


def test_an_emergency_alerts_every_linked_party_at_once(centre, outbox):
    request = hotline_call(centre, service=centre.gas)
    assert request.is_emergency and request.status == Status.DISPATCHED
    assert request.department == centre.huashan_property
    linkages = {link.department.code: link for link in request.linkages.all()}
    assert set(linkages) == {"huashan-property", "police", "health"}
    assert all(link.ack_due_at == request.created_at + dt.timedelta(minutes=10) for link in linkages.values())
    assert request.due_at == request.created_at + dt.timedelta(hours=2)
    phones = {phone for phone, _ in outbox}
    assert {centre.fixer.phone, centre.boss.phone, centre.officer.phone} <= phones
    assert AuditEntry.objects.filter(event=actions.LINKAGE_DISPATCHED).count() == 3


def test_unacknowledged_parties_escalate_and_acknowledged_ones_do_not(centre, outbox):
    request = hotline_call(centre, service=centre.gas)
    links = {link.department.code: link for link in request.linkages.all()}
    actions.acknowledge_linkage(actor=centre.officer, linkage=links["police"], note="民警已出发")
    with pytest.raises(Conflict):
        actions.acknowledge_linkage(actor=centre.officer, linkage=links["police"])
    with pytest.raises(Forbidden):
        actions.acknowledge_linkage(actor=centre.officer, linkage=links["health"])
    with pytest.raises(NotFound):
        actions.acknowledge_linkage(actor=centre.other_fixer, linkage=links["huashan-property"])
    actions.acknowledge_linkage(actor=centre.fixer, linkage=links["huashan-property"])
    outbox.clear()
    assert actions.escalate_unacknowledged(now=request.created_at + dt.timedelta(minutes=11)) == 1
    assert actions.escalate_unacknowledged(now=request.created_at + dt.timedelta(minutes=20)) == 0
    links["health"].refresh_from_db()
    assert links["health"].escalated_at is not None
    assert AuditEntry.objects.filter(event=actions.LINKAGE_ACKNOWLEDGED).count() == 2
    assert AuditEntry.objects.filter(event=actions.LINKAGE_ESCALATED).count() == 1
    board = list(queries.emergency_linkages(centre.clerk))
    assert len(board) == 3
    assert [link.department.code for link in queries.emergency_linkages(centre.fixer)] == ["huashan-property"]


def test_an_emergency_reaches_every_party_the_gateway_can_reach_when_one_phone_fails(centre, outbox):
    from shequ.core.models import OutboxMessage
    from shequ.core.sms import MemorySmsBackend

    MemorySmsBackend.unreachable.add(centre.fixer.phone)
    request = hotline_call(centre, service=centre.gas)
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED and request.linkages.count() == 3
    alerted = {phone for phone, text in outbox if request.number in text}
    assert {centre.boss.phone, centre.officer.phone} <= alerted and centre.fixer.phone not in alerted
    waiting = OutboxMessage.objects.get(event=actions.LINKAGE_DISPATCHED, status="queued")
    assert waiting.recipient == centre.fixer.phone and waiting.attempts == 1 and "139****0001" in waiting.last_error
    assert centre.fixer.phone not in waiting.last_error
