"""``shequ mqtt``: the long-running MQTT consumer of device messages (:mod:`shequ.safety.mqtt`).

``shequ serve`` starts it beside the web server when ``SHEQU_MQTT_URL`` is set. SIGTERM (or Ctrl+C) ingests
and acknowledges what it holds, then leaves; the broker keeps its session and queues for it meanwhile.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.safety.mqtt import Consumer

IDLE_EXIT_SECONDS = 2.0  # --once: stop when nothing came for this long after subscribing
ONCE_CONNECT_SECONDS = 30.0  # --once: give up when the broker cannot be reached for this long


class Command(BaseCommand):
    help = "Consume device messages from the MQTT broker (SHEQU_MQTT_URL) into the safety ingest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="take what the broker holds for this consumer, then stop when idle for 2 s")
        parser.add_argument("--batch", type=int, default=200, help="messages per transaction (at most)")
        parser.add_argument("--client-id", default=None, help="default: SHEQU_MQTT_CLIENT_ID")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="end when this process (the server that started the consumer) is gone")

    def handle(self, *args: Any, once: bool, batch: int, client_id: str | None, parent_pid: int | None,
               **options: Any) -> None:
        if not settings.MQTT_URL:
            raise CommandError("SHEQU_MQTT_URL is not set (mqtt://user:password@host:1883)")
        if not 1 <= batch <= 65535:
            raise CommandError("--batch takes 1 to 65535")
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        consumer = Consumer(client_id=client_id, batch_size=batch)
        alive = (lambda: os.getppid() == parent_pid) if parent_pid is not None else None
        try:
            total = consumer.run(stop=stop, idle_exit=IDLE_EXIT_SECONDS if once else None, alive=alive,
                                 give_up_after=ONCE_CONNECT_SECONDS if once else None)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if once and not consumer.connections:
            raise CommandError(f"could not connect to the broker within {ONCE_CONNECT_SECONDS:.0f} s")
        self.stdout.write(f"{total} message(s) ingested")
