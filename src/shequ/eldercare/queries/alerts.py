"""Scoped reads about care alerts, for the care desk, the alert page, the elder's own tile and a volunteer's door
visits. Every read goes through :func:`shequ.core.scopes.restrict`: a committee worker sees the alerts of her
neighbourhood's elders and of those she is responsible for, the administrator all of them; a resident only her own
open alert (her "I'm fine" button) and, as a paired volunteer, her pairs' alerts at the door-visit rung — and of
those only what a visit needs (:class:`DoorVisit`): never a phone, a rule's figures or a health value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequ.core.models import User
from shequ.core.scopes import can, countable, restrict
from shequ.eldercare.choices import AlertStatus, LadderStep
from shequ.eldercare.models import Alert, AlertStep, CareRecipient
from shequ.eldercare.queries import visits
from shequ.eldercare.queries.roll import address_of, reassessment_due_before, with_grade

# The window of "alerts lately" on the desk's risk order.
RECENT_DAYS = 30


def open_alerts(user: User) -> QuerySet[Alert]:
    """The open alerts a staff member may see, the most severe first, then the newest. A resident reads
    :func:`my_open_alert` or :func:`door_visits` instead."""
    if user.is_resident:
        return Alert.objects.none()
    return (restrict(Alert.objects.open(), user)
            .select_related("recipient__person", "recipient__person__neighborhood", "recipient__person__dwelling",
                            "recipient__person__compound", "recipient__worker", "step_taken_by")
            .order_by("-severity", "-opened_at", "-pk"))


def alerts(user: User, *, open_only: bool = True) -> QuerySet[Alert]:
    """The alerts a staff member may see (open ones, or all), with their timelines, for the API."""
    if user.is_resident:
        return Alert.objects.none()
    found = restrict(Alert.objects.open() if open_only else Alert.objects.all(), user)
    return (found.select_related("recipient__person", "request", "incident")
            .prefetch_related("steps").order_by("-opened_at", "-pk"))


def open_alerts_count(user: User) -> int:
    if user.is_resident:
        return 0
    return countable(Alert.objects.open(), user).count()


def alert(user: User, pk: int, action: str = "view") -> Alert | None:
    """One alert with its elder for staff who may ``action`` it (None otherwise, as if missing)."""
    if user.is_resident:
        return None
    return (restrict(Alert.objects.all(), user, action)
            .select_related("recipient__person", "recipient__person__neighborhood", "recipient__person__dwelling",
                            "recipient__person__compound", "recipient__worker", "recipient__volunteer__person",
                            "step_taken_by", "closed_by", "request")
            .filter(pk=pk).first())


def steps(user: User, alert: Alert) -> QuerySet[AlertStep]:
    """The alert's timeline, oldest first; ``told`` holds names and masked phones only."""
    return restrict(AlertStep.objects.filter(alert=alert), user).select_related("by").order_by("started_at", "pk")


def elder_alerts(user: User, recipient: CareRecipient, limit: int = 20) -> list[Alert]:
    """An elder's latest alerts, for her page (staff)."""
    if user.is_resident:
        return []
    return list(restrict(Alert.objects.filter(recipient=recipient), user).order_by("-opened_at", "-pk")[:limit])


def my_open_alert(user: User) -> Alert | None:
    """The signed-in elder's own open alert (she is on the roll), if any."""
    if not user.is_resident:
        return None
    return (restrict(Alert.objects.open(), user)
            .filter(recipient__person__user=user, recipient__left_roll_at__isnull=True).first())


def my_recipient(user: User) -> CareRecipient | None:
    """The signed-in resident's own place on the care roll, if she is on it."""
    if not user.is_resident:
        return None
    return (CareRecipient.objects.on_roll().select_related("person", "worker")
            .filter(person__user=user).first())


def next_visit(recipient: CareRecipient, now: dt.datetime) -> dt.date | None:
    """The day the elder's next visit is due (None when she has no visits scheduled)."""
    return visits.next_visit_due(recipient, now)


@dataclass(frozen=True)
class DoorVisit:
    """What a paired volunteer is told of an alert at the door-visit rung: whom to see, where, what to check."""

    pk: int
    name: str
    address: str
    what: str
    deadline: dt.datetime | None


def door_visits(user: User) -> list[DoorVisit]:
    """The alerts a volunteer is asked to visit for: her pairs' open alerts at the door-visit rung, and no more."""
    from shequ.eldercare.actions.alerts import alert_summary

    if not user.is_resident:
        return []
    found = (restrict(Alert.objects.open(), user)
             .filter(step=LadderStep.DOOR_VISIT, recipient__volunteer__person__user=user,
                     recipient__left_roll_at__isnull=True)
             .select_related("recipient__person", "recipient__person__dwelling", "recipient__person__compound",
                             "recipient__person__neighborhood").order_by("step_deadline", "pk"))
    return [DoorVisit(pk=row.pk, name=row.recipient.person.name, address=address_of(row.recipient),
                      what=alert_summary(row), deadline=row.step_deadline) for row in found]


# Home sensors offline ---------------------------------------------------------------------------------------------

def _offline_devices(dwelling_ids: list[int]) -> QuerySet:
    from shequ.safety.choices import HOME_SENSOR_KINDS, Availability
    from shequ.safety.models import Device

    return Device.objects.filter(dwelling_id__in=dwelling_ids, kind__in=list(HOME_SENSOR_KINDS), active=True,
                                 availability=Availability.OFFLINE)


@dataclass(frozen=True)
class OfflineSensor:
    recipient_pk: int
    name: str
    kind: str
    since: dt.datetime | None


def _desk_roll(user: User) -> QuerySet[CareRecipient]:
    """The elders on the desk: those on the roll the staff member may see."""
    if user.is_resident:
        return CareRecipient.objects.none()
    return restrict(CareRecipient.objects.on_roll(), user)


def sensors_offline(user: User) -> list[OfflineSensor]:
    """The home sensors (water meter, door and motion sensors, smoke alarm, call button) in service and offline in
    the homes of the elders the user may see, one row per sensor, the longest silent first."""
    homes: dict[int, list[int]] = defaultdict(list)
    for pk, dwelling_id in _desk_roll(user).filter(person__dwelling__isnull=False) \
            .values_list("pk", "person__dwelling_id"):
        homes[dwelling_id].append(pk)
    if not homes:
        return []
    rows = _offline_devices(list(homes)).order_by("availability_changed_at", "pk") \
        .values_list("dwelling_id", "name", "kind", "availability_changed_at")
    return [OfflineSensor(recipient_pk=pk, name=name, kind=kind, since=since)
            for dwelling_id, name, kind, since in rows for pk in homes[dwelling_id]]


def sensors_offline_count(user: User) -> int:
    return len(sensors_offline(user))


# The desk's elders by risk ------------------------------------------------------------------------------------------

@dataclass
class DeskElder:
    """One elder on the care desk with what puts her higher on it."""

    recipient: CareRecipient
    alert: Alert | None = None
    recent_alerts: int = 0
    reassessment_due: bool = False
    offline: list[str] = field(default_factory=list)

    @property
    def risk(self) -> tuple[int, int, int, int, int]:
        """Higher is riskier: an open alert's severity and rung, then alerts lately, re-assessment due, sensors
        offline."""
        return (self.alert.severity if self.alert else 0, self.alert.rung if self.alert else 0,
                self.recent_alerts, int(self.reassessment_due), len(self.offline))


def elders_by_risk(user: User, *, now: dt.datetime | None = None, limit: int = 200) -> list[DeskElder]:
    """The user's elders, riskiest first: an open alert's severity and ladder rung, then the number of alerts in
    the last 30 days, then a care re-assessment due, then home sensors offline; by name within the same risk."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=RECENT_DAYS)
    recipients = list(with_grade(_desk_roll(user))
                      .annotate(recent=Count("alerts", filter=Q(alerts__opened_at__gte=since)))
                      .select_related("person", "person__neighborhood", "person__dwelling", "person__compound",
                                      "worker").order_by("person__name", "pk"))
    ids = [recipient.pk for recipient in recipients]
    alerts = {row.recipient_id: row for row in Alert.objects.filter(recipient_id__in=ids, status=AlertStatus.OPEN)}
    offline: dict[int, list[str]] = defaultdict(list)
    for sensor in sensors_offline(user):
        offline[sensor.recipient_pk].append(sensor.name)
    due_before = reassessment_due_before(timezone.localdate(now))
    rows = [DeskElder(recipient=recipient, alert=alerts.get(recipient.pk),
                      recent_alerts=recipient.recent,  # type: ignore[attr-defined]
                      reassessment_due=bool(recipient.grade_valid_until  # type: ignore[attr-defined]
                                            and recipient.grade_valid_until <= due_before),  # type: ignore[attr-defined]
                      offline=offline.get(recipient.pk, []))
            for recipient in recipients]
    rows.sort(key=lambda row: row.risk, reverse=True)
    return rows[:limit]


def may_work_alerts(user: User) -> bool:
    return not user.is_resident and can(user, Alert, "change")


def summary(user: User) -> dict[str, int]:
    return {"open_alerts": open_alerts_count(user), "sensors_offline": sensors_offline_count(user)}
