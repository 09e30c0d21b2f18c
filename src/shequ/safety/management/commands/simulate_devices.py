"""``shequ simulate-devices [--scenario rush|quiet|incident] [--rate R] [--duration S] [--devices N] [--http URL]
[--homes N] [--smoke ELDER] [--call ELDER]``.

Plays the registry's doors, cameras and access points over MQTT (or HTTP) so that the police office's board moves,
and the home sensors of the elders living alone through an ordinary day, the demo's quiet elder staying quiet:
see docs/simulator.md and :mod:`shequ.safety.simulator`. Signs in as each device with its demo secret, so it
works on a demo database (``make demo``); a device whose secret was re-issued is refused by a broker that checks.
"""

from __future__ import annotations

import signal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.safety import traffic
from shequ.safety.choices import HOME_SENSOR_KINDS, DeviceKind
from shequ.safety.models import Device
from shequ.safety.simulator import Simulator, homes_of, sim_devices

DEFAULT_BROKER = "mqtt://127.0.0.1:1883"


class Command(BaseCommand):
    help = ("Simulate the registry's doors, cameras, access points and elders' home sensors publishing events over "
            "MQTT (or HTTP).")

    def add_arguments(self, parser: CommandParser) -> None:
        scenarios = "; ".join(f"{name}: {text} ({rate:g}/s)" for name, (rate, text) in traffic.SCENARIOS.items())
        parser.add_argument("--scenario", choices=list(traffic.SCENARIOS), default="rush", help=scenarios)
        parser.add_argument("--rate", type=float, default=None, help="background events a second (all devices)")
        parser.add_argument("--duration", type=float, default=0.0, help="seconds to run; 0 (default): until Ctrl+C")
        parser.add_argument("--devices", type=int, default=None,
                            help="play only N devices (door, camera, access point in turn)")
        parser.add_argument("--http", default=None, metavar="URL",
                            help="POST each message to the HTTP ingest at URL instead, such as "
                                 "http://127.0.0.1:8000/api/v1/devices/events/ (as each device, with its secret)")
        parser.add_argument("--broker", default=None,
                            help=f"mqtt://host:port (default SHEQU_MQTT_URL, else {DEFAULT_BROKER})")
        parser.add_argument("--prefix", default=None, help="topic prefix (default SHEQU_MQTT_TOPIC_PREFIX)")
        parser.add_argument("--anonymous", action="store_true", help="connect without the devices' credentials")
        parser.add_argument("--heartbeat", type=float, default=None,
                            help="seconds between heartbeats for every device (default: each device's own)")
        parser.add_argument("--speed", type=float, default=1.0, help="play the scenario this many times faster")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--homes", type=int, default=None,
                            help="play the home sensors of only N elders' dwellings (0: none; default: all)")
        parser.add_argument("--smoke", default=None, metavar="ELDER",
                            help="set off the smoke alarm once in this elder's home (her name, address or a "
                                 "device ID)")
        parser.add_argument("--call", default=None, metavar="ELDER",
                            help="press the one-button call once in this elder's home (as --smoke)")

    def handle(self, *args: Any, scenario: str, rate: float | None, duration: float, devices: int | None,
               http: str | None, broker: str | None, prefix: str | None, anonymous: bool, heartbeat: float | None,
               speed: float, seed: int | None, homes: int | None = None, smoke: str | None = None,
               call: str | None = None, **options: Any) -> None:
        from shequ.eldercare.demo import find_elder_dwelling, quiet_elder

        live = Device.objects.filter(active=True, secret_revoked_at__isnull=True).select_related("subdistrict")
        rows = live.filter(kind__in=[DeviceKind.DOOR, DeviceKind.CAMERA, DeviceKind.ACCESS_POINT]).order_by(
            "kind", "code")
        played = sim_devices(rows, limit=devices)
        # The home sensors, whole dwellings at a time.
        home_rows = live.filter(kind__in=list(HOME_SENSOR_KINDS), dwelling__isnull=False)
        dwellings = sorted(set(home_rows.values_list("dwelling_id", flat=True)))
        if homes is not None:
            dwellings = dwellings[:max(homes, 0)]
        fire: list[str] = []
        for text, kind in ((smoke, DeviceKind.SMOKE_ALARM), (call, DeviceKind.CALL_BUTTON)):
            if text is None:
                continue
            dwelling = find_elder_dwelling(text)
            code = (home_rows.filter(dwelling_id=dwelling, kind=kind).values_list("code", flat=True).first()
                    if dwelling is not None else None)
            if dwelling is None or code is None:
                raise CommandError(f"No {kind} found for {text!r}: give an elder's name, her address or a device ID.")
            if dwelling not in dwellings:
                dwellings.append(dwelling)
            fire.append(code)
        home_played = sim_devices(home_rows.filter(dwelling_id__in=dwellings).order_by("dwelling_id", "kind"))
        played += home_played
        if not played:
            raise CommandError("No doors, cameras or access points in the registry: build the demo (`make demo`).")
        quiet = quiet_elder()
        quiet_codes = (list(home_rows.filter(dwelling_id=quiet.dwelling_id).values_list("code", flat=True))
                       if quiet is not None and quiet.dwelling_id is not None else [])
        url = urlsplit(broker or settings.MQTT_URL or DEFAULT_BROKER)
        if not http and (url.scheme not in {"mqtt", "tcp"} or not url.hostname):
            raise CommandError("--broker must look like mqtt://host:1883")
        if rate is not None and rate < 0:
            raise CommandError("--rate must not be negative")
        simulator = Simulator(
            played, scenario=scenario, prefix=prefix or settings.MQTT_TOPIC_PREFIX, host=url.hostname or "",
            port=url.port or 1883, duration=duration, rate=rate, seed=seed, speed=speed, heartbeat=heartbeat,
            http=http, anonymous=anonymous, log=self.stdout.write,
            homes=homes_of(home_played, quiet=quiet_codes, fire=fire))
        signal.signal(signal.SIGTERM, lambda *_: simulator.stopping.set())
        target = http or f"{url.hostname}:{url.port or 1883}, topics {simulator.prefix}/…"
        self.stdout.write(f"Simulating {len(played)} devices ({scenario}) → {target}; Ctrl+C stops.")
        if home_played:
            self.stdout.write(f"… of them {len(home_played)} home sensors in {len(dwellings)} elders' homes"
                              + (f"; {quiet.name}'s stays quiet" if quiet is not None and quiet_codes else ""))
        try:
            stats = simulator.run()
        except KeyboardInterrupt:
            simulator.close()
            stats = simulator.stats
        except (OSError, TimeoutError) as exc:
            raise CommandError(f"Could not reach the broker: {exc}") from exc
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(stats.sent.items()))
        self.stdout.write(f"Sent {sum(stats.sent.values())} messages ({kinds}); "
                          f"{stats.acknowledged} acknowledged, {len(stats.errors)} errors.")
        for error in stats.errors[:5]:
            self.stderr.write(error)
