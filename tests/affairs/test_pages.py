"""The staff pages and the resident's own pages, through the browser's eyes (HTTP)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from shequ.affairs import actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import Holiday, Service, ServiceRequest
from shequ.core.actions import run_next_task
from tests.conftest import login


def call(centre, org, **extra):
    return actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=extra.pop("service",
                                  centre.repair), description="厨房水管漏水", dwelling=org.huashan_dwellings[0],
                                  caller_phone="13812345678", **extra)


def test_the_hotline_operator_checks_the_caller_then_accepts_the_request(client, centre, resident_person):
    login(client, centre.clerk)
    form = {"channel": "hotline", "caller_phone": "13812345678", "description": "家里水管漏水了，请物业来修",
            "check": "1"}
    page = client.post("/affairs/requests/new/", form)
    text = page.content.decode()
    assert page.status_code == 200
    assert "王秀英" in text and "138****5678" in text and "13812345678" not in text.replace('value="13812345678"', "")
    assert "房屋报修" in text  # the suggested service
    assert not ServiceRequest.objects.exists()
    response = client.post("/affairs/requests/new/", {**form, "check": "", "save": "1"})
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/affairs/requests/{request.pk}/"
    assert request.service == centre.repair and request.person == resident_person
    assert request.suggested_service == centre.repair and request.channel == Channel.HOTLINE


def test_the_operator_may_choose_another_service_than_suggested(client, centre):
    login(client, centre.clerk)
    client.post("/affairs/requests/new/", {"channel": "counter", "description": "水管漏水",
                                           "service": centre.permit.pk, "save": "1"})
    assert ServiceRequest.objects.get().service == centre.permit


def test_the_queue_lists_open_requests_in_scope_only(client, centre, org):
    mine = call(centre, org, department=centre.huashan_property)
    other = actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                   description="x", dwelling=org.yuyuan_dwellings[0],
                                   department=centre.yuyuan_property)
    text = login(client, centre.fixer).get("/affairs/requests/").content.decode()
    assert mine.number in text and other.number not in text
    assert client.get(f"/affairs/requests/{other.pk}/").status_code == 404
    assert client.get(f"/affairs/requests/{mine.pk}/").status_code == 200


def test_the_department_resolves_from_the_detail_page(client, centre, org):
    request = call(centre, org, department=centre.huashan_property)
    login(client, centre.fixer)
    page = client.get(f"/affairs/requests/{request.pk}/").content.decode()
    assert "/resolve/" in page and "/dispatch/" not in page
    response = client.post(f"/affairs/requests/{request.pk}/resolve/", {"note": "已修好"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.RESOLVED and request.resolution == "已修好"


def test_a_refused_step_shows_a_message_instead_of_failing(client, centre, org):
    request = call(centre, org, department=centre.huashan_property)
    login(client, centre.fixer)
    response = client.post(f"/affairs/requests/{request.pk}/resolve/", {"note": ""}, follow=True)
    assert response.status_code == 200 and "请填写说明" in response.content.decode()
    assert client.post(f"/affairs/requests/{request.pk}/nonsense/").status_code == 404


def test_the_clerk_dispatches_and_merges_from_the_detail_page(client, centre, org):
    first, second = call(centre, org), call(centre, org)
    login(client, centre.clerk)
    client.post(f"/affairs/requests/{first.pk}/dispatch/", {"department": centre.huashan_property.pk,
                                                           "assignee": centre.fixer.pk, "note": ""})
    first.refresh_from_db()
    assert first.status == Status.DISPATCHED and first.assignee == centre.fixer
    client.post(f"/affairs/requests/{first.pk}/merge/", {"numbers": second.number})
    second.refresh_from_db()
    assert second.merged_into == first


def test_a_resident_rates_her_resolved_request_on_her_phone(client, centre, org, resident):
    request = call(centre, org, department=centre.huashan_property)
    actions.resolve(actor=centre.fixer, request=request, note="已修好")
    login(client, resident)
    listing = client.get("/affairs/mine/").content.decode()
    assert request.number in listing
    page = client.get(f"/affairs/requests/{request.pk}/").content.decode()
    assert "已修好" in page and 'name="satisfaction"' in page
    client.post(f"/affairs/requests/{request.pk}/confirm/", {"satisfaction": "4", "comment": "谢谢"})
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED and request.satisfaction == 4


def test_a_resident_files_a_new_request_from_the_portal(client, centre, resident, resident_person):
    login(client, resident)
    assert client.get("/affairs/mine/new/").status_code == 200
    response = client.post("/affairs/mine/new/", {"service": centre.repair.pk, "description": "楼道灯不亮"})
    request = ServiceRequest.objects.get()
    assert response.status_code == 302 and request.requester == resident and request.channel == Channel.PORTAL


def test_a_resident_cannot_open_the_staff_pages(client, centre, resident):
    login(client, resident)
    for url in ("/affairs/requests/new/", "/affairs/watch/", "/affairs/emergencies/", "/affairs/services/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/affairs/requests/").status_code == 404


def test_staff_are_sent_from_the_residents_pages_to_the_queue(client, centre):
    login(client, centre.clerk)
    assert client.get("/affairs/mine/")["Location"] == "/affairs/requests/"
    assert client.get("/affairs/mine/new/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, centre):
    for url in ("/affairs/requests/", "/affairs/mine/", "/affairs/emergencies/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_the_emergency_board_shows_who_has_acknowledged_and_refreshes_itself(client, centre, org):
    request = call(centre, org, service=centre.gas)
    police = request.linkages.get(department=centre.police)
    login(client, centre.officer)
    page = client.get("/affairs/emergencies/").content.decode()
    assert request.number in page and 'http-equiv="refresh"' in page
    client.post(f"/affairs/linkages/{police.pk}/acknowledge/")
    police.refresh_from_db()
    assert police.acknowledged_by == centre.officer
    assert login(client, centre.other_fixer).get("/affairs/emergencies/").content.decode().count(request.number) == 0


def test_the_watch_list_shows_overdue_requests(client, centre, org):
    import datetime as dt

    request = call(centre, org)
    ServiceRequest.objects.filter(pk=request.pk).update(due_at=request.created_at - dt.timedelta(hours=1))
    text = login(client, centre.clerk).get("/affairs/watch/").content.decode()
    assert request.number in text


def test_an_administrator_edits_the_catalogue_and_the_holidays(client, centre, admin):
    login(client, admin)
    assert "房屋报修" in client.get("/affairs/services/").content.decode()
    response = client.post(f"/affairs/services/{centre.repair.pk}/edit/", {
        "code": "repair", "name": "房屋报修", "category": "物业", "department": centre.huashan_property.pk,
        "sla_amount": 4, "sla_unit": "working_days", "ack_minutes": 15, "active": "on"})
    assert response.status_code == 302
    assert Service.objects.get(code="repair").sla_amount == 4
    client.post("/affairs/holidays/", {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"})
    assert Holiday.objects.get().name == "国庆节"
    client.post("/affairs/holidays/", {"remove": "2026-10-01"})
    assert not Holiday.objects.exists()


def test_a_clerk_sees_the_catalogue_but_cannot_edit_it(client, centre):
    login(client, centre.clerk)
    assert client.get("/affairs/services/").status_code == 200
    assert client.get(f"/affairs/services/{centre.repair.pk}/edit/").status_code == 404
    assert client.get("/affairs/services/import/").status_code == 404
    assert client.post("/affairs/holidays/", {"date": "2026-10-01", "kind": "holiday"}).status_code == 404


def test_the_catalogue_import_page_lists_row_errors(client, centre, admin):
    book = Workbook()
    book.active.append(["编码", "名称", "类别", "责任部门", "时限"])
    book.active.append(["x-1", "事项", "类", "nowhere", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "services.xlsx"
    buffer.seek(0)
    response = login(client, admin).post("/affairs/services/import/", {"file": buffer})
    assert response.status_code == 302 and not Service.objects.filter(code="x-1").exists()
    task = run_next_task()  # the workbook is read by the task worker, never inside the request
    assert task is not None and task.kind == "affairs.import_services" and response["Location"] == f"/tasks/{task.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "没有此部门" in page.content.decode()
    assert not Service.objects.filter(code="x-1").exists()


def test_huge_ids_in_urls_answer_404(client, centre, admin):
    login(client, admin)
    huge = "9" * 30
    assert client.get(f"/affairs/requests/{huge}/").status_code == 404
    assert client.get(f"/affairs/services/{huge}/edit/").status_code == 404
    assert client.post(f"/affairs/linkages/{huge}/acknowledge/").status_code == 404


def test_an_administrator_adds_and_removes_department_members(client, centre, admin):
    from shequ.affairs.models import DepartmentMember

    login(client, admin)
    url = f"/affairs/departments/{centre.police.pk}/"
    assert "Officer" in client.get(url).content.decode()
    client.post(url, {"user": centre.clerk.pk, "is_supervisor": "on"})
    member = DepartmentMember.objects.get(department=centre.police, user=centre.clerk)
    assert member.is_supervisor
    client.post(url, {"remove": member.pk})
    assert not DepartmentMember.objects.filter(pk=member.pk).exists()


def test_a_clerk_sees_a_department_but_cannot_change_its_members(client, centre):
    login(client, centre.clerk)
    url = f"/affairs/departments/{centre.police.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"user": centre.clerk.pk}).status_code == 404
