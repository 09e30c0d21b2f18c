"""The demo's health: a family doctor, contracted elders with follow-ups, and residents' diary readings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shequ.demo._base import _BuilderBase, _years_ago
from shequ.population.choices import PersonStatus
from shequ.population.models import Person


class _HealthMixin(_BuilderBase):
    def build_health(self) -> None:
        """A family doctor with contracted elders, their hypertension and diabetes follow-ups (some overdue),
        and a month of diary readings for each resident login, the last one high enough to alert the doctor."""
        from shequ.health import actions as health_actions
        from shequ.health.choices import ConditionCode, WorkerKind

        assert self.result is not None
        centre, doctor = self.users["health"], self.users["doctor"]
        health_actions.assign_health_worker(actor=self.admin, user=centre, kind=WorkerKind.CENTRE_STAFF)
        health_actions.assign_health_worker(actor=self.admin, user=doctor, kind=WorkerKind.FAMILY_DOCTOR,
                                            team="华山家庭医生团队")
        residents = list(Person.objects.filter(user__isnull=False).order_by("id"))
        elders = list(
            Person.objects.filter(status=PersonStatus.ACTIVE, birth_date__lte=_years_ago(self.today, 65), user=None)
            .order_by("id")[:20]
        )
        for index, person in enumerate([*residents, *elders]):
            health_actions.sign_contract(actor=centre, person=person, doctor=doctor,
                                         started_on=self.today - dt.timedelta(days=200 + index))
            health_actions.open_health_record(actor=centre, person=person, opened_on=self.today - dt.timedelta(
                days=200), allergies=self.rng.choice(["无", "无", "青霉素", "磺胺类"]),
                blood_type=self.rng.choice(["A", "B", "O", "AB"]))
            if index % 2 == 0 or person in residents:
                # Registered 60–130 days ago: some quarterly follow-ups are already overdue, some due soon.
                health_actions.register_condition(
                    actor=centre, person=person, code=ConditionCode.HYPERTENSION,
                    registered_on=self.today - dt.timedelta(days=60 + (index * 7) % 70))
            if index % 3 == 0:
                health_actions.register_condition(
                    actor=centre, person=person, code=ConditionCode.TYPE2_DIABETES,
                    registered_on=self.today - dt.timedelta(days=75 + (index * 5) % 40))
            health_actions.record_encounter(
                actor=centre, person=person, occurred_on=self.today - dt.timedelta(days=10 + index),
                facility="江苏路街道社区卫生服务中心", reason="配药", diagnosis="原发性高血压", diagnosis_code="I10")
        now = timezone.now()
        for person in residents:
            user = person.user
            assert user is not None
            for day in range(30, 0, -3):
                health_actions.record_diary_entry(
                    actor=user, person=person, measured_at=now - dt.timedelta(days=day, hours=2),
                    systolic=self.rng.randint(128, 150), diastolic=self.rng.randint(78, 92),
                    weight=Decimal(self.rng.randint(550, 750)) / 10, glucose=Decimal(self.rng.randint(52, 75)) / 10)
            health_actions.record_diary_entry(actor=user, person=person, systolic=186, diastolic=112,
                                              note="早上起来头晕", measured_at=now - dt.timedelta(hours=3))
