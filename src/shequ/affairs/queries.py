"""Reads of the service centre, always through :func:`shequ.core.scopes.restrict` (the catalogue is public)."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.affairs import assessment
from shequ.affairs.choices import DONE_STATUSES, OPEN_STATUSES, Status
from shequ.affairs.models import Department, EmergencyDispatch, Holiday, RequestStep, Service, ServiceRequest
from shequ.core import queries as core_queries
from shequ.core.errors import NotFound
from shequ.core.memo import ProcessMemo
from shequ.core.models import Compound, Dwelling, User
from shequ.core.registry import TileLine, per_period
from shequ.core.scopes import get_visible, restrict

_LIST_RELATED = ("service", "department", "assignee", "compound", "neighborhood")


def requests(user: Any, action: str = "view") -> QuerySet[ServiceRequest]:
    return restrict(ServiceRequest.objects.all(), user, action)


def queue(
    user: Any, *, status: str = "", department_id: int | None = None, q: str = "", open_only: bool = True,
    emergency: bool | None = None, state: str = "", due: str = "", now: dt.datetime | None = None,
) -> QuerySet[ServiceRequest]:
    """The requests a member of staff works through, oldest deadline first.

    ``state`` narrows to the work of one side: ``to_dispatch`` (the service centre's) or ``to_handle`` (the
    departments' the user works for); ``due`` to deadlines that are ``soon`` or ``overdue``. These are the
    lists behind the workbench counts, read by the same functions as the counts.
    """
    now = now or timezone.now()
    if state == "to_dispatch":
        found = to_dispatch(user)
    elif state == "to_handle":
        found = to_handle(user)
    else:
        found = requests(user)
    if due == "soon":
        found = found.filter(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lt=due_soon_until(now))
    elif due == "overdue":
        found = found.filter(due_at__lt=now, status__in=OPEN_STATUSES)
    found = found.select_related(*_LIST_RELATED)
    if status:
        found = found.filter(status=status)
    elif open_only:
        found = found.filter(status__in=OPEN_STATUSES)
    if department_id:
        found = found.filter(department_id=department_id)
    if emergency is not None:
        found = found.filter(is_emergency=emergency)
    text = q.strip()
    if text:
        from shequ.core.crypto import normalize_phone

        digits = normalize_phone(text)
        condition = Q(number=text) | Q(description__contains=text) | Q(address__contains=text)
        if len(digits) >= 7 and digits == text.replace(" ", "").replace("-", ""):
            index = ServiceRequest._meta.get_field("caller_phone_index").index_for(text)  # type: ignore[attr-defined]
            condition |= Q(caller_phone_index=index)
        found = found.filter(condition)
    return found.order_by("due_at", "id")


MAX_PK = 2**63 - 1


def request_detail(user: Any, pk: int) -> ServiceRequest:
    if not 0 < pk <= MAX_PK:  # a URL can carry any number of digits; the database cannot
        raise NotFound()
    return get_visible(ServiceRequest.objects.select_related(*_LIST_RELATED, "person", "dwelling", "merged_into"),
                       user, "view", pk=pk)


def by_number(user: Any, number: str) -> ServiceRequest:
    return get_visible(ServiceRequest.objects.select_related(*_LIST_RELATED), user, "view", number=number)


def steps(user: Any, request: ServiceRequest) -> QuerySet[RequestStep]:
    return restrict(RequestStep.objects.filter(request=request), user).select_related("actor", "department",
                                                                                      "assignee")


def watch_list(user: Any, now: dt.datetime | None = None) -> QuerySet[ServiceRequest]:
    """督办: open requests past their deadline, the longest overdue first."""
    now = now or timezone.now()
    return (requests(user).filter(status__in=OPEN_STATUSES, due_at__lt=now)
            .select_related(*_LIST_RELATED).order_by("due_at", "id"))


def my_requests(user: User) -> QuerySet[ServiceRequest]:
    """A resident's own requests, newest first."""
    return requests(user).select_related("service").order_by("-created_at", "-id")


def emergency_linkages(user: Any) -> QuerySet[EmergencyDispatch]:
    """Alerts of open emergencies the user may see, with who has acknowledged."""
    return (restrict(EmergencyDispatch.objects.all(), user)
            .filter(request__status__in=(*OPEN_STATUSES, Status.RESOLVED))
            .select_related("request", "request__service", "department", "acknowledged_by")
            .order_by("-request__created_at", "request_id", "department__name"))


def catalogue(subdistrict_id: int | None = None, *, include_inactive: bool = False) -> QuerySet[Service]:
    """The service catalogue is public: what one can ask for, what to bring and how long it takes."""
    found = Service.objects.select_related("department")
    if subdistrict_id is not None:
        found = found.filter(subdistrict_id=subdistrict_id)
    if not include_inactive:
        found = found.filter(active=True)
    return found.order_by("category", "code")


# Every new request reads its service; the catalogue changes a few times a year (see core.memo).
_catalogue_entries: ProcessMemo[Service | None] = ProcessMemo("catalogue", seconds=30, models=(Service,))


def catalogue_entry(subdistrict_id: int | None, code: str) -> Service | None:
    """One service one can ask for, by its code (without its department: read when needed). An administrator's
    change shows at once in her own process and within half a minute in the others."""
    if subdistrict_id is None:
        return None
    found = _catalogue_entries.get((subdistrict_id, code), lambda: Service.objects.filter(
        subdistrict_id=subdistrict_id, code=code, active=True).order_by().first())
    return copy.copy(found)  # the caller's own instance: nothing it sets on it reaches the next request


def departments(user: Any) -> QuerySet[Department]:
    return restrict(Department.objects.all(), user).filter(active=True).order_by("kind", "name")


def holidays(year: int | None = None) -> QuerySet[Holiday]:
    found = Holiday.objects.all()
    if year:
        found = found.filter(date__year=year)
    return found.order_by("date")


CALLER_FIELDS = ("id", "name", "subdistrict_id", "neighborhood_id", "compound_id", "dwelling")


def caller_match(user: Any, phone: str) -> Any:
    """The one resident in the registry with this phone number that the user may see, if exactly one, with her
    home (its building, compound and neighborhood): most callers report something at home."""
    from shequ.core.roles import Role
    from shequ.population import queries as population_queries

    if not phone or getattr(user, "role", None) == Role.RESIDENT:
        return None
    # Only what a request takes from her (her ID number and phone are not decrypted for nothing).
    found = list(population_queries.living_with_phone(user, phone)
                 .select_related("dwelling__building__compound__neighborhood").only(*CALLER_FIELDS)[:2])
    return found[0] if len(found) == 1 else None


def dwelling_in_area(user: Any, pk: int) -> Dwelling | None:
    """One dwelling of the user's area, with its building, compound and neighborhood."""
    return core_queries.dwellings(user).select_related("building__compound__neighborhood").filter(pk=pk).first()


# Where a request is, from what an Open311 client gives --------------------------------------------------------

NEAREST_COMPOUND_METRES = 500
_EARTH_METRES = 6_371_000


def _metres(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance (haversine): exact enough for choosing between compounds a few hundred metres apart."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_METRES * math.asin(math.sqrt(a))


def compound_near(user: Any, lat: Decimal, long: Decimal) -> Compound | None:
    """The compound of the user's area whose centre is nearest to the point, if within 500 m of it."""
    best: tuple[float, Compound] | None = None
    for compound in core_queries.compounds(user).filter(lat__isnull=False, long__isnull=False):
        assert compound.lat is not None and compound.long is not None
        distance = _metres(float(lat), float(long), float(compound.lat), float(compound.long))
        if distance <= NEAREST_COMPOUND_METRES and (best is None or distance < best[0]):
            best = (distance, compound)
    return best[1] if best else None


def place_named(user: Any, text: str) -> Dwelling | Compound | None:
    """The dwelling of the user's area whose full address is ``text``; else the compound of her area whose
    address (华山路1088弄) or name (华山小区) the text contains, the longest such when several do."""
    compact = "".join((text or "").split())
    if not compact:
        return None
    dwelling = core_queries.dwellings(user).select_related("building__compound__neighborhood").filter(
        label=compact).first()
    if dwelling is not None:
        return dwelling
    best: tuple[int, Compound] | None = None
    for compound in core_queries.compounds(user):
        for key in (compound.address, compound.name):
            if key and key in compact and (best is None or len(key) > best[0]):
                best = (len(key), compound)
    return best[1] if best else None


# Workbench counts -------------------------------------------------------------------------------------------
# Each count is the number of rows of a list page with the same filter (see the view that reads the filter).

TO_DISPATCH = (Status.ACCEPTED, Status.RETURNED)
TO_HANDLE = (Status.DISPATCHED, Status.IN_PROGRESS)


def to_dispatch(user: Any) -> QuerySet[ServiceRequest]:
    """Requests waiting for the service centre to send them to a department (new, or returned to it)."""
    return requests(user).filter(status__in=TO_DISPATCH)


def to_handle(user: Any) -> QuerySet[ServiceRequest]:
    """Requests sent to a department the user works for, or to the user herself, that are not yet resolved."""
    own = ServiceRequest.objects.filter(Q(department__members__user=user.pk) | Q(assignee=user.pk)).values("pk")
    return requests(user).filter(status__in=TO_HANDLE, pk__in=own)


def due_soon_until(now: dt.datetime | None = None) -> dt.datetime:
    """The end of the next working day's worth of time from now: deadlines before it are "due soon"."""
    from shequ.affairs.workdays import add_working_days

    return add_working_days(now or timezone.now(), 1)


def due_soon(user: Any, now: dt.datetime | None = None) -> QuerySet[ServiceRequest]:
    """Open requests not yet overdue whose deadline falls within the next working day."""
    now = now or timezone.now()
    return requests(user).filter(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lt=due_soon_until(now))


def waiting_linkages(user: Any) -> QuerySet[EmergencyDispatch]:
    """Alerts of open emergencies that the party alerted has not acknowledged yet."""
    return emergency_linkages(user).filter(acknowledged_at__isnull=True)


def count_to_dispatch(user: Any) -> int:
    return to_dispatch(user).count()


def count_to_handle(user: Any) -> int:
    return to_handle(user).count()


def count_due_soon(user: Any) -> int:
    return due_soon(user).count()


def count_overdue(user: Any) -> int:
    return watch_list(user).order_by().count()


def count_unacknowledged_emergencies(user: Any) -> int:
    """Emergencies (requests) with at least one alerted party that has not acknowledged: the board's groups."""
    return waiting_linkages(user).order_by().values("request_id").distinct().count()


# Hotline check (workbench) ----------------------------------------------------------------------------------

_BUILDING_ROOM = re.compile(r"(\d+)\s*(?:号楼|号|幢|栋)\s*(\d{2,5})")


@dataclass(frozen=True)
class IntakeCheck:
    """What the check step of the hotline found for a call: the caller in the registry, the services the text
    suggests, and where the request is (her home, or the place the text names)."""

    caller: Any
    suggestions: list[Any]
    service: Service | None
    department: Department | None
    compound: Compound | None
    dwelling: Dwelling | None

    def form_values(self) -> dict[str, str]:
        """The intake form's values for what was found, by field name."""
        values: dict[str, str] = {}
        if self.service is not None:
            values["service"] = str(self.service.pk)
        if self.department is not None:
            values["department"] = str(self.department.pk)
        if self.compound is not None:
            values["compound"] = str(self.compound.pk)
        if self.dwelling is not None:
            values["building"] = self.dwelling.building.number
            values["room"] = self.dwelling.room
        return values


def _place_in_text(user: Any, text: str) -> Dwelling | Compound | None:
    """The dwelling or compound of the user's area that the text names: "华山小区1号楼201室漏水" → 1号 201."""
    place = place_named(user, text)
    if isinstance(place, Compound):
        match = _BUILDING_ROOM.search(text)
        if match:
            room = core_queries.find_dwelling(user, compound=place, building=f"{match[1]}号", room=match[2])
            if room is not None:
                return dwelling_in_area(user, room.pk)
    return place


def intake_check(user: Any, *, caller_phone: str, description: str, address: str = "",
                 service: Service | None = None, department: Department | None = None,
                 compound: Compound | None = None) -> IntakeCheck:
    """Match a call to the registry, the catalogue and the organisation tree; what the operator gave wins."""
    from shequ.affairs import routing

    caller = caller_match(user, caller_phone)
    suggestions = routing.suggest(getattr(user, "subdistrict_id", None), description)
    chosen = service or (suggestions[0].service if suggestions else None)
    if department is None and chosen is not None:
        department = departments(user).filter(pk=chosen.department_id).first()
    dwelling: Dwelling | None = None
    if compound is None:
        place = ((caller.dwelling if caller is not None and caller.dwelling_id else None)
                 or (_place_in_text(user, address) if address.strip() else None) or _place_in_text(user, description))
        if isinstance(place, Dwelling):
            dwelling, compound = place, place.building.compound
        elif isinstance(place, Compound):
            compound = place
    return IntakeCheck(caller, suggestions, chosen, department, compound, dwelling)


# Dashboard figures


def assessed_by_period(user: Any, periods: list[Any], figure: str) -> list[int | float | None]:
    """One total of the assessment (received, on_time, overdue, satisfaction) for each period: the same
    computation as the assessment page, so the two always agree.

    The dashboard asks for the four totals of the same periods one after another; they come from one
    computation, kept on the user object for the rest of the request (as Django keeps a user's permissions)."""
    held: dict[tuple[Any, ...], list[Any]] = user.__dict__.setdefault("_assessment_totals", {})
    key = tuple(periods)
    if key not in held:
        held[key] = assessment.totals_by_period(user, periods)
    return [getattr(totals, figure) for totals in held[key]]


def emergencies_by_period(user: Any, periods: list[Any]) -> list[int]:
    """Emergency requests accepted in each period (duplicates merged into another are not counted)."""
    found = requests(user).filter(is_emergency=True).exclude(status=Status.MERGED)
    return per_period(found, periods, "created_at", moment=True)


# Portal tiles


def my_requests_tile(user: Any) -> list[Any]:
    """Her own requests by state: in progress, waiting for more from her (needs action), done."""
    by_status = dict(requests(user).order_by().values_list("status").annotate(n=Count("id")))
    returned = by_status.get(Status.RETURNED, 0)
    in_progress = sum(by_status.get(status, 0) for status in OPEN_STATUSES) - returned
    done = sum(by_status.get(status, 0) for status in DONE_STATUSES)
    lines = [TileLine(_("In progress"), str(in_progress)),
             TileLine(pgettext("service requests on a portal tile", "Done"), str(done))]
    if returned:
        lines.insert(0, TileLine(_("Waiting for you"), str(returned), warn=True))
    return lines
