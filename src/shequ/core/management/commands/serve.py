"""``shequ serve``: bring the database up to date and serve the platform with gunicorn."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate, then serve on SHEQU_BIND (default 127.0.0.1:8000) with gunicorn and the task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("SHEQU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("SHEQU_WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="do not run background tasks in-process")

    def handle(self, *args: Any, bind: str, workers: int, no_worker: bool, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        self.stdout.write(f"Shequ is serving at http://{bind}/  (Ctrl+C to stop)")
        argv = [sys.executable, "-m", "gunicorn", "shequ.wsgi:application", "--bind", bind,
                "--workers", str(workers), "--access-logfile", "-", "--timeout", "120"]
        if not no_worker:
            # The embedded default: one background worker runs beside the web workers, no broker needed.
            argv += ["--config", "python:shequ.core.gunicorn_hooks"]
        os.execv(sys.executable, argv)  # noqa: S606 - argv is built here, not from input
