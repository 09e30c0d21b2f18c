"""Inactivity rules over the home sensors' readings (docs/eldercare-rules.md).

The four small sensors (四小件) of an elder living alone report through the safety app's ingest: their events
are already stored in :class:`shequ.safety.models.Event`. The rules read them, never a copy of them:

- :func:`readings_by_dwelling` — ONE aggregate query per pass, grouped by the sensors' dwelling: water used in
  the last 12 h and 24 h, readings with flow, door openings, the last motion and smoke, which sensors are fitted;
- :func:`signs_of_life` — the latest activity per person that other apps already see (a meal, a loan …);
- :func:`evaluate` — a pure function: which rules an elder's readings breach, given her thresholds;
- :func:`evaluate_all` — a full pass over every dwelling with home sensors (a pure read: alerts are opened
  elsewhere);
- :func:`evaluate_dwelling` — the same for one dwelling, when one of its sensors has just said something.

Thresholds are Jiangsu Road's (江苏路街道) by default, from ``SHEQU_ELDERCARE_*`` settings, overridden per
sub-district (``ELDERCARE_SUBDISTRICT_RULES``) and per elder (a mapping ``{rule_code: {field: value}}``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from shequ.safety.choices import DeviceKind, EventKind, Severity


class Rule:
    """The rule codes: keys of the per-elder and per-sub-district overrides and of alerts opened from findings."""

    WATER_LOW = "water_low"
    DOOR_IDLE = "door_idle"
    NO_MOTION = "no_motion"
    WATER_HIGH = "water_high"
    LEAK = "leak"
    SMOKE = "smoke"


RULE_LABELS = {
    Rule.WATER_LOW: _("Little or no water used"),
    Rule.DOOR_IDLE: _("Door not opened"),
    Rule.NO_MOTION: _("No movement at home"),
    Rule.WATER_HIGH: _("Abnormal water use"),
    Rule.LEAK: _("Water flowing all day (a leak?)"),
    Rule.SMOKE: _("Smoke alarm"),
}

# The rules that a sign of life elsewhere settles: silence at home while she ate at the canteen is no alarm.
INACTIVITY_RULES = frozenset({Rule.WATER_LOW, Rule.DOOR_IDLE, Rule.NO_MOTION})

# The aggregate's fixed windows: water over 12 h and 24 h, door openings and flowing readings over 24 h. Motion and
# smoke come as the time of the last one, so their windows may be anything up to LOOKBACK.
WINDOW_SHORT = dt.timedelta(hours=12)
WINDOW_DAY = dt.timedelta(hours=24)
# A meter reports at least hourly: its last reading before a window is the window's starting total.
METER_MARGIN = dt.timedelta(hours=2)
LOOKBACK = WINDOW_DAY + METER_MARGIN
HALF_HOURS_A_DAY = 48


@dataclass(frozen=True)
class WaterLow:
    """Water used in the last 12 h (the meter's window) below ``min_m3``: nobody ran a tap."""

    min_m3: float = 0.01
    enabled: bool = True


@dataclass(frozen=True)
class DoorIdle:
    """The front door opened fewer than ``min_openings`` times in 24 h."""

    min_openings: int = 1
    enabled: bool = True


@dataclass(frozen=True)
class NoMotion:
    """No infrared motion for ``hours`` (at most 24)."""

    hours: float = 24
    enabled: bool = True


@dataclass(frozen=True)
class WaterHigh:
    """More than ``max_m3`` used in 24 h."""

    max_m3: float = 2.0
    enabled: bool = True


@dataclass(frozen=True)
class Leak:
    """Water flowing all day (Longgang's leak rule: flow in every one of the day's 48 half-hours): at least
    ``slots`` readings in 24 h saw flow and none saw it stop. A meter reports every half-hour, so 48 readings
    cover the day; one that reports less often never trips it (the 2 m³ rule still can)."""

    slots: int = HALF_HOURS_A_DAY
    enabled: bool = True


@dataclass(frozen=True)
class Smoke:
    """A smoke alarm within the last ``minutes``: at once, every pass until it is handled."""

    minutes: float = 15
    enabled: bool = True


@dataclass(frozen=True)
class Thresholds:
    """One elder's rules. Built by :func:`thresholds_for`; ``with_overrides`` applies ``{rule: {field: value}}``."""

    water_low: WaterLow = field(default_factory=WaterLow)
    door_idle: DoorIdle = field(default_factory=DoorIdle)
    no_motion: NoMotion = field(default_factory=NoMotion)
    water_high: WaterHigh = field(default_factory=WaterHigh)
    leak: Leak = field(default_factory=Leak)
    smoke: Smoke = field(default_factory=Smoke)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]] | None) -> Thresholds:
        """These thresholds with some fields replaced; unknown rules or fields raise ``ValueError`` (a typo in a
        setting or an elder's record must not silently leave the default in force)."""
        if not overrides:
            return self
        changes: dict[str, Any] = {}
        for code, values in overrides.items():
            if code not in RULE_LABELS:
                raise ValueError(gettext("Unknown rule: %(code)s") % {"code": code})
            rule = changes.get(code, getattr(self, code))
            known = {f.name: f.type for f in dataclasses.fields(rule)}
            typed: dict[str, Any] = {}
            for name, value in (values or {}).items():
                if name not in known:
                    raise ValueError(gettext("Unknown field %(field)s of rule %(code)s") % {
                        "field": name, "code": code})
                typed[name] = _coerce(known[name], value)
            changes[code] = dataclasses.replace(rule, **typed)
        return dataclasses.replace(self, **changes)


def _coerce(kind: Any, value: Any) -> Any:
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", "")
    if name == "bool":
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if name == "int":
        return int(value)
    number = float(value)
    if number < 0:
        raise ValueError(gettext("A threshold cannot be negative."))
    return number


def default_thresholds() -> Thresholds:
    """The installation's defaults: Jiangsu Road's, as changed by the ``SHEQU_ELDERCARE_*`` settings."""
    return Thresholds(
        water_low=WaterLow(min_m3=settings.ELDERCARE_WATER_LOW_M3),
        door_idle=DoorIdle(min_openings=settings.ELDERCARE_DOOR_MIN_OPENINGS),
        no_motion=NoMotion(hours=settings.ELDERCARE_NO_MOTION_HOURS),
        water_high=WaterHigh(max_m3=settings.ELDERCARE_WATER_HIGH_M3),
        leak=Leak(slots=settings.ELDERCARE_LEAK_SLOTS),
        smoke=Smoke(minutes=settings.ELDERCARE_SMOKE_MINUTES),
    )


def thresholds_for(subdistrict_code: str | None = None,
                   elder_overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Thresholds:
    """Defaults, then the sub-district's overrides, then the elder's own (eldercare's ``rule_overrides``)."""
    per_subdistrict: Mapping[str, Mapping[str, Mapping[str, Any]]] = settings.ELDERCARE_SUBDISTRICT_RULES
    base = default_thresholds().with_overrides(per_subdistrict.get(subdistrict_code or "", None))
    return base.with_overrides(elder_overrides)


@dataclass(frozen=True)
class Readings:
    """What one dwelling's sensors said over the last day, as of ``now`` (one row of the aggregate)."""

    dwelling_id: int
    now: dt.datetime
    subdistrict_id: int | None = None
    has_water_meter: bool = False
    has_door_sensor: bool = False
    has_motion_sensor: bool = False
    has_smoke_alarm: bool = False
    # Litres from the meter's total: None when no reading in the window (an offline meter is the offline rule's).
    water_litres_12h: float | None = None
    water_litres_24h: float | None = None
    # Meter readings in 24 h that saw water flowing, and the last one that saw none (``flow_lpm`` = 0).
    flowing_readings_24h: int = 0
    last_dry_at: dt.datetime | None = None
    door_openings_24h: int = 0
    last_motion_at: dt.datetime | None = None
    last_smoke_at: dt.datetime | None = None


@dataclass(frozen=True)
class Finding:
    """A rule breached: its code, severity and the figures behind it; ``message`` says it in plain words."""

    code: str
    severity: int
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.code])

    @property
    def message(self) -> str:
        """In the active language, so a worker reads it in hers whenever it is shown."""
        return gettext(_MESSAGES[self.code]) % self.figures


# Kept untranslated here (marked for extraction) and translated when shown, in the reader's language.
_MESSAGES = {
    Rule.WATER_LOW: gettext_noop("%(litres).1f L of water used in the last %(hours)d h (less than %(limit).1f L)."),
    Rule.DOOR_IDLE: gettext_noop(
        "The door was opened %(count)d times in the last %(hours)d h (fewer than %(limit)d)."),
    Rule.NO_MOTION: gettext_noop("No movement seen at home for %(hours)d h."),
    Rule.WATER_HIGH: gettext_noop(
        "%(m3).2f m³ of water used in the last %(hours)d h (more than %(limit).2f m³)."),
    Rule.LEAK: gettext_noop(
        "Water flowed without a break for 24 h (%(count)d readings): a tap left on or a leak?"),
    Rule.SMOKE: gettext_noop("The smoke alarm went off at %(time)s."),
}


def _settled(signs_of_life: dt.datetime | None, now: dt.datetime, window: dt.timedelta) -> bool:
    return signs_of_life is not None and signs_of_life >= now - window


def evaluate(readings: Readings, thresholds: Thresholds, *, away: bool = False,
             signs_of_life: dt.datetime | None = None) -> list[Finding]:
    """The rules ``readings`` breach. Pure: no query, no clock but ``readings.now``.

    A sensor that is not fitted raises nothing (no door sensor → no "door not opened"). ``away`` (at her
    daughter's, in hospital) pauses every rule but smoke: an empty flat on fire is still on fire. A sign of life
    within a rule's window settles the inactivity rules (water low, door, motion) but never a leak or smoke."""
    now, t = readings.now, thresholds
    found: list[Finding] = []

    if t.smoke.enabled and readings.has_smoke_alarm and readings.last_smoke_at is not None \
            and readings.last_smoke_at >= now - dt.timedelta(minutes=t.smoke.minutes):
        found.append(Finding(Rule.SMOKE, Severity.EMERGENCY, {
            "time": timezone.localtime(readings.last_smoke_at).strftime("%H:%M")}))
    if away:
        return found

    if readings.has_water_meter and readings.water_litres_24h is not None:
        m3 = readings.water_litres_24h / 1000
        if t.water_high.enabled and m3 > t.water_high.max_m3:
            found.append(Finding(Rule.WATER_HIGH, Severity.ALERT, {
                "m3": m3, "hours": 24, "limit": t.water_high.max_m3}))
    if readings.has_water_meter and t.leak.enabled and readings.flowing_readings_24h >= t.leak.slots \
            and (readings.last_dry_at is None or readings.last_dry_at < now - WINDOW_DAY):
        found.append(Finding(Rule.LEAK, Severity.ALERT, {"count": readings.flowing_readings_24h}))

    if readings.has_water_meter and t.water_low.enabled and readings.water_litres_12h is not None \
            and readings.water_litres_12h / 1000 < t.water_low.min_m3 \
            and not _settled(signs_of_life, now, WINDOW_SHORT):
        found.append(Finding(Rule.WATER_LOW, Severity.WARNING, {
            "litres": readings.water_litres_12h, "hours": 12, "limit": t.water_low.min_m3 * 1000}))
    if readings.has_door_sensor and t.door_idle.enabled \
            and readings.door_openings_24h < t.door_idle.min_openings \
            and not _settled(signs_of_life, now, WINDOW_DAY):
        found.append(Finding(Rule.DOOR_IDLE, Severity.WARNING, {
            "count": readings.door_openings_24h, "hours": 24, "limit": t.door_idle.min_openings}))
    motion_window = dt.timedelta(hours=min(t.no_motion.hours, LOOKBACK.total_seconds() / 3600))
    if readings.has_motion_sensor and t.no_motion.enabled \
            and (readings.last_motion_at is None or readings.last_motion_at < now - motion_window) \
            and not _settled(signs_of_life, now, motion_window):
        found.append(Finding(Rule.NO_MOTION, Severity.WARNING, {"hours": round(t.no_motion.hours)}))
    return found


# The aggregate -----------------------------------------------------------------------------------------------

# A full pass's session settings on PostgreSQL, for its transaction only (SET LOCAL). JIT compiles this wide
# aggregate for seconds on every pass (the default jit_above_cost trips at 100,000 homes) and saves less than
# that; the hash tables of 400,000 sensors' partial aggregates need some 150 MB, and spill to disk within the
# default 4 MB of work_mem. Parallel workers (the server's max_parallel_workers_per_gather) are welcome: the
# sensors' step below is a parallel scan with a partial aggregate per worker.
PASS_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '256MB'"  # noqa: S105 (not a password)

# Two steps, both in the one statement. First each sensor's readings of the window are aggregated on their own
# (``a``: grouped by device over the events table alone — no join per reading, and parallel on PostgreSQL);
# then the sensors of a dwelling are put together (four rows each). The sensors come from ``safety_device``
# with a LEFT JOIN, so a dwelling whose sensors said nothing still comes back with the sensors it has. Each
# aggregate's FILTER is checked before its argument is computed, so the JSON of a reading is read only by the
# aggregates that need it. Only the four kinds of reading are read, by the event's kind alone: the ingest refuses
# a kind its device does not send (dead letter "wrong kind").
_AGGREGATE = """
SELECT d.dwelling_id,
       MIN(d.subdistrict_id),
       MAX(CASE WHEN d.kind = %(water_meter)s THEN 1 ELSE 0 END),
       MAX(CASE WHEN d.kind = %(door_sensor)s THEN 1 ELSE 0 END),
       MAX(CASE WHEN d.kind = %(motion_sensor)s THEN 1 ELSE 0 END),
       MAX(CASE WHEN d.kind = %(smoke_alarm)s THEN 1 ELSE 0 END),
       MAX(a.litres_last), MIN(a.litres_first), MAX(a.litres_before_12h), MAX(a.litres_before_24h),
       SUM(a.flowing), MAX(a.last_dry), SUM(a.door_openings), MAX(a.last_motion), MAX(a.last_smoke)
FROM safety_device d
LEFT JOIN (
    SELECT ev.device_id,
           MAX({litres}) FILTER (WHERE ev.kind = %(water)s) AS litres_last,
           MIN({litres}) FILTER (WHERE ev.kind = %(water)s) AS litres_first,
           MAX({litres}) FILTER (WHERE ev.kind = %(water)s AND ev.occurred_at < %(short_start)s) AS litres_before_12h,
           MAX({litres}) FILTER (WHERE ev.kind = %(water)s AND ev.occurred_at < %(day_start)s) AS litres_before_24h,
           COUNT(*) FILTER (WHERE ev.kind = %(water)s AND ev.occurred_at >= %(day_start)s AND {flowing}) AS flowing,
           MAX(ev.occurred_at) FILTER (WHERE ev.kind = %(water)s AND {dry}) AS last_dry,
           COUNT(*) FILTER (WHERE ev.kind = %(door_opened)s AND ev.occurred_at >= %(day_start)s) AS door_openings,
           MAX(ev.occurred_at) FILTER (WHERE ev.kind = %(motion)s) AS last_motion,
           MAX(ev.occurred_at) FILTER (WHERE ev.kind = %(smoke)s) AS last_smoke
    FROM safety_event ev
    WHERE ev.kind IN (%(water)s, %(door_opened)s, %(motion)s, %(smoke)s)
      AND ev.occurred_at >= %(since)s AND ev.occurred_at <= %(now)s{events_of}
    GROUP BY ev.device_id
) a ON a.device_id = d.id
WHERE d.kind IN (%(water_meter)s, %(door_sensor)s, %(motion_sensor)s, %(smoke_alarm)s)
  AND d.active AND d.dwelling_id IS NOT NULL{dwellings}
GROUP BY d.dwelling_id
"""


def _json_sql() -> dict[str, str]:
    """The meter's total, and whether a reading saw water flowing / none, in this database's JSON. The ingest's
    schema makes both numbers (shequ.safety.schemas.WaterReadingData); on PostgreSQL, reading them as text cast
    to a float is cheaper than comparing jsonb or aggregating numeric."""
    from django.db import connection

    if connection.vendor == "postgresql":
        litres, flow = "(ev.data ->> 'litres')::double precision", "(ev.data ->> 'flow_lpm')::double precision"
    else:
        litres, flow = "CAST(json_extract(ev.data, '$.litres') AS REAL)", "json_extract(ev.data, '$.flow_lpm')"
    return {"litres": litres, "flowing": f"{flow} > 0", "dry": f"{flow} = 0"}


def _as_datetime(value: Any) -> dt.datetime | None:
    """A time from the aggregate: PostgreSQL gives it aware, SQLite as the UTC text Django stored."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a time: {value!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def _aggregate(now: dt.datetime, dwelling_ids: list[int] | None = None) -> dict[int, Readings]:
    """The readings of the dwellings named (or of all of them), as of ``now``: one query."""
    from django.db import connection

    ops = connection.ops
    params: dict[str, Any] = {
        "water_meter": DeviceKind.WATER_METER.value, "door_sensor": DeviceKind.DOOR_SENSOR.value,
        "motion_sensor": DeviceKind.MOTION_SENSOR.value, "smoke_alarm": DeviceKind.SMOKE_ALARM.value,
        "water": EventKind.WATER_READING.value, "door_opened": EventKind.DOOR_SENSOR_OPENED.value,
        "motion": EventKind.MOTION_DETECTED.value, "smoke": EventKind.SMOKE_ALARM.value,
        "now": ops.adapt_datetimefield_value(now),
        "since": ops.adapt_datetimefield_value(now - LOOKBACK),
        "day_start": ops.adapt_datetimefield_value(now - WINDOW_DAY),
        "short_start": ops.adapt_datetimefield_value(now - WINDOW_SHORT),
    }
    dwellings = ""
    if dwelling_ids is not None:
        names = [f"dwelling{n}" for n in range(len(dwelling_ids))]
        params.update(zip(names, dwelling_ids, strict=True))
        dwellings = f" AND dwelling_id IN ({', '.join(f'%({name})s' for name in names)})"
    # Some dwellings: their sensors' events are found through the (device, time) index. A full pass on PostgreSQL
    # scans the window's readings in parallel; SQLite reads them sensor by sensor through that index, in sensor
    # order, so its GROUP BY needs no sort.
    if dwellings or connection.vendor != "postgresql":
        events_of = f" AND ev.device_id IN (SELECT id FROM safety_device WHERE TRUE{dwellings})"  # noqa: S608
    else:
        events_of = ""
    sql = _AGGREGATE.format(**_json_sql(), events_of=events_of,
                            dwellings=dwellings.replace("dwelling_id", "d.dwelling_id"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result: dict[int, Readings] = {}
    for (dwelling_id, subdistrict, water_meter, door_sensor, motion_sensor, smoke_alarm, litres_last, litres_first,
         before_12h, before_24h, flowing, last_dry, door_openings, last_motion, last_smoke) in rows:
        result[dwelling_id] = Readings(
            dwelling_id=dwelling_id, now=now, subdistrict_id=subdistrict,
            has_water_meter=bool(water_meter), has_door_sensor=bool(door_sensor),
            has_motion_sensor=bool(motion_sensor), has_smoke_alarm=bool(smoke_alarm),
            water_litres_12h=_used(litres_last, before_12h, litres_first),
            water_litres_24h=_used(litres_last, before_24h, litres_first),
            flowing_readings_24h=int(flowing or 0), last_dry_at=_as_datetime(last_dry),
            door_openings_24h=int(door_openings or 0), last_motion_at=_as_datetime(last_motion),
            last_smoke_at=_as_datetime(last_smoke))
    return result


def readings_by_dwelling(dwelling_ids: Iterable[int] | None, now: dt.datetime | None = None) -> dict[int, Readings]:
    """Every dwelling's :class:`Readings` as of ``now``, in ONE query (all dwellings with home sensors if
    ``dwelling_ids`` is None; on PostgreSQL a full pass first sets its session settings for its own
    transaction)."""
    from django.db import connection, transaction

    now = now or timezone.now()
    if dwelling_ids is not None:
        ids = list(dwelling_ids)
        return _aggregate(now, dwelling_ids=ids) if ids else {}
    if connection.vendor != "postgresql":
        return _aggregate(now)
    # The settings end with the transaction: the caller's if it has one, else the pass's own.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(PASS_SETTINGS)
        return _aggregate(now)


def _used(last: Any, before: Any, first: Any) -> float | None:
    """Litres used in a window; None without any reading. A replaced meter starts again from zero: a negative
    use is no use, not an error."""
    if last is None:
        return None
    start = before if before is not None else first
    return max(0.0, float(last) - float(start))


# Signs of life -----------------------------------------------------------------------------------------------

def signs_of_life(person_ids: Iterable[int], since: dt.datetime) -> dict[int, dt.datetime]:
    """The latest time since ``since`` each person was seen by another app: a meal at the canteen, a library
    loan, her own check-in as a volunteer, a health-diary entry, a sign-in to the portal. One query per source."""
    from django.apps import apps

    ids = list(person_ids)
    latest: dict[int, dt.datetime] = {}
    if not ids:
        return latest

    def take(rows: Iterable[tuple[int, dt.datetime | None]]) -> None:
        for person_id, at in rows:
            if at is not None and (person_id not in latest or at > latest[person_id]):
                latest[person_id] = at

    sources: list[tuple[str, str, str, str, Q]] = [
        # (app label, model, person field, time field, extra filter)
        ("dining", "Meal", "person_id", "created_at", Q(voided_at__isnull=True)),
        ("library", "Loan", "reader_id", "borrowed_at", Q()),
        ("volunteers", "SignUp", "volunteer__person_id", "checked_in_at", Q()),
        ("health", "DiaryEntry", "person_id", "recorded_at", Q()),
    ]
    for app_label, model_name, person, time_field, extra in sources:
        if not apps.is_installed(f"shequ.{app_label}"):
            continue
        model = apps.get_model(app_label, model_name)
        take(model.objects.filter(extra, **{f"{person}__in": ids, f"{time_field}__gte": since})
             .values(person).annotate(at=Max(time_field)).order_by().values_list(person, "at"))
    person_model = apps.get_model("population", "Person")
    take(person_model.objects.filter(pk__in=ids, user__last_login__gte=since)
         .values_list("pk", F("user__last_login")))
    return latest


# A full pass -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ElderContext:
    """What the care roll knows of the elder in a dwelling; none of it is required (defaults: not away)."""

    subdistrict_code: str | None = None
    overrides: Mapping[str, Mapping[str, Any]] | None = None
    away: bool = False
    signs_of_life: dt.datetime | None = None


def evaluate_all(now: dt.datetime | None = None,
                 context: Mapping[int, ElderContext] | None = None) -> dict[int, list[Finding]]:
    """Findings per dwelling for every dwelling with home sensors: one aggregate query and one for the
    sub-districts' codes, then pure evaluation. A pure read: the care roll maps dwellings to elders and opens alerts.
    ``context`` (dwelling id → :class:`ElderContext`) carries the elder's overrides, away state and signs of life."""
    now = now or timezone.now()
    return _evaluate_rows(readings_by_dwelling(None, now), context or {})


def evaluate_dwelling(dwelling_id: int, now: dt.datetime | None = None,
                      context: ElderContext | None = None) -> list[Finding]:
    """The findings of one dwelling, when one of its sensors has just said something: the same aggregate and
    rules as a full pass, for its sensors only (through the events' (device, time) index). A dwelling without
    home sensors has none. One query, and one more for its sub-district's code unless ``context`` gives it."""
    now = now or timezone.now()
    readings = readings_by_dwelling([dwelling_id], now)
    if not readings:
        return []
    return _evaluate_rows(readings, {dwelling_id: context} if context else {}).get(dwelling_id, [])


def _evaluate_rows(readings: Mapping[int, Readings],
                   context: Mapping[int, ElderContext]) -> dict[int, list[Finding]]:
    from shequ.core.models import Subdistrict

    wanted = {r.subdistrict_id for d, r in readings.items()
              if r.subdistrict_id is not None and not (d in context and context[d].subdistrict_code)}
    codes = dict(Subdistrict.objects.filter(pk__in=wanted).values_list("pk", "code")) if wanted else {}
    cache: dict[str | None, Thresholds] = {}
    findings: dict[int, list[Finding]] = {}
    for dwelling_id, row in readings.items():
        elder = context.get(dwelling_id, ElderContext())
        code = elder.subdistrict_code or codes.get(row.subdistrict_id or 0)
        if code not in cache:
            cache[code] = thresholds_for(code)
        thresholds = cache[code].with_overrides(elder.overrides)
        found = evaluate(row, thresholds, away=elder.away, signs_of_life=elder.signs_of_life)
        if found:
            findings[dwelling_id] = found
    return findings
