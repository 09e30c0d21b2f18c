"""Handling an incident: acknowledging it, writing notes, closing it with its outcome, reopening it.

Each action takes an ``actor``, runs in one durable transaction, locks the incident, writes a line of its timeline
(:class:`~shequ.safety.models.IncidentStep`) and an audit entry. Who may: the roles that may change incidents
(police, committee workers, the property company, administrators), within their area.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import Conflict, Invalid
from shequ.core.models import User
from shequ.core.scopes import get_visible
from shequ.safety.alarms import step
from shequ.safety.choices import IncidentStatus, IncidentStepKind
from shequ.safety.models import Incident

INCIDENT_ACKNOWLEDGED = "safety.incident_acknowledged"
INCIDENT_NOTE_ADDED = "safety.incident_note_added"
INCIDENT_CLOSED = "safety.incident_closed"
INCIDENT_REOPENED = "safety.incident_reopened"

MAX_NOTE = 2000


def _locked(actor: User, incident: Incident | int) -> Incident:
    """The incident, locked for this transaction, if the actor may change it (else the same 404 as missing)."""
    pk = incident.pk if isinstance(incident, Incident) else incident
    return get_visible(Incident.objects.select_for_update(of=("self",)), actor, "change", pk=pk)


def _text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("Please write what happened.") if field == "outcome" else _("Please write a note."),
                      field=field)
    if len(value) > MAX_NOTE:
        raise Invalid(_("The text is too long (at most %(count)d characters).") % {"count": MAX_NOTE}, field=field)
    return value


def _record(actor: User | None, event: str, incident: Incident, before: str, note: str = "",
            **extra: Any) -> None:
    audit.record(actor=actor, event=event, obj=incident, before={"status": before},
                 after={"status": incident.status, **extra}, reason=note, subdistrict_id=incident.subdistrict_id)


@transaction.atomic(durable=True)
def acknowledge_incident(*, actor: User, incident: Incident | int, note: str = "") -> Incident:
    """Someone has taken it up: the board stops showing it as waiting, and it no longer closes by itself."""
    incident = _locked(actor, incident)
    note = _text(note, "note", required=False)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("Only an open incident can be acknowledged; this one is %(status)s.")
                       % {"status": incident.get_status_display()})
    now, before = timezone.now(), incident.status
    incident.status, incident.acknowledged_at, incident.acknowledged_by = IncidentStatus.ACKNOWLEDGED, now, actor
    incident.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    step(incident, IncidentStepKind.ACKNOWLEDGED, at=now, actor=actor, note=note)
    _record(actor, INCIDENT_ACKNOWLEDGED, incident, before, note)
    return incident


@transaction.atomic(durable=True)
def add_note(*, actor: User, incident: Incident | int, note: str) -> Incident:
    """A line on the timeline: what was seen, who was called (also on a closed incident, for the record)."""
    incident = _locked(actor, incident)
    note = _text(note, "note", required=True)
    now = timezone.now()
    step(incident, IncidentStepKind.NOTE, at=now, actor=actor, note=note)
    Incident.objects.filter(pk=incident.pk).update(updated_at=now)
    audit.record(actor=actor, event=INCIDENT_NOTE_ADDED, obj=incident, reason=note,
                 subdistrict_id=incident.subdistrict_id)
    return incident


def _close(incident: Incident, *, actor: User | None, outcome: str, at: dt.datetime) -> Incident:
    """Close a locked incident: it stops taking alarms (the next alarm of its group opens a new one)."""
    before = incident.status
    incident.status, incident.closed_at, incident.closed_by = IncidentStatus.CLOSED, at, actor
    incident.outcome, incident.takes_alarms = outcome, None
    incident.save(update_fields=["status", "closed_at", "closed_by", "outcome", "takes_alarms", "updated_at"])
    step(incident, IncidentStepKind.CLOSED, at=at, actor=actor, note=outcome)
    _record(actor, INCIDENT_CLOSED, incident, before, outcome)
    return incident


@transaction.atomic(durable=True)
def close_incident(*, actor: User, incident: Incident | int, outcome: str) -> Incident:
    """Close it, saying what it was and what was done (a false alarm is an outcome too)."""
    incident = _locked(actor, incident)
    outcome = _text(outcome, "outcome", required=True)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("This incident is already closed."))
    return _close(incident, actor=actor, outcome=outcome, at=timezone.now())


def close_automatically(incident: Incident, *, at: dt.datetime, outcome: str, actor: User | None = None) -> Incident:
    """Close an incident without a person at the desk: its devices are back, or its linked request was closed.
    Runs in the caller's transaction; ``incident`` must be locked by the caller."""
    if incident.status == IncidentStatus.CLOSED:
        return incident
    return _close(incident, actor=actor, outcome=outcome[:MAX_NOTE], at=at)


@transaction.atomic(durable=True)
def reopen_incident(*, actor: User, incident: Incident | int, note: str) -> Incident:
    """Not over after all. It takes its group's alarms again unless a newer incident of the group already does."""
    incident = _locked(actor, incident)
    note = _text(note, "note", required=True)
    if incident.status != IncidentStatus.CLOSED:
        raise Conflict(_("Only a closed incident can be reopened."))
    now, before = timezone.now(), incident.status
    incident.status = IncidentStatus.ACKNOWLEDGED if incident.acknowledged_at else IncidentStatus.OPEN
    incident.closed_at, incident.closed_by = None, None
    incident.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    try:
        with transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(takes_alarms=incident.group_key)
            incident.takes_alarms = incident.group_key
    except IntegrityError:
        pass  # a newer incident of the group is open: new alarms go there
    step(incident, IncidentStepKind.REOPENED, at=now, actor=actor, note=note)
    _record(actor, INCIDENT_REOPENED, incident, before, note)
    return incident
