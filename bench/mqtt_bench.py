"""Device events over MQTT: raw publish throughput to the broker beside the platform's ingest end to end.

    .venv/bin/python bench/mqtt_bench.py --events 20000 --rate 500          # a temporary SQLite database
    createdb -h 127.0.0.1 -U postgres shequ_mqtt_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_mqtt_bench \\
        .venv/bin/python bench/mqtt_bench.py --events 20000 --rate 500

Baselines, measured against the same broker (``--broker``, default mqtt://127.0.0.1:1883) in the same run:

- (a) ``mosquitto_pub -l -q 1``: --events door events read from a pipe, QoS 1, one connection (msg/s);
- (b) paho-mqtt, one client publishing --events events at QoS 1 as fast as the broker acknowledges them (msg/s);
- (c) the broker alone at --rate: publish paced at --rate, a paho subscriber receives; p50/p99 publish→delivery.

Then (d) end to end, if this checkout has the consumer (``shequ mqtt``, :mod:`shequ.safety.mqtt`), else it says
so and stops: **the database named by DATABASE_URL is wiped** (its public schema dropped; without
DATABASE_URL a temporary SQLite file is used), one sub-district with --devices doors is created, the consumer is
started as its own process (``python -m shequ.cli mqtt`` with a client id of its own), and --events door events
(98% granted, 2% denied) are published at --rate over the doors' topics. A thread of this process polls the event
table every 10 ms and notes when each event's row first appears: it prints events/s stored, p50/p99/max from
publish to stored row (the consumer's validation, transaction, alarm rules and commit included), the consumer's
lag (events published but not yet stored) at its worst and when publishing ended, events lost or stored twice,
and the ratios to (b) and (c). The issue's target: 500 door events a second with p99 < 1 s and nothing lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from paho.mqtt.client import CallbackAPIVersion, Client, MQTTMessage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SUBDISTRICT = "310105002"
TARGET_RATE = 500
TARGET_P99_S = 1.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _event(n: int, *, denied: bool = False) -> tuple[str, bytes]:
    """A door event as a door sends it (the envelope of docs/simulator.md): its id and its bytes."""
    data: dict[str, object] = {"credential": f"CARD{n:08d}", "method": "card", "direction": "in"}
    if denied:
        data["reason"] = "unknown_credential"
    event_id = f"bench-{n}-{uuid.uuid4().hex[:8]}"
    return event_id, json.dumps({"event_id": event_id, "kind": "door.denied" if denied else "door.granted",
                                 "occurred_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                                 "data": data}, separators=(",", ":")).encode()


def _payload(n: int) -> bytes:
    return _event(n)[1]


def _client(host: str, port: int, name: str) -> Client:
    client = Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{name}-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    return client


def _wait(check: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def bench_mosquitto_pub(host: str, port: int, events: int, prefix: str) -> float | None:
    tool = shutil.which("mosquitto_pub")
    if tool is None:
        print("(a) mosquitto_pub: not installed (Debian's mosquitto-clients), skipped")
        return None
    lines = b"\n".join(_payload(n) for n in range(events)) + b"\n"
    started = time.perf_counter()
    subprocess.run([tool, "-h", host, "-p", str(port), "-q", "1", "-l", "-t", f"{prefix}/raw/pub/events"],  # noqa: S603
                   input=lines, check=True)
    rate = events / (time.perf_counter() - started)
    print(f"(a) mosquitto_pub -l -q 1: {events:,} messages at {rate:,.0f} msg/s")
    return rate


def bench_paho_raw(host: str, port: int, events: int, prefix: str) -> float:
    client = _client(host, port, "raw")
    acked = [0]
    client.on_publish = lambda *args: acked.__setitem__(0, acked[0] + 1)
    payloads = [_payload(n) for n in range(events)]
    started = time.perf_counter()
    for payload in payloads:
        client.publish(f"{prefix}/raw/paho/events", payload, qos=1)
    _wait(lambda: acked[0] >= events, 120)
    rate = acked[0] / (time.perf_counter() - started)
    client.loop_stop()
    client.disconnect()
    print(f"(b) paho-mqtt, one client, QoS 1: {acked[0]:,} of {events:,} acknowledged at {rate:,.0f} msg/s")
    return rate


def _paced(rate: float, events: int, send: object) -> float:
    """Call ``send(n)`` for n in 0..events-1 at ``rate`` a second; returns the seconds it took."""
    started = time.perf_counter()
    for n in range(events):
        due = started + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        send(n)  # type: ignore[operator]
    return time.perf_counter() - started


def bench_broker_latency(host: str, port: int, events: int, rate: float, prefix: str) -> float | None:
    sent: dict[int, float] = {}
    latencies: list[float] = []
    topic = f"{prefix}/raw/latency/events"
    subscribed = threading.Event()

    def on_message(client: Client, userdata: object, message: MQTTMessage) -> None:
        n = int(message.payload.split(b" ", 1)[0])
        latencies.append(time.perf_counter() - sent[n])

    listener = Client(CallbackAPIVersion.VERSION2, client_id=f"bench-listen-{uuid.uuid4().hex[:8]}")
    listener.on_message = on_message
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.on_connect = lambda c, *args: c.subscribe(topic, qos=1)
    listener.connect(host, port)
    listener.loop_start()
    subscribed.wait(10)
    publisher = _client(host, port, "latency")
    body = _payload(0)

    def send(n: int) -> None:
        sent[n] = time.perf_counter()
        publisher.publish(topic, f"{n} ".encode() + body, qos=1)

    took = _paced(rate, events, send)
    _wait(lambda: len(latencies) >= events, 30)
    for client in (publisher, listener):
        client.loop_stop()
        client.disconnect()
    if not latencies:
        print("(c) broker alone: nothing delivered")
        return None
    p99 = _percentile(latencies, 0.99)
    print(f"(c) broker alone at {events / took:,.0f} msg/s: {len(latencies):,} of {events:,} delivered, "
          f"publish→delivery p50 {_percentile(latencies, 0.5) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    return p99


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ["SHEQU_TESTING"] = "1"  # development keys: a benchmark holds no real data
    import django

    django.setup()


def _build_world(devices: int) -> list[str]:
    """A fresh database with one sub-district and ``devices`` doors; returns their codes."""
    from django.core.management import call_command
    from django.db import connection

    from shequ.core.models import Building, Compound, Neighborhood, Subdistrict
    from shequ.safety import secrets
    from shequ.safety.choices import Availability, DeviceKind
    from shequ.safety.demo import demo_secret
    from shequ.safety.models import Device

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    subdistrict = Subdistrict.objects.create(code=SUBDISTRICT, name="江苏路街道", district="长宁区", city="上海市")
    neighborhood = Neighborhood.objects.create(subdistrict=subdistrict, code=f"{SUBDISTRICT}001", name="华山居民区")
    compound = Compound.objects.create(neighborhood=neighborhood, name="华山新苑", address="华山路1220弄")
    buildings = Building.objects.bulk_create([Building(compound=compound, number=f"{n + 1}号")
                                              for n in range((devices + 3) // 4)])
    one_hash = secrets.hash_secret(demo_secret("bench"))  # the bench signs in anonymously; any hash will do
    codes = [f"door-bench-{n + 1:04d}" for n in range(devices)]
    Device.objects.bulk_create([
        Device(subdistrict=subdistrict, neighborhood=neighborhood, compound=compound, building=buildings[n // 4],
               entrance=f"{n % 4 + 1}单元", kind=DeviceKind.DOOR, code=code, name=code, heartbeat_seconds=300,
               availability=Availability.ONLINE, secret_hash=one_hash) for n, code in enumerate(codes)])
    return codes


class _Watcher(threading.Thread):
    """Polls the event table and notes when each event id's row first appears (and the lag at each poll)."""

    def __init__(self, published: dict[str, float]) -> None:
        super().__init__(daemon=True)
        self.published = published
        self.seen: dict[str, float] = {}
        self.rows = 0
        self.matched = 0  # rows of published events (not the warm-up's)
        self.lags: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from shequ.safety.models import Event

        last = 0
        try:
            while not self.stop.is_set():
                rows = list(Event.objects.filter(id__gt=last).order_by("id").values_list("id", "event_id")[:20000])
                now = time.perf_counter()
                for pk, event_id in rows:
                    self.rows += 1
                    if event_id not in self.seen:
                        self.seen[event_id] = now
                        self.matched += event_id in self.published
                    last = pk
                self.lags.append(len(self.published) - self.matched)
                if not rows:
                    self.stop.wait(0.01)
        finally:
            connection.close()


def bench_end_to_end(host: str, port: int, events: int, rate: float, devices: int, database_url: str,
                     raw_rate: float, broker_p99: float | None) -> None:
    if importlib.util.find_spec("shequ.safety.mqtt") is None:
        print("(d) end to end: skipped — this checkout has no MQTT consumer yet (shequ.safety.mqtt, `shequ mqtt`)")
        return
    _setup_django(database_url)
    codes = _build_world(devices)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url, "SHEQU_MQTT_URL": f"mqtt://{host}:{port}",
           "SHEQU_MQTT_TOPIC_PREFIX": prefix, "SHEQU_TESTING": "1", "PYTHONPATH": str(ROOT / "src"),
           "SHEQU_LOG_LEVEL": "WARNING"}
    consumer = subprocess.Popen([sys.executable, "-m", "shequ.cli", "mqtt", "--client-id", prefix],  # noqa: S603
                                env=env, cwd=ROOT)
    published: dict[str, float] = {}
    watcher = _Watcher(published)
    publisher = _client(host, port, "e2e")
    try:
        watcher.start()

        def send(n: int, *, warm: bool = False) -> None:
            event_id, payload = _event(n, denied=n % 50 == 49)
            if not warm:
                published[event_id] = time.perf_counter()
            publisher.publish(f"{prefix}/{SUBDISTRICT}/{codes[n % len(codes)]}/events", payload, qos=1)

        # Warm up: the consumer has connected and subscribed once an event of ours is stored.
        started = time.monotonic()
        while watcher.rows == 0:
            if consumer.poll() is not None:
                print(f"(d) end to end: the consumer exited with status {consumer.returncode}")
                return
            if time.monotonic() - started > 60:
                print("(d) end to end: the consumer stored nothing in 60 s (is the broker reachable?)")
                return
            send(10**9 + int(time.monotonic() - started), warm=True)
            time.sleep(0.5)
        warmed = watcher.rows
        took = _paced(rate, events, send)
        lag_at_end = len(published) - watcher.matched
        waited_from = time.perf_counter()
        previous = -1
        while watcher.matched < len(published) and previous != watcher.matched:  # until 10 s without progress
            previous = watcher.matched
            _wait(lambda: watcher.matched >= len(published), 10)
        watcher.stop.set()
        watcher.join(5)
        stored = [watcher.seen[e] - published[e] for e in published if e in watcher.seen]
        last = max((watcher.seen[e] for e in published if e in watcher.seen), default=waited_from)
        first = min(published.values())
        lost = len(published) - len(stored)
        twice = watcher.rows - warmed - len(stored)
        per_second = len(stored) / (last - first) if stored else 0.0
        print(f"(d) end to end, {devices} doors, published at {events / took:,.0f}/s: {len(stored):,} of {events:,} "
              f"stored at {per_second:,.0f} events/s; lost {lost}, stored twice {max(twice, 0)}")
        if stored:
            p50, p99 = _percentile(stored, 0.5), _percentile(stored, 0.99)
            print(f"    publish→stored row: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                  f"max {max(stored) * 1000:.0f} ms (the watcher polls every 10 ms)")
            print(f"    consumer lag: worst {max(watcher.lags, default=0):,} events, {lag_at_end:,} when publishing "
                  f"ended, all in {last - first - took:.2f} s after")
            print(f"    ratio to raw paho publish (b): {per_second / raw_rate:.0%}"
                  + (f"; p99 {p99 / broker_p99:.1f}× the broker alone (c)" if broker_p99 else ""))
            kept_up = per_second >= min(rate, TARGET_RATE) * 0.98 and p99 < TARGET_P99_S and lost == 0
            print(f"    target ({TARGET_RATE}/s, p99 < {TARGET_P99_S:.0f} s, nothing lost): "
                  f"{'met' if kept_up and rate >= TARGET_RATE else 'not met' if not kept_up else 'run at --rate 500'}")
    finally:
        watcher.stop.set()
        publisher.loop_stop()
        publisher.disconnect()
        consumer.send_signal(signal.SIGTERM)
        try:
            consumer.wait(30)
        except subprocess.TimeoutExpired:
            consumer.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="events a second for (c) and (d)")
    parser.add_argument("--devices", type=int, default=324, help="doors publishing in (d)")
    args = parser.parse_args()
    url = urlsplit(args.broker)
    host, port = url.hostname or "127.0.0.1", url.port or 1883
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    print(f"broker {host}:{port}, {args.events:,} events, rate {args.rate:,.0f}/s, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    bench_mosquitto_pub(host, port, args.events, prefix)
    raw = bench_paho_raw(host, port, args.events, prefix)
    broker_p99 = bench_broker_latency(host, port, args.events, args.rate, prefix)
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as scratch:
        if not database_url:
            database_url = f"sqlite:///{scratch}/mqtt_bench.sqlite3"
            print(f"(no DATABASE_URL: a temporary SQLite database, {database_url})")
        bench_end_to_end(host, port, args.events, args.rate, args.devices, database_url, raw, broker_p99)


if __name__ == "__main__":
    main()
