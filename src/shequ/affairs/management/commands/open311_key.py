"""``shequ open311_key --as ADMIN --for USERNAME --name NAME``: an api_key for an Open311 client.

The client then creates requests at /open311/v2/requests.json in the name of USERNAME (a member of staff who
may take requests) and reads what that account may see. The key is printed once; only its hash is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.affairs import actions
from shequ.core.errors import DomainError
from shequ.core.models import User


class Command(BaseCommand):
    help = "Make an Open311 api_key acting as a staff account; the key is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="admin", required=True, help="the administrator making the key")
        parser.add_argument("--for", dest="user", required=True, help="the staff account the client acts as")
        parser.add_argument("--name", default="open311", help="what the key is for, e.g. the app's name")

    def handle(self, *args: Any, admin: str, user: str, name: str, **options: Any) -> None:
        actor = User.objects.filter(username=admin, is_active=True).first()
        account = User.objects.filter(username=user, is_active=True).first()
        if actor is None or account is None:
            raise CommandError("no such active user")
        try:
            _record, key = actions.create_open311_key(actor=actor, user=account, name=name)
        except DomainError as error:
            raise CommandError(str(error.message) or "not allowed") from error
        self.stdout.write(key)
