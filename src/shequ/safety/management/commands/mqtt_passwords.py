"""``shequ mqtt-passwords --as ADMIN [-o FILE]``: Mosquitto's password file from the device registry (audited).

One ``<device ID>:<hash>`` line per device in service with a secret, and the platform's own account when
SHEQU_MQTT_URL names a user and password. Point Mosquitto's ``password_file`` at the file and reload it
(``kill -HUP``) after issuing or revoking secrets. Without ``-o`` the file goes to standard output.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.errors import DomainError
from shequ.core.models import User
from shequ.safety.actions import devices as actions


class Command(BaseCommand):
    help = "Write Mosquitto's password file of the devices' secrets (hashes only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="admin", required=True, help="the sub-district administrator writing it")
        parser.add_argument("-o", "--output", default="", help="the file to write (replaced whole); default stdout")

    def handle(self, *args: Any, admin: str, output: str, **options: Any) -> None:
        actor = User.objects.filter(username=admin, is_active=True).first()
        if actor is None:
            raise CommandError("no active user of that name")
        try:
            text = actions.export_mqtt_passwords(actor=actor)
        except DomainError as error:
            raise CommandError(str(error.message) if str(error.message) else "not allowed") from error
        lines = text.count("\n")
        if not output:
            self.stdout.write(text, ending="")
            return
        target = Path(output)
        # Written beside the target and renamed over it, so the broker never reads half a file; readable by its owner
        # and group only (make the group the broker's), so no other local user reads the hashes.
        handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=".mqtt-pw-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as written:
                written.write(text)
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stderr.write(f"wrote {lines} accounts to {target}")
