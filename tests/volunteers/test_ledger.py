"""Time-bank hours live in the card's time-bank wallet: a shift served is credited from the time-bank account,
a service received paid back to it; without a card the hours count as served but are not banked."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.choices import AccountKind
from shequ.cards.reconciliation import check_books
from shequ.core.errors import Conflict
from shequ.volunteers import actions, queries, seams


def _serve(coordinator, shift, person):
    actions.check_in(actor=coordinator, shift=shift, person=person, at=shift.starts_at)
    return actions.check_out(actor=coordinator, shift=shift, person=person, at=shift.ends_at)


def test_hours_served_and_spent_move_through_the_time_bank_wallet_and_the_books_balance(
        coordinator, volunteer, shift, resident_person):
    _serve(coordinator, shift, resident_person)
    card = card_queries.live_card_of(resident_person)
    bank = card_actions.system_account(card.subdistrict_id, AccountKind.TIME_BANK)
    assert card_queries.balances(card)["time_bank"] == 120
    assert card_queries.account_total(bank) == -120
    actions.spend_time(actor=coordinator, volunteer=volunteer, minutes=45, service="上门理发")
    assert card_queries.balances(card)["time_bank"] == 75
    assert card_queries.account_total(bank) == -75
    report = check_books()
    assert report.ok, report.problems()


def test_a_reissued_card_keeps_the_hours(admin, coordinator, volunteer, shift, resident_person):
    _serve(coordinator, shift, resident_person)
    old = card_queries.live_card_of(resident_person)
    card_actions.report_lost(actor=admin, card=old, reason="丢失")
    card_actions.reissue_card(actor=admin, card=old, reason="补卡")
    assert seams.time_bank_balance(resident_person) == 120


def test_a_volunteer_without_a_card_has_her_hours_counted_but_not_banked(coordinator, shift, make_person):
    person = make_person("李梅")
    volunteer = actions.register_volunteer(actor=coordinator, person=person)
    signup = _serve(coordinator, shift, person)
    assert signup.minutes_credited == 120 and signup.ledger_reference == ""
    assert seams.time_bank_balance(person) == 0
    with pytest.raises(Conflict, match=r"一卡通|resident card"):
        actions.spend_time(actor=coordinator, volunteer=volunteer, minutes=10, service="陪同就医")
    (row,) = queries.hours_report(coordinator)
    assert (row["volunteer"], row["minutes"], row["balance"]) == (volunteer, 120, 0)


def test_the_kiosk_tap_with_a_frozen_card_is_refused_with_its_status(admin, coordinator, volunteer, shift,
                                                                     resident_person):
    card = card_queries.live_card_of(resident_person)
    card_actions.freeze(actor=admin, card=card, reason="核查")
    client = APIClient()
    client.force_authenticate(coordinator)
    response = client.post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "card": card.number},
                           format="json")
    assert response.status_code == 409 and card.number in response.json()["detail"]


def test_the_kiosk_tap_by_card_checks_the_volunteer_in(coordinator, volunteer, shift, resident_person):
    card = card_queries.live_card_of(resident_person)
    now = timezone.now()
    shift = actions.add_shift(actor=coordinator, activity=shift.activity, starts_at=now,
                              ends_at=now + dt.timedelta(hours=2), capacity=2)
    client = APIClient()
    client.force_authenticate(coordinator)
    response = client.post("/api/v1/volunteers/attendance/check-in/", {"shift": shift.pk, "card": card.number},
                           format="json")
    assert response.status_code == 200, response.content
    assert volunteer.signups.get().checked_in_at is not None


def test_crediting_the_same_shift_twice_banks_it_once(coordinator, volunteer, shift, resident_person):
    signup = _serve(coordinator, shift, resident_person)
    again = seams.post_time_credit(actor=coordinator, person=resident_person, minutes=120,
                                   reference=f"volunteer-signup-{signup.pk}")
    assert again == signup.ledger_reference
    assert seams.time_bank_balance(resident_person) == 120


def test_the_roster_warns_when_a_volunteer_without_a_card_checks_out(client, coordinator, shift, make_person):
    person = make_person("李梅")
    volunteer = actions.register_volunteer(actor=coordinator, person=person)
    now = timezone.now()
    shift = actions.add_shift(actor=coordinator, activity=shift.activity, starts_at=now - dt.timedelta(minutes=30),
                              ends_at=now + dt.timedelta(hours=1), capacity=2)
    signup = actions.check_in(actor=coordinator, shift=shift, person=person, at=shift.starts_at)
    client.force_login(coordinator)
    response = client.post(f"/volunteers/shifts/{shift.pk}/attendance/{signup.pk}/", {"direction": "out"},
                           follow=True)
    signup.refresh_from_db()
    assert signup.minutes_credited >= 30 and signup.ledger_reference == ""
    assert "李梅" in response.content.decode() and "一卡通" in response.content.decode()
    assert volunteer.signups.count() == 1
