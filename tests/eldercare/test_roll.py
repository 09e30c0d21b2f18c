"""The care roll from the registry, by rule and by hand; consent; contacts; assessments; away periods; scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from shequ.core.dates import add_years
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry, User
from shequ.eldercare import tasks
from shequ.eldercare.actions import roll as actions
from shequ.eldercare.choices import visits_per_week
from shequ.eldercare.models import AwayPeriod, CareRecipient
from shequ.eldercare.queries import roll as queries
from shequ.population import actions as population_actions
from shequ.population.models import Person
from shequ.safety.choices import DeviceKind
from shequ.volunteers.models import Volunteer
from tests.eldercare.conftest import tag


def test_roll_from_the_registry_living_alone_and_80(on_roll: dict[str, CareRecipient]) -> None:
    assert on_roll["huashan"].reasons == {"living_alone": "rule"}
    assert on_roll["yuyuan"].reasons == {"aged_80": "rule"}
    assert on_roll["huashan"].on_roll_since == timezone.localdate()


def test_80_counts_by_birth_date_at_today(make_person: Callable[..., Person]) -> None:
    today = timezone.localdate()
    turns_80_today = make_person("周大爷", birth=add_years(today, -80))
    turns_80_tomorrow = make_person("吴大爷", birth=add_years(today, -80) + dt.timedelta(days=1))
    actions.refresh_roll(today=today)
    assert CareRecipient.objects.filter(person=turns_80_today).exists()
    assert not CareRecipient.objects.filter(person=turns_80_tomorrow).exists()
    actions.refresh_roll(today=today + dt.timedelta(days=1))
    assert CareRecipient.objects.get(person=turns_80_tomorrow).on_roll


def test_refresh_is_idempotent(on_roll: dict[str, CareRecipient]) -> None:
    entries = AuditEntry.objects.count()
    result = actions.refresh_roll()
    assert (result.joined, result.changed, result.left, result.on_roll) == (0, 0, 0, 2)
    assert AuditEntry.objects.count() == entries


def test_disability_counts_only_for_elders(make_person: Callable[..., Person], admin: User) -> None:
    young = make_person("小张", birth=dt.date(1995, 1, 1))
    old = make_person("老张", birth=add_years(timezone.localdate(), -65))
    tag(admin, young, "disability")
    tag(admin, old, "disability")
    tag(admin, old, "bereaved_parents")
    actions.refresh_roll()
    assert not CareRecipient.objects.filter(person=young).exists()
    assert CareRecipient.objects.get(person=old).reasons == {"disability": "rule", "bereaved": "rule"}


def test_moved_out_and_died_leave_the_roll(on_roll: dict[str, CareRecipient], admin: User) -> None:
    population_actions.move_out(actor=admin, person=on_roll["huashan"].person, moved_on=timezone.localdate())
    population_actions.record_death(actor=admin, person=on_roll["yuyuan"].person, died_on=timezone.localdate())
    # They left with the registry's change; the refresh finds nothing more to do.
    assert not CareRecipient.objects.on_roll().exists()
    assert actions.refresh_roll().left == 0
    assert CareRecipient.objects.get(pk=on_roll["yuyuan"].pk).left_reason in ("Died", "已去世")
    # The daily job is the same refresh, and finds nothing more to do.
    assert tasks.refresh_care_roll() == 0


def test_tag_removed_leaves_unless_a_hand_reason(on_roll: dict[str, CareRecipient], admin: User,
                                                 alice: User) -> None:
    recipient = on_roll["huashan"]
    actions.add_to_roll(actor=alice, person=recipient.person, reasons=["disability"], note="评估后确认")
    population_actions.set_tags(actor=admin, person=recipient.person, tags=[])
    actions.refresh_roll()
    recipient.refresh_from_db()
    assert recipient.on_roll and recipient.reasons == {"disability": "hand"}


def test_removed_by_hand_stays_off(on_roll: dict[str, CareRecipient], alice: User) -> None:
    recipient = on_roll["huashan"]
    with pytest.raises(Invalid):
        actions.remove_from_roll(actor=alice, recipient=recipient, reason=" ")
    actions.remove_from_roll(actor=alice, recipient=recipient, reason="本人拒绝")
    actions.refresh_roll()
    recipient.refresh_from_db()
    assert not recipient.on_roll and recipient.excluded
    assert AuditEntry.objects.filter(event=actions.ROLL_REMOVED_BY_HAND, reason="本人拒绝").exists()


def test_consent_replaces_and_withdraws(on_roll: dict[str, CareRecipient], alice: User) -> None:
    recipient = on_roll["huashan"]
    actions.record_consent(actor=alice, recipient=recipient, sensors=[DeviceKind.WATER_METER], tell_family=False,
                           form="paper")
    second = actions.record_consent(actor=alice, recipient=recipient,
                                    sensors=[DeviceKind.WATER_METER, DeviceKind.DOOR_SENSOR], tell_family=True,
                                    form="verbal")
    assert queries.consent_in_force(recipient) == second
    assert recipient.consents.count() == 2
    with pytest.raises(Invalid):
        actions.record_consent(actor=alice, recipient=recipient, sensors=["camera"], tell_family=True, form="paper")
    actions.withdraw_consent(actor=alice, recipient=recipient, reason="本人要求")
    assert queries.consent_in_force(recipient) is None
    with pytest.raises(Conflict):
        actions.withdraw_consent(actor=alice, recipient=recipient)


def test_contact_phone_encrypted_masked_and_reveal_audited(on_roll: dict[str, CareRecipient], alice: User) -> None:
    contact = actions.add_contact(actor=alice, recipient=on_roll["huashan"], name="王小明", relationship="child",
                                  phone="138 1234 5678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM eldercare_emergencycontact")
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert "13812345678" not in raw and "5678" not in raw.replace(contact.phone_index, "")
    assert contact.phone_masked == "138****5678"
    with pytest.raises(Invalid):
        actions.add_contact(actor=alice, recipient=on_roll["huashan"], name="x", relationship="child", phone="abc")
    with pytest.raises(Invalid):
        actions.reveal_contact_phone(actor=alice, contact=contact, reason="")
    assert actions.reveal_contact_phone(actor=alice, contact=contact, reason="联系家属") == "13812345678"
    entry = AuditEntry.objects.get(event=actions.CONTACT_PHONE_REVEALED)
    assert entry.reason == "联系家属" and entry.actor == alice
    # No audit entry holds the phone in the clear.
    for entry in AuditEntry.objects.filter(event__startswith="eldercare.contact"):
        assert "13812345678" not in str(entry.before) + str(entry.after) + entry.reason
    actions.change_contact(actor=alice, contact=contact, phone="13900001111", may_be_told=False)
    contact.refresh_from_db()
    assert contact.phone == "13900001111" and not contact.may_be_told


def test_grade_visits_validity_and_reminder(on_roll: dict[str, CareRecipient], alice: User) -> None:
    assert [visits_per_week(grade) for grade in range(7)] == [0, 0, 3, 3, 5, 7, 7]
    recipient = on_roll["huashan"]
    today = timezone.localdate()
    assessed = today - dt.timedelta(days=700)
    with pytest.raises(Invalid):
        actions.record_assessment(actor=alice, recipient=recipient, grade=4, assessed_on=assessed,
                                  valid_until=add_years(assessed, 2) + dt.timedelta(days=1))
    with pytest.raises(Invalid):
        actions.record_assessment(actor=alice, recipient=recipient, grade=7, assessed_on=assessed)
    assessment = actions.record_assessment(actor=alice, recipient=recipient, grade=4, assessed_on=assessed)
    assert assessment.valid_until == add_years(assessed, 2)
    assert assessment.visits_per_week == 5
    assert list(queries.roll(alice, reassessment_due=True)) == [recipient]
    assert queries.reassessments_due_count(alice) == 1
    actions.record_assessment(actor=alice, recipient=recipient, grade=5, assessed_on=today)
    assert queries.reassessments_due_count(alice) == 0
    assert queries.roll(alice, grade=5).get().grade == 5


def test_away_periods_pause_and_end(on_roll: dict[str, CareRecipient], alice: User) -> None:
    recipient = on_roll["huashan"]
    today = timezone.localdate()
    period = actions.set_away(actor=alice, recipient=recipient, starts_on=today - dt.timedelta(days=1),
                              until=today + dt.timedelta(days=5), reason="family", note="住女儿家")
    assert list(CareRecipient.objects.away_on(today)) == [recipient]
    assert not CareRecipient.objects.away_on(today + dt.timedelta(days=6)).exists()
    assert queries.away_now_count(alice) == 1
    with pytest.raises(Conflict):
        actions.set_away(actor=alice, recipient=recipient, starts_on=today, until=None, reason="hospital")
    with pytest.raises(Invalid):
        actions.set_away(actor=alice, recipient=recipient, starts_on=today, until=today - dt.timedelta(days=3),
                         reason="hospital")
    actions.mark_back(actor=alice, period=period)
    assert not AwayPeriod.objects.covering(today).exists()
    assert queries.away_now_count(alice) == 0


def test_scope_committee_of_another_neighbourhood(on_roll: dict[str, CareRecipient], alice: User, bob: User,
                                                  admin: User) -> None:
    assert list(queries.roll(alice)) == [on_roll["huashan"]]
    assert list(queries.roll(bob)) == [on_roll["yuyuan"]]
    assert queries.roll(admin).count() == 2
    assert queries.elder(bob, on_roll["huashan"].pk) is None
    contact = actions.add_contact(actor=alice, recipient=on_roll["huashan"], name="王小明", relationship="child",
                                  phone="13812345678")
    with pytest.raises(NotFound):
        actions.reveal_contact_phone(actor=bob, contact=contact, reason="好奇")
    with pytest.raises(NotFound):
        actions.set_away(actor=bob, recipient=on_roll["huashan"], starts_on=timezone.localdate(), until=None,
                         reason="family")
    # Made her responsible worker, bob sees her wherever she lives.
    actions.pair(actor=admin, recipient=on_roll["huashan"], worker=bob, volunteer=None)
    assert queries.roll(bob).count() == 2


def test_volunteer_sees_only_her_pairs_and_no_health_or_phones(on_roll: dict[str, CareRecipient], admin: User,
                                                               alice: User, volunteer_user: User,
                                                               volunteer: Volunteer,
                                                               make_staff: Callable[..., User]) -> None:
    actions.pair(actor=alice, recipient=on_roll["huashan"], worker=alice, volunteer=volunteer)
    pairs = queries.my_pairs(volunteer_user)
    assert [pair.name for pair in pairs] == ["王秀英"]
    assert set(vars(pairs[0])) == {"pk", "name", "address", "next_visit"}
    assert queries.roll(volunteer_user).count() == 0
    assert queries.elder(volunteer_user, on_roll["huashan"].pk) is None
    contact = actions.add_contact(actor=alice, recipient=on_roll["huashan"], name="王小明", relationship="child",
                                  phone="13812345678")
    assert queries.contacts(volunteer_user, on_roll["huashan"]).count() == 0
    with pytest.raises(NotFound):
        actions.reveal_contact_phone(actor=volunteer_user, contact=contact, reason="探访")
    # Health workers see nothing here.
    health = make_staff("health", neighborhood=None)
    assert queries.roll(health).count() == 0
    with pytest.raises(Invalid):
        actions.pair(actor=alice, recipient=on_roll["huashan"], worker=health, volunteer=None)


def test_refresh_catches_a_move_the_signal_missed(on_roll: dict[str, CareRecipient]) -> None:
    Person.objects.filter(pk=on_roll["huashan"].person_id).update(status="moved_out", dwelling=None)
    result = actions.refresh_roll()
    assert result.left == 1 and result.left_people == [on_roll["huashan"].person_id]
    assert CareRecipient.objects.get(pk=on_roll["huashan"].pk).left_reason in ("Moved out", "迁出")
