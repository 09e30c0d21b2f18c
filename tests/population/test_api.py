"""The registry's REST API: scoped like the pages, masked unless revealed, audited, never 500 on bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from shequ.core.models import ApiToken, AuditEntry
from shequ.population import actions
from shequ.population.choices import LifeEventKind, PermitStatus, PersonStatus, ResidenceType
from shequ.population.models import LifeEvent, Person, ResidencePermit, Tag
from tests.conftest import PASSWORD, id_number

API = "/api/v1"


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def huashan_person(make_person: Any) -> Person:
    return make_person("张建国", birth=dt.date(1948, 5, 17), sex="M", phone="13900001111")


@pytest.fixture
def yuyuan_person(make_person: Any, org: Any) -> Person:
    return make_person("李梅", dwelling=org.yuyuan_dwellings[0], birth=dt.date(1960, 2, 2), phone="13700002222")


def _names(response: Any) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


# Reading ---------------------------------------------------------------------------------------------


def test_a_committee_worker_lists_only_the_people_of_her_neighborhood(alice, huashan_person, yuyuan_person):
    response = api(alice).get(f"{API}/people/")
    assert response.status_code == 200
    assert _names(response) == {"张建国"}


def test_the_list_is_masked_and_never_carries_plain_id_numbers_or_phones(alice, huashan_person):
    response = api(alice).get(f"{API}/people/")
    body = response.content.decode()
    assert huashan_person.id_number not in body and "13900001111" not in body
    row = response.json()["results"][0]
    assert row["id_number_masked"] == huashan_person.id_number_masked
    assert row["phone_masked"] == "139****1111"
    assert "id_number" not in row and "phone" not in row


def test_the_list_is_searched_by_pinyin_initials_and_filtered(alice, make_person, org):
    make_person("张建国", birth=dt.date(1948, 5, 17), sex="M")
    make_person("王小明", birth=dt.date(1990, 1, 1), sex="M", residence_type=ResidenceType.MIGRANT)
    client = api(alice)
    assert _names(client.get(f"{API}/people/", {"q": "zjg"})) == {"张建国"}
    assert _names(client.get(f"{API}/people/", {"residence_type": "migrant"})) == {"王小明"}
    assert _names(client.get(f"{API}/people/", {"neighborhood": org.yuyuan.pk})) == set()


def test_the_list_is_filtered_by_tag_and_status(alice, make_person, admin):
    tag = Tag.objects.get_or_create(code="alone", defaults={"name": "独居老人"})[0]
    person = make_person("张建国", birth=dt.date(1948, 5, 17), sex="M", tags=[tag])
    gone = make_person("王小明", birth=dt.date(1990, 1, 1), sex="M")
    actions.move_out(actor=admin, person=gone, moved_on=dt.date.today())
    client = api(alice)
    assert _names(client.get(f"{API}/people/", {"tag": "alone"})) == {person.name}
    assert _names(client.get(f"{API}/people/", {"status": "moved_out"})) == {"王小明"}


def test_paging_and_search_survive_absurd_values(alice, huashan_person):
    client = api(alice)
    for params in ({"limit": "9" * 30}, {"offset": "9" * 30}, {"limit": "-1"}, {"offset": "abc"},
                   {"q": "x" * 5000}, {"q": "a\x00b"}, {"q": "310105"}):
        assert client.get(f"{API}/people/", params).status_code == 200, params
    assert len(client.get(f"{API}/people/", {"limit": "9" * 30}).json()["results"]) == 1


def test_a_bad_filter_value_is_a_400(alice):
    client = api(alice)
    assert client.get(f"{API}/people/", {"status": "nonsense"}).status_code == 400
    assert client.get(f"{API}/people/", {"neighborhood": "abc"}).status_code == 400
    assert client.get(f"{API}/people/", {"neighborhood": "9" * 30}).status_code == 400


def test_a_person_outside_the_scope_is_a_404_like_a_missing_one(alice, yuyuan_person):
    client = api(alice)
    outside = client.get(f"{API}/people/{yuyuan_person.pk}/")
    missing = client.get(f"{API}/people/999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert client.get(f"{API}/people/{'9' * 40}/").status_code == 404


def test_a_committee_worker_reads_a_person_of_her_neighborhood(alice, huashan_person):
    response = api(alice).get(f"{API}/people/{huashan_person.pk}/")
    assert response.status_code == 200
    assert response.json()["name"] == "张建国"
    assert response.json()["id_number_masked"].startswith("310105")


def test_an_anonymous_visitor_gets_a_401_from_every_endpoint(huashan_person):
    client = api()
    for url in (f"{API}/people/", f"{API}/people/{huashan_person.pk}/", f"{API}/households/",
                f"{API}/residence-permits/", f"{API}/life-events/"):
        assert client.get(url).status_code == 401, url
    for url in (f"{API}/people/", f"{API}/people/{huashan_person.pk}/reveal/",
                f"{API}/people/{huashan_person.pk}/move-out/", f"{API}/residence-permits/apply/"):
        assert client.post(url, {}, format="json").status_code == 401, url
    assert client.patch(f"{API}/people/{huashan_person.pk}/", {"name": "x"}, format="json").status_code == 401


def test_a_resident_sees_herself_and_no_one_else(resident, resident_person, huashan_person):
    client = api(resident)
    assert _names(client.get(f"{API}/people/")) == {resident_person.name}
    assert client.get(f"{API}/people/{resident_person.pk}/").status_code == 200
    assert client.get(f"{API}/people/{huashan_person.pk}/").status_code == 404
    assert client.patch(f"{API}/people/{resident_person.pk}/", {"name": "改名"}, format="json").status_code == 404


def test_households_are_read_only_and_scoped(alice, huashan_person, yuyuan_person):
    client = api(alice)
    listed = client.get(f"{API}/households/").json()["results"]
    assert [h["id"] for h in listed] == [huashan_person.household_id]
    assert listed[0]["members"][0]["name"] == "张建国"
    assert client.get(f"{API}/households/{huashan_person.household_id}/").status_code == 200
    assert client.get(f"{API}/households/{yuyuan_person.household_id}/").status_code == 404
    assert client.post(f"{API}/households/", {}, format="json").status_code == 405
    assert client.delete(f"{API}/households/{huashan_person.household_id}/").status_code == 405


def test_life_events_are_read_only_and_scoped(alice, huashan_person, yuyuan_person):
    client = api(alice)
    listed = client.get(f"{API}/life-events/").json()["results"]
    assert {e["person"] for e in listed} == {huashan_person.pk}
    assert listed[0]["kind"] == LifeEventKind.REGISTERED
    outside = LifeEvent.objects.get(person=yuyuan_person)
    assert client.get(f"{API}/life-events/{outside.pk}/").status_code == 404
    assert client.post(f"{API}/life-events/", {}, format="json").status_code == 405


def test_a_role_without_registry_rights_gets_404_everywhere(make_staff, org, huashan_person):
    canteen = make_staff("canteen", username="canteen", neighborhood=org.huashan)
    client = api(canteen)
    for url in (f"{API}/people/", f"{API}/people/{huashan_person.pk}/", f"{API}/households/",
                f"{API}/residence-permits/", f"{API}/life-events/"):
        assert client.get(url).status_code == 404, url


# Writing ---------------------------------------------------------------------------------------------


def _new_person(org: Any, **extra: Any) -> dict[str, Any]:
    return {"name": "赵丽", "id_number": id_number(dt.date(1975, 7, 7), "F", 55), "phone": "13611112222",
            "residence_type": "registered", "dwelling": org.huashan_dwellings[2].pk, "new_household": True,
            "started_on": "2020-01-01", **extra}


def test_registering_through_the_api_round_trips_and_is_audited(alice, org):
    Tag.objects.get_or_create(code="alone", defaults={"name": "独居老人"})
    response = api(alice).post(f"{API}/people/", _new_person(org, tags=["alone"]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert (person.sex, person.birth_date, person.phone) == ("F", dt.date(1975, 7, 7), "13611112222")
    assert body["tags"] == ["alone"] and body["relationship"] == "head"
    assert person.id_number not in response.content.decode()
    entry = AuditEntry.objects.get(event=actions.PERSON_REGISTERED, object_id=str(person.pk))
    assert entry.actor == alice
    assert person.id_number not in str(entry.after)


def test_registering_at_an_address_outside_the_area_is_refused(alice, org):
    response = api(alice).post(f"{API}/people/", _new_person(org, dwelling=org.yuyuan_dwellings[0].pk),
                               format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "dwelling"
    assert not Person.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"birth_date": "1975-13-45", "id_number": ""}, "birth_date"),
    ({"started_on": "yesterday"}, "started_on"),
    ({"dwelling": 999999}, "dwelling"),
    ({"dwelling": "abc"}, "dwelling"),
    ({"dwelling": 10**30}, "dwelling"),
    ({"id_number": "310105197507079999"}, "id_number"),
    ({"id_number": "not a number"}, "id_number"),
    ({"name": ["a", "list"]}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 500}, "name"),
    ({"residence_type": "martian"}, "residence_type"),
    ({"sex": "X"}, "sex"),
    ({"tags": "alone"}, "tags"),
    ({"tags": ["no-such-tag"]}, "tags"),
    ({"household": 424242, "new_household": False}, "household"),
    ({"phone": "123"}, "phone"),
    ({"started_on": "1900-01-01"}, "started_on"),
    ({"name": "a\x00b"}, "name"),
    ({"new_household": "perhaps"}, "new_household"),
])
def test_bad_input_to_register_is_a_400_naming_the_field(alice, org, change, field):
    response = api(alice).post(f"{API}/people/", _new_person(org, **change), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] and body["field"] == field
    assert not Person.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(alice):
    client = api(alice)
    assert client.post(f"{API}/people/", [1, 2], format="json").status_code == 400
    assert client.post(f"{API}/people/", "garbage", content_type="application/json").status_code == 400


def test_registering_the_same_id_number_twice_is_a_409(alice, org):
    client = api(alice)
    assert client.post(f"{API}/people/", _new_person(org), format="json").status_code == 201
    again = client.post(f"{API}/people/", _new_person(org, dwelling=org.huashan_dwellings[3].pk), format="json")
    assert again.status_code == 409
    assert again.json()["field"] == "id_number"


def test_a_police_officer_cannot_register_or_edit(make_staff, org, huashan_person):
    police = make_staff("police", username="police", neighborhood=org.huashan)
    client = api(police)
    assert client.post(f"{API}/people/", _new_person(org), format="json").status_code == 404
    assert client.patch(f"{API}/people/{huashan_person.pk}/", {"name": "改"}, format="json").status_code == 404
    # Nor browse: the police office looks a person up with a stated reason (safety's look-up page), audited.
    assert client.get(f"{API}/people/{huashan_person.pk}/").status_code == 404


def test_correcting_a_person_round_trips_and_audits_before_and_after(alice, huashan_person):
    Tag.objects.get_or_create(code="veteran", defaults={"name": "退役军人"})
    response = api(alice).patch(f"{API}/people/{huashan_person.pk}/",
                                {"name": "张建军", "phone": "13800009999", "tags": ["veteran"],
                                 "reason": "户口本更正"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "张建军" and response.json()["tags"] == ["veteran"]
    assert response.json()["phone_masked"] == "138****9999"
    huashan_person.refresh_from_db()
    assert huashan_person.phone == "13800009999"
    entry = AuditEntry.objects.get(event=actions.PERSON_CHANGED, object_id=str(huashan_person.pk))
    assert entry.before["name"] == "张建国" and entry.after["name"] == "张建军"
    assert entry.reason == "户口本更正" and entry.actor == alice
    assert "13800009999" not in str(entry.after)
    tags_entry = AuditEntry.objects.get(event=actions.PERSON_TAGS_CHANGED, object_id=str(huashan_person.pk))
    assert tags_entry.after == {"tags": ["veteran"]}


def test_a_bad_correction_is_a_400_and_changes_nothing(alice, huashan_person):
    client = api(alice)
    for body in ({"birth_date": "31/02/1950"}, {"id_number": "123"}, {"name": ""}, {"sex": 5},
                 {"tags": ["nope"]}, {"dwelling": 3}):
        response = client.patch(f"{API}/people/{huashan_person.pk}/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    huashan_person.refresh_from_db()
    assert huashan_person.name == "张建国"
    assert not AuditEntry.objects.filter(event=actions.PERSON_CHANGED).exists()


def test_correcting_someone_outside_the_scope_is_a_404(alice, yuyuan_person):
    response = api(alice).patch(f"{API}/people/{yuyuan_person.pk}/", {"name": "改"}, format="json")
    assert response.status_code == 404
    yuyuan_person.refresh_from_db()
    assert yuyuan_person.name == "李梅"


def test_put_and_delete_are_not_offered(alice, huashan_person):
    client = api(alice)
    assert client.put(f"{API}/people/{huashan_person.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{API}/people/{huashan_person.pk}/").status_code == 405


# Reveal ---------------------------------------------------------------------------------------------


def test_revealing_an_id_number_returns_it_and_writes_an_audit_row(alice, huashan_person):
    response = api(alice).post(f"{API}/people/{huashan_person.pk}/reveal/",
                               {"field": "id_number", "reason": "办理居住证"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"value": huashan_person.id_number}
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(event=actions.PERSON_FIELD_REVEALED, object_id=str(huashan_person.pk))
    assert entry.actor == alice and entry.reason == "办理居住证" and entry.after == {"field": "id_number"}


def test_a_reveal_needs_a_reason_and_a_revealable_field(alice, huashan_person):
    client = api(alice)
    for body in ({"field": "phone"}, {"field": "phone", "reason": "   "}, {"field": "name", "reason": "x"}, {}):
        response = client.post(f"{API}/people/{huashan_person.pk}/reveal/", body, format="json")
        assert response.status_code == 400, body
    assert not AuditEntry.objects.filter(event=actions.PERSON_FIELD_REVEALED).exists()


def test_a_reveal_outside_the_scope_or_without_the_right_is_a_404(alice, yuyuan_person, make_staff, org,
                                                                    huashan_person):
    body = {"field": "phone", "reason": "x"}
    assert api(alice).post(f"{API}/people/{yuyuan_person.pk}/reveal/", body, format="json").status_code == 404
    health = make_staff("health", username="doctor", neighborhood=org.huashan)
    assert api(health).post(f"{API}/people/{huashan_person.pk}/reveal/", body, format="json").status_code == 404
    assert not AuditEntry.objects.filter(event=actions.PERSON_FIELD_REVEALED).exists()


# Moves ----------------------------------------------------------------------------------------------


def test_moving_within_the_subdistrict_through_the_api(admin, huashan_person, org):
    response = api(admin).post(f"{API}/people/{huashan_person.pk}/move/",
                               {"dwelling": org.yuyuan_dwellings[1].pk, "new_household": True, "reason": "搬家"},
                               format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["dwelling"] == org.yuyuan_dwellings[1].pk
    assert response.json()["neighborhood"] == org.yuyuan.pk
    assert AuditEntry.objects.filter(event=actions.PERSON_MOVED, object_id=str(huashan_person.pk)).exists()


def test_a_move_to_an_address_outside_the_area_or_a_bad_date_is_a_400(alice, huashan_person, org):
    client = api(alice)
    url = f"{API}/people/{huashan_person.pk}/move/"
    assert client.post(url, {"dwelling": org.yuyuan_dwellings[1].pk}, format="json").status_code == 400
    assert client.post(url, {"dwelling": org.huashan_dwellings[1].pk, "moved_on": "soon"},
                       format="json").status_code == 400
    assert client.post(url, {"dwelling": org.huashan_dwellings[0].pk}, format="json").status_code == 400
    assert not AuditEntry.objects.filter(event=actions.PERSON_MOVED).exists()


def test_moving_out_and_death_through_the_api(alice, huashan_person, make_person):
    client = api(alice)
    response = client.post(f"{API}/people/{huashan_person.pk}/move-out/",
                           {"destination": "浦东新区", "reason": "购房"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == PersonStatus.MOVED_OUT and response.json()["dwelling"] is None
    assert AuditEntry.objects.filter(event=actions.PERSON_MOVED_OUT, object_id=str(huashan_person.pk)).exists()
    again = client.post(f"{API}/people/{huashan_person.pk}/move-out/", {}, format="json")
    assert again.status_code == 409
    other = make_person("钱老太", birth=dt.date(1930, 1, 1))
    assert client.post(f"{API}/people/{other.pk}/death/", {}, format="json").status_code == 400
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert client.post(f"{API}/people/{other.pk}/death/", {"died_on": future}, format="json").status_code == 400
    died = client.post(f"{API}/people/{other.pk}/death/", {"died_on": dt.date.today().isoformat()}, format="json")
    assert died.status_code == 200 and died.json()["status"] == PersonStatus.DECEASED
    assert AuditEntry.objects.filter(event=actions.PERSON_DIED, object_id=str(other.pk)).exists()


def test_moves_outside_the_scope_are_404(alice, yuyuan_person, org):
    client = api(alice)
    for path, body in (("move", {"dwelling": org.huashan_dwellings[1].pk}), ("move-out", {}),
                       ("death", {"died_on": "2020-01-01"})):
        assert client.post(f"{API}/people/{yuyuan_person.pk}/{path}/", body, format="json").status_code == 404


# Residence permits ----------------------------------------------------------------------------------


def test_a_permit_is_applied_for_issued_and_renewed_through_the_api(alice, make_person):
    migrant = make_person("刘强", birth=dt.date(1992, 4, 4), sex="M", residence_type=ResidenceType.MIGRANT)
    client = api(alice)
    applied = client.post(f"{API}/residence-permits/apply/", {"person": migrant.pk}, format="json")
    assert applied.status_code == 201, applied.json()
    permit_id = applied.json()["id"]
    assert AuditEntry.objects.filter(event=actions.PERMIT_APPLIED, object_id=str(permit_id)).exists()
    issued = client.post(f"{API}/residence-permits/{permit_id}/issue/", {"number": "沪A-0001"}, format="json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["status"] == PermitStatus.ISSUED and issued.json()["expires_on"]
    assert AuditEntry.objects.filter(event=actions.PERMIT_ISSUED, object_id=str(permit_id)).exists()
    renewed = client.post(f"{API}/residence-permits/{permit_id}/renew/", {}, format="json")
    assert renewed.status_code == 201
    assert renewed.json()["renewal_of"] == permit_id
    assert AuditEntry.objects.filter(event=actions.PERMIT_RENEWED, object_id=str(permit_id)).exists()
    listed = client.get(f"{API}/residence-permits/", {"person": migrant.pk}).json()["results"]
    assert len(listed) == 2
    assert client.get(f"{API}/residence-permits/{permit_id}/").status_code == 200


def test_permit_mistakes_are_4xx(alice, make_person, huashan_person, yuyuan_person):
    client = api(alice)
    assert client.post(f"{API}/residence-permits/apply/", {"person": huashan_person.pk},
                       format="json").status_code == 400  # not a migrant
    assert client.post(f"{API}/residence-permits/apply/", {"person": yuyuan_person.pk},
                       format="json").status_code == 400  # not hers
    assert client.post(f"{API}/residence-permits/apply/", {"person": "x"}, format="json").status_code == 400
    migrant = make_person("刘强", birth=dt.date(1992, 4, 4), sex="M", residence_type=ResidenceType.MIGRANT)
    permit_id = client.post(f"{API}/residence-permits/apply/", {"person": migrant.pk}, format="json").json()["id"]
    assert client.post(f"{API}/residence-permits/apply/", {"person": migrant.pk},
                       format="json").status_code == 409
    assert client.post(f"{API}/residence-permits/{permit_id}/issue/", {"number": ""},
                       format="json").status_code == 400
    assert client.post(f"{API}/residence-permits/{permit_id}/issue/", {"number": "A", "issued_on": "2020-02-30"},
                       format="json").status_code == 400
    assert client.post(f"{API}/residence-permits/{permit_id}/renew/", {}, format="json").status_code == 409


def test_permits_outside_the_scope_are_404(alice, bob, make_person, org):
    migrant = make_person("刘强", birth=dt.date(1992, 4, 4), sex="M", residence_type=ResidenceType.MIGRANT,
                          dwelling=org.yuyuan_dwellings[0])
    permit = actions.apply_permit(actor=bob, person=migrant)
    client = api(alice)
    assert client.get(f"{API}/residence-permits/").json()["results"] == []
    assert client.get(f"{API}/residence-permits/{permit.pk}/").status_code == 404
    assert client.post(f"{API}/residence-permits/{permit.pk}/issue/", {"number": "A1"},
                       format="json").status_code == 404
    permit.refresh_from_db()
    assert permit.status == PermitStatus.APPLIED
    assert ResidencePermit.objects.count() == 1


# Token auth and the schema --------------------------------------------------------------------------


def test_a_machine_gets_a_token_and_reads_with_it(alice, huashan_person):
    client = APIClient()
    response = client.post(f"{API}/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=alice).digest == hashlib.sha256(token.encode()).hexdigest()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert _names(client.get(f"{API}/people/")) == {"张建国"}
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(f"{API}/people/").status_code == 401


def test_the_openapi_schema_is_served_and_lists_the_registry(db):
    response = APIClient().get(f"{API}/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/people/", "/api/v1/people/{id}/reveal/", "/api/v1/households/",
                 "/api/v1/residence-permits/", "/api/v1/life-events/"):
        assert path in text, path


def test_the_api_docs_load_only_from_the_platform_itself(db):
    response = APIClient().get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", html), "the docs page must not load from a CDN"
    assert not re.findall(r"https?://(?!localhost|testserver)[^\s\"'<>]+\.(?:js|css)", html)
