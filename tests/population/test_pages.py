"""Staff pages of the registry, as a clerk uses them."""

import datetime as dt
import re

from shequ.core.models import AuditEntry
from shequ.population.models import Person
from tests.conftest import id_number


def test_a_committee_worker_registers_a_resident_through_the_form(client, alice, org):
    client.force_login(alice)
    number = id_number(dt.date(1941, 9, 9), "F", 55)
    response = client.post("/population/people/new/", {
        "name": "陈美玲", "id_type": "resident_id", "id_number": number, "phone": "13600001234",
        "residence_type": "registered", "compound": org.huashan_compound.pk, "building": "2号", "room": "201",
        "new_household": "on", "tags": [], "arrival": "move_in",
    })
    person = Person.objects.get(name="陈美玲")
    assert response.status_code == 302 and response["Location"] == f"/population/people/{person.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert person.id_number_masked in page and number not in page
    assert "136****1234" in page and "13600001234" not in page
    assert person.life_events.get().kind == "move_in"


def test_a_bad_id_number_is_shown_next_to_the_field_and_nothing_is_saved(client, alice, org):
    client.force_login(alice)
    response = client.post("/population/people/new/", {
        "name": "陈美玲", "id_type": "resident_id", "id_number": "310105194109090551",
        "residence_type": "registered", "compound": org.huashan_compound.pk, "building": "2号", "room": "201",
        "arrival": "move_in",
    })
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Person.objects.exists()


def test_an_unknown_room_is_refused_with_a_message(client, alice, org):
    client.force_login(alice)
    response = client.post("/population/people/new/", {
        "name": "陈美玲", "id_type": "resident_id", "id_number": id_number(dt.date(1941, 9, 9)),
        "residence_type": "registered", "compound": org.huashan_compound.pk, "building": "9号", "room": "999",
        "arrival": "move_in",
    })
    assert response.status_code == 200 and not Person.objects.exists()


def test_a_compound_of_another_neighborhood_cannot_be_chosen(client, alice, org):
    client.force_login(alice)
    response = client.post("/population/people/new/", {
        "name": "陈美玲", "id_type": "resident_id", "id_number": id_number(dt.date(1941, 9, 9)),
        "residence_type": "registered", "compound": org.yuyuan_compound.pk, "building": "1号", "room": "101",
        "arrival": "move_in",
    })
    assert response.status_code == 200 and not Person.objects.exists()


def test_revealing_on_the_page_shows_the_number_once_and_audits_the_reason(client, alice, make_person):
    person = make_person()
    client.force_login(alice)
    response = client.post(f"/population/people/{person.pk}/reveal/", {"field": "id_number", "reason": "核对身份"})
    assert response.status_code == 302
    assert person.id_number in client.get(f"/population/people/{person.pk}/").content.decode()
    assert person.id_number not in client.get(f"/population/people/{person.pk}/").content.decode()
    assert AuditEntry.objects.filter(event="population.person_field_revealed", reason="核对身份").count() == 1


def test_the_search_page_finds_by_initials_and_exports_masked_excel(client, alice, make_person):
    person = make_person()
    client.force_login(alice)
    page = client.get("/population/people/", {"q": "wxy"}).content.decode()
    assert "王秀英" in page
    export = client.get("/population/people/", {"q": "wxy", "format": "xlsx"})
    assert export.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = [cell.value for cell in sheet[2]]
    assert "王秀英" in values and person.id_number_masked in values and person.id_number not in values


def test_moving_a_resident_through_the_form(client, admin, make_person, org):
    person = make_person(started_on=dt.date(2010, 1, 1))
    client.force_login(admin)
    response = client.post(f"/population/people/{person.pk}/move/", {
        "compound": org.yuyuan_compound.pk, "building": "2号", "room": "202", "moved_on": "2026-06-01",
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.dwelling == org.yuyuan_dwellings[-1]


def test_a_resident_sees_her_own_registration_but_not_a_neighbours(client, resident, resident_person, make_person):
    neighbour = make_person("邻居乙")
    client.force_login(resident)
    assert client.get(f"/population/people/{resident_person.pk}/").status_code == 200
    assert client.get(f"/population/people/{neighbour.pk}/").status_code == 404
    assert client.get(f"/population/people/{resident_person.pk}/edit/").status_code == 404


def test_pages_have_a_large_text_mode_that_is_remembered(client, alice):
    client.force_login(alice)
    client.post("/preferences/large-text/", {"next": "/desk/"})
    assert re.search(r'<html [^>]*class="large-text elder"', client.get("/desk/").content.decode())
