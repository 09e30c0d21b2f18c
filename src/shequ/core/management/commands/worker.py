"""``shequ worker``: run the tasks users start (imports, linkage runs) and the periodic jobs of every app."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from shequ.core import actions, sms
from shequ.core.tasks import PERIODIC_JOBS, PeriodicJob

logger = logging.getLogger("shequ.worker")
IDLE_SLEEP_SECONDS = 1.0  # how soon a task a user just started is picked up


class Command(BaseCommand):
    help = "Run queued tasks and the periodic jobs (permit expiry and reminders, ...). --once: one round."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="end when this process (the server that started the worker) is gone")

    def handle(self, *args: Any, once: bool, parent_pid: int | None = None, **options: Any) -> None:
        try:
            sms.check_backend()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if not once:
            for job in PERIODIC_JOBS:
                if job.own_thread:
                    threading.Thread(target=self.run_alone, args=(job,), name=job.name, daemon=True).start()
        next_run = {job.name: 0.0 for job in PERIODIC_JOBS}
        while True:
            if parent_pid is not None and os.getppid() != parent_pid:
                logger.info("the server that started this worker is gone; stopping")
                return
            close_old_connections()
            self.run_tasks()
            now = time.monotonic()
            for job in PERIODIC_JOBS:
                if job.own_thread and not once:
                    continue  # its thread runs it
                if once or now >= next_run[job.name]:
                    close_old_connections()
                    try:
                        count = job.load()()
                    except Exception:
                        # One failing job must not stop the others; it is retried at its next turn.
                        logger.exception("job %s failed", job.name)
                    else:
                        if count:
                            logger.info("job %s done: %s", job.name, count)
                    next_run[job.name] = now + job.every_seconds
            if once:
                return
            time.sleep(IDLE_SLEEP_SECONDS)

    @staticmethod
    def run_alone(job: PeriodicJob) -> None:
        """A job in its own thread (and database connection), every ``every_seconds``, for as long as the worker
        runs; the thread dies with the process, and what it held is taken over by the next one (see outbox)."""
        function = job.load()
        while True:
            close_old_connections()
            try:
                count = function()
            except Exception:
                logger.exception("job %s failed", job.name)
            else:
                if count:
                    logger.info("job %s done: %s", job.name, count)
            time.sleep(job.every_seconds)

    @staticmethod
    def run_tasks() -> None:
        try:
            actions.fail_stalled_tasks()  # logs what it failed
            while (task := actions.run_next_task()) is not None:
                logger.info("task %s (%s) %s", task.pk, task.kind, task.status)
        except Exception:
            logger.exception("running tasks failed")
