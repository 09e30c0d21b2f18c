"""The demo's care roll and the home sensors of its elders living alone, built by :mod:`shequ.demo.builder`.

The roll is refreshed from the registry (as the daily job does). Every elder living alone on it agreed, on paper, to
the four small sensors (四小件) and the one-button call, has her committee worker, and has the sensors in her
dwelling with a day of ordinary life behind them (:func:`shequ.safety.demo.home_history`); a few also
have emergency contacts, a care-needs grade and a paired volunteer (老伙伴计划: one volunteer, up to five elders).

One of them, the *quiet elder*, has been silent since :data:`shequ.safety.demo.QUIET_FOR` before the build: no
water, no door, no movement, so the inactivity rules find her at once. She is recorded in the ``demo.built``
audit entry, and :func:`quiet_elder` finds her again (for the printed logins and ``shequ simulate-devices``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from shequ.core.models import Subdistrict, User
from shequ.eldercare import rules
from shequ.eldercare.actions import roll as actions
from shequ.eldercare.choices import CareGrade, ConsentForm, ContactRelationship, RollReason
from shequ.eldercare.models import CareRecipient
from shequ.population.models import Person
from shequ.safety import demo as safety_demo
from shequ.safety.choices import HOME_SENSOR_KINDS
from shequ.safety.demo import QUIET_FOR
from shequ.safety.models import Device, Event
from shequ.volunteers.models import Volunteer

Bulk = Callable[[Any, list[Any], str], list[Any]]
QUIET_KEY = "quiet_elder"  # the key of the demo.built audit entry that names her
ELDERS_PER_VOLUNTEER = 5
WITH_CONTACTS = 12  # the first elders living alone that have emergency contacts and a grade

_CHILDREN = ("女儿", "儿子")


@dataclass(frozen=True)
class HomeSensors:
    elders: int
    devices: int
    events: int
    quiet_person_id: int | None


def living_alone() -> list[CareRecipient]:
    """Elders on the roll because they live alone, with a dwelling, oldest record first."""
    return list(CareRecipient.objects.on_roll().filter(reasons__has_key=RollReason.LIVING_ALONE,
                                                       person__dwelling__isnull=False)
                .select_related("person__dwelling__building__compound", "person__neighborhood")
                .order_by("person_id"))


def _quiet(elders: list[CareRecipient], now: dt.datetime) -> CareRecipient | None:
    """The first elder living alone, preferably of the first neighbourhood, whom no other app saw in the last day
    (a lunch at the canteen, a sign-in to the portal would settle the inactivity rules), or else the first one."""
    if not elders:
        return None
    seen = rules.signs_of_life([e.person_id for e in elders], since=now - rules.WINDOW_DAY - QUIET_FOR)
    unseen = [e for e in elders if e.person_id not in seen and e.person.user_id is None] or elders
    first_neighborhood = min(e.person.neighborhood_id for e in unseen)
    return next(e for e in unseen if e.person.neighborhood_id == first_neighborhood)


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randrange(10**8):08d}"


@transaction.atomic  # one commit, not one for each of the few hundred actions (each an fsync on SQLite)
def build_eldercare(*, admin: User, subdistrict: Subdistrict, workers: dict[int, User], rng: random.Random,
                    now: dt.datetime, today: dt.date, bulk: Bulk) -> HomeSensors:
    """The roll, its elders living alone with their consent, worker, contacts, grades, volunteers and home sensors;
    ``workers`` maps a neighbourhood's id to its committee worker."""
    actions.refresh_roll(subdistrict_id=subdistrict.pk, today=today)
    elders = living_alone()
    quiet = _quiet(elders, now)
    if quiet is not None:  # she comes first: the contacts, grade and volunteer go to her
        elders.remove(quiet)
        elders.insert(0, quiet)
    volunteers = list(Volunteer.objects.filter(subdistrict=subdistrict, active=True).order_by("pk"))
    installed: dict[int, dt.date] = {}
    for index, elder in enumerate(elders):
        person = elder.person
        worker = workers.get(person.neighborhood_id)
        actor = worker or admin
        given = today - dt.timedelta(days=rng.randint(60, 700))
        volunteer = (volunteers[index // ELDERS_PER_VOLUNTEER]
                     if index < len(volunteers) * ELDERS_PER_VOLUNTEER else None)
        actions.pair(actor=admin, recipient=elder, worker=worker, volunteer=volunteer)
        actions.record_consent(actor=actor, recipient=elder, sensors=sorted(HOME_SENSOR_KINDS),
                               tell_family=index < WITH_CONTACTS, form=ConsentForm.PAPER, given_on=given)
        assert person.dwelling_id is not None
        installed[person.dwelling_id] = given + dt.timedelta(days=rng.randint(3, 20))
        if index < WITH_CONTACTS:
            surname = person.name[0]
            child = rng.choice(_CHILDREN)
            actions.add_contact(actor=actor, recipient=elder, name=f"{surname}{rng.choice('伟敏静磊丽军')}",
                                relationship=ContactRelationship.CHILD, phone=_phone(rng), order=1,
                                note=f"{child}，住在外区")
            actions.add_contact(actor=actor, recipient=elder, name=f"邻居{rng.choice('张李王陈')}阿姨",
                                relationship=ContactRelationship.NEIGHBOUR, phone=_phone(rng), order=2,
                                may_be_told=False, note="同楼，有备用钥匙")
            grade = CareGrade.GRADE_3 if elder is quiet else rng.choice([CareGrade.GRADE_1, CareGrade.GRADE_2,
                                                                          CareGrade.GRADE_4])
            actions.record_assessment(actor=actor, recipient=elder, grade=grade,
                                      assessed_on=today - dt.timedelta(days=rng.randint(30, 500)),
                                      assessor="长宁区老年照护统一需求评估中心")
    dwellings = [elder.person.dwelling for elder in elders if elder.person.dwelling is not None]
    devices = bulk(Device, safety_demo.home_devices(subdistrict=subdistrict, dwellings=dwellings, now=now, rng=rng,
                                                    installed=installed), "safety_device")
    if any(d.pk is None for d in devices):
        devices = list(Device.objects.filter(dwelling__in=dwellings))
    quiet_dwelling = quiet.person.dwelling_id if quiet is not None else None
    events = bulk(Event, safety_demo.home_history(devices, now=now, rng=rng, quiet_dwelling_id=quiet_dwelling),
                  "safety_event")
    return HomeSensors(elders=len(elders), devices=len(devices), events=len(events),
                       quiet_person_id=quiet.person_id if quiet is not None else None)


def quiet_elder() -> Person | None:
    """The demo's quiet elder, as the build recorded her (None outside a demo)."""
    from shequ.core.models import AuditEntry
    from shequ.demo.builder import DEMO_BUILT

    entry = AuditEntry.objects.filter(event=DEMO_BUILT).order_by("-pk").first()
    person_id = (entry.after or {}).get(QUIET_KEY) if entry is not None else None
    if not person_id:
        return None
    return (Person.objects.filter(pk=person_id).select_related("dwelling", "neighborhood").first())


def find_elder_dwelling(text: str) -> int | None:
    """The dwelling with home sensors that ``text`` names: a device code, the dwelling's address (or its end, such
    as ``3号101室``) or the name of the elder living there."""
    text = text.strip()
    if not text:
        return None
    homes = Device.objects.filter(kind__in=list(HOME_SENSOR_KINDS), dwelling__isnull=False)
    by_code = homes.filter(code=text).values_list("dwelling_id", flat=True).first()
    if by_code is not None:
        return by_code
    found = homes.filter(Q(dwelling__label=text) | Q(dwelling__label__endswith=text)).values_list(
        "dwelling_id", flat=True).first()
    if found is not None:
        return found
    person = (Person.objects.filter(name=text, dwelling_id__in=homes.values("dwelling_id"))
              .order_by("pk").values_list("dwelling_id", flat=True).first())
    return person
