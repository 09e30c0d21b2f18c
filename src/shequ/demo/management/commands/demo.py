"""``shequ demo [--reset] [--residents N] [--seed S]``: build the demo sub-district and print the logins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from shequ.demo import builder


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

    def handle(self, *args: Any, reset: bool, yes: bool, residents: int, seed: int, **options: Any) -> None:
        if reset:
            self._reset(yes=yes)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        self.stdout.write(f"Building the demo sub-district: {residents:,} residents, seed {seed} …")
        try:
            result = builder.build(residents=residents, seed=seed, progress=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Built {result.subdistrict.name}: {result.people:,} people in {result.seconds:.1f} s.")
        )
        self.stdout.write("")
        self.stdout.write(f"{'username':<16} {'password':<20} {'role':<24} scope")
        self.stdout.write("-" * 80)
        for login in result.logins:
            if login.phone:
                continue
            self.stdout.write(f"{login.username:<16} {login.password:<20} {login.role:<24} {login.scope}")
        self.stdout.write("")
        self.stdout.write("Residents sign in at http://127.0.0.1:8000/login/resident/ with their phone and a code;")
        self.stdout.write("the code appears in the server log (LogSmsBackend, allowed by SHEQU_DEMO=1 as `make demo` "
                          "serves), e.g. 'SMS to 138****1234: …'.")
        self.stdout.write(f"{'username':<16} {'phone':<14} resident")
        self.stdout.write("-" * 80)
        for login in result.logins:
            if login.phone:
                self.stdout.write(f"{login.username:<16} {login.phone:<14} {login.scope}")

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
