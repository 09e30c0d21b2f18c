"""Visits (关爱探访): the schedule from the care grade and the pairing, overdue visits on the worker's desk, checking
in by card or door QR, checking out with the volunteer's minutes banked once, who may visit whom, and the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from shequ.cards import actions as card_actions
from shequ.core.errors import Invalid, NotFound
from shequ.core.models import AuditEntry, User
from shequ.core.roles import Role
from shequ.eldercare.actions import roll as roll_actions
from shequ.eldercare.actions import visits as actions
from shequ.eldercare.choices import CheckInMethod
from shequ.eldercare.models import CareRecipient, Visit
from shequ.eldercare.queries import visits as queries
from shequ.population.models import Person
from shequ.volunteers import seams
from shequ.volunteers.models import Volunteer

NOW = timezone.make_aware(dt.datetime(2026, 3, 10, 10, 0))
TODAY = NOW.date()


@pytest.fixture
def card_desk(make_staff: Callable[..., User]) -> User:
    user: User = make_staff(Role.CLERK, "card-desk")
    return user


@pytest.fixture
def card(card_desk: User, volunteer: Volunteer) -> Any:
    """李阿姨's resident card: the time bank is a wallet of it."""
    return card_actions.issue_card(actor=card_desk, person=volunteer.person)


@pytest.fixture
def paired(on_roll: dict[str, CareRecipient], alice: User, volunteer: Volunteer) -> CareRecipient:
    """王秀英 of 华山, with alice as her worker and 李阿姨 as her volunteer, on the roll since a month ago."""
    recipient = roll_actions.pair(actor=alice, recipient=on_roll["huashan"], worker=alice, volunteer=volunteer)
    CareRecipient.objects.filter(pk=recipient.pk).update(on_roll_since=TODAY - dt.timedelta(days=30))
    recipient.refresh_from_db()
    return recipient


def _visit(recipient: CareRecipient, volunteer: Volunteer | None, at: dt.datetime, admin: User) -> Visit:
    return Visit.objects.create(recipient=recipient, volunteer=volunteer, worker=None if volunteer else admin,
                                started_at=at, ended_at=at + dt.timedelta(minutes=30), check_in=CheckInMethod.CARD,
                                seen_well=True, minutes=30, created_by=admin)


def _fresh(recipient: CareRecipient) -> CareRecipient:
    return CareRecipient.objects.get(pk=recipient.pk)


# The schedule ------------------------------------------------------------------------------------------------------

def test_visits_a_week_is_the_larger_of_the_grade_and_the_pairing(settings: Any) -> None:
    assert queries.visits_a_week(None, paired=False) == 0
    assert queries.visits_a_week(1, paired=False) == 0
    assert queries.visits_a_week(None, paired=True) == 1
    assert queries.visits_a_week(2, paired=False) == 3
    assert queries.visits_a_week(4, paired=True) == 5
    assert queries.visits_a_week(6, paired=True) == 7
    settings.ELDERCARE_PAIR_VISITS_PER_WEEK = 2
    assert queries.visits_a_week(None, paired=True) == 2


def test_next_visit_follows_the_last_visit_and_the_frequency(on_roll: dict[str, CareRecipient], paired: CareRecipient,
                                                             alice: User, admin: User) -> None:
    unpaired = on_roll["yuyuan"]
    assert queries.next_visit_due(_fresh(unpaired), NOW) is None  # no grade, no volunteer: no visits owed
    # Paired and never visited: due from the day she joined the roll.
    assert queries.next_visit_due(_fresh(paired), NOW) == TODAY - dt.timedelta(days=30)
    _visit(paired, None, NOW - dt.timedelta(days=3), admin)
    assert queries.next_visit_due(_fresh(paired), NOW) == TODAY + dt.timedelta(days=4)  # once a week
    roll_actions.record_assessment(actor=alice, recipient=paired, grade=2, assessed_on=TODAY - dt.timedelta(days=10))
    assert queries.next_visit_due(_fresh(paired), NOW) == TODAY - dt.timedelta(days=1)  # 3 a week: every 2 days
    roll_actions.record_assessment(actor=alice, recipient=paired, grade=5, assessed_on=TODAY - dt.timedelta(days=5))
    assert queries.next_visit_due(_fresh(paired), NOW) == TODAY - dt.timedelta(days=2)  # daily


def test_overdue_visits_are_her_elders_for_a_worker_and_her_pairs_for_a_volunteer(
        on_roll: dict[str, CareRecipient], paired: CareRecipient, alice: User, bob: User, admin: User,
        volunteer_user: User) -> None:
    roll_actions.pair(actor=admin, recipient=on_roll["yuyuan"], worker=bob, volunteer=None)
    CareRecipient.objects.filter(pk=on_roll["yuyuan"].pk).update(on_roll_since=TODAY - dt.timedelta(days=5))
    roll_actions.record_assessment(actor=bob, recipient=on_roll["yuyuan"], grade=4,
                                   assessed_on=TODAY - dt.timedelta(days=3))
    _visit(paired, None, NOW - dt.timedelta(days=8), admin)
    assert [row.recipient.pk for row in queries.overdue_visits(alice, NOW)] == [paired.pk]
    assert queries.overdue_visits(alice, NOW)[0].overdue_days == 1
    assert [row.recipient.pk for row in queries.overdue_visits(volunteer_user, NOW)] == [paired.pk]
    # bob's elder (grade 4, never visited) is his, not alice's.
    assert [row.recipient.pk for row in queries.overdue_visits(bob, NOW)] == [on_roll["yuyuan"].pk]
    # A visit two days ago puts her back on time; an elder away from home is not overdue.
    _visit(paired, None, NOW - dt.timedelta(days=2), admin)
    assert queries.overdue_visits(alice, NOW) == []
    roll_actions.set_away(actor=bob, recipient=on_roll["yuyuan"], starts_on=timezone.localdate(), until=None,
                          reason="hospital")
    assert queries.overdue_visits(bob) == []


# Check-in ---------------------------------------------------------------------------------------------------------

def test_card_check_in_takes_only_the_volunteers_own_active_card(
        paired: CareRecipient, volunteer_user: User, card: Any, card_desk: User, resident_person: Person) -> None:
    other = card_actions.issue_card(actor=card_desk, person=resident_person)
    with pytest.raises(Invalid) as refused:
        actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                         card_number=other.number, now=NOW)
    assert str(refused.value.message) == "这张卡不是您的，请用您本人的一卡通签到。"
    with pytest.raises(Invalid):
        actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD, card_number="123",
                         now=NOW)
    visit = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                             card_number=card.number, now=NOW)
    assert (visit.volunteer_id, visit.worker_id, visit.check_in, visit.started_at) == (
        paired.volunteer_id, None, "card", NOW)
    assert AuditEntry.objects.filter(event=actions.VISIT_STARTED, actor=volunteer_user).count() == 1
    # A retried check-in is the same visit.
    again = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                             card_number=card.number, now=NOW)
    assert again.pk == visit.pk and Visit.objects.count() == 1


def test_a_frozen_card_is_refused(paired: CareRecipient, volunteer_user: User, card: Any, card_desk: User) -> None:
    card_actions.freeze(actor=card_desk, card=card, reason="核对")
    with pytest.raises(Invalid):
        actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                         card_number=card.number, now=NOW)
    assert not Visit.objects.exists()


def test_door_qr_check_in_refuses_a_forged_or_another_doors_token(
        on_roll: dict[str, CareRecipient], paired: CareRecipient, volunteer_user: User) -> None:
    token = actions.door_token(paired)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(Invalid):
        actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.DOOR_QR, door_token=forged)
    with pytest.raises(Invalid):
        actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.DOOR_QR,
                         door_token=f"{paired.pk}")
    with pytest.raises(Invalid):
        actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.DOOR_QR,
                         door_token=actions.door_token(on_roll["yuyuan"]))
    visit = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.DOOR_QR,
                             door_token=token, now=NOW)
    assert visit.check_in == "door_qr"


def test_check_in_by_hand_needs_a_reason(paired: CareRecipient, alice: User) -> None:
    with pytest.raises(Invalid):
        actions.check_in(actor=alice, recipient=paired, method=CheckInMethod.HAND, reason=" ")
    visit = actions.check_in(actor=alice, recipient=paired, method=CheckInMethod.HAND, reason="卡忘带", now=NOW)
    assert (visit.worker_id, visit.volunteer_id, visit.hand_reason) == (alice.pk, None, "卡忘带")


def test_a_volunteer_visits_only_her_pairs_and_a_worker_only_her_elders(
        on_roll: dict[str, CareRecipient], paired: CareRecipient, volunteer_user: User, alice: User,
        bob: User) -> None:
    with pytest.raises(NotFound):
        actions.check_in(actor=volunteer_user, recipient=on_roll["yuyuan"], method=CheckInMethod.HAND, reason="x")
    with pytest.raises(NotFound):
        actions.check_in(actor=bob, recipient=paired, method=CheckInMethod.HAND, reason="x")
    visit = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.HAND, reason="x", now=NOW)
    with pytest.raises(NotFound):
        actions.check_out(actor=bob, visit=visit, seen_well=True)
    assert not queries.visits(bob).exists() and queries.visits(alice).count() == 1


# Check-out and the time bank -------------------------------------------------------------------------------------

def test_a_workers_check_out_banks_the_volunteers_minutes_once_however_often_retried(
        paired: CareRecipient, volunteer_user: User, volunteer: Volunteer, card: Any, alice: User) -> None:
    visit = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                             card_number=card.number, now=NOW)
    with pytest.raises(Invalid):  # not well, say how
        actions.check_out(actor=alice, visit=visit, seen_well=False, now=NOW + dt.timedelta(minutes=45))
    done = actions.check_out(actor=alice, visit=visit, seen_well=False, note="腿脚不便，需帮买菜",
                             now=NOW + dt.timedelta(minutes=45))
    assert (done.minutes, done.minutes_credited, done.seen_well) == (45, 45, False) and done.ledger_reference
    again = actions.check_out(actor=alice, visit=visit, seen_well=True, now=NOW + dt.timedelta(minutes=90))
    assert (again.minutes_credited, again.seen_well) == (45, False)
    assert seams.time_bank_balance(volunteer.person) == 45
    assert AuditEntry.objects.filter(event=actions.VISIT_BANKED).count() == 1


def test_a_volunteers_phone_check_out_banks_her_minutes_as_the_care_visits_kiosk(
        paired: CareRecipient, volunteer_user: User, volunteer: Volunteer, card: Any) -> None:
    from shequ.cards.choices import Operation, TerminalKind
    from shequ.cards.models import Terminal, Transaction
    from shequ.core.scopes import can

    visit = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                             card_number=card.number, now=NOW)
    done = actions.check_out(actor=volunteer_user, visit=visit, seen_well=True, now=NOW + dt.timedelta(hours=5))
    cap = actions.MAX_VISIT_MINUTES  # a forgotten check-out is capped
    assert (done.minutes, done.minutes_credited) == (cap, cap)
    assert seams.time_bank_balance(volunteer.person) == cap
    # The posting is the kiosk's, which may credit time and nothing else; she gained no right over the ledger.
    posted = Transaction.objects.select_related("terminal").get(pk=done.ledger_reference)
    assert posted.terminal is not None and posted.terminal.kind == TerminalKind.VOLUNTEER_KIOSK
    assert posted.operation == Operation.SHIFT and posted.actor == posted.terminal.user
    assert not can(volunteer_user, Transaction, "add")
    second = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.CARD,
                              card_number=card.number, now=NOW + dt.timedelta(days=2))
    actions.check_out(actor=volunteer_user, visit=second, seen_well=True, now=NOW + dt.timedelta(days=2, minutes=30))
    assert Terminal.objects.filter(name=seams.CARE_VISITS_KIOSK).count() == 1
    assert seams.time_bank_balance(volunteer.person) == cap + 30


def test_minutes_of_a_volunteer_without_a_card_wait_for_the_worker_who_banks_them_once(
        paired: CareRecipient, volunteer_user: User, volunteer: Volunteer, card_desk: User, alice: User,
        bob: User) -> None:
    visit = actions.check_in(actor=volunteer_user, recipient=paired, method=CheckInMethod.DOOR_QR,
                             door_token=actions.door_token(paired), now=NOW)
    done = actions.check_out(actor=volunteer_user, visit=visit, seen_well=True, now=NOW + dt.timedelta(minutes=40))
    assert (done.minutes, done.minutes_credited) == (40, 0)
    assert list(queries.to_bank(alice)) == [done] and not queries.to_bank(bob).exists()
    card_actions.issue_card(actor=card_desk, person=volunteer.person)
    with pytest.raises(NotFound):
        actions.bank_visit_minutes(actor=volunteer_user, visit=done)
    with pytest.raises(NotFound):
        actions.bank_visit_minutes(actor=bob, visit=done)
    actions.bank_visit_minutes(actor=alice, visit=done)
    actions.bank_visit_minutes(actor=alice, visit=done)
    assert seams.time_bank_balance(volunteer.person) == 40
    assert not queries.to_bank(alice).exists()


# Pairing ----------------------------------------------------------------------------------------------------------

def test_pairing_a_volunteer_who_has_enough_pairs_warns_but_pairs(
        settings: Any, on_roll: dict[str, CareRecipient], paired: CareRecipient, volunteer: Volunteer,
        admin: User, client: Any) -> None:
    settings.ELDERCARE_PAIRS_PER_VOLUNTEER = 1
    yuyuan = on_roll["yuyuan"]
    assert queries.pairing_warning(volunteer, paired) == ""  # already hers
    assert "李阿姨" in queries.pairing_warning(volunteer, yuyuan)
    roll_actions.pair(actor=admin, recipient=yuyuan, worker=None, volunteer=volunteer)
    assert _fresh(yuyuan).volunteer_id == volunteer.pk
    entry = AuditEntry.objects.filter(event=roll_actions.PAIRING_CHANGED, object_id=str(yuyuan.pk)).last()
    assert entry is not None and "李阿姨" in entry.reason
    # Unpairing warns of nothing; the page shows the warning when pairing again.
    roll_actions.pair(actor=admin, recipient=yuyuan, worker=None, volunteer=None)
    client.force_login(admin)
    response = client.post(f"/eldercare/elders/{yuyuan.pk}/pairing/", {"volunteer": volunteer.pk}, follow=True)
    assert response.status_code == 200
    assert any("李阿姨" in str(message) for message in response.context["messages"])


# Pages ------------------------------------------------------------------------------------------------------------

def test_a_volunteer_logs_a_visit_from_her_phone(client: Any, on_roll: dict[str, CareRecipient],
                                                 paired: CareRecipient, volunteer_user: User) -> None:
    client.force_login(volunteer_user)
    page = client.get("/eldercare/my-pairs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/eldercare/elders/{paired.pk}/visit/" in text and 'data-testid="overdue"' in text
    assert client.get(f"/eldercare/elders/{paired.pk}/visit/").status_code == 200
    assert client.get(f"/eldercare/elders/{on_roll['yuyuan'].pk}/visit/").status_code == 404
    response = client.post(f"/eldercare/elders/{paired.pk}/visit/", {"method": "card", "card_number": "1"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(f"/eldercare/elders/{paired.pk}/visit/", {"method": "hand", "reason": "卡忘带"})
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == f"/eldercare/visits/{visit.pk}/"
    assert client.get(f"/eldercare/visits/{visit.pk}/").status_code == 200
    response = client.post(f"/eldercare/visits/{visit.pk}/", {"seen_well": "yes", "note": ""})
    assert response.status_code == 302 and response.url == "/eldercare/my-pairs/"
    visit.refresh_from_db()
    assert visit.seen_well is True and visit.ended_at is not None
    assert 'data-testid="overdue"' not in client.get("/eldercare/my-pairs/").content.decode()
    # What a visit needs, nothing of the worker's desk.
    assert client.get("/eldercare/visits/overdue/").status_code == 404
    assert client.get(f"/eldercare/elders/{paired.pk}/door-qr/").status_code == 404


def test_the_door_qr_leads_to_check_in_and_a_forged_one_nowhere(client: Any, paired: CareRecipient,
                                                                volunteer_user: User, alice: User, bob: User) -> None:
    client.force_login(alice)
    page = client.get(f"/eldercare/elders/{paired.pk}/door-qr/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    url = page.context["url"]
    client.force_login(bob)
    assert client.get(f"/eldercare/elders/{paired.pk}/door-qr/").status_code == 404
    client.force_login(volunteer_user)
    path = url.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    assert client.get(path[:-3] + "xyz/").status_code == 404
    response = client.post(path, {"method": "door_qr"})
    assert response.status_code == 302 and Visit.objects.get().check_in == "door_qr"


def test_the_workers_overdue_list_is_hers(client: Any, on_roll: dict[str, CareRecipient], paired: CareRecipient,
                                          alice: User, bob: User) -> None:
    client.force_login(alice)
    page = client.get("/eldercare/visits/overdue/")
    assert page.status_code == 200
    assert [row.recipient.pk for row in page.context["rows"]] == [paired.pk]
    detail = client.get(f"/eldercare/elders/{paired.pk}/")
    assert detail.context["visit_overdue"] and 'data-testid="visits"' in detail.content.decode()
    client.force_login(bob)
    assert client.get("/eldercare/visits/overdue/").context["rows"] == []
    client.logout()
    assert client.get("/eldercare/visits/overdue/").status_code == 302
