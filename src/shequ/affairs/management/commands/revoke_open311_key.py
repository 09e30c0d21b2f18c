"""``shequ revoke_open311_key PREFIX --as ADMIN``: an Open311 api_key stops working at once (audited).

PREFIX is the key's first characters, as the key list shows them; the key itself is not kept. A prefix that
begins with "-" goes after "--": ``shequ revoke_open311_key --as admin -- -x3Fq2``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.affairs import actions
from shequ.affairs.models import Open311Key
from shequ.core.models import User
from shequ.core.scopes import restrict


class Command(BaseCommand):
    help = "Revoke an Open311 api_key by its first characters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help='the key\'s first six characters (after "--" if they begin with "-")')
        parser.add_argument("--as", dest="admin", required=True, help="the administrator revoking the key")

    def handle(self, *args: Any, prefix: str, admin: str, **options: Any) -> None:
        actor = User.objects.filter(username=admin, is_active=True).first()
        keys = list(restrict(Open311Key.objects.filter(prefix=prefix[:6], active=True), actor, "change")[:2])
        if actor is None or len(keys) != 1:
            raise CommandError("no single active key with that beginning that this user may revoke")
        actions.revoke_open311_key(actor=actor, key=keys[0])
        self.stdout.write(f"revoked {keys[0]}")
