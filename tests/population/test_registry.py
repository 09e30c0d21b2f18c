"""The registry's actions: register, correct, move, leave, permits — each audited and scoped."""

import datetime as dt

import pytest

from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.population import actions, queries
from shequ.population.choices import LifeEventKind, PermitStatus, PersonStatus, ResidenceType
from shequ.population.models import LifeEvent, Person, Residence, Tag
from tests.conftest import id_number


def test_registering_a_resident_derives_sex_and_birth_date_from_the_id_and_audits_it(alice, org):
    number = id_number(dt.date(1948, 5, 17), "M", 31)
    person = actions.register_person(
        actor=alice, name=" 张 建国 ".replace(" ", ""), id_number=number.lower(),
        residence_type=ResidenceType.REGISTERED, dwelling=org.huashan_dwellings[1], new_household=True,
    )
    assert (person.sex, person.birth_date) == ("M", dt.date(1948, 5, 17))
    assert person.name_pinyin == "zhangjianguo" and person.name_initials == "zjg"
    assert Residence.objects.get(person=person).ended_on is None
    entry = AuditEntry.objects.get(event=actions.PERSON_REGISTERED, object_id=str(person.pk))
    assert entry.actor == alice
    assert number not in str(entry.after), "the audit log must not hold the plain ID number"
    assert entry.after["id_number"] == person.id_number_masked


def test_a_committee_worker_cannot_register_someone_in_another_neighborhood(alice, org):
    with pytest.raises(NotFound):
        actions.register_person(actor=alice, name="李四", id_number=id_number(dt.date(1980, 1, 1), "M"),
                                residence_type=ResidenceType.REGISTERED, dwelling=org.yuyuan_dwellings[0])
    assert not Person.objects.exists()


def test_the_same_id_number_cannot_be_registered_twice(make_person, admin, org):
    person = make_person()
    with pytest.raises(Conflict):
        actions.register_person(actor=admin, name="重复", id_number=person.id_number,
                                residence_type=ResidenceType.REGISTERED, dwelling=org.huashan_dwellings[2])


def test_a_sex_that_contradicts_the_id_number_is_refused(admin, org):
    with pytest.raises(Invalid) as caught:
        actions.register_person(actor=admin, name="王五", id_number=id_number(dt.date(1990, 1, 1), "M"), sex="F",
                                residence_type=ResidenceType.REGISTERED, dwelling=org.huashan_dwellings[0])
    assert caught.value.field == "sex"


def test_a_foreigner_is_registered_with_a_passport_and_explicit_birth_date(admin, org):
    person = actions.register_person(
        actor=admin, name="John Smith", id_type="passport", id_number="e1234567", sex="M",
        birth_date=dt.date(1985, 6, 1), residence_type=ResidenceType.FOREIGN, dwelling=org.huashan_dwellings[3],
    )
    assert person.id_number == "E1234567"


def test_moving_within_the_subdistrict_keeps_the_old_residence_as_history(make_person, admin, org):
    person = make_person(started_on=dt.date(2020, 1, 1))
    actions.move_person(actor=admin, person=person, dwelling=org.yuyuan_dwellings[0], moved_on=dt.date(2026, 3, 1))
    person.refresh_from_db()
    assert person.neighborhood == org.yuyuan
    old, new = Residence.objects.filter(person=person).order_by("started_on")
    assert old.ended_on == dt.date(2026, 3, 1) and new.ended_on is None
    assert LifeEvent.objects.filter(person=person, kind=LifeEventKind.MOVE_WITHIN).count() == 1


def test_after_a_move_out_the_person_is_kept_but_no_longer_living_here(make_person, admin):
    person = make_person()
    actions.move_out(actor=admin, person=person, destination="浦东新区")
    person.refresh_from_db()
    assert person.status == PersonStatus.MOVED_OUT and person.dwelling is None
    assert not queries.search_people(admin, "王秀英").exists()
    assert queries.search_people(admin, "王秀英", status="").exists()
    with pytest.raises(Conflict):
        actions.move_out(actor=admin, person=person)


def test_a_death_closes_the_residence_and_disables_the_portal_account(resident, resident_person, admin):
    actions.record_death(actor=admin, person=resident_person, died_on=dt.date(2026, 10, 1))
    resident.refresh_from_db()
    assert not resident.is_active
    assert Residence.objects.get(person=resident_person).ended_on == dt.date(2026, 10, 1)


def test_a_birth_joins_the_mothers_household(make_person, admin):
    mother = make_person("刘芳", birth=dt.date(1992, 4, 4))
    baby = actions.record_birth(actor=admin, name="刘小宝", sex="M", birth_date=dt.date(2026, 11, 1),
                                household=mother.household)
    assert baby.household == mother.household and baby.dwelling == mother.dwelling
    assert LifeEvent.objects.get(person=baby).kind == LifeEventKind.BIRTH


def test_correcting_a_phone_audits_only_masked_values(make_person, admin):
    person = make_person(phone="13812345678")
    actions.update_person(actor=admin, person=person, phone="13987654321", reason="居民来电更正")
    entry = AuditEntry.objects.get(event=actions.PERSON_CHANGED)
    assert entry.before == {"phone": "138****5678"} and entry.after == {"phone": "139****4321"}
    assert entry.reason == "居民来电更正"


def test_tags_are_set_and_the_change_is_audited(make_person, admin):
    person = make_person()
    actions.set_tags(actor=admin, person=person, tags=Tag.objects.filter(code__in=["elder_alone", "subsistence"]))
    assert set(person.tags.values_list("code", flat=True)) == {"elder_alone", "subsistence"}
    assert AuditEntry.objects.filter(event=actions.PERSON_TAGS_CHANGED).count() == 1


def test_revealing_an_id_number_needs_a_reason_and_is_audited(make_person, alice):
    person = make_person()
    with pytest.raises(Invalid):
        actions.reveal_person_field(actor=alice, person=person, field="id_number", reason=" ")
    value = actions.reveal_person_field(actor=alice, person=person, field="id_number", reason="办理居住证核对")
    assert value == person.id_number
    entry = AuditEntry.objects.get(event=actions.PERSON_FIELD_REVEALED)
    assert (entry.actor, entry.reason) == (alice, "办理居住证核对")


def test_an_out_of_scope_worker_cannot_reveal_and_gets_the_same_answer_as_for_a_missing_person(make_person, bob):
    person = make_person()
    with pytest.raises(NotFound):
        actions.reveal_person_field(actor=bob, person=person, field="id_number", reason="查看")
    assert not AuditEntry.objects.filter(event=actions.PERSON_FIELD_REVEALED).exists()


def test_a_residence_permit_goes_from_application_to_issue_to_renewal(make_person, admin):
    migrant = make_person("赵磊", sex="M", birth=dt.date(1995, 7, 7), residence_type=ResidenceType.MIGRANT)
    permit = actions.apply_permit(actor=admin, person=migrant, applied_on=dt.date(2025, 11, 1))
    permit = actions.issue_permit(actor=admin, permit=permit, number="SH2025-0001", issued_on=dt.date(2025, 11, 20))
    assert permit.expires_on == dt.date(2026, 11, 20)
    renewal = actions.renew_permit(actor=admin, permit=permit)
    permit.refresh_from_db()
    assert permit.status == PermitStatus.RENEWED and renewal.renewal_of == permit


def test_holders_are_reminded_once_before_their_permit_expires(make_person, admin, texts):
    migrant = make_person("赵磊", sex="M", birth=dt.date(1995, 7, 7), residence_type=ResidenceType.MIGRANT,
                          phone="13700001111")
    permit = actions.issue_permit(actor=admin, permit=actions.apply_permit(actor=admin, person=migrant),
                                  number="SH-1", issued_on=dt.date(2025, 12, 10))
    assert actions.remind_expiring_permits(today=dt.date(2026, 11, 20), days=30) == 1
    assert actions.remind_expiring_permits(today=dt.date(2026, 11, 21), days=30) == 0
    assert [phone for phone, _ in texts] == ["13700001111"]
    assert actions.expire_permits(today=dt.date(2026, 12, 11)) == 1
    permit.refresh_from_db()
    assert permit.status == PermitStatus.EXPIRED


def test_only_migrants_apply_for_residence_permits(make_person, admin):
    with pytest.raises(Invalid):
        actions.apply_permit(actor=admin, person=make_person())


@pytest.mark.parametrize(
    ("query", "kind"),
    [("王秀英", "name"), ("wxy", "pinyin"), ("wangxiuying", "pinyin"), ("138 1234 5678", "phone"),
     ("华山路1088弄 1号", "address")],
)
def test_a_resident_is_found_by_name_pinyin_initials_phone_and_address(make_person, alice, org, query, kind):
    person = make_person(phone="13812345678")
    make_person("李明", sex="M", birth=dt.date(1960, 1, 1), dwelling=org.huashan_dwellings[5])  # 2号
    assert queries.search_kind(query) == kind
    assert list(queries.search_people(alice, query)) == [person]


def test_a_resident_is_found_by_her_id_number(make_person, alice):
    person = make_person()
    assert list(queries.search_people(alice, person.id_number)) == [person]


def test_search_never_reaches_outside_the_workers_neighborhood(make_person, bob):
    make_person()
    assert not queries.search_people(bob, "王").exists()


def test_a_resident_sees_herself_and_her_household_only(resident, resident_person, make_person, admin):
    husband = actions.register_person(actor=admin, name="李国强", id_number=id_number(dt.date(1948, 1, 2), "M", 77),
                                      residence_type=ResidenceType.REGISTERED, dwelling=resident_person.dwelling,
                                      household=resident_person.household, relationship="spouse")
    make_person("邻居甲", dwelling=resident_person.dwelling)
    assert set(queries.people(resident)) == {resident_person, husband}


@pytest.mark.parametrize("query", ["zxm", "zhangx", "zhangxiaoming", "zh", "zhang xiao"])
def test_initials_full_pinyin_and_partial_pinyin_all_find_the_same_person(make_person, alice, org, query):
    person = make_person("张晓明", sex="M", birth=dt.date(1970, 2, 2))
    make_person("朱小梅", birth=dt.date(1971, 3, 3), dwelling=org.huashan_dwellings[4])  # zxm too, not zhang…
    found = list(queries.search_people(alice, query))
    assert person in found
    if query.startswith("zhang"):
        assert found == [person]


def test_a_name_that_begins_with_a_road_character_is_searched_as_a_name(make_person, alice):
    person = make_person("路遥", sex="M", birth=dt.date(1949, 12, 3))
    assert queries.search_kind("路遥") == "name"
    assert list(queries.search_people(alice, "路遥")) == [person]
