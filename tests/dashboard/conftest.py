"""A small world whose dashboard figures were worked out by hand (see ``world``'s docstring)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shequ.affairs import actions as affairs_actions
from shequ.affairs.choices import Channel, Status
from shequ.affairs.models import ServiceRequest
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.dining import actions as dining_actions
from shequ.dining.models import Meal
from shequ.health.choices import FollowUpStatus
from shequ.health.models import ChronicCondition, FollowUp
from shequ.library.models import Copy, Loan, Title
from shequ.population import actions as population_actions
from shequ.population.choices import LifeEventKind
from shequ.population.models import Person
from shequ.safety.choices import IncidentStatus, Severity
from shequ.safety.models import Incident
from shequ.volunteers.models import Activity, Shift, SignUp, Volunteer
from tests.affairs.conftest import centre, staff  # noqa: F401  (the service centre's departments and staff)
from tests.dining.conftest import canteen, diner_card, lunch, operator  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 10, 15)  # the day looked at; its month is October, the month before September
LONG_AGO = dt.date(2020, 1, 1)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@dataclass
class World:
    people: dict[str, Person]


@pytest.fixture
def world(org: Any, admin: User, make_person: Any, centre: Any, canteen: Any, lunch: Any, operator: User,  # noqa: F811
          diner_card: Any) -> World:  # noqa: F811
    """Day 2026-10-15 (and 10-14 before it), month October (and September before it).

    People (华山 = alice's neighborhood, 愚园 = bob's):
      P1 华山 living since 2020 · P2 华山 moved in 10-15 · P3 愚园 moved in 09-10 · P4 华山 since 2020, moved
      out 10-14 · P5 愚园 since 2020, died 10-20 · P6 华山 born 10-15.
      Living at the end of 10-15: P1 P2 P3 P5 P6 = 5 (华山 3); of 10-14: P1 P3 P5 = 3 (华山 1);
      of October: P1 P2 P3 P6 = 4 (华山 3); of September: P1 P3 P4 P5 = 4 (华山 2).
    Requests (accepted · due · resolved · rating): R1 华山 10-15 09:00 · 10-18 · 10-16 · 5 (on time);
      R2 华山 10-15 10:00 · 10-15 12:00 · 10-15 14:00 · 3 (late); R3 华山 10-14 08:00 · 10-17 · open (overdue
      by the end of October, not by the end of 10-14); R4 华山 09-20 · 09-23 · 09-22 · 4 (on time);
      R5 愚园 emergency 10-15 11:00 · 10-20 · 10-19 · 1 (on time).
    Meals (subsidy): 10-15 ¥3.00 and ¥5.00, 10-02 ¥2.00, 09-30 ¥4.00.
    Loans: 10-15 10:00, 10-15 16:00, 10-03, 09-29. Volunteer minutes (shift start): 10-15 90 + 60, 10-03
      120, 09-10 30 → 2.5 h on 10-15, 4.5 h in October, 0.5 h in September.
    Follow-ups (due · status · done): F1 10-15 scheduled; F2 10-10 done 10-15; F3 10-20 cancelled;
      F4 09-15 done 09-16; F5 10-14 done 10-14.
    Safety incidents (opened · closed): I1 华山 10-15 10:00 · 10-15 12:00; I2 愚园 10-14 09:00 · open;
      I3 华山 09-28 · 10-02.
    """
    huashan, yuyuan = org.huashan_dwellings, org.yuyuan_dwellings
    p1 = make_person("张一", dwelling=huashan[0], started_on=LONG_AGO, birth=dt.date(1950, 1, 1))
    p2 = make_person("张二", dwelling=huashan[2], started_on=DAY, birth=dt.date(1951, 1, 1),
                     event_kind=LifeEventKind.MOVE_IN)
    p3 = make_person("李三", dwelling=yuyuan[0], started_on=dt.date(2026, 9, 10), birth=dt.date(1952, 1, 1),
                     event_kind=LifeEventKind.MOVE_IN)
    p4 = make_person("王四", dwelling=huashan[3], started_on=LONG_AGO, birth=dt.date(1953, 1, 1))
    p5 = make_person("赵五", dwelling=yuyuan[1], started_on=LONG_AGO, birth=dt.date(1930, 5, 5))
    population_actions.move_out(actor=admin, person=p4, moved_on=dt.date(2026, 10, 14), destination="北京")
    population_actions.record_death(actor=admin, person=p5, died_on=dt.date(2026, 10, 20))
    assert p1.household is not None
    p6 = population_actions.record_birth(actor=admin, name="张六", sex="M", birth_date=DAY, household=p1.household)

    def request(dwelling: Any, **fields: Any) -> ServiceRequest:
        made = affairs_actions.create_request(actor=centre.clerk, channel=Channel.COUNTER, service=centre.repair,
                                              description="x", dwelling=dwelling)
        ServiceRequest.objects.filter(pk=made.pk).update(**fields)
        return made

    prop = centre.huashan_property
    request(huashan[0], department=prop, created_at=at(10, 15, 9), due_at=at(10, 18, 9),
            resolved_at=at(10, 16, 9), status=Status.CONFIRMED, satisfaction=5)
    request(huashan[0], department=prop, created_at=at(10, 15, 10), due_at=at(10, 15, 12),
            resolved_at=at(10, 15, 14), status=Status.CLOSED, satisfaction=3)
    request(huashan[1], department=prop, created_at=at(10, 14, 8), due_at=at(10, 17, 8), status=Status.IN_PROGRESS)
    request(huashan[1], department=prop, created_at=at(9, 20, 8), due_at=at(9, 23, 8),
            resolved_at=at(9, 22, 8), status=Status.RESOLVED, satisfaction=4)
    request(yuyuan[0], department=centre.yuyuan_property, is_emergency=True, created_at=at(10, 15, 11),
            due_at=at(10, 20, 11), resolved_at=at(10, 19, 11), status=Status.RESOLVED, satisfaction=1)

    diners = [diner_card(80), diner_card(85)]
    for card, day, subsidy in ((diners[0], DAY, 300), (diners[1], DAY, 500), (diners[0], dt.date(2026, 10, 2), 200),
                               (diners[0], dt.date(2026, 9, 30), 400)):
        meal = dining_actions.buy_meal(actor=operator, canteen=canteen, card=card, item=lunch)
        Meal.objects.filter(pk=meal.pk).update(day=day, subsidy_fen=subsidy, from_meal_wallet_fen=0,
                                               cash_fen=meal.price_fen - subsidy)
        Meal.objects.filter(person=card.person).exclude(pk=meal.pk).filter(day=meal.day).update(day=LONG_AGO)

    title = Title.objects.create(subdistrict=org.subdistrict, isbn="9787020002207", title="红楼梦")
    for number, borrowed in enumerate((at(10, 15, 10), at(10, 15, 16), at(10, 3, 9), at(9, 29, 9))):
        copy = Copy.objects.create(title=title, subdistrict=org.subdistrict, barcode=f"B{number}")
        Loan.objects.create(copy=copy, reader=p1, subdistrict=org.subdistrict, borrowed_at=borrowed,
                            due_on=borrowed.date() + dt.timedelta(days=30))

    activity = Activity.objects.create(subdistrict=org.subdistrict, title="助老", created_by=admin)
    volunteers = [Volunteer.objects.create(person=person, subdistrict=org.subdistrict, registered_on=LONG_AGO)
                  for person in (p1, p3)]
    for start, minutes in ((at(10, 15, 9), (90, 60)), (at(10, 3, 9), (120,)), (at(9, 10, 9), (30,))):
        shift = Shift.objects.create(activity=activity, subdistrict=org.subdistrict, starts_at=start,
                                     ends_at=start + dt.timedelta(hours=3), capacity=5)
        for volunteer, credited in zip(volunteers, minutes, strict=False):
            SignUp.objects.create(shift=shift, volunteer=volunteer, subdistrict=org.subdistrict,
                                  minutes_credited=credited)

    c1 = ChronicCondition.objects.create(person=p1, code="I10", registered_on=LONG_AGO)
    c2 = ChronicCondition.objects.create(person=p3, code="E11", registered_on=LONG_AGO)
    for condition, due, status, done in (
        (c1, dt.date(2026, 10, 15), FollowUpStatus.SCHEDULED, None),
        (c1, dt.date(2026, 10, 10), FollowUpStatus.DONE, dt.date(2026, 10, 15)),
        (c1, dt.date(2026, 10, 20), FollowUpStatus.CANCELLED, None),
        (c2, dt.date(2026, 9, 15), FollowUpStatus.DONE, dt.date(2026, 9, 16)),
        (c2, dt.date(2026, 10, 14), FollowUpStatus.DONE, dt.date(2026, 10, 14)),
    ):
        FollowUp.objects.create(condition=condition, person=condition.person, due_on=due, status=status,
                                done_on=done)
    for number, (compound, opened, closed) in enumerate((
            (org.huashan_compound, at(10, 15, 10), at(10, 15, 12)), (org.yuyuan_compound, at(10, 14, 9), None),
            (org.huashan_compound, at(9, 28, 9), at(10, 2, 9))), start=1):
        Incident.objects.create(
            number=f"AQ-{number}", subdistrict=org.subdistrict, neighborhood=compound.neighborhood, compound=compound,
            group_key=f"world:{number}", title="门被强行打开", severity=Severity.ALERT, opened_at=opened,
            last_alarm_at=opened, alarm_count=1, closed_at=closed,
            status=IncidentStatus.CLOSED if closed else IncidentStatus.OPEN)
    return World({"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5, "P6": p6})


@pytest.fixture
def clerk(make_staff: Any) -> User:
    """The card desk that issues the diners' cards (the service centre's clerk is ``centre.clerk``)."""
    user: User = make_staff(Role.CLERK, "card-clerk")
    return user


@pytest.fixture
def alice_committee(make_staff: Any, org: Any) -> User:
    user: User = make_staff(Role.COMMITTEE, "alice-committee", neighborhood=org.huashan)
    return user
