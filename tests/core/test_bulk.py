"""Bulk inserts used by imports: PostgreSQL COPY, with the same results as saving one row at a time."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from shequ.core.bulk import insert_many
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
