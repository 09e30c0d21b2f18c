"""ID numbers and phones are encrypted at rest, searchable by blind index, and masked on screen."""

import datetime as dt

from django.db import connection

from shequ.core import crypto
from shequ.population.models import Person


def test_id_number_and_phone_are_not_stored_in_plain_text(make_person):
    person = make_person(phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM population_person WHERE id = %s", [person.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert person.id_number not in stored_id
    assert "13812345678" not in stored_phone
    assert Person.objects.get(pk=person.pk).id_number == person.id_number


def test_a_person_is_found_by_blind_index_of_a_differently_typed_number(make_person):
    person = make_person(phone="13812345678")
    field = Person._meta.get_field("phone_index")
    assert Person.objects.get(phone_index=field.index_for("+86 138-1234-5678")) == person


def test_encrypted_columns_refuse_direct_lookups():
    import pytest

    with pytest.raises(TypeError, match="blind index"):
        Person.objects.filter(phone="13812345678")


def test_an_id_number_mask_keeps_only_the_division_code_and_a_phone_mask_hides_its_middle():
    assert crypto.mask_id_number("11010519491231002X") == "110105************"
    assert crypto.mask_id_number("E12345678") == "E1*******"  # a passport: the kind of document, no digits
    assert crypto.mask_birth_date(dt.date(1949, 12, 31)) == "1949"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("02162345678") == "021****5678"


def test_a_local_landline_keeps_at_least_four_digits_hidden():
    # An 8-digit Shanghai number masked like a mobile (623*5678) would hide one digit, a 7-digit one none.
    assert crypto.mask_phone("62345678") == "****5678"
    assert crypto.mask_phone("6234567") == "****567"
    assert crypto.mask_phone("12345") == "*****"  # not a phone number at all (an import's bad cell, say)


def test_blind_indexes_of_ids_and_phones_never_collide_for_the_same_digits():
    assert crypto.blind_index("id", "13812345678") != crypto.blind_index("phone", "13812345678")
