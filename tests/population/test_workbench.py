"""The residence-permit counts equal the rows of the permit list they link to, in the worker's neighborhood."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.registry import counts_for, registry
from shequ.core.roles import Role
from shequ.population import actions
from shequ.population.choices import PermitStatus, ResidenceType
from shequ.population.models import ResidencePermit
from tests.conftest import login


@pytest.fixture
def permits(admin, make_person, org):
    """In each neighborhood: a permit expiring in 10 days, one in 60, one expired, one past its date unmarked."""
    today = timezone.localdate()
    made = {}
    for k, (name, dwellings) in enumerate((("华山", org.huashan_dwellings), ("愚园", org.yuyuan_dwellings))):
        for n, (label, expires) in enumerate((("soon", today + dt.timedelta(days=10)),
                                               ("later", today + dt.timedelta(days=60)),
                                               ("expired", today - dt.timedelta(days=40)),
                                               ("unmarked", today - dt.timedelta(days=1)))):
            person = make_person(f"{name}{label}", dwelling=dwellings[n], residence_type=ResidenceType.MIGRANT,
                                 birth=dt.date(1980 + k, 1, 1 + n))
            permit = actions.apply_permit(actor=admin, person=person)
            permit = actions.issue_permit(actor=admin, permit=permit, number=f"{name}-{label}",
                                          issued_on=today - dt.timedelta(days=300))
            ResidencePermit.objects.filter(pk=permit.pk).update(expires_on=expires)
            made[(name, label)] = permit
        ResidencePermit.objects.filter(pk=made[(name, "expired")].pk).update(status=PermitStatus.EXPIRED)
    return made


def listed(client, user, key):
    response = client.get(registry.counts[key].url(user))
    assert response.status_code == 200
    return [permit.number for permit in response.context["page"]]


@pytest.mark.parametrize(("key", "expected"), [("population.permits_expiring", ["华山-soon"]),
                                               ("population.permits_expired", ["华山-expired", "华山-unmarked"])])
def test_each_permit_count_is_the_rows_of_the_permit_list_in_her_neighborhood(client, alice, permits, key,
                                                                              expected):
    numbers = listed(login(client, alice), alice, key)
    assert registry.counts[key].count(alice) == len(numbers)
    assert sorted(numbers) == expected


def test_the_sub_district_clerk_counts_both_neighborhoods(client, make_staff, permits):
    clerk = make_staff(Role.CLERK, "permit-clerk")
    for key in ("population.permits_expiring", "population.permits_expired"):
        assert registry.counts[key].count(clerk) == len(listed(login(client, clerk), clerk, key))
    assert registry.counts["population.permits_expired"].count(clerk) == 4


def test_a_renewed_permit_is_no_longer_expired(alice, permits):
    before = registry.counts["population.permits_expired"].count(alice)
    ResidencePermit.objects.filter(pk=permits[("华山", "expired")].pk).update(status=PermitStatus.RENEWED)
    assert registry.counts["population.permits_expired"].count(alice) == before - 1


def test_roles_that_do_not_handle_permits_see_no_permit_count(make_staff):
    for role in (Role.POLICE, Role.LIBRARIAN, Role.HEALTH):
        user = make_staff(role, f"u-{role}")
        assert not [entry for entry in counts_for(user) if entry.key.startswith("population.")]
