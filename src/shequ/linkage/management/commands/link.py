"""``shequ link --as USERNAME``: run record linkage now (the page runs it as a background task)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.errors import DomainError
from shequ.core.models import User
from shequ.linkage import actions


class Command(BaseCommand):
    help = "Link the records not yet linked to the registry, as a health worker; prints the run's counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True, help="the health worker running it")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r}")
        try:
            run = actions.run_linkage(actor=actor)
        except DomainError as exc:
            raise CommandError(str(exc.message) or "not allowed") from exc
        self.stdout.write(f"run {run.pk}: {run.records} records, {run.linked} linked, {run.review} to review, "
                          f"{run.unmatched} without a match ({run.seconds:.1f} s)")
