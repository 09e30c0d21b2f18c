"""``shequ worker``: run the periodic jobs of every app, forever or once."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from shequ.core.tasks import PERIODIC_JOBS

logger = logging.getLogger("shequ.worker")


class Command(BaseCommand):
    help = "Run background jobs (permit expiry and reminders, ...). --once runs each job one time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        next_run = {job.name: 0.0 for job in PERIODIC_JOBS}
        while True:
            now = time.monotonic()
            for job in PERIODIC_JOBS:
                if once or now >= next_run[job.name]:
                    close_old_connections()
                    try:
                        count = job.load()()
                    except Exception:
                        # One failing job must not stop the others; it is retried at its next turn.
                        logger.exception("job %s failed", job.name)
                    else:
                        logger.info("job %s done: %s", job.name, count)
                    next_run[job.name] = now + job.every_seconds
            if once:
                return
            time.sleep(5)
