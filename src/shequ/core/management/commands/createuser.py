"""``shequ createuser``: create a staff or resident account through :func:`shequ.core.actions.create_user`."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core import actions
from shequ.core.errors import Invalid
from shequ.core.models import Compound, Neighborhood, Subdistrict
from shequ.core.roles import Role


class Command(BaseCommand):
    help = "Create a staff member (at the sub-district, a neighborhood or a compound) or a resident account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="asked for when omitted (staff); residents sign in by texted code")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument("--subdistrict", metavar="CODE", help="sub-district division code (default: the only one)")
        parser.add_argument("--neighborhood", metavar="CODE", help="neighborhood code, for committee workers")
        parser.add_argument("--compound", metavar="ID", type=int, help="compound id, for property companies")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        subdistrict = neighborhood = compound = None
        try:
            if options["compound"]:
                compound = Compound.objects.get(pk=options["compound"])
            elif options["neighborhood"]:
                neighborhood = Neighborhood.objects.get(code=options["neighborhood"])
            elif options["subdistrict"]:
                subdistrict = Subdistrict.objects.get(code=options["subdistrict"])
            elif role != Role.RESIDENT:
                subdistrict = Subdistrict.objects.get()
        except (Compound.DoesNotExist, Neighborhood.DoesNotExist, Subdistrict.DoesNotExist) as exc:
            raise CommandError(f"Not found: {exc}") from exc
        except Subdistrict.MultipleObjectsReturned as exc:
            raise CommandError("There are several sub-districts: give --subdistrict CODE.") from exc
        password = options["password"]
        if password is None and role != Role.RESIDENT:
            password = getpass.getpass("Password: ")
        try:
            user = actions.create_user(
                actor=None,
                username=options["username"],
                role=role,
                full_name=options["full_name"],
                password=password or None,
                phone=options["phone"],
                subdistrict=subdistrict,
                neighborhood=neighborhood,
                compound=compound,
            )
        except Invalid as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()})."))
