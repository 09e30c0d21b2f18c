"""``shequ import-people FILE --as USERNAME``: import residents from .xlsx/.csv, all rows or none."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.errors import DomainError
from shequ.core.models import User
from shequ.population.importing import import_people


class Command(BaseCommand):
    help = "Import residents from an .xlsx or .csv file as a staff user; nothing is written if any row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--as", dest="username", required=True,
                            help="the staff user importing (her area and permissions apply)")
        parser.add_argument("--check", action="store_true", help="only check the file, write nothing")

    def handle(self, *args: Any, file: str, username: str, check: bool, **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        try:
            result = import_people(actor=actor, file=file, filename=file, dry_run=check)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {file}") from exc
        except DomainError as exc:
            raise CommandError(str(exc.message) or "not allowed") from exc
        if not result.ok:
            for error in result.errors:
                row = "-" if error.row is None else str(error.row)
                self.stderr.write(f"row {row}\t{error.column}\t{error.value}\t{error.message}")
            raise CommandError(f"{result.filename}: {len(result.errors)} problem(s); nothing was imported")
        if check:
            self.stdout.write(f"{result.filename}: {result.rows} row(s) are correct (nothing written)")
        else:
            self.stdout.write(f"{result.filename}: imported {result.created} people, "
                              f"{result.households} new household(s)")
