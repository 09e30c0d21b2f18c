"""A per-elder tuning suggestion from her false alarms (docs/eldercare-alerts.md, "Tuning from false alarms").

Each false alarm is closed with its cause. When one cause recurs ``ELDERCARE_TUNING_FALSE_ALARMS`` times within
``ELDERCARE_TUNING_DAYS`` (for the same rule, where the change is to a rule), the elder's page suggests a change:

- she was away and not marked away → mark her away when she goes (no rule changes);
- her habits differ, on "little water" → halve ``water_low.min_m3``;
- her habits differ, on "door not opened" → the rule counts openings over a fixed 24 h and already asks for one,
  so the only change is to switch it off for her;
- her habits differ, on "no movement" → raise ``no_motion.hours`` to its 24 h maximum, or, already there, move the
  sensor to where she passes daily or switch the rule off;
- family or a carer used the flat, on "abnormal water use" → raise ``water_high.max_m3`` by half;
- a sensor fault → have the sensor checked (no rule changes).

:func:`suggest` is pure (the false alarms and her thresholds in, suggestions out); :func:`for_elder` reads them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.eldercare.choices import AlertOutcome, AlertStatus, FalseAlarmCause
from shequ.eldercare.rules import RULE_LABELS, Rule, Thresholds, thresholds_for

# The most hours the motion rule can look back (the readings' aggregate covers a day).
NO_MOTION_MAX_HOURS = 24.0


@dataclass(frozen=True)
class FalseAlarm:
    """One closed false alarm: its cause and the rules that had fired."""

    cause: str
    rules: Sequence[str]


@dataclass(frozen=True)
class Suggestion:
    """What to change for an elder, and why. ``change`` is the override to merge into her rule settings
    (``{rule: {field: value}}``), empty when the advice is not a rule change."""

    key: str
    cause: str
    rule: str
    count: int
    text: str
    change: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changes_a_rule(self) -> bool:
        return bool(self.change)


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def suggest(false_alarms: Iterable[FalseAlarm], thresholds: Thresholds, *,
            recurs: int | None = None) -> list[Suggestion]:
    """The suggestions ``false_alarms`` call for, given the elder's current ``thresholds``; a cause counts when it
    recurs ``recurs`` times (``ELDERCARE_TUNING_FALSE_ALARMS`` by default). Pure."""
    recurs = recurs or settings.ELDERCARE_TUNING_FALSE_ALARMS
    alarms = list(false_alarms)
    by_cause = Counter(alarm.cause for alarm in alarms)
    by_rule = Counter((alarm.cause, code) for alarm in alarms for code in dict.fromkeys(alarm.rules))
    found: list[Suggestion] = []

    def label(code: str) -> str:
        return str(RULE_LABELS.get(code, code))

    if by_cause[FalseAlarmCause.AWAY_UNMARKED] >= recurs:
        found.append(Suggestion(
            key="away", cause=FalseAlarmCause.AWAY_UNMARKED, rule="", count=by_cause[FalseAlarmCause.AWAY_UNMARKED],
            text=_("She was away and not marked away: ask her (or her family) to tell the committee when she goes, "
                   "and mark her away for those days.")))

    habit = FalseAlarmCause.HABIT
    if by_rule[habit, Rule.WATER_LOW] >= recurs and thresholds.water_low.enabled:
        now_m3 = thresholds.water_low.min_m3
        new_m3 = _round(now_m3 / 2)
        found.append(Suggestion(
            key="habit-water_low", cause=habit, rule=Rule.WATER_LOW, count=by_rule[habit, Rule.WATER_LOW],
            text=_("She uses little water: halve the least water for 12 h from %(old)s L to %(new)s L.") % {
                "old": f"{now_m3 * 1000:g}", "new": f"{new_m3 * 1000:g}"},
            change={Rule.WATER_LOW: {"min_m3": new_m3}}))
    if by_rule[habit, Rule.DOOR_IDLE] >= recurs and thresholds.door_idle.enabled:
        found.append(Suggestion(
            key="habit-door_idle", cause=habit, rule=Rule.DOOR_IDLE, count=by_rule[habit, Rule.DOOR_IDLE],
            text=_("She seldom goes out: the door rule already asks for a single opening a day, so switch it off "
                   "for her and let the water and motion rules watch."),
            change={Rule.DOOR_IDLE: {"enabled": False}}))
    if by_rule[habit, Rule.NO_MOTION] >= recurs and thresholds.no_motion.enabled:
        count = by_rule[habit, Rule.NO_MOTION]
        if thresholds.no_motion.hours < NO_MOTION_MAX_HOURS:
            found.append(Suggestion(
                key="habit-no_motion", cause=habit, rule=Rule.NO_MOTION, count=count,
                text=_("The motion sensor misses her: wait %(hours)d h without movement (the most the rule can) "
                       "instead of %(old)d h.") % {"hours": NO_MOTION_MAX_HOURS, "old": thresholds.no_motion.hours},
                change={Rule.NO_MOTION: {"hours": NO_MOTION_MAX_HOURS}}))
        else:
            found.append(Suggestion(
                key="habit-no_motion", cause=habit, rule=Rule.NO_MOTION, count=count,
                text=_("The motion sensor misses her and the rule already waits the longest it can (24 h): move the "
                       "sensor to where she passes every day, or switch the rule off for her."),
                change={Rule.NO_MOTION: {"enabled": False}}))

    visitor = FalseAlarmCause.VISITOR
    if by_rule[visitor, Rule.WATER_HIGH] >= recurs and thresholds.water_high.enabled:
        now_m3 = thresholds.water_high.max_m3
        new_m3 = _round(now_m3 * 1.5)
        found.append(Suggestion(
            key="visitor-water_high", cause=visitor, rule=Rule.WATER_HIGH, count=by_rule[visitor, Rule.WATER_HIGH],
            text=_("Family or a carer often use the flat: raise the most water for 24 h from %(old)s m³ to "
                   "%(new)s m³.") % {"old": f"{now_m3:g}", "new": f"{new_m3:g}"},
            change={Rule.WATER_HIGH: {"max_m3": new_m3}}))

    sensor = FalseAlarmCause.SENSOR
    if by_cause[sensor] >= recurs:
        rules = [code for code in RULE_LABELS if by_rule[sensor, code]]
        found.append(Suggestion(
            key="sensor", cause=sensor, rule="", count=by_cause[sensor],
            text=_("Sensor faults keep raising alarms (%(rules)s): have the sensor checked — battery, placing, "
                   "signal.") % {"rules": "、".join(label(code) for code in rules) or "—"}))
    return found


def merged(overrides: dict[str, Any] | None, change: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The elder's rule settings with ``change`` applied on top (other rules and fields kept)."""
    result: dict[str, dict[str, Any]] = {code: dict(values or {}) for code, values in (overrides or {}).items()}
    for code, values in change.items():
        result[code] = {**result.get(code, {}), **values}
    return result


def for_elder(recipient: Any, *, now: dt.datetime | None = None) -> list[Suggestion]:
    """The suggestions for an elder from her false alarms closed in the last ``ELDERCARE_TUNING_DAYS`` — and only
    those closed since her rule settings last changed, so an applied suggestion is not made again."""
    from shequ.core.models import AuditEntry
    from shequ.eldercare.actions.roll import OVERRIDES_CHANGED
    from shequ.eldercare.models import Alert

    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.ELDERCARE_TUNING_DAYS)
    changed = (AuditEntry.objects.filter(event=OVERRIDES_CHANGED, object_type="eldercare.carerecipient",
                                         object_id=str(recipient.pk)).order_by("-at").values_list("at", flat=True)
               .first())
    if changed is not None and changed > since:
        since = changed
    rows = (Alert.objects.filter(recipient=recipient, status=AlertStatus.CLOSED, outcome=AlertOutcome.FALSE_ALARM,
                                 closed_at__gte=since, closed_at__lte=now)
            .values_list("false_alarm_cause", "rules"))
    thresholds = current_thresholds(recipient)
    return suggest([FalseAlarm(cause, rules or []) for cause, rules in rows], thresholds)


def current_thresholds(recipient: Any) -> Thresholds:
    """The elder's thresholds now: the sub-district's, then her own settings (a broken setting is ignored here;
    the rule-settings page shows it as an error)."""
    code = recipient.person.subdistrict.code if recipient.person.subdistrict_id else None
    try:
        return thresholds_for(code, recipient.rule_overrides or None)
    except (ValueError, TypeError):
        return thresholds_for(code)
