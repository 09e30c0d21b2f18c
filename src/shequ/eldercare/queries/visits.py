"""Scoped reads about visits (关爱探访): how often an elder should be visited, when her next visit is due, whose
visits are overdue, and the visits themselves.

An elder should get ``max(her grade's home-care visits, the pairing's visits)`` visits a week, the pairing's
(``ELDERCARE_PAIR_VISITS_PER_WEEK``) only when she has a paired volunteer. The next visit is due a whole number of
days after her last one: ``7 // visits a week`` days (at least one), so that she gets at least as many as she
should; never visited, it is due from the day she joined the roll. An elder away from home is not overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.models import User
from shequ.core.registry import Period, per_period
from shequ.core.scopes import countable, restrict
from shequ.eldercare.choices import visits_per_week
from shequ.eldercare.models import CareRecipient, Visit
from shequ.eldercare.queries.roll import address_of, with_grade
from shequ.volunteers.models import Volunteer


def pair_visits_per_week() -> int:
    return int(getattr(settings, "ELDERCARE_PAIR_VISITS_PER_WEEK", 1))


def pairs_per_volunteer() -> int:
    return int(getattr(settings, "ELDERCARE_PAIRS_PER_VOLUNTEER", 5))


def visits_a_week(grade: int | None, paired: bool) -> int:
    """The visits a week an elder should get, from her care grade and whether she has a paired volunteer."""
    return max(visits_per_week(grade), pair_visits_per_week() if paired else 0)


def interval_days(per_week: int) -> int:
    return max(1, 7 // per_week)


def _due(*, per_week: int, last_visit: dt.datetime | None, on_roll_since: dt.date) -> dt.date | None:
    if per_week <= 0:
        return None
    if last_visit is None:
        return on_roll_since
    return timezone.localtime(last_visit).date() + dt.timedelta(days=interval_days(per_week))


def _with_schedule(queryset: QuerySet[CareRecipient]) -> QuerySet[CareRecipient]:
    return with_grade(queryset).annotate(last_visit=Max("visits__started_at"))


def _grade_of(recipient: CareRecipient) -> int | None:
    grade = getattr(recipient, "grade", None)
    if grade is None and not hasattr(recipient, "grade"):
        latest = recipient.assessments.order_by("-assessed_on", "-pk").first()
        grade = latest.grade if latest else None
    return grade


def next_visit_due(recipient: CareRecipient, now: dt.datetime | None = None) -> dt.date | None:
    """The day her next visit is due (None if she needs none: no grade that implies visits and no pairing).

    The day depends only on her visits so far, her grade and her pairing; ``now`` is accepted so that callers
    can pass their clock uniformly, and visits begun after it are not counted."""
    if now is not None:
        last = recipient.visits.filter(started_at__lte=now).aggregate(last=Max("started_at"))["last"]
    elif hasattr(recipient, "last_visit"):
        last = recipient.last_visit
    else:
        last = recipient.visits.aggregate(last=Max("started_at"))["last"]
    return _due(per_week=visits_a_week(_grade_of(recipient), recipient.volunteer_id is not None),
                last_visit=last, on_roll_since=recipient.on_roll_since)


@dataclass(frozen=True)
class DueVisit:
    """An elder whose visit is due: what the worker's list and the volunteer's pairs show."""

    recipient: CareRecipient
    due: dt.date | None
    overdue_days: int
    per_week: int

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def _in_scope(user: User) -> QuerySet[CareRecipient]:
    """Elders on the roll whose visits the user keeps: a volunteer her pairs; staff the elders they may see."""
    found = CareRecipient.objects.on_roll()
    if user.is_resident:
        return found.filter(volunteer__person__user=user, volunteer__active=True)
    return restrict(found, user)


def schedule(user: User, now: dt.datetime | None = None) -> list[DueVisit]:
    """Every elder in the user's care with a visit frequency, with her next visit due, most overdue first."""
    today = timezone.localdate(now) if now else timezone.localdate()
    away = set(CareRecipient.objects.away_on(today).values_list("pk", flat=True))
    rows: list[DueVisit] = []
    for recipient in _with_schedule(_in_scope(user)).select_related(
            "person", "person__dwelling", "person__compound", "person__neighborhood", "worker", "volunteer__person"):
        per_week = visits_a_week(recipient.grade, recipient.volunteer_id is not None)  # type: ignore[attr-defined]
        due = _due(per_week=per_week, last_visit=recipient.last_visit,  # type: ignore[attr-defined]
                   on_roll_since=recipient.on_roll_since)
        late = (today - due).days if due is not None and recipient.pk not in away else 0
        rows.append(DueVisit(recipient=recipient, due=due, overdue_days=max(0, late), per_week=per_week))
    rows.sort(key=lambda row: (-row.overdue_days, row.due or dt.date.max, row.recipient.person.name))
    return rows


def overdue_visits(user: User, now: dt.datetime | None = None) -> list[DueVisit]:
    """The elders whose visit is overdue (due before today, not away): a committee worker's elders, a volunteer's
    pairs."""
    return [row for row in schedule(user, now) if row.overdue]


def overdue_count(user: User) -> int:
    return len(overdue_visits(user))


@dataclass(frozen=True)
class PairVisit:
    """What a paired volunteer sees of an elder: name, address, next visit — and her open visit, if any."""

    pk: int
    name: str
    address: str
    next_visit: dt.date | None
    overdue: bool
    open_visit: int | None


def my_pairs(user: User, now: dt.datetime | None = None) -> list[PairVisit]:
    """A volunteer's pairs with their next visit (nothing else about the elder)."""
    if not user.is_resident:
        return []
    open_visits = dict(Visit.objects.filter(volunteer__person__user=user, ended_at__isnull=True)
                       .values_list("recipient_id", "pk"))
    return [PairVisit(pk=row.recipient.pk, name=row.recipient.person.name, address=address_of(row.recipient),
                      next_visit=row.due, overdue=row.overdue, open_visit=open_visits.get(row.recipient.pk))
            for row in sorted(schedule(user, now), key=lambda row: (row.recipient.person.name, row.recipient.pk))]


def visitor_recipient(user: User, pk: int) -> CareRecipient | None:
    """An elder the user may visit: a volunteer's own pair, or an elder a staff member may change."""
    found = CareRecipient.objects.on_roll().select_related("person", "person__dwelling", "person__compound",
                                                           "person__neighborhood", "volunteer")
    if user.is_resident:
        return found.filter(volunteer__person__user=user, volunteer__active=True, pk=pk).first()
    return restrict(found, user, "change").filter(pk=pk).first()


def visit(user: User, pk: int, action: str = "view") -> Visit | None:
    return restrict(Visit.objects.select_related("recipient__person", "volunteer__person", "worker"),
                    user, action).filter(pk=pk).first()


def visits(user: User, recipient: CareRecipient | None = None) -> QuerySet[Visit]:
    found = restrict(Visit.objects.select_related("recipient__person", "volunteer__person", "worker"), user)
    if recipient is not None:
        found = found.filter(recipient=recipient)
    return found


def to_bank(user: User) -> QuerySet[Visit]:
    """Volunteers' finished visits whose minutes are not banked yet (logged from a phone), for the worker."""
    if user.is_resident:
        return Visit.objects.none()
    return restrict(Visit.objects.select_related("recipient__person", "volunteer__person"), user, "change").filter(
        volunteer__isnull=False, ended_at__isnull=False, minutes__gt=0, ledger_reference="",
        minutes_credited=0).order_by("ended_at", "pk")


def visits_by_period(user: User, periods: list[Period]) -> list[int]:
    """Visits begun in each period that the user may count, in one query (the dashboard's figure and trend)."""
    return per_period(countable(Visit.objects.all(), user), periods, "started_at", moment=True)


def pairs_of(volunteer: Volunteer, *, excluding: CareRecipient | None = None) -> int:
    found = CareRecipient.objects.on_roll().filter(volunteer=volunteer)
    if excluding is not None:
        found = found.exclude(pk=excluding.pk)
    return found.count()


def pairing_warning(volunteer: Volunteer | None, recipient: CareRecipient) -> str:
    """A warning (never a refusal) when the volunteer already has as many pairs as one volunteer should keep."""
    if volunteer is None or recipient.volunteer_id == volunteer.pk:
        return ""
    already = pairs_of(volunteer, excluding=recipient)
    if already < pairs_per_volunteer():
        return ""
    return _("%(name)s already visits %(n)d elders; one volunteer usually keeps about %(usual)d.") % {
        "name": volunteer.person.name, "n": already, "usual": pairs_per_volunteer()}
