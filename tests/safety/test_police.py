"""The community police office: its beat, the live board's JSON, patrols, and registry look-ups with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.errors import Conflict, Forbidden, Invalid, NotFound
from shequ.core.models import AuditEntry
from shequ.core.roles import Role
from shequ.population.models import Tag
from shequ.safety.actions import patrols
from shequ.safety.actions import police as lookups
from shequ.safety.choices import Availability, IncidentStatus, Severity
from shequ.safety.models import Device, Incident, PatrolLog
from shequ.safety.queries import police as queries

_numbers = iter(range(1, 1000))


def incident(org: Any, device: Device, *, title: str = "1号楼1单元门被强行打开", severity: int = Severity.ALERT,
             status: str = IncidentStatus.OPEN) -> Incident:
    now = timezone.now()
    return Incident.objects.create(
        number=f"SJ{next(_numbers):06d}", subdistrict=org.subdistrict, neighborhood=device.neighborhood,
        compound=device.compound, building=device.building, device=device, group_key=f"device:{device.pk}:forced",
        title=title, severity=severity, status=status, opened_at=now, last_alarm_at=now, alarm_count=1)


@pytest.fixture
def yuyuan_police(make_staff: Any, org: Any) -> Any:
    return make_staff(Role.POLICE, "police-yy", neighborhood=org.yuyuan)


def test_the_board_shows_only_the_beat(org, police, door, yuyuan_door):
    mine = incident(org, door)
    incident(org, yuyuan_door, title="愚园新村门被强行打开")
    incident(org, door, title="已处理", status=IncidentStatus.CLOSED)
    Device.objects.filter(pk__in=[door.pk, yuyuan_door.pk]).update(availability=Availability.OFFLINE)
    state = queries.board_state(police)
    assert [i["id"] for i in state["incidents"]] == [mine.pk]
    assert [d["id"] for d in state["devices_offline"]] == [door.pk]


def test_the_changes_endpoint_lists_an_incident_created_after_since(client, org, police, door, yuyuan_door):
    client.force_login(police)
    first = client.get(reverse("safety:police_changes")).json()
    assert first["incidents"] == [] and first["changed"] == []
    made = incident(org, door)
    incident(org, yuyuan_door)  # another beat's: never in hers
    later = client.get(reverse("safety:police_changes") + "?since=" + quote(first["now"])).json()
    assert later["changed"] == [made.pk]
    assert [i["number"] for i in later["incidents"]] == [made.number]
    again = client.get(reverse("safety:police_changes") + "?since=" + quote(later["now"])).json()
    assert again["changed"] == [] and again["incidents_total"] == 1


def test_a_bad_since_is_a_400_with_a_message(client, police):
    client.force_login(police)
    response = client.get(reverse("safety:police_changes") + "?since=yesterday")
    assert response.status_code == 400 and response.json()["field"] == "since"


def test_the_board_is_for_the_police_office_not_for_residents_or_visitors(client, police, alice, resident):
    url = reverse("safety:police_board")
    assert client.get(url).status_code == 302
    for user, expected in ((police, 200), (alice, 404), (resident, 404)):
        client.force_login(user)
        assert client.get(url).status_code == expected, user
        assert client.get(reverse("safety:police_changes")).status_code == expected, user


def test_a_patrol_is_started_noted_and_finished_by_its_officer(org, police, make_staff):
    patrol = patrols.start_patrol(actor=police, compound=org.huashan_compound, route="东门—1号楼—2号楼")
    with pytest.raises(Conflict):
        patrols.start_patrol(actor=police)
    patrols.add_note(actor=police, patrol=patrol, note="2号楼单元门被撑开")
    other = make_staff(Role.POLICE, "police-2", neighborhood=org.huashan)
    with pytest.raises(Forbidden):
        patrols.add_note(actor=other, patrol=patrol, note="x")
    patrols.finish_patrol(actor=police, patrol=patrol, findings="已通知物业")
    patrol.refresh_from_db()
    assert patrol.ended_at is not None and "2号楼单元门被撑开" in patrol.findings and "已通知物业" in patrol.findings
    entries = AuditEntry.objects.filter(object_type="safety.patrollog", object_id=str(patrol.pk)).order_by("pk")
    assert [e.event for e in entries] == [patrols.PATROL_STARTED, patrols.PATROL_NOTED, patrols.PATROL_FINISHED]
    with pytest.raises(Conflict):
        patrols.add_note(actor=police, patrol=patrol, note="晚了")
    assert [p["id"] for p in queries.board_state(police)["patrols"]] == [patrol.pk]


def test_a_patrol_stays_on_the_beat(org, police, yuyuan_police, alice):
    with pytest.raises(Invalid):
        patrols.start_patrol(actor=police, compound=org.yuyuan_compound)
    with pytest.raises(NotFound):
        patrols.start_patrol(actor=alice)  # committee workers keep no patrol log
    patrol = patrols.start_patrol(actor=police)
    assert not queries.patrols(yuyuan_police).filter(pk=patrol.pk).exists()


def test_patrol_pages_start_and_finish_a_round(client, org, police):
    client.force_login(police)
    assert client.get(reverse("safety:patrol_list")).status_code == 200
    response = client.post(reverse("safety:patrol_start"), {"compound": org.huashan_compound.pk, "route": "东门"})
    patrol = PatrolLog.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("safety:patrol_detail", args=[patrol.pk])
    client.post(reverse("safety:patrol_note", args=[patrol.pk]), {"note": "路灯不亮"})
    client.post(reverse("safety:patrol_finish", args=[patrol.pk]), {"findings": "无其他情况"})
    page = client.get(reverse("safety:patrol_detail", args=[patrol.pk])).content.decode()
    assert "路灯不亮" in page and "无其他情况" in page


def test_a_look_up_needs_a_reason_and_is_audited(police, make_person, org):
    make_person("张建国", dwelling=org.huashan_dwellings[1], birth=dt.date(1960, 5, 1), sex="M")
    make_person("张三", dwelling=org.yuyuan_dwellings[0], birth=dt.date(1970, 5, 1), sex="M")
    with pytest.raises(Invalid):
        lookups.look_up(actor=police, query="张", reason="")
    assert not AuditEntry.objects.filter(event=lookups.PERSONS_LOOKED_UP).exists()
    result = lookups.look_up(actor=police, query="张", reason="案件 2026-118 走访")
    assert [p.name for p in result.people] == ["张建国"]  # her beat only
    entry = AuditEntry.objects.get(event=lookups.PERSONS_LOOKED_UP)
    assert entry.actor == police and entry.reason == "案件 2026-118 走访" and entry.after["results"] == 1


def test_opening_a_person_is_audited_and_stays_on_the_beat(police, make_person, org):
    near = make_person("张建国", dwelling=org.huashan_dwellings[1], birth=dt.date(1960, 5, 1), sex="M")
    far = make_person("张三", dwelling=org.yuyuan_dwellings[0], birth=dt.date(1970, 5, 1), sex="M")
    assert lookups.look_at(actor=police, person_pk=near.pk, reason="入户走访核实") == near
    assert AuditEntry.objects.get(event=lookups.PERSON_LOOKED_AT).object_id == str(near.pk)
    with pytest.raises(NotFound):
        lookups.look_at(actor=police, person_pk=far.pk, reason="入户走访核实")


def test_the_police_do_not_browse_the_registry(client, police, make_person):
    person = make_person("张建国")
    client.force_login(police)
    assert client.get(reverse("population:person_detail", args=[person.pk])).status_code == 404


def test_the_police_list_people_only_by_the_tags_meant_for_them(police, make_person, org):
    alone = make_person("李阿婆", dwelling=org.huashan_dwellings[2])
    alone.tags.add(Tag.objects.get(code="elder_alone"))
    poor = make_person("赵先生", dwelling=org.huashan_dwellings[3], sex="M")
    poor.tags.add(Tag.objects.get(code="subsistence"))
    result = lookups.look_up(actor=police, tag="elder_alone", reason="冬季独居老人走访")
    assert [p.name for p in result.people] == ["李阿婆"]
    with pytest.raises(Invalid):
        lookups.look_up(actor=police, tag="subsistence", reason="冬季独居老人走访")


def test_the_look_up_page_requires_a_reason(client, police, make_person, org):
    person = make_person("张建国", dwelling=org.huashan_dwellings[1], sex="M")
    client.force_login(police)
    url = reverse("safety:police_lookup")
    assert client.get(url).status_code == 200
    without = client.post(url, {"query": "张", "reason": ""}).content.decode()
    assert "张建国" not in without
    found = client.post(url, {"query": "张", "reason": "案件 2026-118"}).content.decode()
    assert "张建国" in found
    opened = client.post(reverse("safety:police_person", args=[person.pk]), {"reason": "案件 2026-118"})
    assert opened.status_code == 200 and "张建国" in opened.content.decode()
    assert AuditEntry.objects.filter(event__in=[lookups.PERSONS_LOOKED_UP, lookups.PERSON_LOOKED_AT]).count() == 2


def test_a_committee_worker_has_no_look_up_page(client, alice):
    client.force_login(alice)
    assert client.get(reverse("safety:police_lookup")).status_code == 404


def test_an_officer_of_the_whole_subdistrict_names_the_compound_she_patrols(org, make_staff):
    officer = make_staff(Role.POLICE, "police-all")
    with pytest.raises(Invalid):
        patrols.start_patrol(actor=officer)
    patrol = patrols.start_patrol(actor=officer, compound=org.yuyuan_compound)
    assert patrol.neighborhood == org.yuyuan
