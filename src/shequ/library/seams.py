"""Where the library meets the resident card (cards app, built in parallel). Switch here, and only here.

- :func:`person_for_card` → ``cards.queries.card_by_number(number).person``, NotFound unless the holder lives in
  ``subdistrict_id`` (the library serves its own residents).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.population.models import Person


def person_for_card(number: str, *, subdistrict_id: int | None) -> Person:
    """The reader whose resident card this is (a tap at the desk or a typed card number).

    SEAM: until the cards app is merged there are no cards, so every number is unknown; the desk
    identifies the reader by searching the registry instead.
    """
    raise NotFound(_("Unknown card number %(number)s.") % {"number": number}, field="card")
