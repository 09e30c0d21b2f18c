"""Every write about an alert (docs/eldercare-alerts.md): opening it from the rules' findings or a safety alarm,
climbing the ladder, taking a rung on, passing it on, closing it with an outcome.

The ladder (:data:`shequ.eldercare.choices.LADDER`): an automatic SMS to the elder → her emergency contacts (only
those she lets be told, and only while her consent to telling family is in force) → the committee worker → a door
visit by her paired volunteer or the worker → an emergency request in ``affairs``. Each rung waits
``ELDERCARE_LADDER_MINUTES[step]``; taken on, it waits ``ELDERCARE_TAKEN_ON_MINUTES`` for an outcome; either
deadline passed, the alert climbs (:func:`climb_due`). A smoke alarm or the one-button call starts at the top: the
safety app has already opened the emergency request in the ingest's transaction, and the alert links it.

Every message goes through the outbox, once per rung however often the worker retries (a dedupe key). Every
action takes ``now`` so that tests and the demo drive the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit, outbox
from shequ.core.errors import Conflict, Invalid
from shequ.core.models import User
from shequ.eldercare.choices import (
    LADDER,
    AlertOutcome,
    AlertStatus,
    FalseAlarmCause,
    LadderStep,
    StepEnd,
)
from shequ.eldercare.models import Alert, AlertStep, CareRecipient
from shequ.eldercare.rules import RULE_LABELS, Finding, Rule
from shequ.safety.choices import Severity

ALERT_OPENED = "eldercare.alert_opened"
ALERT_CLIMBED = "eldercare.alert_climbed"
ALERT_TAKEN_ON = "eldercare.alert_taken_on"
ALERT_CLOSED = "eldercare.alert_closed"
ALERT_NOTIFIED = "eldercare.alert_notified"

# The one-button call is a safety alarm rather than a rule over readings; its alerts carry this code.
CALL = "call"
# Findings that cannot wait for the ladder: the alert starts at (or jumps to) its top.
URGENT = frozenset({Rule.SMOKE, CALL})
SYSTEM = "system"


def rule_label(code: str) -> str:
    if code == CALL:
        return _("One-button call")
    return str(RULE_LABELS.get(code, code))


def describe(code: str, figures: dict[str, Any] | None) -> str:
    """A rule's finding in plain words, in the active language (an alert keeps the figures, not the words)."""
    if code == CALL:
        return _("She pressed the one-button call at %(time)s.") % (figures or {"time": ""})
    try:
        return Finding(code, 0, dict(figures or {})).message
    except (KeyError, TypeError, ValueError):
        return rule_label(code)


def alert_summary(alert: Alert) -> str:
    return "；".join(rule_label(code) for code in alert.rules)


# Opening ------------------------------------------------------------------------------------------------------

def open_or_join(recipient: CareRecipient, findings: Sequence[Finding], *, now: dt.datetime | None = None,
                 incident: Any = None) -> Alert | None:
    """Open the elder's alert for ``findings``, or add them to her open one (one open alert per elder). Urgent
    findings start it at the emergency rung, or move an open one there. Returns the alert, or None when nothing
    changed (the worker's next pass finding the same silence writes nothing)."""
    if not findings:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        # The elder's row serialises the worker's pass, a safety alarm and a person closing her alert.
        CareRecipient.objects.select_for_update().filter(pk=recipient.pk).first()
        alert = Alert.objects.select_for_update().filter(recipient=recipient, status=AlertStatus.OPEN).first()
        urgent = any(finding.code in URGENT for finding in findings)
        severity = max(finding.severity for finding in findings)
        if alert is None:
            alert = Alert.objects.create(
                recipient=recipient, rules=[finding.code for finding in findings],
                figures={finding.code: _plain(finding.figures) for finding in findings}, severity=severity,
                step=LadderStep.EMERGENCY if urgent else LADDER[0], opened_at=now, incident=incident)
            audit.record(actor=None, event=ALERT_OPENED, obj=alert,
                         after={"elder": recipient.pk, "rules": alert.rules, "severity": severity},
                         subdistrict_id=recipient.person.subdistrict_id)
            _start(alert, LadderStep(alert.step), now=now, note=alert_summary(alert))
            return alert
        new = [finding for finding in findings if finding.code not in alert.rules]
        if not new and not (incident is not None and alert.incident_id is None):
            return None
        alert.rules = [*alert.rules, *(finding.code for finding in new)]
        alert.figures = {**alert.figures, **{finding.code: _plain(finding.figures) for finding in new}}
        alert.severity = max(alert.severity, severity)
        if incident is not None and alert.incident_id is None:
            alert.incident = incident
        alert.save(update_fields=["rules", "figures", "severity", "incident"])
        if urgent and alert.step != LadderStep.EMERGENCY:
            _end_current(alert, StepEnd.PASSED_ON, now=now, by_name=SYSTEM,
                         note=_("Jumped to the emergency request: %(rules)s") % {
                             "rules": "；".join(rule_label(f.code) for f in new if f.code in URGENT)})
            _start(alert, LadderStep.EMERGENCY, now=now)
        return alert


def _plain(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: (value if isinstance(value, int | float | str | bool) or value is None else str(value))
            for key, value in figures.items()}


def on_alarm_raised(sender: Any, *, alarm: Any, incident: Any, **_kwargs: Any) -> None:
    """A smoke alarm or one-button call in an elder's home opens her alert at the emergency rung, in the ingest's
    transaction (the safety app has opened the emergency request there already)."""
    from shequ.safety.choices import AlarmKind

    code = {AlarmKind.SMOKE: Rule.SMOKE, AlarmKind.CALL: CALL}.get(alarm.kind)
    dwelling_id = alarm.device.dwelling_id if code else None
    if code is None or not dwelling_id:
        return
    time = timezone.localtime(alarm.raised_at).strftime("%H:%M")
    for recipient in CareRecipient.objects.on_roll().filter(person__dwelling_id=dwelling_id) \
            .select_related("person"):
        open_or_join(recipient, [Finding(code, Severity.EMERGENCY, {"time": time})], now=alarm.raised_at,
                     incident=incident)


# The ladder -----------------------------------------------------------------------------------------------------

def _current_step(alert: Alert) -> AlertStep | None:
    return alert.steps.order_by("-started_at", "-pk").first()


def _end_current(alert: Alert, end: str, *, now: dt.datetime, by: User | None = None, by_name: str = "",
                 note: str = "") -> AlertStep | None:
    step = _current_step(alert)
    if step is None or step.ended_at is not None:
        return step
    step.ended_at, step.end, step.by, step.by_name, step.note = now, end, by, by_name[:60], (note or step.note)[:300]
    step.save(update_fields=["ended_at", "end", "by", "by_name", "note"])
    return step


def _deadline(step: LadderStep, now: dt.datetime) -> dt.datetime | None:
    minutes = settings.ELDERCARE_LADDER_MINUTES.get(step.value)
    return now + dt.timedelta(minutes=minutes) if minutes else None


def _start(alert: Alert, step: LadderStep, *, now: dt.datetime, note: str = "") -> AlertStep:
    """Put the alert on ``step`` and tell the people of that rung. A rung with nobody to tell (no family contact
    may be told, no volunteer and no worker) is skipped at once, and said so on the alert's timeline."""
    alert.step, alert.step_taken_by, alert.step_deadline = step, None, _deadline(step, now)
    alert.save(update_fields=["step", "step_taken_by", "step_deadline"])
    row = AlertStep.objects.create(alert=alert, step=step, started_at=now, deadline=alert.step_deadline,
                                   note=note[:300])
    told, nobody = _tell(alert, step, now=now)
    if told:
        row.told = told[:300]
        row.save(update_fields=["told"])
    if step != LadderStep.EMERGENCY and nobody:
        row.ended_at, row.end, row.by_name, row.note = now, StepEnd.SKIPPED, SYSTEM, nobody[:300]
        row.save(update_fields=["ended_at", "end", "by_name", "note"])
        return _start(alert, LADDER[LADDER.index(step) + 1], now=now)
    return row


def climb(alert: Alert, *, now: dt.datetime, end: str, by: User | None = None, by_name: str = "",
          note: str = "") -> Alert:
    """End the alert's rung (timed out or passed on) and start the next; at the top there is nowhere to climb."""
    if alert.step == LadderStep.EMERGENCY:
        raise Conflict(_("The alert is already with the emergency request."))
    _end_current(alert, end, now=now, by=by, by_name=by_name, note=note)
    audit.record(actor=by, event=ALERT_CLIMBED, obj=alert, before={"step": alert.step},
                 after={"step": LADDER[LADDER.index(LadderStep(alert.step)) + 1], "end": end},
                 subdistrict_id=alert.recipient.person.subdistrict_id)
    _start(alert, LADDER[LADDER.index(LadderStep(alert.step)) + 1], now=now)
    return alert


def climb_due(now: dt.datetime | None = None) -> int:
    """Every open alert past its rung's deadline climbs one rung (taken on but not closed in time counts as no
    answer). Rows another worker is handling are skipped, so two workers never climb one alert twice."""
    now = now or timezone.now()
    climbed = 0
    due = list(Alert.objects.filter(status=AlertStatus.OPEN, step_deadline__lte=now)
               .exclude(step=LadderStep.EMERGENCY).values_list("pk", flat=True)[:500])
    for pk in due:
        with transaction.atomic():
            alert = (Alert.objects.select_for_update(skip_locked=True).select_related("recipient__person")
                     .filter(pk=pk, status=AlertStatus.OPEN, step_deadline__lte=now).first())
            if alert is None or alert.step == LadderStep.EMERGENCY:
                continue
            taken = alert.step_taken_by
            note = (_("Taken on by %(name)s but not closed in time.") % {"name": taken.get_full_name() or taken}
                    if taken is not None else _("No answer in time."))
            climb(alert, now=now, end=StepEnd.TIMED_OUT, by_name=SYSTEM, note=note)
            climbed += 1
    return climbed


def take_on(*, actor: User, alert: Alert, note: str = "", now: dt.datetime | None = None) -> Alert:
    """Someone answers the alert's rung ("I'm going round"): the clock now waits for her outcome."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = _locked_open(alert)
        _end_current(alert, StepEnd.ACKNOWLEDGED, now=now, by=actor, note=note)
        alert.step_taken_by = actor
        if alert.step != LadderStep.EMERGENCY:
            alert.step_deadline = now + dt.timedelta(minutes=settings.ELDERCARE_TAKEN_ON_MINUTES)
        alert.save(update_fields=["step_taken_by", "step_deadline"])
        audit.record(actor=actor, event=ALERT_TAKEN_ON, obj=alert, after={"step": alert.step, "note": note},
                     subdistrict_id=alert.recipient.person.subdistrict_id)
    return alert


def pass_on(*, actor: User, alert: Alert, note: str, now: dt.datetime | None = None) -> Alert:
    """The rung found nobody ("called twice, no answer"): climb now rather than wait for the deadline."""
    if not (note or "").strip():
        raise Invalid(_("Say what was tried before passing the alert on."), field="note")
    now = now or timezone.now()
    with transaction.atomic():
        alert = _locked_open(alert)
        return climb(alert, now=now, end=StepEnd.PASSED_ON, by=actor, note=note.strip())


def close(*, actor: User | None, alert: Alert, outcome: str, cause: str = "", note: str = "",
          by_name: str = "", now: dt.datetime | None = None) -> Alert:
    """Close the alert with its outcome; a false alarm must name its cause (it feeds the elder's tuning)."""
    if outcome not in AlertOutcome.values:
        raise Invalid(_("Choose what happened."), field="outcome")
    if outcome == AlertOutcome.FALSE_ALARM and cause not in FalseAlarmCause.values:
        raise Invalid(_("Say why it was a false alarm."), field="cause")
    if outcome != AlertOutcome.FALSE_ALARM:
        cause = ""
    now = now or timezone.now()
    with transaction.atomic():
        alert = _locked_open(alert)
        _end_current(alert, StepEnd.CLOSED, now=now, by=actor, by_name=by_name, note=note)
        alert.status, alert.closed_at, alert.closed_by = AlertStatus.CLOSED, now, actor
        alert.outcome, alert.false_alarm_cause, alert.outcome_note = outcome, cause, note.strip()[:300]
        alert.step_deadline = None
        alert.save(update_fields=["status", "closed_at", "closed_by", "outcome", "false_alarm_cause",
                                  "outcome_note", "step_deadline"])
        audit.record(actor=actor, event=ALERT_CLOSED, obj=alert,
                     after={"outcome": outcome, "cause": cause, "by": by_name or "", "step": alert.step},
                     subdistrict_id=alert.recipient.person.subdistrict_id)
    return alert


def elder_is_fine(*, actor: User, now: dt.datetime | None = None) -> Alert | None:
    """The elder's own "I'm fine" (her portal tile): her open alert below the emergency rung closes as fine. At
    the emergency rung her word goes on the timeline and the service centre, already on its way, decides."""
    now = now or timezone.now()
    alert = (Alert.objects.select_related("recipient__person")
             .filter(recipient__person__user=actor, recipient__left_roll_at__isnull=True, status=AlertStatus.OPEN)
             .first())
    if alert is None:
        return None
    name = alert.recipient.person.name
    if alert.step == LadderStep.EMERGENCY:
        AlertStep.objects.create(alert=alert, step=alert.step, started_at=now, ended_at=now, end=StepEnd.ACKNOWLEDGED,
                                 by=actor, by_name=name[:60], note=_("She says she is fine."))
        return alert
    return close(actor=actor, alert=alert, outcome=AlertOutcome.FINE, by_name=name,
                 note=_("She pressed \u201cI'm fine\u201d."), now=now)


def settle(alert: Alert, *, why: str, now: dt.datetime | None = None) -> Alert:
    """Close an alert that the readings or a sign of life elsewhere (a meal, a loan, a sign-in) have answered."""
    return close(actor=None, alert=alert, outcome=AlertOutcome.FINE, by_name=SYSTEM, note=why, now=now)


def _locked_open(alert: Alert) -> Alert:
    locked = (Alert.objects.select_for_update(of=("self",)).select_related("recipient__person", "step_taken_by")
              .filter(pk=alert.pk).first())
    if locked is None or locked.status != AlertStatus.OPEN:
        raise Conflict(_("This alert is already closed."))
    return locked


# Telling people ---------------------------------------------------------------------------------------------------

def _tell(alert: Alert, step: LadderStep, *, now: dt.datetime) -> tuple[str, str]:
    """Queue the rung's messages; returns (who was told, masked) and, when nobody can be, why."""
    recipient = alert.recipient
    person = recipient.person
    with translation.override(settings.LANGUAGE_CODE):
        summary, name, place = alert_summary(alert), person.name, _address(recipient)
        if step == LadderStep.CALL_ELDER:
            text = _("Shequ care: %(name)s, your home has been quiet for a while. If all is well, press "
                     "\u201cI'm fine\u201d in the resident portal or call your committee.") % {"name": name}
            return _send(alert, step, [(name, person.phone or "")], text,
                         nobody=_("No phone of hers on record."))
        if step == LadderStep.CONTACT:
            text = _("Shequ care: we cannot reach %(name)s (%(what)s). Please call her, and tell her committee "
                     "what you find.") % {"name": name, "what": summary}
            return _send(alert, step, [(contact.name, contact.phone or "") for contact in _family_to_tell(recipient)],
                         text, nobody=_("No family contact she lets be told."))
        if step == LadderStep.WORKER:
            worker = recipient.worker
            text = _("Care alert: %(name)s, %(place)s: %(what)s. Open the care desk.") % {
                "name": name, "place": place, "what": summary}
            people = [(worker.get_full_name() or worker.username, worker.phone or "")] if worker else []
            return _send(alert, step, people, text, nobody=_("No committee worker is responsible for her."),
                         desk_counts=worker is not None)
        if step == LadderStep.DOOR_VISIT:
            text = _("Care alert: please go to %(name)s's door, %(place)s, and tell the care desk what you find.") % {
                "name": name, "place": place}
            people = []
            if recipient.volunteer is not None:
                people.append((recipient.volunteer.person.name, recipient.volunteer.person.phone or ""))
            if recipient.worker is not None:
                people.append((recipient.worker.get_full_name() or recipient.worker.username,
                               recipient.worker.phone or ""))
            return _send(alert, step, people, text, nobody=_("No volunteer and no worker to visit her."),
                         desk_counts=recipient.worker is not None)
        return _emergency(alert, now=now), ""


def _send(alert: Alert, step: LadderStep, people: Iterable[tuple[str, str]], text: str, *, nobody: str,
          desk_counts: bool = False) -> tuple[str, str]:
    from shequ.core.crypto import mask_phone

    people = [(who, phone) for who, phone in people if who]
    phones = [phone for _who, phone in people if phone]
    if phones:
        outbox.enqueue(channel="sms", to=phones, text=text, event=ALERT_NOTIFIED, obj=alert,
                       subdistrict_id=alert.recipient.person.subdistrict_id,
                       dedupe_key=f"eldercare-alert-{alert.pk}-{step}")
    told = "、".join(f"{who} {mask_phone(phone)}".strip() for who, phone in people)
    # A worker without a phone still sees the alert on her desk: that is telling her.
    if phones or (desk_counts and people):
        return told, ""
    return "", str(nobody)


def _family_to_tell(recipient: CareRecipient) -> list[Any]:
    """Her contacts that may be told, only while her consent to telling family is in force."""
    consent = recipient.consents.in_force().order_by("-given_on", "-pk").first()
    if consent is None or not consent.tell_family:
        return []
    return list(recipient.contacts.filter(may_be_told=True).order_by("order", "pk"))


def _address(recipient: CareRecipient) -> str:
    from shequ.eldercare.queries.roll import address_of

    return address_of(recipient)


def _emergency(alert: Alert, *, now: dt.datetime) -> str:
    """The top rung: the safety incident's request when there is one, else a new emergency request in affairs."""
    from shequ.affairs import actions as affairs_actions
    from shequ.affairs.models import Service

    linked = alert.incident.request if alert.incident_id is not None and alert.incident is not None else None
    if linked is not None:
        alert.request = linked
        alert.save(update_fields=["request"])
        return _("Emergency request %(number)s") % {"number": linked.number}
    person = alert.recipient.person
    service = Service.objects.filter(code=settings.SAFETY_EMERGENCY_SERVICE, subdistrict_id=person.subdistrict_id,
                                     active=True).first()
    if service is None:
        return _("No emergency service is set up in this sub-district: call 120 or 110 yourself.")
    description = _("Care alert for %(name)s, living alone: %(what)s. The ladder found nobody who could see "
                    "her.") % {"name": person.name, "what": "；".join(describe(code, alert.figures.get(code))
                                                                        for code in alert.rules)}
    request = affairs_actions.create_device_request(
        service=service, description=description, subdistrict_id=person.subdistrict_id,
        dwelling=person.dwelling, address=_address(alert.recipient), now=now)
    alert.request = request
    alert.save(update_fields=["request"])
    return _("Emergency request %(number)s") % {"number": request.number}
