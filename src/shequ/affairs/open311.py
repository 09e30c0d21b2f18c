"""Open311 GeoReport v2 at /open311/v2/, so that an existing Open311 client can talk to the service centre.

Field names, formats (.xml required, .json) and the error format follow http://wiki.open311.org/GeoReport_v2:
errors are a list of ``{code, description}`` with HTTP 404 for what does not exist, 403 for a missing or wrong
api_key and 400 for anything else. jurisdiction_id is the sub-district's division code; it may be left out
while the platform serves one sub-district.

Every service is ``realtime``: POST answers with the service_request_id (our request number). Reading needs no
key, as the specification says; but this is personal information under PIPL, so without an api_key a request
is shown without its description and with the compound only, never the caller: its address is the compound's
name and its lat/long the compound's centre (none when the compound has none), never the reported point. With a
key, the key's staff account sees what its scope allows. POST needs a key (see ``actions.create_open311_key``).

A request filed with a key is placed in the key account's area: ``address_id`` names a dwelling; else an
``address_string`` that is a dwelling's full address, or names a compound (its lane address or name); else
``lat``/``long`` within 500 m of a compound's centre. A key of staff below the sub-district (a committee worker)
must place it in a compound she serves, or is answered 400: she could not see a request she filed elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shequ.affairs import actions, queries
from shequ.affairs.choices import OPEN_STATUSES, Channel, SlaUnit, Status
from shequ.affairs.models import Open311Key, Service, ServiceRequest
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import Compound, Dwelling, Subdistrict, User
from shequ.core.scopes import level_of

MAX_RESULTS = 1000
MAX_SPAN = dt.timedelta(days=90)
CLOSED_STATUSES = (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED, Status.MERGED)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description
        super().__init__(description)


# Rendering --------------------------------------------------------------------------------------------------


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3(value)
    return str(value)


def _xml(root: str, item: str, rows: Iterable[dict[str, Any]]) -> bytes:
    top = ElementTree.Element(root)
    for row in rows:
        _xml_element(top, item, row)
    body: bytes = ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)
    return body


def _xml_element(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list):
                holder = ElementTree.SubElement(element, key)
                for entry in inner:
                    _xml_element(holder, key[:-1] if key.endswith("s") else key, entry)
            else:
                _xml_element(element, key, inner)
    else:
        element.text = _xml_text(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return w3(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _json_value(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_json_value(inner) for inner in value]
    return value


def _render(fmt: str, root: str, item: str, rows: list[dict[str, Any]] | dict[str, Any], status: int = 200
            ) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(_json_value(rows), safe=False, status=status, json_dumps_params={"ensure_ascii": False},
                            content_type="application/json; charset=utf-8")
    if isinstance(rows, dict):  # one element at the root (service_definition)
        top = ElementTree.Element(root)
        for key, value in rows.items():
            if isinstance(value, list):
                holder = ElementTree.SubElement(top, key)
                for entry in value:
                    _xml_element(holder, item, entry)
            else:
                _xml_element(top, key, value)
        body = ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)
    else:
        body = _xml(root, item, rows)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def w3(moment: dt.datetime) -> str:
    """ISO 8601 with the offset, as the specification's w3 note asks (2010-01-01T08:00:00+08:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turns Open311Error and domain errors into the specification's error list, in the asked format."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error.status, error.description)
        except NotFound as error:
            return _error(fmt, 404, str(error.message))
        except DomainError as error:
            return _error(fmt, 400, str(error.message))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# Arguments --------------------------------------------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or "").strip()


def _key(request: HttpRequest, *, required: bool) -> User | None:
    raw = _param(request, "api_key")
    if not raw:
        if required:
            raise Open311Error(403, _("api_key is missing -- it is required to create a request."))
        return None
    found = Open311Key.objects.filter(key_hash=actions.open311_key_hash(raw), active=True).select_related(
        "user").first()
    if found is None or not found.user.is_active:
        raise Open311Error(403, _("Invalid api_key received."))
    return found.user


def _jurisdiction(request: HttpRequest, user: User | None) -> Subdistrict:
    code = _param(request, "jurisdiction_id")
    if user is not None:
        if code and user.subdistrict is not None and code != user.subdistrict.code:
            raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": code})
        if user.subdistrict is None:
            raise Open311Error(403, _("Invalid api_key received."))
        return user.subdistrict
    if code:
        found = Subdistrict.objects.filter(code=code).first()
        if found is None:
            raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": code[:40]})
        return found
    only = list(Subdistrict.objects.all()[:2])
    if len(only) != 1:
        raise Open311Error(400, _("jurisdiction_id was not provided."))
    return only[0]


def _date(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a "+" in a query string arrives as a space
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(400, _("%(name)s must be a w3 date-time, e.g. 2010-01-01T00:00:00Z.") % {"name": name})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


# Shapes -----------------------------------------------------------------------------------------------------


def _service_row(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code, "service_name": service.name, "description": service.description or None,
        "metadata": bool(service.materials_list), "type": "realtime",
        "keywords": ", ".join(word for word in re.split(r"[\s,，、]+", service.keywords) if word) or None,
        "group": service.category,
    }


def _notice(service: Service) -> str:
    unit = _("working days") if service.sla_unit == SlaUnit.WORKING_DAYS else _("hours")
    notice = _("%(department)s handles this within %(amount)d %(unit)s.") % {
        "department": service.department.name, "amount": service.sla_amount, "unit": unit}
    if service.materials_list:
        notice += " " + _("Bring: %(materials)s.") % {"materials": "、".join(service.materials_list)}
    return notice


def _status_notes(request: ServiceRequest) -> str | None:
    if request.status == Status.MERGED and request.merged_into is not None:
        return _("Duplicate of %(number)s.") % {"number": request.merged_into.number}
    if request.status in CLOSED_STATUSES:
        return request.resolution or None
    return request.get_status_display()


def _request_row(request: ServiceRequest, *, full: bool) -> dict[str, Any]:
    closed = request.status in CLOSED_STATUSES
    updated = (request.closed_at or request.confirmed_at or request.resolved_at or request.updated_at) if closed \
        else request.updated_at
    # Without a key: where, to the compound only, and never who.
    compound = request.compound.name if request.compound else None
    address = (request.address or None) if full else compound
    if full:
        lat, long = request.lat, request.long
    else:
        lat = request.compound.lat if request.compound else None
        long = request.compound.long if request.compound else None
    return {
        "service_request_id": request.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(request),
        "service_name": request.service.name,
        "service_code": request.service.code,
        "description": request.description if full else None,
        "agency_responsible": request.department.name if request.department else None,
        "service_notice": _notice(request.service),
        "requested_datetime": request.created_at,
        "updated_datetime": updated,
        "expected_datetime": request.due_at,
        "address": address,
        "address_id": request.dwelling_id if full and request.dwelling_id else None,
        "zipcode": None,
        "lat": lat,
        "long": long,
        "media_url": None,
    }


def _visible_requests(user: User | None, jurisdiction: Subdistrict) -> QuerySet[ServiceRequest]:
    found = queries.requests(user) if user is not None else ServiceRequest.objects.all()
    return found.filter(subdistrict=jurisdiction).select_related("service__department", "department", "compound",
                                                                  "merged_into")


# Views ------------------------------------------------------------------------------------------------------


@endpoint
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service List."""
    jurisdiction = _jurisdiction(request, _key(request, required=False))
    rows = [_service_row(service) for service in queries.catalogue(jurisdiction.pk)]
    return _render(fmt, "services", "service", rows)


@endpoint
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET Service Definition: the materials to bring are given as information-only attributes."""
    jurisdiction = _jurisdiction(request, _key(request, required=False))
    service = queries.catalogue_entry(jurisdiction.pk, code)
    if service is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code})
    attributes = [{
        "variable": False, "code": f"MATERIAL{order}", "datatype": "string", "required": False,
        "datatype_description": None, "order": order, "description": material,
    } for order, material in enumerate(service.materials_list, start=1)]
    body = {"service_code": service.code, "attributes": attributes}
    if fmt == "json":
        return _render(fmt, "", "", body)
    return _render(fmt, "service_definition", "attribute", body)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@endpoint
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service Requests (with filters) and POST Service Request."""
    if request.method == "POST":
        return _create(request, fmt)
    user = _key(request, required=False)
    jurisdiction = _jurisdiction(request, user)
    found = _visible_requests(user, jurisdiction)
    ids = _split(_param(request, "service_request_id"))
    if ids:
        found = found.filter(number__in=ids[:MAX_RESULTS])
    else:
        codes = _split(_param(request, "service_code"))
        if codes:
            found = found.filter(service__code__in=codes)
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start and end and (end < start or end - start > MAX_SPAN):
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        if start is None and end is None:
            start = timezone.now() - MAX_SPAN
        elif start is None and end is not None:
            start = end - MAX_SPAN
        elif end is None and start is not None:
            end = start + MAX_SPAN
        found = found.filter(created_at__gte=start)
        if end is not None:
            found = found.filter(created_at__lte=end)
        statuses = _split(_param(request, "status"))
        unknown = set(statuses) - {"open", "closed"}
        if unknown:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == ["open"]:
            found = found.filter(status__in=OPEN_STATUSES)
        elif statuses == ["closed"]:
            found = found.filter(status__in=CLOSED_STATUSES)
    rows = [_request_row(item, full=user is not None) for item in found.order_by("-created_at", "-id")[:MAX_RESULTS]]
    return _render(fmt, "service_requests", "request", rows)


@endpoint
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    """GET Service Request."""
    user = _key(request, required=False)
    found = _visible_requests(user, _jurisdiction(request, user)).filter(number=number).first()
    if found is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": number})
    return _render(fmt, "service_requests", "request", [_request_row(found, full=user is not None)])


@endpoint
def token(request: HttpRequest, value: str, fmt: str) -> HttpResponse:
    """GET service_request_id from a token."""
    jurisdiction = _jurisdiction(request, _key(request, required=False))
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        parsed = None
    found = None
    if parsed is not None:
        found = ServiceRequest.objects.filter(token=parsed, subdistrict=jurisdiction).only("number", "token").first()
    if found is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": value[:40]})
    return _render(fmt, "service_requests", "request", [{"service_request_id": found.number,
                                                          "token": str(found.token)}])


def _coordinate(raw: str, name: str, limit: int) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if not value.is_finite() or abs(value) > limit:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name})
    return value.quantize(Decimal("0.000001"))


def _place(user: User, address_string: str, lat: Decimal | None, long: Decimal | None
           ) -> tuple[Dwelling | None, Compound | None]:
    """The dwelling or compound of the key account's area that the address or the point names."""
    place = queries.place_named(user, address_string) if address_string else None
    if place is None and lat is not None and long is not None:
        place = queries.compound_near(user, lat, long)
    if place is None and level_of(user) != "subdistrict":
        raise Open311Error(400, _(
            "The location is not in a compound this api_key serves: give an address_string with the compound's "
            "address or name, or lat and long within %(metres)d m of its centre.")
            % {"metres": queries.NEAREST_COMPOUND_METRES})
    if isinstance(place, Dwelling):
        return place, None
    return None, place


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _key(request, required=True)
    assert user is not None
    jurisdiction = _jurisdiction(request, user)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    service = queries.catalogue_entry(jurisdiction.pk, code)
    if service is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:40]})
    lat_raw, long_raw = _param(request, "lat"), _param(request, "long")
    address_string, address_id = _param(request, "address_string"), _param(request, "address_id")
    if not ((lat_raw and long_raw) or address_string or address_id):
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    lat = _coordinate(lat_raw, "lat", 90) if lat_raw and long_raw else None
    long = _coordinate(long_raw, "long", 180) if lat_raw and long_raw else None
    dwelling, compound = None, None
    if address_id:
        from shequ.core.queries import dwellings

        known = address_id.isdigit() and len(address_id) <= 12  # anything longer is no row id
        dwelling = dwellings(user).filter(pk=int(address_id)).first() if known else None
        if dwelling is None:
            raise Open311Error(404, _("address_id %(id)s was not found.") % {"id": address_id[:20]})
    else:
        dwelling, compound = _place(user, address_string, lat, long)
    description = _param(request, "description")[:4000] or service.name
    name = (_param(request, "last_name") + _param(request, "first_name"))[:50]
    created = actions.create_request(
        actor=user, channel=Channel.API, service=service, description=description,
        caller_phone=_param(request, "phone")[:20], caller_name=name, dwelling=dwelling, compound=compound,
        address=address_string[:200], lat=lat, long=long,
    )
    return _render(fmt, "service_requests", "request", [{
        "service_request_id": created.number, "service_notice": _notice(service), "account_id": None}])
