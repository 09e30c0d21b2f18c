"""``shequ serve``: bring the database up to date and serve the platform with Granian and the task worker.

Granian parses HTTP in Rust and keeps connections alive (phones on slow networks reconnect less); a light
request costs the web workers 5-15% less CPU than under gunicorn's sync workers, and a request creation about
the same (``bench/affairs_api_load.py --compare``).

The task worker beside it is supervised (:class:`WorkerSupervisor`): one that dies is logged and started again.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

logger = logging.getLogger("shequ.serve")
# Ctrl+C reaches the web workers as well as the server; one caught mid-request may never finish stopping, so the
# server kills what has not stopped after this long rather than wait for ever.
WEB_WORKER_STOP_SECONDS = 10


class WorkerSupervisor:
    """Keeps one ``shequ worker`` running beside the web server, and restarts it when it dies.

    The worker runs the imports users start and the periodic jobs (escalations, permit reminders, the
    nightly reconciliation); if it died unnoticed, they would stop silently while the pages still answer.
    A worker that exits is logged and started again after a pause that doubles (1 s up to 60 s) while it
    keeps dying soon after starting, and goes back to 1 s once one has run for a minute.
    """

    FIRST_DELAY = 1.0
    MAX_DELAY = 60.0
    STABLE_AFTER = 60.0
    STOP_TIMEOUT = 30.0

    def __init__(self, command: list[str], name: str = "the task worker") -> None:
        self.command = command
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Its own session: Ctrl+C in the terminal reaches only the server, which then stops the worker itself;
        # otherwise the worker could die of the same signal before the supervisor knew it was stopping, and be
        # started again. The worker watches its parent and ends if the server is killed without stopping it.
        return subprocess.Popen([*self.command, "--parent-pid", str(os.getpid())],  # noqa: S603 (fixed arguments)
                                start_new_session=True)

    def start(self) -> None:
        self.process = self._spawn()
        self._watcher.start()

    def _watch(self) -> None:
        delay = self.FIRST_DELAY
        while True:
            process = self.process
            assert process is not None
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= self.STABLE_AFTER:
                delay = self.FIRST_DELAY
            logger.error("%s (pid %s) exited with code %s; starting it again in %.0f s",
                         self.name, process.pid, code, delay)
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, self.MAX_DELAY)
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = self._spawn()
                self.restarts += 1
            logger.warning("%s was started again (pid %s)", self.name, self.process.pid)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.STOP_TIMEOUT)
        except subprocess.TimeoutExpired:  # a job that ignores the request to stop
            process.kill()
            process.wait()


def split_bind(bind: str) -> tuple[str, int]:
    """``127.0.0.1:8000`` -> ("127.0.0.1", 8000); ``[::1]:8000`` -> ("::1", 8000)."""
    host, separator, port = bind.rpartition(":")
    if not separator or not port.isdigit() or not host:
        raise CommandError(f"--bind takes host:port, not {bind!r}")
    return host.strip("[]"), int(port)


def _check_sms_backend() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from shequ.core import sms

    try:
        sms.check_backend()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = "Migrate, then serve on SHEQU_BIND (default 127.0.0.1:8000) with Granian and the task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("SHEQU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("SHEQU_WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("SHEQU_WEB_THREADS", "1")),
                            help="threads running Django in each worker")
        parser.add_argument("--no-worker", action="store_true", help="do not run background tasks in-process")
        parser.add_argument("--no-mqtt", action="store_true",
                            help="do not run the MQTT consumer of device messages even if SHEQU_MQTT_URL is set")

    def handle(self, *args: Any, bind: str, workers: int, threads: int, no_worker: bool, no_mqtt: bool = False,
               **options: Any) -> None:
        from granian import Granian
        from granian.constants import Interfaces

        address, port = split_bind(bind)
        _check_sms_backend()
        call_command("migrate", verbosity=0, interactive=False)
        # WhiteNoise warns at start-up about a static root that does not exist yet.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        call_command("createcachetable", verbosity=0)
        server = Granian("shequ.wsgi:application", address=address, port=port, interface=Interfaces.WSGI,
                         workers=workers, blocking_threads=threads, log_access=True,
                         workers_kill_timeout=WEB_WORKER_STOP_SECONDS)
        # The embedded default: one background worker runs beside the web workers, no broker needed.
        worker = None if no_worker else WorkerSupervisor([sys.executable, "-m", "shequ.cli", "worker"])
        if worker is not None:
            worker.start()
        # With a broker, the devices' messages are consumed by a supervised child of its own (shequ mqtt).
        consumer = None
        if settings.MQTT_URL and not no_mqtt:
            consumer = WorkerSupervisor([sys.executable, "-m", "shequ.cli", "mqtt"], name="the MQTT consumer")
            consumer.start()
        self.stdout.write(f"Shequ is serving at http://{bind}/  (Ctrl+C to stop)")
        self.stdout.flush()
        try:
            server.serve()
        finally:
            if worker is not None:
                worker.stop()
            if consumer is not None:
                consumer.stop()
