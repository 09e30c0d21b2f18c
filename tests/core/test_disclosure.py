"""No role rebuilds a person's ID number from what the platform shows or exports to it.

For one resident, each role collects everything it receives on every surface (pages, API, Excel export, FHIR,
the audit log, an error message); an attacker who also knows her district (the division code), her sex and her
year of birth then enumerates the valid GB 11643 numbers that agree with all of it. At least 100 must remain.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from shequ.core import idnumbers
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.health import actions as health_actions
from shequ.health.choices import ConditionCode
from shequ.population.models import Person
from tests.health.conftest import centre, contract, doctor  # noqa: F401  (personas shared with the health tests)

ENOUGH = 100


def _text_of(response) -> str:
    if response.status_code != 200:
        return response.content.decode(errors="replace") if response.content else ""
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in workbook for row in sheet.iter_rows(values_only=True))
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _date_spellings(day: dt.date) -> list[str]:
    return [day.isoformat(), f"{day:%Y%m%d}", f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日",
            f"{day:%Y.%m.%d}", f"{day.year}-{day.month}-{day.day}"]


def candidates(seen: str, person: Person, stop_at: int | None = None) -> int:
    """Valid ID numbers consistent with ``seen`` for someone who knows the division, sex and year of birth."""
    real = person.id_number
    # Every 18-character run of digits, X and mask stars that agrees with the real number is a constraint.
    shown = [m for m in re.findall(r"[0-9X*]{18}", seen) if all(c in ("*", r) for c, r in zip(m, real, strict=True))]
    if any(spelling in seen for spelling in _date_spellings(person.birth_date)):
        days = [person.birth_date]
    else:
        first = dt.date(person.birth_date.year, 1, 1)
        days = [first + dt.timedelta(n) for n in range(366) if (first + dt.timedelta(n)).year == first.year]
    parity = 1 if person.sex == "M" else 0
    found = 0
    for day in days:
        for sequence in range(parity, 1000, 2):
            first17 = f"{real[:6]}{day:%Y%m%d}{sequence:03d}"
            number = first17 + idnumbers.check_character(first17)
            if all(all(c in ("*", n) for c, n in zip(pattern, number, strict=True)) for pattern in shown):
                found += 1
                if stop_at is not None and found >= stop_at:
                    return found
    return found


@pytest.fixture
def wang(resident_person, centre, contract):  # noqa: F811
    health_actions.register_condition(actor=centre, person=resident_person, code=ConditionCode.SEVERE_MENTAL_DISORDER,
                                      diagnosed_on=dt.date(2020, 5, 1))
    return resident_person


def _surfaces(user, person: Person) -> str:
    """Everything ``user`` receives about ``person`` on each surface, as text."""
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    received = [
        page.get("/population/people/", {"q": person.name}),
        page.get(f"/population/people/{person.pk}/"),
        page.get("/population/people/", {"q": person.name, "format": "xlsx", "reason": "走访名单"}),
        page.get("/health/people/", {"q": person.name}),
        page.get(f"/health/people/{person.pk}/"),
        page.get("/health/me/"),
        api.get("/api/v1/people/", {"q": person.name}),
        api.get(f"/api/v1/people/{person.pk}/"),
        api.get(f"/fhir/R4/Patient/{person.pk}"),
        api.get("/fhir/R4/Patient", {"name": person.name}),
        page.get("/audit/"),
        page.get("/audit/", {"format": "xlsx"}),
        api.get("/api/v1/audit-entries/", {"limit": 500}),
        # An error message that concerns her number: registering it a second time.
        api.post("/api/v1/people/", {"name": "冒名", "id_number": person.id_number, "residence_type": "registered",
                                     "dwelling": person.dwelling_id, "new_household": True}, format="json"),
        # The police office's look-ups, with a reason (other roles are refused).
        page.post("/safety/police/lookup/", {"query": person.name, "reason": "核查来访人员"}),
        page.post(f"/safety/police/lookup/{person.pk}/", {"reason": "核查来访人员"}),
    ]
    return "\n".join(_text_of(response) for response in received)


ROLES = ["committee", "clerk", "police", "centre", "doctor", "admin", "auditor", "resident"]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_narrow_an_id_number_to_fewer_than_100_candidates(role, request, wang, make_staff, org, alice,
                                                                      admin, centre, doctor):  # noqa: F811
    user = {
        "committee": alice, "admin": admin, "centre": centre, "doctor": doctor,
        "clerk": make_staff(Role.CLERK, "clerk"), "police": make_staff(Role.POLICE, "police"),
        "auditor": make_staff(Role.AUDITOR, "auditor"), "resident": request.getfixturevalue("resident"),
    }[role]
    seen = _surfaces(user, wang)
    assert wang.id_number not in seen
    if role in ("committee", "clerk", "police", "admin"):
        assert wang.id_number_masked in seen, "the test must see the mask it reasons about"
    assert candidates(seen, wang, stop_at=ENOUGH) >= ENOUGH


def test_the_old_mask_beside_the_birth_date_would_have_given_the_number_away(wang):
    # What the platform showed before the display policy: digits 7-14 hidden, the birth date beside them.
    old_mask = wang.id_number[:6] + "*" * 8 + wang.id_number[-4:]
    assert candidates(f"{old_mask} {wang.birth_date.isoformat()}", wang) == 1
    # The division code alone, even beside the exact birth date, leaves every sequence of her sex.
    assert candidates(f"{wang.id_number_masked} {wang.birth_date.isoformat()}", wang) == 500
    # Beside the year of birth only, a whole year of dates.
    assert candidates(f"{wang.id_number_masked} {wang.birth_date.year}", wang, stop_at=ENOUGH) == ENOUGH


def test_the_resident_sees_her_own_date_of_birth_and_staff_only_the_year(client, resident, alice, wang):
    client.force_login(resident)
    assert wang.birth_date.isoformat() in client.get(f"/population/people/{wang.pk}/").content.decode()
    client.force_login(alice)
    page = client.get(f"/population/people/{wang.pk}/").content.decode()
    assert wang.birth_date.isoformat() not in page and str(wang.birth_date.year) in page


def test_a_committee_worker_reveals_the_date_of_birth_for_a_reason_and_the_reveal_is_audited(client, alice, wang):
    client.force_login(alice)
    client.post(f"/population/people/{wang.pk}/reveal/", {"field": "birth_date", "reason": "高龄补贴核对"})
    assert wang.birth_date.isoformat() in client.get(f"/population/people/{wang.pk}/").content.decode()
    entry = AuditEntry.objects.filter(event="population.person_field_revealed").latest("id")
    assert entry.actor == alice and entry.after == {"field": "birth_date"} and entry.reason == "高龄补贴核对"


def test_every_export_of_residents_is_audited_with_who_what_how_many_and_why(client, alice, make_person):
    make_person("王秀英")
    make_person("李建国", sex="M")
    client.force_login(alice)
    response = client.get("/population/people/", {"format": "xlsx", "reason": "走访名单", "status": "active"})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(event="core.personal_data_exported")
    assert entry.actor == alice and entry.reason == "走访名单"
    assert entry.after["what"] == "population.person" and entry.after["rows"] == 2
