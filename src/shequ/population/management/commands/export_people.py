"""``shequ export-people FILE --as USERNAME``: residents the user may export, to .xlsx, ID and phone masked."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.actions import record_export
from shequ.core.excel import write_workbook
from shequ.core.models import User
from shequ.core.scopes import can
from shequ.population import queries
from shequ.population.importing import TEMPLATE_HEADERS, export_rows
from shequ.population.models import Person


class Command(BaseCommand):
    help = "Export the residents a staff user may export to .xlsx (same columns as the import; ID and phone masked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--as", dest="username", required=True, help="the staff user exporting")
        parser.add_argument("--all", dest="include_gone", action="store_true", help="also people who moved out or died")

    def handle(self, *args: Any, file: str, username: str, include_gone: bool, **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        if not can(actor, Person, "export"):
            raise CommandError(f"{username} may not export residents")
        people = queries.search_people(actor, status="" if include_gone else "active", action="export")
        count = people.count()
        write_workbook(file, title="实有人口", headers=TEMPLATE_HEADERS, rows=export_rows(people))
        record_export(actor=actor, what="population.person", rows=count, reason="export_people",
                      filters={"include_gone": include_gone})
        self.stdout.write(f"exported {count} people to {file}")
