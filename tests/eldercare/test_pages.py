"""The care roll's pages and API as a committee worker, an administrator, a volunteer and a health worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from shequ.core.models import AuditEntry, User
from shequ.core.registry import Period, registry
from shequ.eldercare.actions import roll as actions
from shequ.eldercare.models import AwayPeriod, CareRecipient, Consent, EmergencyContact
from shequ.volunteers.models import Volunteer


def test_roll_page_scoped_and_filtered(client, alice: User, bob: User, on_roll: dict[str, CareRecipient]) -> None:
    client.force_login(alice)
    page = client.get("/eldercare/").content.decode()
    assert "王秀英" in page and "陈阿婆" not in page
    assert client.get(f"/eldercare/elders/{on_roll['huashan'].pk}/").status_code == 200
    assert client.get("/eldercare/", {"reason": "aged_80"}).context["page"].paginator.count == 0
    assert client.get("/eldercare/", {"reason": "living_alone"}).context["page"].paginator.count == 1
    assert client.get("/eldercare/", {"grade": "9"}).status_code == 200
    client.force_login(bob)
    assert client.get(f"/eldercare/elders/{on_roll['huashan'].pk}/").status_code == 404
    assert client.post(f"/eldercare/elders/{on_roll['huashan'].pk}/away/add/",
                       {"starts_on": "2026-01-01", "reason": "family"}).status_code == 404


def test_forms_consent_contacts_reveal_assessment_away(client, alice: User,
                                                       on_roll: dict[str, CareRecipient]) -> None:
    recipient = on_roll["huashan"]
    client.force_login(alice)
    base = f"/eldercare/elders/{recipient.pk}/"
    today = timezone.localdate().isoformat()
    assert client.post(base + "consent/", {"sensors": ["water_meter", "smoke_alarm"], "tell_family": "on",
                                           "form": "paper", "given_on": today}).status_code == 302
    assert Consent.objects.in_force().get(recipient=recipient).sensors == ["smoke_alarm", "water_meter"]
    assert client.post(base + "contacts/add/", {"name": "王小明", "relationship": "child", "phone": "13812345678",
                                                "order": "1", "may_be_told": "on"}).status_code == 302
    contact = EmergencyContact.objects.get(recipient=recipient)
    page = client.get(base).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    # A bad phone is a message on the form, not an error page.
    response = client.post(base + "contacts/add/", {"name": "x", "relationship": "child", "phone": "12",
                                                    "order": "1"})
    assert response.status_code == 200 and response.context["form"].errors
    client.post(f"/eldercare/contacts/{contact.pk}/reveal/", {"reason": "联系家属"})
    page = client.get(base).content.decode()
    assert "13812345678" in page
    assert AuditEntry.objects.filter(event=actions.CONTACT_PHONE_REVEALED, actor=alice).count() == 1
    assert "13812345678" not in client.get(base).content.decode()  # shown once
    # Editing without a phone keeps it.
    client.post(f"/eldercare/contacts/{contact.pk}/edit/", {"name": "王小明", "relationship": "child", "phone": "",
                                                            "order": "2"})
    contact.refresh_from_db()
    assert contact.phone == "13812345678" and contact.order == 2 and not contact.may_be_told
    too_late = (timezone.localdate() + dt.timedelta(days=800)).isoformat()
    response = client.post(base + "assessments/add/", {"grade": "4", "assessed_on": today, "valid_until": too_late})
    assert response.status_code == 200 and "valid_until" in response.context["form"].errors
    client.post(base + "assessments/add/", {"grade": "4", "assessed_on": today})
    assert "5 home-care visits a week" in client.get(base).content.decode() or \
        "每周" in client.get(base).content.decode()
    client.post(base + "away/add/", {"starts_on": today, "reason": "hospital"})
    period = AwayPeriod.objects.get(recipient=recipient)
    assert client.get("/eldercare/", {"away_now": "on"}).context["page"].paginator.count == 1
    client.post(f"/eldercare/away/{period.pk}/back/")
    assert client.get("/eldercare/", {"away_now": "on"}).context["page"].paginator.count == 0
    client.post(base + "remove/", {"reason": "入住养老院"})
    recipient.refresh_from_db()
    assert not recipient.on_roll


def test_hand_add_and_refresh(client, alice: User, make_person: Callable, on_roll) -> None:
    person = make_person("赵阿姨", birth=dt.date(1958, 1, 1))
    client.force_login(alice)
    response = client.post(f"/eldercare/add/{person.pk}/", {"reasons": ["disability"], "note": "残联确认"})
    assert response.status_code == 302
    assert CareRecipient.objects.get(person=person).reasons == {"disability": "hand"}
    assert client.post("/eldercare/refresh/").status_code == 302
    assert CareRecipient.objects.get(person=person).on_roll


def test_volunteer_page_and_no_staff_pages(client, alice: User, volunteer_user: User, volunteer: Volunteer,
                                           on_roll: dict[str, CareRecipient]) -> None:
    actions.pair(actor=alice, recipient=on_roll["huashan"], worker=alice, volunteer=volunteer)
    actions.add_contact(actor=alice, recipient=on_roll["huashan"], name="王小明", relationship="child",
                        phone="13812345678")
    actions.record_assessment(actor=alice, recipient=on_roll["huashan"], grade=5,
                              assessed_on=timezone.localdate())
    client.force_login(volunteer_user)
    page = client.get("/eldercare/my-pairs/").content.decode()
    assert "王秀英" in page and "陈阿婆" not in page and "5678" not in page
    assert client.get("/eldercare/").status_code == 404
    assert client.get(f"/eldercare/elders/{on_roll['huashan'].pk}/").status_code == 404
    body = client.get("/api/v1/eldercare/elders/").json()
    assert (body["results"] if isinstance(body, dict) else body) == []


def test_health_worker_sees_nothing(client, make_staff, on_roll) -> None:
    client.force_login(make_staff("health"))
    assert client.get("/eldercare/").status_code == 404
    assert client.get("/api/v1/eldercare/elders/").status_code == 404


def test_api_scoped_and_masked(client, alice: User, bob: User, on_roll: dict[str, CareRecipient]) -> None:
    actions.add_contact(actor=alice, recipient=on_roll["huashan"], name="王小明", relationship="child",
                        phone="13812345678")
    actions.record_assessment(actor=alice, recipient=on_roll["huashan"], grade=2, assessed_on=timezone.localdate())
    client.force_login(alice)
    body = client.get("/api/v1/eldercare/elders/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["name"] for row in rows] == ["王秀英"]
    assert rows[0]["visits_per_week"] == 3 and rows[0]["reasons"] == ["living_alone"]
    assert rows[0]["contacts"][0]["phone_masked"] == "138****5678"
    assert "13812345678" not in str(body)
    client.force_login(bob)
    assert client.get(f"/api/v1/eldercare/elders/{on_roll['huashan'].pk}/").status_code == 404


def test_surfaces(alice: User, on_roll: dict[str, CareRecipient]) -> None:
    today = timezone.localdate()
    actions.set_away(actor=alice, recipient=on_roll["huashan"], starts_on=today, until=None, reason="family")
    assert registry.counts["eldercare.away_now"].count(alice) == 1
    assert registry.counts["eldercare.reassessments_due"].count(alice) == 0
    figure = registry.figures["eldercare.on_roll"]
    assert figure.value(alice, Period(today, today + dt.timedelta(days=1))) == 1
    assert figure.value(alice, Period(today - dt.timedelta(days=7), today)) is None


def test_find_a_resident_to_add(client, alice: User, bob: User, make_person: Callable, org, on_roll) -> None:
    make_person("赵阿姨", birth=dt.date(1958, 1, 1))
    make_person("赵阿婆", birth=dt.date(1950, 1, 1), dwelling=org.yuyuan_dwellings[1])
    client.force_login(alice)
    page = client.get("/eldercare/add/", {"q": "赵"}).content.decode()
    assert "赵阿姨" in page and "赵阿婆" not in page
    assert "王秀英" in client.get("/eldercare/add/", {"q": "王秀英"}).content.decode()
    assert client.get("/eldercare/add/").status_code == 200
