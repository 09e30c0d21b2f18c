"""The police office's patrol log: an officer starts a round of her beat, notes what she finds, and finishes it.

A patrol lies in the officer's own neighborhood (her beat), optionally in one of its compounds; only the officer
who started a round adds to it or finishes it, and a finished round is not changed again (a log, not a draft).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import Compound, User
from shequ.core.scopes import can, get_visible
from shequ.safety.models import PatrolLog

PATROL_STARTED = "safety.patrol_started"
PATROL_NOTED = "safety.patrol_noted"
PATROL_FINISHED = "safety.patrol_finished"

MAX_TEXT = 4000


def _snapshot(patrol: PatrolLog) -> dict[str, Any]:
    return {"compound": patrol.compound_id, "started_at": patrol.started_at, "ended_at": patrol.ended_at,
            "route": patrol.route, "findings": patrol.findings}


@transaction.atomic(durable=True)
def start_patrol(*, actor: User, compound: Compound | None = None, route: str = "",
                 started_at: dt.datetime | None = None) -> PatrolLog:
    """Start a round of the officer's beat (her neighborhood), or of one compound in it. An officer of the whole
    sub-district (no neighborhood of her own) names the compound, whose neighborhood the round then lies in."""
    if not can(actor, PatrolLog, "add") or actor.subdistrict_id is None or actor.compound_id is not None:
        raise NotFound()
    if compound is not None and not beat_compounds(actor).filter(pk=compound.pk).exists():
        raise Invalid(_("This compound is not on your beat."), field="compound")
    neighborhood_id = actor.neighborhood_id or (compound.neighborhood_id if compound is not None else None)
    if neighborhood_id is None:
        raise Invalid(_("Choose a compound on your beat."), field="compound")
    if PatrolLog.objects.filter(officer=actor, ended_at__isnull=True).exists():
        raise Conflict(_("Finish your current patrol first."))
    now = timezone.now()
    started_at = started_at or now
    if started_at > now + dt.timedelta(minutes=5):
        raise Invalid(_("A patrol cannot start in the future."), field="started_at")
    patrol = PatrolLog.objects.create(
        officer=actor, subdistrict_id=actor.subdistrict_id, neighborhood_id=neighborhood_id, compound=compound,
        started_at=started_at, route=route.strip()[:MAX_TEXT])
    audit.record(actor=actor, event=PATROL_STARTED, obj=patrol, after=_snapshot(patrol))
    return patrol


def beat_compounds(actor: User) -> QuerySet[Compound]:
    """The compounds an officer patrols: her neighborhood's, or the whole sub-district's."""
    if actor.neighborhood_id is not None:
        return Compound.objects.filter(neighborhood_id=actor.neighborhood_id).order_by("name")
    if actor.subdistrict_id is not None:
        return Compound.objects.filter(neighborhood__subdistrict_id=actor.subdistrict_id).order_by("name")
    return Compound.objects.none()


def _own_open(actor: User, patrol: PatrolLog) -> PatrolLog:
    found = get_visible(PatrolLog.objects.select_for_update(), actor, "change", pk=patrol.pk)
    if found.officer_id != actor.pk:
        raise Forbidden(_("Only the officer on this patrol can add to it."))
    if found.ended_at is not None:
        raise Conflict(_("This patrol is finished."))
    return found


@transaction.atomic(durable=True)
def add_note(*, actor: User, patrol: PatrolLog, note: str) -> PatrolLog:
    """A finding on the way (a door propped open, a broken light), stamped with the time."""
    text = note.strip()
    if not text:
        raise Invalid(_("Write what you found."), field="note")
    found = _own_open(actor, patrol)
    stamp = timezone.localtime().strftime("%H:%M")
    found.findings = (f"{found.findings}\n{stamp} {text}" if found.findings else f"{stamp} {text}")[:MAX_TEXT]
    found.save(update_fields=["findings"])
    audit.record(actor=actor, event=PATROL_NOTED, obj=found, after={"note": text})
    return found


@transaction.atomic(durable=True)
def finish_patrol(*, actor: User, patrol: PatrolLog, findings: str = "", route: str | None = None) -> PatrolLog:
    """End the round, with the route taken and a closing finding (or "nothing to report")."""
    found = _own_open(actor, patrol)
    before = _snapshot(found)
    if route is not None and route.strip():
        found.route = route.strip()[:MAX_TEXT]
    if findings.strip():
        found.findings = (f"{found.findings}\n{findings.strip()}" if found.findings else findings.strip())[:MAX_TEXT]
    found.ended_at = max(timezone.now(), found.started_at)
    found.save(update_fields=["route", "findings", "ended_at"])
    old, new = audit.changes(before, _snapshot(found))
    audit.record(actor=actor, event=PATROL_FINISHED, obj=found, before=old, after=new)
    return found


