"""``shequ import-sources FILE --kind clinic|health --as USERNAME``: import a batch, all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.errors import DomainError
from shequ.core.models import User
from shequ.linkage import actions
from shequ.linkage.choices import SourceKind


class Command(BaseCommand):
    help = "Import clinic encounters or health records (.csv/.xlsx) for linkage; nothing is written if a row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", choices=SourceKind.values, required=True)
        parser.add_argument("--as", dest="username", required=True, help="the health worker importing")

    def handle(self, *args: Any, file: str, kind: str, username: str, **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        try:
            batch = actions.import_batch(actor=actor, kind=kind, data=Path(file).read_bytes(), filename=file)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {file}") from exc
        except DomainError as exc:
            for detail in exc.details or []:
                self.stderr.write(str(detail))
            raise CommandError(str(exc.message) or "not allowed") from exc
        self.stdout.write(f"{file}: imported {batch.rows} record(s) as batch {batch.pk}")
