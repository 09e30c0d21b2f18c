"""Eldercare's inactivity rules over 100,000 elders' home sensors: one full pass and one new reading.

    .venv/bin/python bench/eldercare_bench.py --elders 100000               # a temporary SQLite database
    createdb -h 127.0.0.1 -U postgres shequ_eldercare_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_eldercare_bench \\
        .venv/bin/python bench/eldercare_bench.py --elders 100000

**The database named by DATABASE_URL is wiped** (its public schema dropped; without DATABASE_URL a temporary
SQLite file is used and removed). It builds one sub-district with --elders dwellings, each with the four small
sensors (四小件: water meter, door sensor, infrared motion sensor, smoke alarm), and 26 hours of readings at
realistic rates (see RATES below), inserted in bulk (executemany on SQLite, COPY on PostgreSQL). Then, in the
same run:

- (a) baseline: the raw SQL aggregate of the same readings — one hand-written GROUP BY of the events of the
  window joined to their devices, per dwelling (the floor of any aggregate over those rows);
- (b) the rules' aggregate, :func:`shequ.eldercare.rules.readings_by_dwelling` for every dwelling (one query;
  on PostgreSQL with the pass's own session settings, SET LOCAL jit = off and work_mem);
- (c) one full pass, :func:`shequ.eldercare.rules.evaluate_all` (the aggregate, then evaluation per dwelling);
- (d) per new reading: :func:`shequ.eldercare.rules.evaluate_dwelling` for --singles dwellings picked at random
  (median and p99), each checked against the full pass's findings for that dwelling.

Every figure is printed with the machine's load average when it was taken: on a shared machine they move with
it. The smoke alarm → emergency request latency is bench/smoke_latency_bench.py.

The issue's target: a full pass for 100,000 elders in < 10 s on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SUBDISTRICT = "310105002"
TARGET_SECONDS = 10.0
HOURS = 26  # the rules look back 24 h plus the meter's margin

# Per dwelling and day. A smart water meter reports its total every half-hour (NB-IoT meters: 30–60 min); a door
# sensor one event per opening (an elder living alone: 2–8 a day); an infrared sensor one event per detection
# with a 10-minute hold-off (so at most 6 an hour, about 30 a day while she is up); a smoke alarm only when it
# goes off (1 in 10,000 homes in the window). 3% of homes are quiet (no door, no motion, no water), 1% leak.
RATES = {"water": 48, "door": 5, "motion": 30}


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ["SHEQU_TESTING"] = "1"  # development keys: a benchmark holds no real data
    import django

    django.setup()


def _build(elders: int, now: dt.datetime, seed: int) -> None:
    """A fresh database with ``elders`` dwellings, four sensors each, and a day of readings."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict
    from shequ.safety.choices import DEFAULT_HEARTBEAT_SECONDS, DeviceKind, EventKind
    from shequ.safety.models import Device

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    subdistrict = Subdistrict.objects.create(code=SUBDISTRICT, name="江苏路街道", district="长宁区", city="上海市")
    neighborhood = Neighborhood.objects.create(subdistrict=subdistrict, code=f"{SUBDISTRICT}001", name="华山居民区")
    compound = Compound.objects.create(neighborhood=neighborhood, name="华山新苑", address="华山路1220弄")
    per_building = 100
    buildings = Building.objects.bulk_create([Building(compound=compound, number=f"{n + 1}号")
                                              for n in range((elders + per_building - 1) // per_building)])
    dwellings = Dwelling.objects.bulk_create(
        [Dwelling(building=buildings[n // per_building], room=str(n % per_building + 101),
                  label=f"华山路1220弄{n // per_building + 1}号{n % per_building + 101}室") for n in range(elders)],
        batch_size=5000)
    kinds = (DeviceKind.WATER_METER, DeviceKind.DOOR_SENSOR, DeviceKind.MOTION_SENSOR, DeviceKind.SMOKE_ALARM)
    devices = Device.objects.bulk_create(
        [Device(subdistrict=subdistrict, neighborhood=neighborhood, compound=compound, building=dwelling.building,
                dwelling=dwelling, kind=kind, code=f"{kind[:2]}{dwelling.pk:07d}", name=kind,
                heartbeat_seconds=DEFAULT_HEARTBEAT_SECONDS[kind]) for dwelling in dwellings for kind in kinds],
        batch_size=5000)
    print(f"built {elders:,} dwellings and {len(devices):,} sensors in {time.perf_counter() - started:.1f} s")

    rng = random.Random(seed)
    start = now - dt.timedelta(hours=HOURS)
    span = HOURS * 3600
    # Every second of the window, formatted once: the rows are built from offsets into it.
    if connection.vendor == "postgresql":
        times: list[object] = [start + dt.timedelta(seconds=k) for k in range(span + 1)]
    else:
        times = [(start + dt.timedelta(seconds=k)).strftime("%Y-%m-%d %H:%M:%S") for k in range(span + 1)]
    water_kind, door_kind = str(EventKind.WATER_READING), str(EventKind.DOOR_SENSOR_OPENED)
    motion_kind, smoke_kind = str(EventKind.MOTION_DETECTED), str(EventKind.SMOKE_ALARM)
    place = (subdistrict.pk, neighborhood.pk, compound.pk)

    def rows() -> object:
        number = 0
        random_ = rng.random
        for n in range(elders):
            meter, door, motion, smoke = (d.pk for d in devices[4 * n: 4 * n + 4])
            roll = random_()
            quiet, leak = roll < 0.03, 0.03 <= roll < 0.04
            total = rng.uniform(0, 900_000)
            readings = []
            for k in range(RATES["water"] * HOURS // 24):
                used = 0.0 if quiet else (rng.uniform(2, 10) if leak else
                                          (random_() * 20 if random_() < 0.4 else 0.0))
                total += used
                readings.append((meter, water_kind, 1800 * k + int(random_() * 60),
                                 f'{{"litres":{total:.1f},"flow_lpm":{used / 30:.3f}}}'))
            if not quiet:
                readings.extend((door, door_kind, int(random_() * span), "{}")
                                for _ in range(RATES["door"] * HOURS // 24))
                readings.extend((motion, motion_kind, int(random_() * span), "{}")
                                for _ in range(RATES["motion"] * HOURS // 24))
            if random_() < 0.0001:
                readings.append((smoke, smoke_kind, span - int(random_() * 600), "{}"))
            for device, kind, offset, data in readings:
                number += 1
                at = times[offset]
                yield (device, f"b{number}", kind, at, at, "mqtt", data, *place)

    columns = ("device_id", "event_id", "kind", "occurred_at", "received_at", "source", "data", "subdistrict_id",
               "neighborhood_id", "compound_id")
    started = time.perf_counter()
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY
            with raw.copy(f"COPY safety_event ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():  # type: ignore[attr-defined]
                    copy.write_row(row)
                    count += 1
        else:
            sql = (f"INSERT INTO safety_event ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})")
            batch: list[tuple] = []
            for row in rows():  # type: ignore[attr-defined]
                batch.append(row)
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(sql, batch)
            count += len(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    print(f"inserted {count:,} readings ({count / elders:.0f} per elder over {HOURS} h) in {took:.1f} s "
          f"({count / took:,.0f} rows/s)")


def _raw_aggregate(now: dt.datetime) -> tuple[float, int]:
    """(a): the same readings grouped by dwelling in hand-written SQL: counts per kind, the last motion, the
    meter's highest and lowest total. Returns (seconds, rows)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        litres, param = "(e.data->>'litres')::float", "%s"
    else:
        litres, param = "CAST(json_extract(e.data, '$.litres') AS REAL)", "%s"
    sql = f"""
        SELECT d.dwelling_id,
               MAX({litres}) - MIN({litres}),
               SUM(CASE WHEN e.kind = 'door_sensor.opened' THEN 1 ELSE 0 END),
               MAX(CASE WHEN e.kind = 'motion.detected' THEN e.occurred_at END),
               MAX(CASE WHEN e.kind = 'smoke.alarm' THEN e.occurred_at END)
        FROM safety_device d LEFT JOIN safety_event e
             ON e.device_id = d.id AND e.occurred_at >= {param} AND e.occurred_at <= {param}
        WHERE d.dwelling_id IS NOT NULL
        GROUP BY d.dwelling_id"""
    since = now - dt.timedelta(hours=HOURS)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, now])
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _measure(repeat: int, now: dt.datetime, rules: Any) -> tuple[dict, dict]:
    """(a), (b) and (c), each ``repeat`` times, each figure with the load average as it was measured; returns the
    readings and findings of the last pass."""
    raw, full, passes = [], [], []
    for _ in range(repeat):
        took, raw_rows = _raw_aggregate(now)
        raw.append(took)
        started = time.perf_counter()
        readings = rules.readings_by_dwelling(None, now)
        full.append(time.perf_counter() - started)
        started = time.perf_counter()
        findings = rules.evaluate_all(now)
        passes.append(time.perf_counter() - started)
    print(f"(a) raw SQL aggregate of the same readings: best {min(raw):.2f} s, median "
          f"{statistics.median(raw):.2f} s ({raw_rows:,} dwellings); {_load()}")
    print(f"(b) the rules' aggregate (readings_by_dwelling, one query): best {min(full):.2f} s, median "
          f"{statistics.median(full):.2f} s ({len(readings):,} dwellings); {min(full) / min(raw):.2f}× (a); {_load()}")
    by_rule: dict[str, int] = {}
    for found in findings.values():
        for finding in found:
            by_rule[finding.code] = by_rule.get(finding.code, 0) + 1
    verdict = "meets" if min(passes) < TARGET_SECONDS else "MISSES"
    print(f"(c) one full pass (evaluate_all): best {min(passes):.2f} s, median {statistics.median(passes):.2f} s;"
          f" {len(findings):,} dwellings with findings {dict(sorted(by_rule.items()))}; {verdict} the target of "
          f"< {TARGET_SECONDS:.0f} s; {_load()}")
    return readings, findings


def _per_reading(rules: Any, now: dt.datetime, ids: list[int], findings: dict, singles: int, seed: int) -> None:
    """(d): one new reading's dwelling evaluated (evaluate_dwelling), for ``singles`` dwellings; each result is
    checked against the full pass's findings for that dwelling."""
    rng = random.Random(seed)
    times, differ = [], 0
    for dwelling_id in rng.sample(ids, min(singles, len(ids))):
        started = time.perf_counter()
        found = rules.evaluate_dwelling(dwelling_id, now)
        times.append(time.perf_counter() - started)
        differ += found != findings.get(dwelling_id, [])
    times.sort()
    print(f"(d) per new reading (evaluate_dwelling: its dwelling aggregated and evaluated): median "
          f"{statistics.median(times) * 1000:.1f} ms, p99 {times[int(0.99 * (len(times) - 1))] * 1000:.1f} ms over "
          f"{len(times)} dwellings; {differ} differ from the full pass; {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elders", type=int, default=100_000)
    parser.add_argument("--singles", type=int, default=200, help="dwellings timed one new reading each")
    parser.add_argument("--repeat", type=int, default=3, help="full passes timed (the best and median shown)")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--reuse", action="store_true",
                        help="measure the readings already in the database (of an earlier run) again")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    tmp = None
    if args.reuse and not database_url:
        parser.error("--reuse needs DATABASE_URL")
    if not database_url:
        tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115 (removed in finally)
        database_url = f"sqlite:///{tmp.name}"
    _setup_django(database_url)
    from django.db import connection

    from shequ.eldercare import rules

    load = os.getloadavg()
    print(f"database: {connection.vendor}; machine load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        if args.reuse:
            from django.db.models import Max

            from shequ.safety.models import Event

            now = Event.objects.aggregate(last=Max("occurred_at"))["last"] or now
            print(f"reusing the readings in the database, as of {now:%Y-%m-%d %H:%M:%S}")
        else:
            _build(args.elders, now, args.seed)

        readings, findings = _measure(args.repeat, now, rules)
        _per_reading(rules, now, list(readings), findings, args.singles, args.seed)
        load = os.getloadavg()
        print(f"machine load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        connection.close()
        if tmp is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(tmp.name + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
