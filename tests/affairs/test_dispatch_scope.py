"""A request dispatched to a department is seen and handled by that department, wherever the request lies;
a committee that is neither the request's area nor its dispatch target can neither see nor close it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shequ.affairs import actions, queries
from shequ.affairs.choices import Channel, DepartmentKind, Status
from shequ.core.errors import NotFound


@pytest.fixture
def yuyuan_committee(centre, admin, org):
    return actions.save_department(actor=admin, code="yuyuan-committee", name="愚园居委会",
                                   kind=DepartmentKind.COMMITTEE, neighborhood=org.yuyuan)


@pytest.fixture
def huashan_request(centre, org):
    """A request in 华山 that the hotline sends to the committee of 愚园 (the caller's block is its work)."""
    return actions.create_request(actor=centre.clerk, channel=Channel.HOTLINE, service=centre.permit,
                                  description="居住证材料咨询", dwelling=org.huashan_dwellings[0])


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_committee_sees_and_handles_a_request_dispatched_to_it_outside_its_neighborhood(
        client, centre, bob, huashan_request, yuyuan_committee):
    assert not queries.requests(bob).filter(pk=huashan_request.pk).exists()
    actions.dispatch(actor=centre.clerk, request=huashan_request, department=yuyuan_committee)
    client.force_login(bob)
    assert client.get(f"/affairs/requests/{huashan_request.pk}/").status_code == 200
    assert _api(bob).get(f"/api/v1/service-requests/{huashan_request.pk}/").status_code == 200
    for step in ("start", "resolve"):
        response = _api(bob).post(f"/api/v1/service-requests/{huashan_request.pk}/{step}/", {"note": "已电话答复"},
                                  format="json")
        assert response.status_code == 200, response.content
    huashan_request.refresh_from_db()
    assert huashan_request.status == Status.RESOLVED
    assert queries.steps(bob, huashan_request).count() == 4  # created, dispatched, started, resolved


def test_a_committee_that_is_neither_the_area_nor_the_dispatch_target_cannot_close_it(
        centre, alice, bob, huashan_request, yuyuan_committee):
    actions.dispatch(actor=centre.clerk, request=huashan_request, department=yuyuan_committee)
    actions.transfer(actor=bob, request=huashan_request, department=centre.office, note="属街道办事处")
    actions.resolve(actor=centre.clerk, request=huashan_request, note="已办结")
    assert not queries.requests(bob).filter(pk=huashan_request.pk).exists()
    with pytest.raises(NotFound):
        actions.close(actor=bob, request=huashan_request)
    response = _api(bob).post(f"/api/v1/service-requests/{huashan_request.pk}/close/", {}, format="json")
    assert response.status_code == 404
    # The committee of the request's own area still closes it.
    assert actions.close(actor=alice, request=huashan_request).status == Status.CLOSED


def test_a_member_of_the_department_sees_its_requests_only_while_they_are_dispatched_there(
        centre, admin, bob, huashan_request):
    actions.add_member(actor=admin, department=centre.health, user=bob)
    actions.dispatch(actor=centre.clerk, request=huashan_request, department=centre.health)
    assert list(queries.requests(bob)) == [huashan_request]
    assert list(queries.requests(bob, "change")) == [huashan_request]
    actions.transfer(actor=centre.clerk, request=huashan_request, department=centre.office, note="转街道")
    assert not queries.requests(bob).exists()


def test_an_anonymous_visitor_and_a_resident_do_not_gain_a_dispatched_request(
        client, centre, resident, huashan_request, yuyuan_committee):
    actions.dispatch(actor=centre.clerk, request=huashan_request, department=yuyuan_committee)
    assert client.get(f"/affairs/requests/{huashan_request.pk}/").status_code == 302
    assert APIClient().get(f"/api/v1/service-requests/{huashan_request.pk}/").status_code in (401, 403)
    assert not queries.requests(resident).filter(pk=huashan_request.pk).exists()
