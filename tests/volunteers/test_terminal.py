"""A volunteer check-in kiosk registered as a cards Terminal records card taps with its own token."""

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import AccountKind
from shequ.volunteers import actions


def _kiosk(admin, kind="volunteer_kiosk", account_kind=AccountKind.TIME_BANK):
    account = card_actions.system_account(admin.subdistrict_id, account_kind)
    _terminal, token = card_actions.register_terminal(actor=admin, name="活动室签到机", kind=kind, account=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    return client


def _shift_now(coordinator, activity):
    now = timezone.now()
    return actions.add_shift(actor=coordinator, activity=activity, starts_at=now - dt.timedelta(minutes=5),
                             ends_at=now + dt.timedelta(hours=2), capacity=2)


def test_a_registered_kiosk_checks_a_volunteer_in_by_card(admin, coordinator, volunteer, shift, resident_person):
    shift = _shift_now(coordinator, shift.activity)
    card = card_queries.live_card_of(resident_person)
    response = _kiosk(admin).post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "card": card.number},
                                  format="json")
    assert response.status_code == 200, response.content
    assert volunteer.signups.get(shift=shift).checked_in_at is not None


def test_a_library_desk_cannot_check_volunteers_in(admin, coordinator, volunteer, shift, resident_person):
    shift = _shift_now(coordinator, shift.activity)
    card = card_queries.live_card_of(resident_person)
    desk = _kiosk(admin, "library_desk", AccountKind.LIBRARY)
    response = desk.post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "card": card.number},
                         format="json")
    assert response.status_code == 404
    assert not volunteer.signups.filter(shift=shift).exists()
