"""``shequ serve``: bring the database up to date and serve the platform with Granian and the task worker.

Granian parses HTTP in Rust and keeps connections alive (phones on slow networks reconnect less); a light
request costs the web workers 5-15% less CPU than under gunicorn's sync workers, and a request creation about
the same (``bench/affairs_api_load.py --compare``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


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

    def handle(self, *args: Any, bind: str, workers: int, threads: int, no_worker: bool, **options: Any) -> None:
        from granian import Granian
        from granian.constants import Interfaces

        address, port = split_bind(bind)
        _check_sms_backend()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        server = Granian("shequ.wsgi:application", address=address, port=port, interface=Interfaces.WSGI,
                         workers=workers, blocking_threads=threads, log_access=True)
        # The embedded default: one background worker runs beside the web workers, no broker needed.
        worker = None if no_worker else subprocess.Popen([sys.executable, "-m", "shequ.cli", "worker"])
        self.stdout.write(f"Shequ is serving at http://{bind}/  (Ctrl+C to stop)")
        self.stdout.flush()
        try:
            server.serve()
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:  # a job that ignores the request to stop
                    worker.kill()
                    worker.wait()
