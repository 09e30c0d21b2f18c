"""Importing the owners' roll of one compound, all or nothing, keeping its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Compound, Dwelling, User
from shequ.core.queries import compounds
from shequ.core.scopes import can
from shequ.sites import importing, seams
from shequ.sites.models import Ownership

ROLL_IMPORTED = "sites.owners_roll_imported"


def import_roll(*, actor: User, compound: Compound, data: bytes, filename: str,
                as_of: dt.date | None = None) -> dict[str, int]:
    """Make the file the compound's owners' roll from ``as_of`` (today by default), or change nothing.

    A unit whose owner and area are unchanged keeps its row; a changed one gets a new row and the old one ends on
    ``as_of``; a unit missing from the file leaves the roll on ``as_of``. Any wrong row rejects the whole file with an
    :class:`Invalid` whose ``details`` are ``[(row number, message), ...]``.
    """
    if not can(actor, Ownership, "import") or not compounds(actor).filter(pk=compound.pk).exists():
        raise NotFound()
    as_of = as_of or timezone.localdate()
    rows, errors = importing.read_rows(data, filename)
    dwellings = {(d.building.number, d.room): d for d in
                 Dwelling.objects.filter(building__compound=compound).select_related("building")}
    seen: dict[int, int] = {}
    for row in rows:
        dwelling = dwellings.get((row.building, row.room))
        if dwelling is None:
            errors.append((row.number, _("No dwelling %(building)s %(room)s in this compound.")
                           % {"building": row.building, "room": row.room}))
        elif dwelling.pk in seen:
            errors.append((row.number, _("The same dwelling as row %(row)d; enter joint owners once.")
                           % {"row": seen[dwelling.pk]}))
        else:
            seen[dwelling.pk] = row.number
    if errors:
        errors.sort(key=lambda error: error[0])
        raise Invalid(_("Nothing was imported: %(n)d rows are wrong.") % {"n": len({e[0] for e in errors})},
                      field="file", details=errors)
    return _write(actor=actor, compound=compound, rows=rows, dwellings=dwellings, filename=filename, as_of=as_of)


@transaction.atomic(durable=True)
def _write(*, actor: User, compound: Compound, rows: list[importing.RollRow],
           dwellings: dict[tuple[str, str], Dwelling], filename: str, as_of: dt.date) -> dict[str, int]:
    current = {o.dwelling_id: o for o in Ownership.objects.select_for_update().filter(compound=compound).current()}
    if any(o.valid_from > as_of for o in current.values()):
        raise Conflict(_("The roll already has owners from a later date than %(day)s.") % {"day": as_of})
    index = Ownership._meta.get_field("id_number_index").index_for  # type: ignore[attr-defined]
    people = seams.people_by_id_index(index(row.id_number) for row in rows if row.id_number)
    ended: list[Ownership] = []
    added: list[Ownership] = []
    kept = 0
    for row in rows:
        dwelling = dwellings[(row.building, row.room)]
        key_index = "" if row.is_developer else index(row.id_number)
        old = current.pop(dwelling.pk, None)
        if old is not None and old.is_developer == row.is_developer and old.id_number_index == key_index \
                and old.area == row.area and old.owner_name == row.owner:
            kept += 1
            continue
        if old is not None:
            ended.append(old)
        added.append(Ownership(compound=compound, dwelling=dwelling, area=row.area, owner_name=row.owner,
                               id_number=row.id_number, is_developer=row.is_developer,
                               person_id=people.get(key_index), valid_from=as_of, source=filename[:200],
                               created_by=actor))
    ended.extend(current.values())  # units no longer on the file leave the roll
    for old in ended:
        if old.valid_from == as_of:
            old.delete()  # replaced on the day it began: it never was the roll on any date
        else:
            old.valid_to = as_of
            old.save(update_fields=["valid_to"])
    Ownership.objects.bulk_create(added)
    summary: dict[str, Any] = {"rows": len(rows), "added": len(added), "ended": len(ended), "kept": kept,
                               "as_of": as_of.isoformat(), "filename": filename}
    audit.record(actor=actor, event=ROLL_IMPORTED, obj=compound, after=summary)
    return {"rows": len(rows), "added": len(added), "ended": len(ended), "kept": kept}
