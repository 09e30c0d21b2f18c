"""Reads of health data, always through :func:`shequ.core.scopes.restrict`, and the audit of every read.

Who sees what (the role table in ``core/roles.py`` says which roles may touch health models at all: only
HEALTH workers and residents; administrators, committee workers, librarians, canteen operators and every
other role see no health data):

- health-centre staff (``HealthWorker.kind = centre_staff``) see every health row of the area they work
  at (the sub-district, or one neighborhood), like the records office of a 社区卫生服务中心;
- a family doctor, and any HEALTH user not yet designated, sees only the people she is under an active
  family-doctor contract with (:func:`narrow_for_doctor`, applied inside ``restrict`` through ``SCOPE``);
- a resident sees only her own rows (not her household's: health data is individual).

Every read of a person's health data writes an audit row (:func:`audit_read`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.core import audit
from shequ.core.errors import NotFound
from shequ.core.models import User
from shequ.core.registry import TileLine, per_period
from shequ.core.roles import Role
from shequ.core.scopes import can, countable, restrict
from shequ.health.choices import AlertStatus, FollowUpStatus, WorkerKind
from shequ.health.models import (
    Alert,
    ChronicCondition,
    DiaryEntry,
    Encounter,
    FamilyDoctorContract,
    FollowUp,
    HealthRecord,
    HealthWorker,
)
from shequ.population.models import Person

HEALTH_READ = "health.read"
DUE_SOON_DAYS = 14  # a follow-up due within two weeks is on the doctor's "due" list


def worker_kind(user: Any) -> str | None:
    try:
        worker: HealthWorker = user.health_worker
    except HealthWorker.DoesNotExist:
        return None
    return worker.kind


def is_centre_staff(user: Any) -> bool:
    return getattr(user, "role", None) == Role.HEALTH and worker_kind(user) == WorkerKind.CENTRE_STAFF


def reads_health_audit(user: Any) -> bool:
    """Health entries of the audit log cover the whole sub-district, so only centre staff read them, not a
    family doctor (who sees only her own patients)."""
    return is_centre_staff(user)


def contracted_people(doctor: Any, day: dt.date | None = None) -> QuerySet[Any]:
    """Person ids under an active contract with ``doctor`` on ``day`` (today by default)."""
    day = day or timezone.localdate()
    return (
        FamilyDoctorContract.objects.filter(doctor=doctor, started_on__lte=day, ends_on__gt=day)
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=day))
        .values("person")
    )


def narrow_for_doctor(model: type[Model], user: Any) -> Q | None:
    """Called by ``restrict`` for every health model: a family doctor sees her contracted people only."""
    if getattr(user, "role", None) != Role.HEALTH or is_centre_staff(user):
        return None
    return Q(**{f"{model.PERSON_PATH}__in": contracted_people(user)})  # type: ignore[attr-defined]


def audit_read(user: Any, people: Iterable[Person | int], what: str, via: str = "web") -> None:
    """One audit row per person whose health data the user was just shown."""
    seen: set[int] = set()
    for item in people:
        pk = item if isinstance(item, int) else item.pk
        if pk in seen:
            continue
        seen.add(pk)
        person = item if isinstance(item, Person) else Person(pk=pk)
        audit.record(actor=user, event=HEALTH_READ, obj=person, after={"what": what, "via": via}, clear=("what", "via"))


def records(user: Any) -> QuerySet[HealthRecord]:
    return restrict(HealthRecord.objects.select_related("person"), user)


def conditions(user: Any) -> QuerySet[ChronicCondition]:
    return restrict(ChronicCondition.objects.select_related("person"), user)


def follow_ups(user: Any) -> QuerySet[FollowUp]:
    return restrict(FollowUp.objects.select_related("person", "condition"), user)


def contracts(user: Any) -> QuerySet[FamilyDoctorContract]:
    return restrict(FamilyDoctorContract.objects.select_related("person", "doctor"), user)


def encounters(user: Any) -> QuerySet[Encounter]:
    return restrict(Encounter.objects.filter(withdrawn_at__isnull=True).select_related("person"), user)


def diary(user: Any) -> QuerySet[DiaryEntry]:
    return restrict(DiaryEntry.objects.select_related("person"), user)


def alerts(user: Any) -> QuerySet[Alert]:
    return restrict(Alert.objects.select_related("person", "diary_entry", "doctor"), user)


def health_people(user: Any) -> QuerySet[Person]:
    """Registry persons the user may see health data of: those with any health row she can see."""
    if user.role == Role.RESIDENT:
        return Person.objects.filter(user=user)
    if user.role != Role.HEALTH:
        return Person.objects.none()
    base = restrict(Person.objects.all(), user)
    if is_centre_staff(user):
        return base
    return base.filter(pk__in=contracted_people(user))


def person_health(user: User, person_id: int) -> dict[str, Any]:
    """Everything on one person's health page; the read is audited."""
    person = health_people(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    record = records(user).filter(person=person).first()
    summary = {
        "person": person,
        "record": record,
        "versions": list(record.versions.select_related("recorded_by")) if record else [],
        "conditions": list(conditions(user).filter(person=person)),
        "follow_ups": list(follow_ups(user).filter(person=person).order_by("-due_on")[:40]),
        "encounters": list(encounters(user).filter(person=person)[:40]),
        "contracts": list(contracts(user).filter(person=person)),
        "diary": list(diary(user).filter(person=person)[:20]),
        "alerts": list(alerts(user).filter(person=person)[:20]),
    }
    audit_read(user, [person], "health_record")
    return summary


WORKLIST_SECTIONS = ("alerts", "overdue", "due")


def worklist(user: Any, day: dt.date | None = None, *, show: str = "", due_days: int = DUE_SOON_DAYS
             ) -> dict[str, Any]:
    """A family doctor's (or the centre's) overdue and due follow-ups and open alerts; ``show`` names one of
    them (the list behind a workbench count) and ``due_days`` how far ahead "due" looks."""
    day = day or timezone.localdate()
    shown = [show] if show in WORKLIST_SECTIONS else list(WORKLIST_SECTIONS)
    overdue = list(follow_ups_overdue(user, day)[:200]) if "overdue" in shown else []
    due = list(follow_ups_due(user, day, due_days)[:200]) if "due" in shown else []
    open_alerts = list(alerts_open(user)[:200]) if "alerts" in shown else []
    audit_read(user, [*(f.person_id for f in [*overdue, *due]), *(a.person_id for a in open_alerts)], "worklist")
    return {"day": day, "overdue": overdue, "due": due, "alerts": open_alerts, "shown": shown, "due_days": due_days}


def next_follow_up(user: Any, person: Person) -> FollowUp | None:
    return follow_ups(user).filter(person=person, status=FollowUpStatus.SCHEDULED).order_by("due_on").first()


def active_contract(person: Person, day: dt.date | None = None) -> FamilyDoctorContract | None:
    """The person's contract in force (used by actions to route an alert; not a read for display)."""
    day = day or timezone.localdate()
    return (
        FamilyDoctorContract.objects.filter(person=person, started_on__lte=day, ends_on__gt=day)
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=day))
        .select_related("doctor").order_by("-started_on").first()
    )


def health_workers(user: Any) -> QuerySet[HealthWorker]:
    """Who in the user's area is a family doctor and who is centre staff (no health data)."""
    return restrict(HealthWorker.objects.select_related("user"), user).order_by("kind", "user__full_name")


# Workbench counts: numbers only, no person is read (so no audit row); each is the length of a worklist section.

def follow_ups_overdue(user: Any, day: dt.date | None = None) -> QuerySet[FollowUp]:
    day = day or timezone.localdate()
    return follow_ups(user).filter(status=FollowUpStatus.SCHEDULED, due_on__lt=day).order_by("due_on", "id")


def follow_ups_due(user: Any, day: dt.date | None = None, days: int = DUE_SOON_DAYS) -> QuerySet[FollowUp]:
    """Scheduled follow-ups due from ``day`` to ``days`` days after it, both included."""
    day = day or timezone.localdate()
    return (follow_ups(user).filter(status=FollowUpStatus.SCHEDULED, due_on__gte=day,
                                    due_on__lte=day + dt.timedelta(days=days)).order_by("due_on", "id"))


def alerts_open(user: Any) -> QuerySet[Alert]:
    return alerts(user).filter(status=AlertStatus.OPEN).order_by("-raised_at", "-id")


WORKBENCH_DUE_DAYS = 7


def count_follow_ups_due(user: Any) -> int:
    return follow_ups_due(user, days=WORKBENCH_DUE_DAYS).order_by().count()


def count_follow_ups_overdue(user: Any) -> int:
    return follow_ups_overdue(user).order_by().count()


def count_open_alerts(user: Any) -> int:
    return alerts_open(user).order_by().count()


# Dashboard figures


def _follow_ups_to_count(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups the user may COUNT, never list: health staff those she may see; a sub-district administrator
    those of her area (the role table's ``count`` right: no name, condition or value is read, so nothing is
    audited). Never render this queryset row by row."""
    return follow_ups(user) if can(user, FollowUp) else countable(FollowUp.objects.all(), user)


def may_count_follow_ups(user: Any) -> bool:
    return can(user, FollowUp) or can(user, FollowUp, "count")


def follow_ups_due_by_period(user: Any, periods: list[Any]) -> list[int]:
    """Follow-ups due in each period, done or not (cancelled ones are not counted)."""
    found = _follow_ups_to_count(user).exclude(status=FollowUpStatus.CANCELLED)
    return per_period(found, periods, "due_on")


def follow_ups_done_by_period(user: Any, periods: list[Any]) -> list[int]:
    """Follow-ups done in each period, whenever they were due."""
    return per_period(_follow_ups_to_count(user).filter(status=FollowUpStatus.DONE), periods, "done_on")


# Portal tiles


def my_health_tile(user: Any) -> list[Any]:
    """Her next follow-up and the day of her last diary entry (no readings: the tile is seen over a shoulder).

    The read of her own health data is audited like the diary page's."""
    month_day = pgettext("month and day on a portal tile", "M j")
    me = health_people(user).first()
    if me is None:
        return []
    follow_up = follow_ups(user).filter(person=me, status=FollowUpStatus.SCHEDULED).order_by("due_on").values_list(
        "due_on", flat=True).first()
    last = diary(user).filter(person=me).order_by("-measured_at").values_list("measured_at", flat=True).first()
    audit_read(user, [me], "own_portal_tile")
    today = timezone.localdate()
    return [
        TileLine(_("Next follow-up"), date_format(follow_up, month_day) if follow_up else _("none planned"),
                 warn=follow_up is not None and follow_up < today),
        TileLine(_("Last diary entry"),
                 date_format(timezone.localtime(last), month_day) if last else _("nothing written yet")),
    ]
