"""``shequ demo [--reset] [--residents N] [--seed S]``: build the demo sub-district and print the logins.

``shequ demo --is-built`` only answers, by its exit status, whether the database holds a demo (``make serve``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings

from shequ import cli
from shequ.demo import builder, console, logins, sms


class Command(BaseCommand):
    help = "Build a deterministic demo of the Jiangsu Road sub-district, with staff and resident logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="start from an empty database (SQLite: delete the file; PostgreSQL: needs --yes)",
        )
        parser.add_argument("--yes", action="store_true", help="confirm --reset on PostgreSQL (drops every table)")
        parser.add_argument("--residents", type=int, default=builder.DEFAULT_RESIDENTS)
        parser.add_argument("--seed", type=int, default=builder.DEFAULT_SEED)
        parser.add_argument("--no-logins", action="store_true",
                            help="do not print the logins (`shequ serve` prints them when SHEQU_DEMO=1)")
        parser.add_argument("--is-built", action="store_true",
                            help="build nothing: exit with status 0 if the database holds a demo, 1 if not")

    def handle(self, *args: Any, reset: bool, yes: bool, residents: int, seed: int, no_logins: bool,
               is_built: bool, **options: Any) -> None:
        if is_built:
            sys.exit(0 if logins.is_built() else 1)
        if reset:
            self._reset(yes=yes)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        self.stdout.write(f"Building the demo sub-district: {residents:,} residents, seed {seed} …")
        try:
            result = builder.build(residents=residents, seed=seed, progress=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self._catch_up()
        self.stdout.write(
            self.style.SUCCESS(f"Built {result.subdistrict.name}: {result.people:,} people in {result.seconds:.1f} s.")
        )
        if no_logins:
            self.stdout.write("Serve it with `SHEQU_DEMO=1 shequ serve`, which prints the logins.")
        else:
            self.stdout.write("")
            url = console.site_url(cli.bind_of([]))
            self.stdout.write(logins.logins_box(logins.current_logins(), url, logins.what_to_try(url)))

    @staticmethod
    def _catch_up() -> None:
        """The demo's past happened before it is served: run the worker's periodic jobs once (reminders,
        escalations) and deliver every text queued so far to the demo's phone page, without printing them, so that
        the console of ``shequ serve`` shows only what happens from then on."""
        from shequ.core.outbox import deliver_due
        from shequ.core.tasks import PERIODIC_JOBS

        with override_settings(DEMO=True, SMS_BACKEND=sms.BACKEND), sms.quietly():
            for job in PERIODIC_JOBS:
                job.load()()
            deliver_due()

    def _reset(self, *, yes: bool) -> None:
        if connection.vendor == "sqlite":
            name = Path(str(connection.settings_dict["NAME"]))
            connection.close()
            for path in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
                if path.exists():
                    path.unlink()
            self.stdout.write(f"Deleted {name}")
        elif connection.vendor == "postgresql":
            if not yes:
                raise CommandError("--reset on PostgreSQL drops every table of the database: add --yes to confirm.")
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
            self.stdout.write(f"Dropped every table in {connection.settings_dict['NAME']}")
        else:
            raise CommandError(f"--reset is not supported on {connection.vendor}")
