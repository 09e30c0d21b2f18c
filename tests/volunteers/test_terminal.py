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


def test_a_kiosk_checks_a_volunteer_out_and_her_minutes_are_banked_as_a_shift_it_served(
        admin, coordinator, volunteer, shift, resident_person):
    from shequ.cards.choices import Operation
    from shequ.cards.models import Transaction
    from shequ.cards.reconciliation import check_books

    now = timezone.now()
    shift = actions.add_shift(actor=coordinator, activity=shift.activity, starts_at=now - dt.timedelta(hours=1),
                              ends_at=now + dt.timedelta(hours=1), capacity=2)
    kiosk = _kiosk(admin)
    card = card_queries.live_card_of(resident_person)
    actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=now - dt.timedelta(minutes=45))
    response = kiosk.post("/api/v1/volunteers/attendance/check-out/", {"shift": shift.pk, "card": card.number},
                          format="json")
    assert response.status_code == 200, response.content
    banked = Transaction.objects.get(operation=Operation.SHIFT)
    assert banked.terminal is not None and banked.terminal.kind == "volunteer_kiosk"
    assert card_queries.balances(card)["time_bank"] == response.json()["minutes_credited"] >= 44
    assert check_books().ok, check_books().problems()
