"""``field__any=[...]``: membership in a long list, sent to PostgreSQL as one array parameter.

``field__in`` with thousands of values makes a query with thousands of placeholders, which Django prepares and
psycopg splits and formats one by one (a tenth of a 20,000-row import went there). ``= ANY(%s)`` sends the
list as a single array and uses the same btree index. SQLite has no arrays: there it is an ordinary ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.db.models import Field, ForeignObject, Lookup

T = TypeVar("T")
# Values per ``__any`` query: SQLite takes at most 32,766 parameters a query (PostgreSQL gets one array).
ANY_CHUNK = 10_000


def any_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices that one ``field__any`` query takes on every database."""
    for start in range(0, len(values), ANY_CHUNK):
        yield values[start:start + ANY_CHUNK]


class AnyOf(Lookup):  # type: ignore[type-arg]
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[Any]:
        prep = self.lhs.output_field.get_prep_value
        return [prep(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # related fields keep lookups of their own: ``dwelling_id__any``
