"""The demo's population registry: households and their people written in batches, with residences, life
events, residence permits and tags, the people who left in the last months, and a few resident logins."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from shequ.core.models import Building, Dwelling, Neighborhood
from shequ.core.roles import Role
from shequ.demo._base import Login, _years_ago
from shequ.demo.people import DESTINATIONS, FOREIGN_FAMILY, _PeopleMixin
from shequ.population import actions as population_actions
from shequ.population.choices import (
    HouseholdKind,
    LifeEventKind,
    PermitStatus,
    PersonStatus,
    Relationship,
    ResidenceType,
)
from shequ.population.models import Household, LifeEvent, Person, Residence, ResidencePermit, Tag

CHUNK_HOUSEHOLDS = 4000


@dataclass
class _Plan:
    """One person to be written, with what hangs off her once she has a primary key."""

    person: Person
    started_on: dt.date
    start_kind: str
    ended_on: dt.date | None = None
    end_kind: str = ""
    destination: str = ""
    moved_within_on: dt.date | None = None
    from_dwelling: Dwelling | None = None
    tags: list[str] = field(default_factory=list)
    permit: str = ""


class _RegistryMixin(_PeopleMixin):
    def _household_plans(self, dwelling: Dwelling, neighborhood: Neighborhood) -> tuple[Household, list[_Plan]]:
        rng, today = self.rng, self.today
        residence_type = rng.choices(
            [
                ResidenceType.REGISTERED,
                ResidenceType.REGISTERED_ELSEWHERE,
                ResidenceType.MIGRANT,
                ResidenceType.FOREIGN,
            ],
            [65, 5, 25, 5],
        )[0]
        kind, members = self._members(residence_type)
        counter = self.household_counters.get(neighborhood.pk, 0) + 1
        self.household_counters[neighborhood.pk] = counter
        household = Household(
            number=f"{neighborhood.code}-{counter:07d}",
            dwelling=dwelling,
            neighborhood=neighborhood,
            subdistrict=self.subdistrict,
            kind=HouseholdKind.COLLECTIVE if kind == "young_single" and rng.random() < 0.1 else HouseholdKind.FAMILY,
        )
        # When the household came: migrants recently, registered families long ago; some within 18 months.
        if residence_type in (ResidenceType.MIGRANT, ResidenceType.FOREIGN):
            came = today - dt.timedelta(days=rng.randint(10, 8 * 365))
        elif rng.random() < 0.06:
            came = today - dt.timedelta(days=rng.randint(10, 540))
        else:
            came = today - dt.timedelta(days=rng.randint(2 * 365, 40 * 365))
        recent = (today - came).days <= 548
        surname = None if residence_type != ResidenceType.FOREIGN else rng.choice(FOREIGN_FAMILY)
        plans = []
        head_surname = None
        for relationship, sex, birth in members:
            if residence_type != ResidenceType.FOREIGN and relationship == Relationship.CHILD and head_surname:
                surname = head_surname if rng.random() < 0.85 else None
            person = self._person(sex=sex, birth=birth, residence_type=residence_type, surname=surname)
            if residence_type != ResidenceType.FOREIGN:
                surname = None
                if relationship == Relationship.HEAD:
                    head_surname = person.name[:1]
            if residence_type in (ResidenceType.REGISTERED, ResidenceType.REGISTERED_ELSEWHERE):
                person.hukou_address = f"{self.subdistrict.city}{self.subdistrict.district}{dwelling.label}"
            person.household = household
            person.relationship = relationship
            person.dwelling = dwelling
            person.compound = dwelling.building.compound
            person.neighborhood = neighborhood
            started = max(came, birth)
            if started == birth and (today - birth).days <= 548:
                start_kind = LifeEventKind.BIRTH
            elif recent:
                start_kind = LifeEventKind.MOVE_IN
            else:
                start_kind = LifeEventKind.REGISTERED
            plan = _Plan(person=person, started_on=started, start_kind=start_kind)
            age = (today - birth).days / 365.25
            if kind == "elder_alone" and age >= 70 and rng.random() < 0.7:
                plan.tags.append("elder_alone")
            if residence_type == ResidenceType.REGISTERED and rng.random() < 0.02:
                plan.tags.append("subsistence")
            if rng.random() < (0.08 if age >= 70 else 0.02):
                plan.tags.append("disability")
            if sex == "M" and age >= 45 and residence_type == ResidenceType.REGISTERED and rng.random() < 0.05:
                plan.tags.append("veteran")
            if age >= 18 and residence_type == ResidenceType.REGISTERED and rng.random() < 0.07:
                plan.tags.append("party_member")
            if residence_type == ResidenceType.MIGRANT and age >= 16:
                plan.permit = rng.choices(["issued", "expiring", "applied", "expired", ""], [55, 8, 12, 10, 15])[0]
            # A few moved here from another flat in the sub-district in the last 18 months.
            if not recent and start_kind == LifeEventKind.REGISTERED and rng.random() < 0.03 and len(members) == 1:
                plan.moved_within_on = today - dt.timedelta(days=rng.randint(5, 540))
                plan.from_dwelling = rng.choice(self.dwellings)
                if plan.from_dwelling.pk == dwelling.pk:
                    plan.moved_within_on = None
                    plan.from_dwelling = None
            plans.append(plan)
        return household, plans

    def _departed(self) -> _Plan:
        """Someone who lived here and has left, or died, in the last 18 months."""
        rng, today = self.rng, self.today
        dwelling = rng.choice(self.dwellings)
        neighborhood = self.neighborhood_of[dwelling.building_id]
        died = rng.random() < 0.35
        if died:
            birth = self._birth(70, 100)
            residence_type = ResidenceType.REGISTERED
        else:
            birth = self._birth(18, 70)
            residence_type = rng.choices(
                [ResidenceType.REGISTERED, ResidenceType.MIGRANT, ResidenceType.FOREIGN], [45, 50, 5]
            )[0]
        person = self._person(sex=rng.choice("MF"), birth=birth, residence_type=residence_type)
        person.neighborhood = neighborhood
        person.status = PersonStatus.DECEASED if died else PersonStatus.MOVED_OUT
        ended = today - dt.timedelta(days=rng.randint(1, 545))
        started = max(birth, ended - dt.timedelta(days=rng.randint(200, 30 * 365)))
        plan = _Plan(
            person=person,
            started_on=started,
            start_kind=LifeEventKind.REGISTERED,
            ended_on=ended,
            end_kind=LifeEventKind.DEATH if died else LifeEventKind.MOVE_OUT,
            destination="" if died else rng.choice(DESTINATIONS),
        )
        plan.from_dwelling = dwelling
        return plan

    def _write(self, households: list[Household], plans: list[_Plan]) -> None:
        rng, today = self.rng, self.today
        self._bulk(Household, households, "household")
        people = self._bulk(Person, [plan.person for plan in plans], "person")
        residences: list[Residence] = []
        events: list[LifeEvent] = []
        permits: list[ResidencePermit] = []
        tag_rows = []
        through = Person.tags.through
        for plan, person in zip(plans, people, strict=True):

            def stay(dwelling: Dwelling, started: dt.date, ended: dt.date | None = None,
                     person: Person = person) -> None:
                residences.append(Residence(
                    person=person, dwelling=dwelling, residence_type=person.residence_type, started_on=started,
                    ended_on=ended, neighborhood=self.neighborhood_of[dwelling.building_id],
                    subdistrict=self.subdistrict,
                ))

            def event(kind: str, on: dt.date, neighborhood: Neighborhood, person: Person = person,
                      **where: Any) -> None:
                events.append(LifeEvent(person=person, kind=kind, occurred_on=on, recorded_by=self.admin,
                                        neighborhood=neighborhood, subdistrict=self.subdistrict, **where))

            nb = person.neighborhood
            if plan.ended_on is not None:  # departed
                dwelling = plan.from_dwelling
                assert dwelling is not None
                stay(dwelling, plan.started_on, plan.ended_on)
                event(plan.start_kind, plan.started_on, nb, dwelling=dwelling)
                event(plan.end_kind, plan.ended_on, nb, from_dwelling=dwelling, destination=plan.destination)
                continue
            assert person.dwelling is not None
            if plan.moved_within_on is not None and plan.from_dwelling is not None:
                old = plan.from_dwelling
                stay(old, plan.started_on, plan.moved_within_on)
                event(plan.start_kind, plan.started_on, self.neighborhood_of[old.building_id], dwelling=old)
                stay(person.dwelling, plan.moved_within_on)
                event(LifeEventKind.MOVE_WITHIN, plan.moved_within_on, nb, dwelling=person.dwelling,
                      from_dwelling=old)
            else:
                stay(person.dwelling, plan.started_on)
                event(plan.start_kind, plan.started_on, nb, dwelling=person.dwelling)
            for code in plan.tags:
                tag_rows.append(through(person_id=person.pk, tag_id=self.tags[code]))
            if plan.permit:
                permits.append(self._permit(person, plan, rng, today))
        self._bulk(Residence, residences, "residence")
        self._bulk(LifeEvent, events, "lifeevent")
        self._bulk(ResidencePermit, permits, "residencepermit")
        self._bulk(through, tag_rows, "person_tags")

    def _permit(self, person: Person, plan: _Plan, rng: random.Random, today: dt.date) -> ResidencePermit:
        self.permit_counter += 1
        permit = ResidencePermit(person=person, neighborhood=person.neighborhood, subdistrict=self.subdistrict)
        earliest = plan.started_on
        if plan.permit == "applied":
            permit.applied_on = max(earliest, today - dt.timedelta(days=rng.randint(0, 25)))
            return permit
        if plan.permit == "expiring":
            issued = today - dt.timedelta(days=365 - rng.randint(1, 30))
        elif plan.permit == "expired":
            issued = today - dt.timedelta(days=rng.randint(370, 540))
        else:
            issued = today - dt.timedelta(days=rng.randint(0, 330))
        issued = max(issued, earliest + dt.timedelta(days=10))
        if issued > today:
            permit.applied_on = max(earliest, today - dt.timedelta(days=rng.randint(0, 9)))
            return permit
        permit.applied_on = issued - dt.timedelta(days=rng.randint(7, 20))
        permit.issued_on = issued
        try:
            permit.expires_on = issued.replace(year=issued.year + 1)
        except ValueError:
            permit.expires_on = dt.date(issued.year + 1, 2, 28)
        permit.number = f"3101{issued.year}{self.permit_counter:08d}"
        permit.status = PermitStatus.EXPIRED if permit.expires_on < today else PermitStatus.ISSUED
        return permit

    def build_people(self) -> None:
        assert self.result is not None
        self.tags = dict(Tag.objects.values_list("code", "pk"))
        compound_nb = {c.pk: c.neighborhood for c in self.compounds}
        buildings = Building.objects.filter(compound__in=self.compounds).values_list("pk", "compound_id")
        self.neighborhood_of = {pk: compound_nb[compound_id] for pk, compound_id in buildings}
        departed_share = 0.04
        active_target = int(self.n * (1 - departed_share))
        made = 0
        dwelling_iter = iter(self.dwellings)
        households: list[Household] = []
        plans: list[_Plan] = []
        while made < active_target:
            dwelling = next(dwelling_iter, None)
            if dwelling is None:
                dwelling_iter = iter(self.dwellings)  # more than one household at an address now and then
                continue
            household, members = self._household_plans(dwelling, self.neighborhood_of[dwelling.building_id])
            members = members[: active_target - made]
            households.append(household)
            plans.extend(members)
            made += len(members)
            if len(households) >= CHUNK_HOUSEHOLDS:
                self._flush(households, plans)
                households, plans = [], []
        while made < self.n:
            plans.append(self._departed())
            made += 1
            if len(plans) >= CHUNK_HOUSEHOLDS * 2:
                self._flush(households, plans)
                households, plans = [], []
        self._flush(households, plans)
        self.result.people = made

    def _flush(self, households: list[Household], plans: list[_Plan]) -> None:
        if not plans and not households:
            return
        with transaction.atomic():
            self._write(households, plans)
        assert self.result is not None
        self.progress(f"  {self.result.timings.get('person', [0])[0]:>9,} people")

    def create_resident_accounts(self) -> None:
        assert self.result is not None
        chosen: list[Person] = []
        for neighborhood in self.neighborhoods[:3]:
            candidates = (
                Person.objects.filter(
                    neighborhood=neighborhood,
                    status=PersonStatus.ACTIVE,
                    residence_type=ResidenceType.REGISTERED,
                    birth_date__lte=_years_ago(self.today, 30),
                    birth_date__gte=_years_ago(self.today, 80),
                )
                .exclude(phone_index="")
                .order_by("id")[:50]
            )
            for person in candidates:
                if person.phone.startswith("1") and len(person.phone) == 11:
                    chosen.append(person)
                    break
        for person in chosen:
            user = population_actions.create_resident_account(actor=self.admin, person=person)
            self.result.logins.append(
                Login(
                    username=user.username,
                    password="",
                    role=str(Role.RESIDENT),
                    scope=f"{person.name}, {person.neighborhood.name}",
                    phone=person.phone,
                )
            )
