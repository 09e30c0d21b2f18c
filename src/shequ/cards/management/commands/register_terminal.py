"""``shequ register_terminal NAME --kind canteen_till --account CODE --as USERNAME``: a new device and its token.

The token is printed once and only its hash is kept: configure the device with it now. The account is
the ledger account the device settles into (a canteen's is ``canteen-…``; see ``--list-accounts``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.cards import actions
from shequ.cards.choices import TerminalKind
from shequ.cards.models import Account
from shequ.core.errors import DomainError
from shequ.core.models import User


class Command(BaseCommand):
    help = "Register a terminal (till, desk, kiosk) and print its API token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", default="", help="e.g. 华山长者食堂 1号收银机")
        parser.add_argument("--kind", choices=TerminalKind.values, default=TerminalKind.CANTEEN_TILL)
        parser.add_argument("--account", default="", help="code of the ledger account it settles into")
        parser.add_argument("--as", dest="username", required=True, help="the administrator registering it")
        parser.add_argument("--list-accounts", action="store_true", help="list the accounts of the sub-district")

    def handle(self, *args: Any, name: str, kind: str, account: str, username: str, list_accounts: bool,
               **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None or actor.subdistrict_id is None:
            raise CommandError(f"no active staff user {username!r} of a sub-district")
        accounts = Account.objects.filter(subdistrict_id=actor.subdistrict_id)
        if list_accounts:
            for found in accounts:
                self.stdout.write(f"{found.code}\t{found.kind}\t{found.name}")
            return
        target = accounts.filter(code=account).first()
        if not name or target is None:
            raise CommandError("give a NAME and the --account code of one of this sub-district's accounts")
        try:
            terminal, token = actions.register_terminal(actor=actor, name=name, kind=kind, account=target)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"terminal {terminal.pk} {terminal.name}: Authorization: Terminal {token}")
