"""Reads of volunteering, through ``restrict``: rosters, hours, certificates and the coordinator's report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.core.models import User
from shequ.core.registry import TileLine, per_period
from shequ.core.scopes import restrict
from shequ.volunteers import seams
from shequ.volunteers.choices import SignUpStatus
from shequ.volunteers.models import Activity, Shift, SignUp, TimeSpend, Volunteer

_TAKEN = Q(signups__status=SignUpStatus.SIGNED_UP)


def volunteers(user: User) -> QuerySet[Volunteer]:
    return restrict(Volunteer.objects.select_related("person"), user)


def activities(user: User) -> QuerySet[Activity]:
    return restrict(Activity.objects.all(), user)


def shifts(user: User, activity: Activity | None = None) -> QuerySet[Shift]:
    found = restrict(Shift.objects.select_related("activity"), user).annotate(taken=Count("signups", filter=_TAKEN))
    return found.filter(activity=activity) if activity else found


def open_shifts(subdistrict_id: int | None) -> QuerySet[Shift]:
    """Upcoming shifts any resident of the sub-district may see and sign up for (they are public notices)."""
    if subdistrict_id is None:
        return Shift.objects.none()
    return (Shift.objects.filter(subdistrict_id=subdistrict_id, ends_at__gt=timezone.now())
            .select_related("activity").annotate(taken=Count("signups", filter=_TAKEN)).order_by("starts_at", "id"))


def roster(user: User, shift: Shift) -> QuerySet[SignUp]:
    return restrict(SignUp.objects.select_related("volunteer__person"), user).filter(
        shift=shift, status=SignUpStatus.SIGNED_UP).order_by("volunteer__person__name_pinyin")


def signups(user: User) -> QuerySet[SignUp]:
    return restrict(SignUp.objects.select_related("shift__activity", "volunteer__person"), user)


def served(user: User, volunteer: Volunteer, *, since: dt.date | None = None, until: dt.date | None = None,
           ) -> QuerySet[SignUp]:
    """Shifts the volunteer served (checked out with minutes), for the certificate."""
    found = signups(user).filter(volunteer=volunteer, minutes_credited__gt=0)
    if since:
        found = found.filter(shift__starts_at__date__gte=since)
    if until:
        found = found.filter(shift__starts_at__date__lte=until)
    return found.order_by("shift__starts_at")


def hours_report(user: User, *, since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
    """Per volunteer: shifts served and minutes credited in the period, minutes spent, and time-bank balance."""
    period = Q(signups__minutes_credited__gt=0)
    if since:
        period &= Q(signups__shift__starts_at__date__gte=since)
    if until:
        period &= Q(signups__shift__starts_at__date__lte=until)
    rows = restrict(Volunteer.objects.select_related("person"), user, "export").annotate(
        shifts_served=Count("signups", filter=period), minutes=Sum("signups__minutes_credited", filter=period,
                                                                   default=0),
    ).order_by("-minutes", "person__name_pinyin")
    spent = dict(TimeSpend.objects.filter(volunteer__in=[r.pk for r in rows]).values("volunteer")
                 .annotate(n=Sum("minutes")).values_list("volunteer", "n"))
    return [{"volunteer": row, "shifts": row.shifts_served, "minutes": row.minutes, "spent": spent.get(row.pk, 0),
             "balance": seams.time_bank_balance(row.person)} for row in rows]


def my_volunteering(user: User) -> dict[str, Any]:
    volunteer = Volunteer.objects.select_related("person").filter(person__user=user).first()
    if volunteer is None:
        return {"volunteer": None}
    mine = signups(user).filter(volunteer=volunteer)
    return {
        "volunteer": volunteer, "balance": seams.time_bank_balance(volunteer.person),
        "upcoming": mine.filter(status=SignUpStatus.SIGNED_UP, shift__ends_at__gt=timezone.now()),
        "served": mine.filter(minutes_credited__gt=0).order_by("-shift__starts_at")[:50],
        "spends": restrict(TimeSpend.objects.all(), user).filter(volunteer=volunteer)[:50],
        "total_minutes": mine.aggregate(n=Sum("minutes_credited", default=0))["n"],
        "open_shifts": open_shifts(volunteer.subdistrict_id).exclude(
            signups__volunteer=volunteer, signups__status=SignUpStatus.SIGNED_UP)[:30],
    }


# Workbench counts


def shifts_today_unfilled(user: User) -> QuerySet[Shift]:
    """Today's shifts, not yet over, with places nobody has taken: the coordinator still looks for volunteers."""
    now = timezone.now()
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    return (shifts(user).filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1), ends_at__gt=now)
            .filter(taken__lt=F("capacity")).order_by("starts_at", "id"))  # type: ignore[misc]


def count_shifts_today_unfilled(user: User) -> int:
    return shifts_today_unfilled(user).count()


# Dashboard figures


def hours_by_period(user: User, periods: list[Any]) -> list[float]:
    """Hours credited to volunteers for the shifts that started in each period (as the hours report counts)."""
    minutes = per_period(restrict(SignUp.objects.all(), user), periods, "shift__starts_at", moment=True,
                         measure=lambda within: Sum("minutes_credited", filter=within, default=0))
    return [round(value / 60, 1) for value in minutes]


# Portal tiles


def my_volunteering_tile(user: User) -> list[Any]:
    """Her next shift signed up for, and the hours she has served this year."""
    month_day = pgettext("month and day on a portal tile", "M j")
    volunteer = volunteers(user).first()
    if volunteer is None:
        return [TileLine(_("Volunteer"), _("not registered yet"))]
    now = timezone.localtime()
    mine = signups(user).filter(volunteer=volunteer)
    upcoming = (mine.filter(status=SignUpStatus.SIGNED_UP, shift__ends_at__gt=now).order_by("shift__starts_at")
                .values_list("shift__starts_at", flat=True).first())
    new_year = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    minutes = mine.filter(shift__starts_at__gte=new_year).aggregate(n=Sum("minutes_credited", default=0))["n"]
    when = timezone.localtime(upcoming) if upcoming else None
    return [
        TileLine(_("Next shift"), f"{date_format(when, month_day)} {when:%H:%M}" if when else _("none")),
        TileLine(_("Hours this year"), f"{minutes / 60:.1f}".removesuffix(".0")),
    ]
