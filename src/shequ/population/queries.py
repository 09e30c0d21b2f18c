"""Reads of the registry, always through :func:`shequ.core.scopes.restrict`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shequ.core.dates import add_years
from shequ.core.idnumbers import normalize as normalize_id
from shequ.core.models import User
from shequ.core.scopes import restrict
from shequ.core.text import looks_like_pinyin
from shequ.population.choices import PersonStatus, ResidenceType
from shequ.population.models import Household, LifeEvent, Person, ResidencePermit

_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_DIGITS = re.compile(r"^\d{7,13}$")


def people(user: User, action: str = "view") -> QuerySet[Person]:
    return restrict(Person.objects.all(), user, action)


def search_kind(query: str) -> str:
    """What a search box entry is: id, phone, pinyin, name or address."""
    text = query.strip()
    if _ID_PATTERN.match(normalize_id(text)):
        return "id"
    if _DIGITS.match(text.replace(" ", "").replace("-", "")):
        return "phone"
    if looks_like_pinyin(text):
        return "pinyin"
    if any(ch.isdigit() for ch in text) or any(mark in text for mark in ("弄", "号", "室", "路", "小区")):
        return "address"
    return "name"


def search_people(
    user: User,
    query: str = "",
    *,
    neighborhood_id: int | None = None,
    compound_id: int | None = None,
    residence_type: str = "",
    status: str = PersonStatus.ACTIVE,
    tag: str = "",
    action: str = "view",
) -> QuerySet[Person]:
    """People the user may see, matching a name (characters or prefix), full pinyin, pinyin initials,
    a whole ID number, a whole phone number or part of an address."""
    found = people(user, action)
    text = query.strip()
    if text:
        kind = search_kind(text)
        if kind == "id":
            index = Person._meta.get_field("id_number_index").index_for(text)  # type: ignore[attr-defined]
            found = found.filter(id_number_index=index)
        elif kind == "phone":
            index = Person._meta.get_field("phone_index").index_for(text)  # type: ignore[attr-defined]
            found = found.filter(phone_index=index)
        elif kind == "pinyin":
            letters = text.replace(" ", "").lower()
            found = found.filter(Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters))
        elif kind == "address":
            for part in text.split():
                found = found.filter(dwelling__label__contains=part)
        else:
            found = found.filter(name__startswith=text)
    if status:
        found = found.filter(status=status)
    if neighborhood_id:
        found = found.filter(neighborhood_id=neighborhood_id)
    if compound_id:
        found = found.filter(dwelling__building__compound_id=compound_id)
    if residence_type:
        found = found.filter(residence_type=residence_type)
    if tag:
        found = found.filter(tags__code=tag)
    return found.select_related("dwelling", "neighborhood").order_by("name_pinyin", "id")


def person_detail(user: User, pk: int) -> Person:
    from shequ.core.scopes import get_visible

    return get_visible(
        Person.objects.select_related("dwelling__building__compound__neighborhood", "household", "user")
        .prefetch_related("tags"),
        user, "view", pk=pk,
    )


def household_members(user: User, household: Household | None) -> QuerySet[Person]:
    if household is None:
        return Person.objects.none()
    return people(user).filter(household=household, status=PersonStatus.ACTIVE).order_by("birth_date")


def permits(user: User, *, status: str = "", expiring_within_days: int | None = None) -> QuerySet[ResidencePermit]:
    found = restrict(ResidencePermit.objects.select_related("person", "person__dwelling"), user)
    if status:
        found = found.filter(status=status)
    if expiring_within_days is not None:
        today = timezone.localdate()
        found = found.filter(status="issued", expires_on__gte=today,
                             expires_on__lte=today + dt.timedelta(days=expiring_within_days))
    return found.order_by("expires_on", "id")


AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-17", 0, 17), ("18-34", 18, 34), ("35-59", 35, 59), ("60-69", 60, 69), ("70-79", 70, 79),
    ("80-89", 80, 89), ("90+", 90, None),
]


def _age_band_case(today: dt.date) -> Case:
    whens = []
    for label, low, _high in reversed(AGE_BANDS):
        # Aged at least `low` means born on or before today minus `low` years.
        whens.append(When(birth_date__lte=add_years(today, -low), then=Value(label)))
    return Case(*whens, default=Value("0-17"))


@dataclass
class Dynamics:
    total: int
    by_neighborhood: list[dict[str, Any]]
    by_compound: list[dict[str, Any]]
    by_residence_type: list[dict[str, Any]]
    by_age_band: list[dict[str, Any]]
    by_sex: list[Any]
    moves_by_month: list[dict[str, Any]] = field(default_factory=list)


def population_dynamics(user: User, *, months: int = 12, today: dt.date | None = None) -> Dynamics:
    """Counts of people living here now, and month-by-month moves, within what the user may see."""
    today = today or timezone.localdate()
    living = people(user, "export").filter(status=PersonStatus.ACTIVE)
    by_type = {row["residence_type"]: row["n"] for row in living.values("residence_type").annotate(n=Count("id"))}
    by_neighborhood = list(
        living.values("neighborhood_id", "neighborhood__name").annotate(n=Count("id")).order_by("neighborhood__name")
    )
    by_compound = list(
        living.values("dwelling__building__compound_id", "dwelling__building__compound__name")
        .annotate(n=Count("id")).order_by("dwelling__building__compound__name")
    )
    ages = dict(living.annotate(band=_age_band_case(today)).values("band").annotate(n=Count("id"))
                .values_list("band", "n"))
    by_sex = list(living.values("sex").annotate(n=Count("id")).order_by("sex"))
    first_month = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    events = restrict(LifeEvent.objects.all(), user, "export").filter(occurred_on__gte=first_month)
    month_rows = (
        events.annotate(month=TruncMonth("occurred_on")).values("month", "kind").annotate(n=Count("id"))
    )
    months_index: dict[str, dict[str, Any]] = {}
    cursor = first_month
    while cursor <= today:
        key = cursor.strftime("%Y-%m")
        months_index[key] = {"month": key, "move_in": 0, "move_out": 0, "move_within": 0, "birth": 0,
                             "death": 0, "registered": 0}
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    for row in month_rows:
        month = row["month"]
        key = month.strftime("%Y-%m") if month else ""
        if key in months_index:
            months_index[key][row["kind"]] = months_index[key].get(row["kind"], 0) + row["n"]
    return Dynamics(
        total=sum(by_type.values()),
        by_neighborhood=[{"id": r["neighborhood_id"], "name": r["neighborhood__name"], "n": r["n"]}
                         for r in by_neighborhood],
        by_compound=[{"id": r["dwelling__building__compound_id"], "name": r["dwelling__building__compound__name"],
                      "n": r["n"]} for r in by_compound],
        by_residence_type=[{"code": code, "label": str(label), "n": by_type.get(code, 0)}
                           for code, label in ResidenceType.choices],
        by_age_band=[{"band": label, "n": ages.get(label, 0)} for label, _low, _high in AGE_BANDS],
        by_sex=by_sex,
        moves_by_month=list(months_index.values()),
    )


