"""Bulk inserts used by imports: PostgreSQL COPY, with the same results as saving one row at a time."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from shequ.core.bulk import insert_many, insert_rows
from shequ.population.models import Person
from tests.conftest import id_number


def _person(org, name: str, number: str) -> Person:
    return Person(name=name, sex="F", birth_date=dt.date(1950, 1, 1), id_number=number, phone="13812345678",
                  residence_type="registered", subdistrict=org.subdistrict, neighborhood=org.huashan,
                  compound=org.huashan_compound, dwelling=org.huashan_dwellings[0])


def test_bulk_inserted_people_get_ids_encryption_indexes_and_pinyin(org):
    numbers = [id_number(dt.date(1950, 1, 1), "F", n) for n in (2, 4)]
    made = insert_many(Person, [_person(org, "王秀英", numbers[0]), _person(org, "李芳", numbers[1])])
    assert all(person.pk for person in made)
    stored = Person.objects.get(pk=made[0].pk)
    assert (stored.id_number, stored.phone, stored.name_initials) == (numbers[0], "13812345678", "wxy")
    field = Person._meta.get_field("id_number_index")
    assert Person.objects.get(id_number_index=field.index_for(numbers[1])).name == "李芳"


def test_a_duplicate_id_in_a_bulk_insert_raises_integrity_error_and_writes_nothing(org):
    number = id_number(dt.date(1950, 1, 1), "F", 6)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many(Person, [_person(org, "甲", number), _person(org, "乙", number)])
    assert not Person.objects.exists()


def _row(org, name: str, number: str) -> dict:
    return {"name": name, "sex": "F", "birth_date": dt.date(1950, 1, 1), "id_number": number, "phone": "13812345678",
            "residence_type": "registered", "subdistrict_id": org.subdistrict.pk, "neighborhood_id": org.huashan.pk,
            "compound_id": org.huashan_compound.pk, "dwelling_id": org.huashan_dwellings[0].pk}


def test_rows_inserted_as_dicts_are_stored_as_a_saved_person_would_be(org):
    numbers = [id_number(dt.date(1950, 1, 1), "F", n) for n in (8, 10)]
    pks = insert_rows(Person, [_row(org, "王秀英", numbers[0]), _row(org, "李芳", numbers[1])])

    saved = Person.objects.create(**{**_row(org, "赵敏", id_number(dt.date(1950, 1, 1), "F", 12))})
    stored = Person.objects.get(pk=pks[0])
    assert (stored.id_number, stored.phone, stored.name_pinyin, stored.name_initials) == (
        numbers[0], "13812345678", "wangxiuying", "wxy")
    assert (stored.status, stored.relationship, stored.id_type) == (saved.status, saved.relationship, saved.id_type)
    assert stored.created_at is not None and stored.updated_at is not None
    field = Person._meta.get_field("id_number_index")
    assert Person.objects.get(id_number_index=field.index_for(numbers[1])).pk == pks[1]
    assert Person.objects.get(phone_index=Person._meta.get_field("phone_index").index_for("13812345678"),
                              pk=pks[1]).name == "李芳"


def test_a_duplicate_id_in_inserted_rows_raises_integrity_error_and_writes_nothing(org):
    number = id_number(dt.date(1950, 1, 1), "F", 14)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Person, [_row(org, "甲", number), _row(org, "乙", number)])
    assert not Person.objects.exists()
