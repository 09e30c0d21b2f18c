"""``shequ deactivate_terminal ID --as USERNAME``: a lost or retired device's token stops working at once.

The terminal and its service user are kept (their postings point at them) and the change is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.cards import actions, queries
from shequ.core.errors import DomainError
from shequ.core.models import User


class Command(BaseCommand):
    help = "Deactivate a terminal: its token is refused from now on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("terminal", type=int, help="the terminal's number, as register_terminal printed it")
        parser.add_argument("--as", dest="username", required=True, help="the administrator deactivating it")

    def handle(self, *args: Any, terminal: int, username: str, **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        found = queries.terminals(actor, "change").filter(pk=terminal).first() if actor else None
        if found is None:
            raise CommandError("no such terminal that this user may change")
        try:
            actions.deactivate_terminal(actor=actor, terminal=found)  # type: ignore[arg-type]
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"terminal {found.pk} {found.name}: deactivated")
