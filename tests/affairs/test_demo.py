"""The service centre in the demo sub-district: departments, catalogue, history, logins that work."""

from __future__ import annotations

import pytest

from shequ.affairs import assessment, queries, routing
from shequ.affairs.choices import Status
from shequ.affairs.models import Department, Service, ServiceRequest
from shequ.core.models import User
from shequ.demo import builder


@pytest.fixture
def demo(db):
    return builder.build(residents=200)


def test_the_demo_has_a_catalogue_departments_and_requests_in_every_state(demo):
    assert Service.objects.count() >= 12 and Department.objects.filter(kind="property").count() == 3
    states = set(ServiceRequest.objects.values_list("status", flat=True))
    assert {Status.ACCEPTED, Status.DISPATCHED, Status.RESOLVED, Status.CLOSED} <= states
    assert ServiceRequest.objects.count() == 30  # 200 residents: the smallest history


def test_the_demo_property_manager_sees_only_his_companys_requests(demo):
    manager = User.objects.get(username="wuye")
    visible = queries.requests(manager)
    assert visible.exists()
    assert set(visible.values_list("department__name", flat=True)) == {"长宁物业"}


def test_demo_residents_with_accounts_have_a_request_to_rate(demo):
    holders = User.objects.filter(role="resident")
    assert holders.exists()
    for user in holders:
        assert queries.my_requests(user).filter(status=Status.RESOLVED).exists()


def test_the_demo_gives_the_assessment_and_the_routing_help_something_to_work_with(demo):
    from django.utils import timezone

    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    import datetime as dt

    result = assessment.assess(admin, today - dt.timedelta(days=61), today + dt.timedelta(days=1))
    assert result.total.received == 30 and result.total.satisfaction is not None
    assert routing.suggest(admin.subdistrict_id, "电梯坏了")[0].service.code == "lift"


def test_the_new_demo_logins_are_listed(demo):
    assert {"hotline", "wuye"} <= {login.username for login in demo.logins}
