"""The health workbench counts equal the rows of the worklist section they link to, in the worker's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.models import AuditEntry
from shequ.core.registry import registry
from shequ.health import actions
from shequ.health.choices import ConditionCode, FollowUpStatus, WorkerKind
from shequ.health.models import FollowUp
from tests.conftest import login


def shown(client, key, user):
    """The worklist rows behind a count, and the sections the page shows."""
    response = client.get(registry.counts[key].url(user))
    assert response.status_code == 200
    work = response.context["work"]
    return work, {section: len(work[section]) for section in work["shown"]}


@pytest.fixture
def huashan_centre(make_staff, admin, org):
    """Health-centre staff working for 华山居民区 only."""
    user = make_staff("health", "huashan-centre", neighborhood=org.huashan)
    actions.assign_health_worker(actor=admin, user=user, kind=WorkerKind.CENTRE_STAFF)
    return user


@pytest.fixture
def load(centre, make_person, org):
    """In each neighborhood: one follow-up overdue, one due in 3 days, one due in 10 days, one open alert."""
    today = timezone.localdate()
    for k, (name, dwelling) in enumerate((("华山", org.huashan_dwellings), ("愚园", org.yuyuan_dwellings))):
        for n, due in enumerate((today - dt.timedelta(days=2), today + dt.timedelta(days=3),
                                 today + dt.timedelta(days=10))):
            person = make_person(f"{name}{n}", dwelling=dwelling[n], birth=dt.date(1940 + k, 1, 1 + n))
            actions.register_condition(actor=centre, person=person, code=ConditionCode.HYPERTENSION)
            FollowUp.objects.filter(person=person, status=FollowUpStatus.SCHEDULED).update(due_on=due)
        person = make_person(f"{name}警", dwelling=dwelling[3], birth=dt.date(1940 + k, 2, 1))
        actions.record_diary_entry(actor=centre, person=person, systolic=190, diastolic=110)


@pytest.mark.parametrize(("key", "section", "expected"), [
    ("health.follow_ups_due", "due", 1), ("health.follow_ups_overdue", "overdue", 1), ("health.alerts", "alerts", 1)])
def test_each_count_is_the_rows_of_its_worklist_section_in_the_workers_neighborhood(
        client, huashan_centre, load, key, section, expected):
    count = registry.counts[key].count(huashan_centre)
    work, sizes = shown(login(client, huashan_centre), key, huashan_centre)
    assert sizes == {section: count} and count == expected
    names = {row.person.name for row in work[section]}
    assert not any(name.startswith("愚园") for name in names), "another neighborhood's rows"


def test_the_sub_district_centre_counts_both_neighborhoods(client, centre, load):
    for key, section in (("health.follow_ups_due", "due"), ("health.alerts", "alerts")):
        _, sizes = shown(login(client, centre), key, centre)
        assert registry.counts[key].count(centre) == sizes[section] == 2


def test_a_family_doctor_counts_only_her_contracted_people(doctor, load):
    assert registry.counts["health.follow_ups_overdue"].count(doctor) == 0


def test_counting_reads_no_health_record_and_writes_no_audit_row(centre, load):
    before = AuditEntry.objects.count()
    for key in ("health.follow_ups_due", "health.follow_ups_overdue", "health.alerts"):
        registry.counts[key].count(centre)
    assert AuditEntry.objects.count() == before
