"""The culture API: bookings scoped like the pages (a resident her own, staff the sub-district's), rooms for staff,
404 for a role that may not, 401/403 for an anonymous caller."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.culture import actions
from tests.culture.conftest import at

pytestmark = pytest.mark.django_db


def _book(user, room, hour):
    start = at(timezone.localdate() + dt.timedelta(days=1), hour)
    return actions.book_room(actor=user, room=room, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def _ids(client: APIClient, url: str) -> set[int]:
    answer = client.get(url)
    assert answer.status_code == 200
    body = answer.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


def test_a_resident_reads_her_own_bookings_and_staff_all(resident, neighbour, alice, room):
    own, other = _book(resident, room, 10), _book(neighbour, room, 12)
    client = APIClient()
    client.force_authenticate(resident)
    assert _ids(client, "/api/v1/culture/bookings/") == {own.pk}
    assert client.get(f"/api/v1/culture/bookings/{other.pk}/").status_code == 404
    assert client.get("/api/v1/culture/rooms/").status_code == 404
    client.force_authenticate(alice)
    assert _ids(client, "/api/v1/culture/bookings/") == {own.pk, other.pk}
    assert _ids(client, "/api/v1/culture/rooms/") == {room.pk}


def test_an_anonymous_caller_reads_nothing(room):
    assert APIClient().get("/api/v1/culture/bookings/").status_code in (401, 403)


def test_a_role_without_culture_rights_gets_404(make_staff, room):
    client = APIClient()
    client.force_authenticate(make_staff("canteen"))
    assert client.get("/api/v1/culture/bookings/").status_code == 404
