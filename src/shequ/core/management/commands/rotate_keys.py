"""``shequ rotate_keys``: re-encrypt every encrypted column under the first key of SHEQU_FIELD_KEYS.

Rotation: put the new key first in SHEQU_FIELD_KEYS (old ones after it), run this command, then
drop the old keys. Rows are rewritten in batches, each batch in its own transaction.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from shequ.core import audit
from shequ.core.fields import EncryptedTextField

KEYS_ROTATED = "core.keys_rotated"


class Command(BaseCommand):
    help = "Re-encrypt ID numbers, phones and other encrypted fields under the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            rewritten = 0
            last_pk = None
            while True:
                rows = model._default_manager.order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                chunk = list(rows.only("pk", *fields)[:batch])
                if not chunk:
                    break
                # Loading decrypts with any key; saving encrypts with the first.
                with transaction.atomic():
                    model._default_manager.bulk_update(chunk, fields)
                rewritten += len(chunk)
                last_pk = chunk[-1].pk
            total += rewritten
            self.stdout.write(f"{model._meta.label}: {rewritten} rows re-encrypted")
        audit.record(actor=None, event=KEYS_ROTATED, after={"rows": total})
