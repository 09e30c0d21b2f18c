"""The demo's logins, read from the database, and the box that ``shequ demo`` and ``shequ serve`` print.

The logins are read back rather than remembered from the build, so that ``shequ serve`` on a demo built earlier
(``make serve``) prints them too: the staff accounts that still share the demo password, and the first resident
accounts with their phone numbers (the demo's people are made up).
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from shequ.core.models import AuditEntry, User
from shequ.core.roles import Role
from shequ.demo._base import Login
from shequ.demo.builder import DEMO_BUILT, DEMO_PASSWORD
from shequ.demo.sms import CONSOLE_MARK

RESIDENTS_SHOWN = 3
RULE_WIDTH = 78


def is_built() -> bool:
    """Whether this database holds a demo (built by ``shequ demo``); False for one not yet migrated."""
    try:
        return AuditEntry.objects.filter(event=DEMO_BUILT).exists()
    except DatabaseError:
        return False


def _scope(user: User) -> str:
    unit = user.compound or user.neighborhood or user.subdistrict
    return unit.name if unit is not None else ""


def current_logins() -> list[Login]:
    """Staff who still sign in with the demo password, then the first resident accounts (with their phones)."""
    from shequ.population.models import Person

    staff = User.objects.filter(is_active=True).exclude(role=Role.RESIDENT)
    # The builder gives every staff account the same password hash; accounts whose password was changed since
    # no longer share it and are left out.
    shared = staff.values("password").annotate(accounts=Count("pk")).order_by("-accounts").first()
    logins: list[Login] = []
    if shared is not None:
        sample = staff.filter(password=shared["password"]).first()
        if sample is not None and sample.check_password(DEMO_PASSWORD):
            for user in (staff.filter(password=shared["password"]).order_by("pk")
                         .select_related("subdistrict", "neighborhood", "compound")):
                logins.append(Login(username=user.username, password=DEMO_PASSWORD, role=user.get_role_display(),
                                    scope=_scope(user)))
    people = (Person.objects.filter(user__is_active=True, user__role=Role.RESIDENT).exclude(phone_index="")
              .select_related("user", "neighborhood").order_by("user_id")[:RESIDENTS_SHOWN])
    for person in people:
        assert person.user is not None
        logins.append(Login(username=person.user.username, password="", role=str(Role.RESIDENT.label),
                            scope=f"{person.name}, {person.neighborhood.name}", phone=person.phone))
    return logins


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(display_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    return ["   " + "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def what_to_try(base_url: str) -> list[str]:
    """Lines naming what to look at in the demo: the quiet elder, her address and who signs in to see her."""
    from django.urls import reverse

    from shequ.eldercare.demo import quiet_elder
    from shequ.eldercare.models import CareRecipient

    try:
        person = quiet_elder()
    except DatabaseError:
        return []
    if person is None:
        return []
    base = base_url.rstrip("/")
    recipient = CareRecipient.objects.filter(person=person).select_related("worker").first()
    worker = recipient.worker.username if recipient is not None and recipient.worker is not None else "admin"
    url = f"{base}{reverse('eldercare:elder_detail', args=[recipient.pk])}" if recipient else f"{base}/eldercare/"
    with translation.override(settings.LANGUAGE_CODE):
        return [_("%(name)s (%(address)s) lives alone, and her home sensors have seen no one since yesterday: no "
                  "water, door or movement.") % {"name": person.name, "address": person.dwelling or ""},
                _("Sign in as %(worker)s to see her on the care roll: %(url)s") % {"worker": worker, "url": url},
                _("Her alert climbs the ladder on the care desk (a text to her, her family, the worker, a door "
                  "visit): %(url)s") % {"url": f"{base}{reverse('eldercare:desk')}"},
                _("`shequ simulate-devices` keeps the other elders' homes alive and her flat quiet.")]


def logins_box(logins: list[Login], base_url: str, tips: list[str] | None = None) -> str:
    """The logins as a framed block of text, in the site's language, ending with where residents read codes and
    what to try (``tips``)."""
    base = base_url.rstrip("/")
    staff = [login for login in logins if not login.phone]
    residents = [login for login in logins if login.phone]
    with translation.override(settings.LANGUAGE_CODE):
        lines = ["=" * RULE_WIDTH, " " + _("The demo sub-district is ready: %(url)s") % {"url": f"{base}/"}]
        if staff:
            lines += ["", " " + _("Staff sign in at %(url)s, every one with the password %(password)s") % {
                "url": f"{base}/login/", "password": DEMO_PASSWORD}]
            lines += _table([(login.username, login.role, login.scope) for login in staff])
        if residents:
            lines += ["", " " + _("Residents sign in at %(url)s with a phone number and the code texted to it") % {
                "url": f"{base}/login/resident/"}]
            lines += _table([(login.phone, login.username, login.scope) for login in residents])
        console_note = _("(the server console also shows each text, on a line starting with %(mark)s)")
        lines += ["", " " + _("Residents' codes: %(url)s") % {"url": f"{base}/demo/texts/"},
                  " " + console_note % {"mark": CONSOLE_MARK}]
        if tips:
            lines += ["", " " + _("To try:")] + ["   " + tip for tip in tips]
        lines.append("=" * RULE_WIDTH)
    return "\n".join(lines)
