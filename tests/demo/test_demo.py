"""The demo sub-district: the right shape, working logins, valid ID numbers, the same every time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from shequ.core import idnumbers
from shequ.core.models import AuditEntry, Compound, Neighborhood, User
from shequ.demo import builder
from shequ.population.choices import IdType, PersonStatus, ResidenceType
from shequ.population.models import Person, ResidencePermit
from shequ.population.queries import population_dynamics, search_people

RESIDENTS = 200


@pytest.fixture
def demo(db: Any) -> builder.BuildResult:
    return builder.build(residents=RESIDENTS)


def test_the_demo_has_thirteen_compounds_in_five_neighborhoods(demo):
    assert Compound.objects.count() == 13
    assert Neighborhood.objects.count() == 5
    assert demo.subdistrict.code == "310105002"
    assert Person.objects.count() == RESIDENTS


def test_the_demo_writes_one_audit_entry_for_the_build(demo):
    assert AuditEntry.objects.filter(event=builder.DEMO_BUILT).count() == 1


def test_every_staff_login_printed_works(client, demo):
    staff = [login for login in demo.logins if not login.phone]
    assert {"admin", "huashan", "yuyuan", "clerk", "police"} <= {login.username for login in staff}
    for login in staff:
        cache.clear()  # the sign-in rate limit counts per address; these are all one test client
        client.logout()
        response = client.post("/login/", {"username": login.username, "password": login.password})
        assert response.status_code == 302, login.username


def test_every_resident_login_gets_a_texted_code(client, demo, texts):
    residents = [login for login in demo.logins if login.phone]
    assert len(residents) >= 2
    for login in residents:
        texts.clear()  # and whatever the demo's own requests and reminders queued
        client.post("/login/resident/", {"step": "phone", "phone": login.phone})
        ((phone, text),) = texts
        assert phone == login.phone
        code = re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)
        response = client.post("/login/resident/", {"step": "code", "phone": login.phone, "code": code})
        assert response.status_code == 302
        assert User.objects.get(username=login.username).person.phone == login.phone


def test_every_id_number_is_valid_and_agrees_with_sex_and_birth_date(demo):
    people = list(Person.objects.filter(id_type=IdType.RESIDENT_ID))
    assert len(people) > RESIDENTS * 0.9
    for person in people:
        parsed = idnumbers.parse(person.id_number)
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
    assert len({p.id_number for p in people}) == len(people)


def test_the_demo_has_every_kind_of_resident(demo):
    kinds = set(Person.objects.values_list("residence_type", flat=True))
    assert {ResidenceType.REGISTERED, ResidenceType.MIGRANT} <= kinds
    assert Person.objects.filter(status=PersonStatus.ACTIVE, dwelling__isnull=False).exists()
    assert ResidencePermit.objects.exists()


def test_the_same_seed_gives_the_same_people(db):
    # Without the service centre, whose actions each need their own transaction (this one rolls back).
    with transaction.atomic():
        builder.build(residents=RESIDENTS, seed=7, services=False)
        first = list(Person.objects.order_by("id").values_list("name", "birth_date", "phone_index"))
        transaction.set_rollback(True)
    builder.build(residents=RESIDENTS, seed=7, services=False)
    second = list(Person.objects.order_by("id").values_list("name", "birth_date", "phone_index"))
    assert first == second


def test_population_dynamics_has_moves_in_several_months(demo):
    admin = User.objects.get(username="admin")
    dynamics = population_dynamics(admin)
    assert dynamics.total > 0
    months_with_moves = [m for m in dynamics.moves_by_month if m["move_in"] + m["move_out"] + m["move_within"]]
    assert len(months_with_moves) >= 4


def test_a_committee_worker_finds_only_her_own_residents(demo):
    huashan = User.objects.get(username="huashan")
    found = list(search_people(huashan)[:50])
    assert found
    assert {person.neighborhood_id for person in found} == {huashan.neighborhood_id}


def test_the_demo_command_refuses_to_build_twice(demo):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo", residents=20)


def test_createuser_creates_a_committee_worker(demo):
    call_command(
        "createuser",
        username="newworker",
        role="committee",
        password="another-demo-pass-1",
        neighborhood="310105002003",
    )
    user = User.objects.get(username="newworker")
    assert user.neighborhood.name == "曹家堰居民区"
    assert AuditEntry.objects.filter(event="core.user_created", object_id=str(user.pk)).exists()


def test_the_demo_has_books_on_loan_goods_in_the_charity_shop_and_volunteer_hours(demo):
    from shequ.charity.models import Allowance, Sale, StockItem
    from shequ.library.models import Loan, Title
    from shequ.library.queries import search_catalogue
    from shequ.volunteers.models import SignUp

    assert Title.objects.count() == 8 and [t.title for t in search_catalogue("hlm")] == ["红楼梦"]
    readers = Person.objects.filter(user__isnull=False).count()
    assert Loan.objects.filter(returned_at__isnull=True).count() == readers
    assert StockItem.objects.filter(on_hand__gt=0).count() == 3 and Sale.objects.count() == 1
    assert Allowance.objects.exists()
    assert SignUp.objects.filter(minutes_credited=180).count() == readers
def test_the_demo_doctor_has_patients_due_follow_ups_and_an_alert_from_a_residents_diary(demo):
    from shequ.health import queries as health_queries
    from shequ.health.models import Alert, DiaryEntry

    doctor = User.objects.get(username="doctor")
    work = health_queries.worklist(doctor)
    assert work["overdue"] or work["due"]
    assert {alert.person.user is not None for alert in work["alerts"]} == {True}
    assert Alert.objects.count() == len([login for login in demo.logins if login.phone])
    assert DiaryEntry.objects.filter(person__user__isnull=False).count() >= 10
    librarian = User.objects.get(username="librarian")
    assert not health_queries.records(librarian).exists()
