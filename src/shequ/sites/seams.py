"""What the sites app needs from the registry, in one place: the registry person holding an ID number.

An owner of record is matched to a registry person by the blind index of her ID number (never by name), so that a
resident who owns a flat here may vote online with her portal account. The match is made by the platform for the
roll, not on behalf of a user's view, so it reads the registry unscoped and returns only the person ids.
"""

from __future__ import annotations

from collections.abc import Iterable

from shequ.population.models import Person


def people_by_id_index(indexes: Iterable[str]) -> dict[str, int]:
    wanted = [index for index in set(indexes) if index]
    found = Person.objects.filter(id_number_index__in=wanted).values_list("id_number_index", "pk")
    return dict(found)
