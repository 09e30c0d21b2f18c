"""Volunteering: registration, shifts with capacity, sign-up without overbooking, card check-in and check-out,
hours to the time bank and spent from it."""

import datetime as dt

import pytest

from shequ.cards.models import Transaction
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.volunteers import actions, queries, seams
from shequ.volunteers.models import SignUp, Volunteer


def test_registering_a_volunteer_is_audited_and_happens_once(coordinator, volunteer, resident_person):
    assert volunteer.person == resident_person
    assert AuditEntry.objects.get(event=actions.VOLUNTEER_REGISTERED, object_id=str(volunteer.pk)).actor == coordinator
    with pytest.raises(Conflict):
        actions.register_volunteer(actor=coordinator, person=resident_person)


def test_a_coordinator_of_another_subdistrict_cannot_register_our_residents(outside_coordinator, resident_person):
    with pytest.raises(NotFound):
        actions.register_volunteer(actor=outside_coordinator, person=resident_person)
    assert not Volunteer.objects.exists()


def test_a_shift_must_end_after_it_starts(coordinator, shift):
    with pytest.raises(Invalid):
        actions.add_shift(actor=coordinator, activity=shift.activity, starts_at=shift.ends_at,
                          ends_at=shift.starts_at, capacity=3)


def test_a_resident_signs_herself_up_once_and_can_cancel(resident, volunteer, shift):
    signup = actions.sign_up(actor=resident, shift=shift)
    assert signup.volunteer == volunteer
    assert AuditEntry.objects.filter(event=actions.SIGNED_UP, object_id=str(signup.pk)).exists()
    with pytest.raises(Conflict):
        actions.sign_up(actor=resident, shift=shift)
    actions.cancel_sign_up(actor=resident, signup=signup)
    assert AuditEntry.objects.filter(event=actions.SIGNUP_CANCELLED, object_id=str(signup.pk)).exists()
    actions.sign_up(actor=resident, shift=shift)  # her place is free again


def test_a_full_shift_refuses_another_volunteer(coordinator, volunteer, shift, make_person):
    actions.sign_up(actor=coordinator, shift=shift, volunteer=volunteer)
    second = actions.register_volunteer(actor=coordinator, person=make_person("李梅"))
    actions.sign_up(actor=coordinator, shift=shift, volunteer=second)
    third = actions.register_volunteer(actor=coordinator, person=make_person("张伟", sex="M",
                                                                             birth=dt.date(1980, 1, 1)))
    with pytest.raises(Conflict):
        actions.sign_up(actor=coordinator, shift=shift, volunteer=third)
    assert SignUp.objects.filter(shift=shift).count() == 2


def test_a_resident_who_is_not_a_volunteer_cannot_sign_up(resident, shift):
    with pytest.raises(NotFound):
        actions.sign_up(actor=resident, shift=shift)


def test_checking_in_and_out_credits_the_minutes_served_within_the_shift(coordinator, volunteer, shift,
                                                                         resident_person):
    actions.sign_up(actor=coordinator, shift=shift, volunteer=volunteer)
    early = shift.starts_at - dt.timedelta(minutes=20)
    actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=early)
    with pytest.raises(Conflict):
        actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=early)
    signup = actions.check_out(actor=coordinator, shift=shift, person=resident_person,
                               at=shift.ends_at + dt.timedelta(minutes=30))
    assert signup.minutes_credited == 120
    assert Transaction.objects.get(pk=signup.ledger_reference).idempotency_key.endswith(
        f":volunteer-signup-{signup.pk}")
    assert seams.time_bank_balance(resident_person) == 120
    entry = AuditEntry.objects.get(event=actions.CHECKED_OUT, object_id=str(signup.pk))
    assert entry.after["minutes"] == 120 and entry.actor == coordinator
    with pytest.raises(Conflict):
        actions.check_out(actor=coordinator, shift=shift, person=resident_person, at=shift.ends_at)
    assert seams.time_bank_balance(resident_person) == 120


def test_check_in_is_refused_long_before_the_shift(coordinator, volunteer, shift, resident_person):
    actions.sign_up(actor=coordinator, shift=shift, volunteer=volunteer)
    with pytest.raises(Conflict):
        actions.check_in(actor=coordinator, shift=shift, person=resident_person,
                         at=shift.starts_at - dt.timedelta(hours=3))


def test_a_volunteer_who_turns_up_unannounced_takes_a_free_place(coordinator, volunteer, shift, resident_person):
    signup = actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=shift.starts_at)
    assert signup.checked_in_at == shift.starts_at and signup.volunteer == volunteer


def test_check_out_before_check_in_is_refused(coordinator, volunteer, shift, resident_person):
    actions.sign_up(actor=coordinator, shift=shift, volunteer=volunteer)
    with pytest.raises(Conflict):
        actions.check_out(actor=coordinator, shift=shift, person=resident_person, at=shift.ends_at)


def test_hours_are_spent_from_the_time_bank_but_never_beyond_it(coordinator, volunteer, shift, resident_person):
    actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=shift.starts_at)
    actions.check_out(actor=coordinator, shift=shift, person=resident_person, at=shift.ends_at)
    spend = actions.spend_time(actor=coordinator, volunteer=volunteer, minutes=90, service="上门理发")
    assert seams.time_bank_balance(resident_person) == 30
    assert AuditEntry.objects.get(event=actions.TIME_SPENT, object_id=str(spend.pk)).after["minutes"] == 90
    with pytest.raises(Conflict):
        actions.spend_time(actor=coordinator, volunteer=volunteer, minutes=31, service="陪同就医")


def test_the_hours_report_sums_served_and_spent_time_per_volunteer(coordinator, volunteer, shift, resident_person):
    actions.check_in(actor=coordinator, shift=shift, person=resident_person, at=shift.starts_at)
    actions.check_out(actor=coordinator, shift=shift, person=resident_person, at=shift.ends_at)
    actions.spend_time(actor=coordinator, volunteer=volunteer, minutes=60, service="上门理发")
    (row,) = queries.hours_report(coordinator)
    assert (row["shifts"], row["minutes"], row["spent"], row["balance"]) == (1, 120, 60, 60)
    assert queries.hours_report(coordinator, since=shift.starts_at.date() + dt.timedelta(days=1))[0]["minutes"] == 0


def test_a_resident_sees_her_own_sign_ups_only(coordinator, resident, volunteer, shift, make_person):
    mine = actions.sign_up(actor=resident, shift=shift)
    other = actions.register_volunteer(actor=coordinator, person=make_person("李梅"))
    actions.sign_up(actor=coordinator, shift=shift, volunteer=other)
    assert list(queries.signups(resident)) == [mine]
