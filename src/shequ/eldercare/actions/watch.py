"""The worker's watch over the elders (every ``ELDERCARE_WATCH_SECONDS``): one pass of the rules for every elder
on the roll with a home, alerts opened for what they find, alerts the readings or a sign of life have answered
settled, and alerts past their rung's deadline climbed.

What the elder agreed to is honoured here: a rule over a sensor she did not consent to raises nothing. Smoke is not
the pass's: the safety alarm opens the alert at once, in the ingest's transaction (``alerts.on_alarm_raised``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.eldercare.actions import alerts
from shequ.eldercare.choices import AlertStatus, LadderStep
from shequ.eldercare.models import Alert, AwayPeriod, CareRecipient, Consent
from shequ.eldercare.rules import LOOKBACK, ElderContext, Rule, evaluate_all, signs_of_life
from shequ.safety.choices import DeviceKind

log = logging.getLogger(__name__)

# The sensor each rule reads: consent to that sensor is what lets the rule raise an alert.
RULE_SENSOR = {
    Rule.WATER_LOW: DeviceKind.WATER_METER,
    Rule.WATER_HIGH: DeviceKind.WATER_METER,
    Rule.LEAK: DeviceKind.WATER_METER,
    Rule.DOOR_IDLE: DeviceKind.DOOR_SENSOR,
    Rule.NO_MOTION: DeviceKind.MOTION_SENSOR,
}


@dataclass
class WatchResult:
    elders: int = 0
    opened: int = 0
    joined: int = 0
    settled: int = 0
    climbed: int = 0

    @property
    def changes(self) -> int:
        return self.opened + self.joined + self.settled + self.climbed


@dataclass(frozen=True)
class _Elder:
    pk: int
    person_id: int
    dwelling_id: int
    subdistrict_code: str | None
    overrides: dict


def watch(now: dt.datetime | None = None) -> WatchResult:
    """One pass over every elder on the roll who has a home (see the module's docstring)."""
    now = now or timezone.now()
    result = WatchResult()
    elders = [_Elder(*row) for row in CareRecipient.objects.on_roll().filter(person__dwelling__isnull=False)
              .values_list("pk", "person_id", "person__dwelling_id", "person__subdistrict__code", "rule_overrides")]
    result.elders = len(elders)
    away = set(AwayPeriod.objects.covering(timezone.localdate(now)).values_list("recipient_id", flat=True))
    sensors: dict[int, set[str]] = defaultdict(set)
    for recipient_id, agreed in Consent.objects.in_force().values_list("recipient_id", "sensors"):
        sensors[recipient_id].update(agreed or [])
    seen = signs_of_life([elder.person_id for elder in elders], since=now - LOOKBACK)

    by_dwelling: dict[int, list[_Elder]] = defaultdict(list)
    for elder in elders:
        by_dwelling[elder.dwelling_id].append(elder)
    context: dict[int, ElderContext] = {}
    for dwelling_id, living in by_dwelling.items():
        # Two elders sharing a flat: the rules see one home, paused only if both are away, and either one seen
        # elsewhere is a sign of life at home.
        latest = [seen[elder.person_id] for elder in living if elder.person_id in seen]
        context[dwelling_id] = ElderContext(
            subdistrict_code=living[0].subdistrict_code, overrides=living[0].overrides or None,
            away=all(elder.pk in away for elder in living), signs_of_life=max(latest) if latest else None)
    found = evaluate_all(now, context)

    open_alerts = {alert.recipient_id: alert for alert in Alert.objects.filter(status=AlertStatus.OPEN)
                   .select_related("recipient__person")}
    for elder in elders:
        findings = [finding for finding in found.get(elder.dwelling_id, [])
                    if finding.code in RULE_SENSOR and RULE_SENSOR[finding.code] in sensors[elder.pk]]
        alert = open_alerts.get(elder.pk)
        if findings:
            recipient = alert.recipient if alert is not None else CareRecipient.objects.select_related("person") \
                .get(pk=elder.pk)
            if alerts.open_or_join(recipient, findings, now=now) is not None:
                if alert is None:
                    result.opened += 1
                else:
                    result.joined += 1
        elif alert is not None and _settles_by_itself(alert):
            why = _why_settled(away=elder.pk in away, seen=seen.get(elder.person_id))
            alerts.settle(alert, why=why, now=now)
            result.settled += 1
    result.climbed = alerts.climb_due(now)
    if result.changes:
        log.info("care watch: %d elders, %d alerts opened, %d joined, %d settled, %d climbed", result.elders,
                 result.opened, result.joined, result.settled, result.climbed)
    return result


def _settles_by_itself(alert: Alert) -> bool:
    """Only the rules' own alerts, below the emergency rung, that nobody has taken on: a person handling an alert
    closes it herself with what she found."""
    return (alert.incident_id is None and alert.step != LadderStep.EMERGENCY and alert.step_taken_by_id is None
            and all(code in RULE_SENSOR for code in alert.rules))


def _why_settled(*, away: bool, seen: dt.datetime | None) -> str:
    """Kept on the alert in the platform's language, whoever reads it later."""
    with translation.override(settings.LANGUAGE_CODE):
        return _why(away=away, seen=seen)


def _why(*, away: bool, seen: dt.datetime | None) -> str:
    if away:
        return _("She is marked away from home.")
    if seen is not None:
        return _("Seen by another service at %(time)s (a meal, a loan, a sign-in …).") % {
            "time": timezone.localtime(seen).strftime("%m-%d %H:%M")}
    return _("The home sensors show life again.")

