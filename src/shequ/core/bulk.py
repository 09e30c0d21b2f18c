"""Fast bulk inserts for imports: PostgreSQL ``COPY`` where available, ``bulk_create`` elsewhere.

``bulk_create`` sends multi-row INSERTs, which at a hundred thousand rows costs several times what
``COPY`` does, and building a model instance per row costs as much again. Django has no COPY, so
this small module fills the gap. Both entry points take ids from the table's sequence first (so
callers get primary keys back, as with bulk_create) and stream the rows:

- :func:`insert_many` takes model instances and runs every field's ``pre_save`` (encryption, blind
  indexes, pinyin, auto_now), like ``bulk_create``;
- :func:`insert_rows` takes plain ``{attname: value}`` dicts, for importers that never need the
  instances: a missing field takes its default, a derived field (blind index, pinyin) is computed
  from its source unless the caller already has it, and encrypted fields are encrypted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field, Model
from django.utils import timezone

from shequ.core.fields import DerivedCharField, EncryptedTextField

# Fields whose Python value after pre_save is already what psycopg sends (no get_db_prep_save needed);
# every other kind, and encrypted text, goes through Django's own conversion.
_PASS_THROUGH = (models.AutoField, models.BigAutoField, models.CharField, models.TextField, models.DateField,
                 models.BooleanField, models.IntegerField, models.ForeignKey)


def _needs_prep(field: Field) -> bool:
    return isinstance(field, EncryptedTextField) or not isinstance(field, _PASS_THROUGH)


M = TypeVar("M", bound=Model)


def take_ids(model: type[Model], count: int) -> list[int]:
    """PostgreSQL only: ``count`` new primary keys from the table's sequence, before the rows are written (so a
    row can be written once with values that follow from its id)."""
    meta = model._meta
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, count])
        return [pk for (pk,) in cursor.fetchall()]


def _copy(model: type[Model], fields: Sequence[Field], count: int, rows: Callable[[list[int]], Iterable[Sequence[Any]]],
          ) -> list[int]:
    """Take ``count`` ids from the sequence, then COPY ``rows(ids)`` (each row: its id, then ``fields``)."""
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the proxy that looks it up on every read
    meta = model._meta
    ids = take_ids(model, count)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in [meta.pk, *fields])
    raw = connection.connection
    assert raw is not None
    # wrap_database_errors turns psycopg's errors (a unique violation, say) into Django's IntegrityError.
    with connection.wrap_database_errors, raw.cursor() as cursor, \
            cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows(ids):
            copy.write_row(row)
    return ids


def _is_postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def insert_many(model: type[M], objects: Sequence[M], *, batch_size: int = 5000,
                number: tuple[str, Callable[[M], Any]] | None = None) -> list[M]:
    """Insert ``objects`` (new rows without primary keys) and return them with their primary keys.

    ``number=(field name, function)`` sets a field that follows from the row's own id (a household's 户号,
    say) once the id is known: on PostgreSQL before the row is written, so each row is written once;
    elsewhere by an update after the insert.
    """
    if not objects:
        return []
    if not _is_postgresql():
        made = model._default_manager.bulk_create(objects, batch_size=batch_size)
        if number is not None:
            name, numbering = number
            for obj in made:
                setattr(obj, name, numbering(obj))
            model._default_manager.bulk_update(made, [name], batch_size=batch_size)
        return made
    connection = connections[DEFAULT_DB_ALIAS]
    prepared = [(field, _needs_prep(field)) for field in model._meta.concrete_fields if not field.primary_key]

    def rows(ids: list[int]) -> Iterable[list[Any]]:
        for obj, pk in zip(objects, ids, strict=True):
            obj.pk = pk
            if number is not None:
                setattr(obj, number[0], number[1](obj))
            yield [pk, *(field.get_db_prep_save(field.pre_save(obj, True), connection) if prep
                         else field.pre_save(obj, True) for field, prep in prepared)]

    _copy(model, [field for field, _prep in prepared], len(objects), rows)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objects)


def _value_of(field: Field, now: Any, connection: Any) -> Callable[[dict[str, Any]], Any]:
    """How :func:`insert_rows` fills ``field`` from a row dict."""
    name = field.attname
    prep = _needs_prep(field)
    if isinstance(field, DerivedCharField):
        derive, source = field.derive, field.source
        return lambda row: row[name] if name in row else derive(row.get(source) or "")
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda row: row.get(name, now)
    # get_default() also gives '' for a blank text field without a default, as Model() would.
    if field.has_default() and callable(field.default):
        def given_or_default(row: dict[str, Any]) -> Any:
            return row[name] if name in row else field.get_default()
    else:
        default = field.get_default()

        def given_or_default(row: dict[str, Any]) -> Any:
            return row.get(name, default)
    if prep:
        return lambda row: field.get_db_prep_save(given_or_default(row), connection)
    return given_or_default


def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]], *, batch_size: int = 5000) -> list[int]:
    """Insert ``rows`` (``{attname: python value}``, e.g. ``neighborhood_id``) and return their new ids in order."""
    if not rows:
        return []
    if not _is_postgresql():
        made = model._default_manager.bulk_create([model(**row) for row in rows], batch_size=batch_size)
        return [obj.pk for obj in made]
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    fillers = [_value_of(field, timezone.now(), connection) for field in fields]
    return _copy(model, fields, len(rows), lambda ids: ([pk, *(fill(row) for fill in fillers)]
                                                         for row, pk in zip(rows, ids, strict=True)))
