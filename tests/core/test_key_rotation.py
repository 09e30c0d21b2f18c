from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from shequ.core import crypto
from shequ.population.models import Person


def _stored_id_number(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM population_person WHERE id = %s", [person.pk])
        return cursor.fetchone()[0]


def test_rotating_keys_re_encrypts_every_row_and_keeps_it_readable(make_person, settings):
    person = make_person(phone="13812345678")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    crypto._fernet.cache_clear()
    try:
        call_command("rotate_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        Fernet(new_key.encode()).decrypt(_stored_id_number(person).encode())  # raises if not under the new key
        settings.FIELD_ENCRYPTION_KEYS = [new_key]
        crypto._fernet.cache_clear()
        reloaded = Person.objects.get(pk=person.pk)
        assert (reloaded.id_number, reloaded.phone) == (person.id_number, "13812345678")
    finally:
        crypto._fernet.cache_clear()
