"""Every role × every registry page and API endpoint × a person in scope and out of it.

The expected answer comes from :data:`shequ.core.roles.PERMISSIONS` and from where each user works (set
below), never from the scoping code itself: a view that forgets to scope, or to check the role, fails here.
Web pages answer 200 when allowed and in scope, else 404 (302 to the login page for an anonymous visitor);
the API answers the same, with 401 for a visitor without credentials.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shequ.core import actions as core_actions
from shequ.core.audit import readable_categories
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict, User
from shequ.core.roles import Role, allowed
from shequ.population import actions as population_actions
from shequ.population.choices import ResidenceType
from shequ.population.models import LifeEvent, Person
from tests.conftest import id_number

ANONYMOUS = "anonymous"
ROLES = [*Role.values, ANONYMOUS]
TARGETS = ["huashan", "yuyuan", "other_subdistrict"]
NAMES = {"huashan": "王秀英", "yuyuan": "李梅", "other_subdistrict": "孙丽华"}
COMPOUND_ROLES = {Role.PROPERTY, Role.OWNERS_COMMITTEE}


def visible(role: str, target: str) -> bool:
    """Where each user works (see ``users`` below): the administrator has the whole of 江苏路街道, staff have
    华山 (a neighborhood or one of its compounds), the resident is 王秀英 of 华山 herself."""
    if target == "huashan":
        return True
    if target == "yuyuan":
        return role == Role.ADMIN
    return False


@pytest.fixture
def admin(org: Any) -> User:
    """The administrator without a password: the matrix makes many users and Argon2 is slow on purpose."""
    return core_actions.create_user(actor=None, username="admin", role=Role.ADMIN, full_name="Admin",
                                    subdistrict=org.subdistrict)


@pytest.fixture
def world(org: Any, admin: User, resident: User, resident_person: Person, make_person: Any) -> dict[str, Any]:
    yuyuan = make_person(NAMES["yuyuan"], dwelling=org.yuyuan_dwellings[0], birth=dt.date(1960, 2, 2),
                         phone="13700002222")
    other = Subdistrict.objects.create(code="310105003", name="华阳路街道", district="长宁区", city="上海市")
    neighborhood = Neighborhood.objects.create(subdistrict=other, code="310105003001", name="大西居民区")
    compound = Compound.objects.create(neighborhood=neighborhood, name="大西别墅", address="华阳路1号")
    building = Building.objects.create(compound=compound, number="1号")
    dwelling = Dwelling.objects.create(building=building, room="101",
                                       label=Dwelling.make_label(compound, "1号", "101"))
    other_admin = core_actions.create_user(actor=None, username="other-admin", role=Role.ADMIN,
                                           full_name="Other", subdistrict=other)
    stranger = population_actions.register_person(
        actor=other_admin, name=NAMES["other_subdistrict"], id_number=id_number(dt.date(1970, 3, 3), "F", 77),
        residence_type=ResidenceType.REGISTERED, dwelling=dwelling, new_household=True, phone="13500003333",
    )
    return {"resident": resident, "other_admin": other_admin,
            "people": {"huashan": resident_person, "yuyuan": yuyuan, "other_subdistrict": stranger}}


def user_for(role: str, org: Any, admin: User, world: dict[str, Any]) -> User | None:
    if role == ANONYMOUS:
        return None
    if role == Role.ADMIN:
        return admin
    if role == Role.RESIDENT:
        user: User = world["resident"]
        return user
    unit = {"compound": org.huashan_compound} if role in COMPOUND_ROLES else {"neighborhood": org.huashan}
    return core_actions.create_user(actor=None, username=f"matrix-{role}", role=role, full_name="Matrix",
                                    subdistrict=org.subdistrict, **unit)


def web_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    model: str
    action: str
    api: bool
    method: str = "get"
    body: Any = None
    listing: bool = False

    def __str__(self) -> str:
        return self.name


PERSON = "population.person"

# Endpoints about one person: the answer depends on the role and on where the person lives.
PERSON_ENDPOINTS = [
    Endpoint("web-list", "/population/people/", PERSON, "view", api=False, listing=True),
    Endpoint("web-detail", "/population/people/{person}/", PERSON, "view", api=False),
    Endpoint("web-edit", "/population/people/{person}/edit/", PERSON, "change", api=False),
    Endpoint("web-move", "/population/people/{person}/move/", PERSON, "change", api=False),
    Endpoint("api-list", "/api/v1/people/", PERSON, "view", api=True, listing=True),
    Endpoint("api-detail", "/api/v1/people/{person}/", PERSON, "view", api=True),
    Endpoint("api-edit", "/api/v1/people/{person}/", PERSON, "change", api=True, method="patch",
             body={"reason": "matrix"}),
    Endpoint("api-reveal", "/api/v1/people/{person}/reveal/", PERSON, "reveal", api=True, method="post",
             body={"field": "phone", "reason": "matrix"}),
    Endpoint("api-households", "/api/v1/households/", "population.household", "view", api=True, listing=True),
    Endpoint("api-household", "/api/v1/households/{household}/", "population.household", "view", api=True),
    Endpoint("api-life-events", "/api/v1/life-events/", "population.lifeevent", "view", api=True, listing=True),
    Endpoint("api-life-event", "/api/v1/life-events/{event}/", "population.lifeevent", "view", api=True),
]

# Endpoints that do not depend on one person: only the role counts.
ROLE_ENDPOINTS = [
    Endpoint("web-new", "/population/people/new/", PERSON, "add", api=False),
    Endpoint("web-audit", "/audit/", "core.auditentry", "view", api=False),
    Endpoint("web-outbox", "/outbox/", "core.outboxmessage", "view", api=False),
    Endpoint("api-outbox", "/api/v1/outbox-messages/", "core.outboxmessage", "view", api=True),
    Endpoint("web-permits", "/population/permits/", "population.residencepermit", "view", api=False),
    Endpoint("api-permits", "/api/v1/residence-permits/", "population.residencepermit", "view", api=True),
    Endpoint("web-linkage", "/linkage/", "linkage.linkagerun", "view", api=False),
    Endpoint("web-linkage-review", "/linkage/review/", "linkage.linkagerun", "view", api=False),
    Endpoint("web-linkage-links", "/linkage/links/", "linkage.linkagerun", "view", api=False),
    Endpoint("api-linkage-batches", "/api/v1/linkage/batches/", "linkage.sourcerecord", "view", api=True),
    Endpoint("api-linkage-runs", "/api/v1/linkage/runs/", "linkage.linkagerun", "view", api=True),
    Endpoint("web-my-card", "/cards/mine/", "cards.card", "view", api=False),
    Endpoint("web-canteens", "/dining/", "dining.canteen", "view", api=False),
    Endpoint("api-canteens", "/api/v1/canteens/", "dining.canteen", "view", api=True),
    Endpoint("api-meals", "/api/v1/meals/", "dining.meal", "view", api=True),
]

CARD = "cards.card"
# Endpoints about one person's resident card.
CARD_ENDPOINTS = [
    Endpoint("web-card-desk", "/cards/", CARD, "view", api=False, listing=True),
    Endpoint("web-card", "/cards/{card}/", CARD, "view", api=False),
    Endpoint("api-cards", "/api/v1/cards/", CARD, "view", api=True, listing=True),
    Endpoint("api-card", "/api/v1/cards/{card}/", CARD, "view", api=True),
]


def _request(endpoint: Endpoint, user: User | None, url: str) -> Any:
    if endpoint.api:
        client: Any = api_client(user)
        return getattr(client, endpoint.method)(url, endpoint.body, format="json")
    return getattr(web_client(user), endpoint.method)(url)


def _listed(endpoint: Endpoint, response: Any, person: Person) -> bool:
    if not endpoint.api:
        return person.name in response.content.decode()
    rows = response.json()["results"]
    if "cards" in endpoint.url:
        return any(row["holder"] == person.name for row in rows)
    if "households" in endpoint.url:
        return any(row["id"] == person.household_id for row in rows)
    if "life-events" in endpoint.url:
        return any(row["person"] == person.pk for row in rows)
    return any(row["id"] == person.pk for row in rows)


@pytest.mark.parametrize("endpoint", PERSON_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_person_endpoints_answer_by_role_and_scope(role, endpoint, org, admin, world):
    user = user_for(role, org, admin, world)
    for target in TARGETS:
        person: Person = world["people"][target]
        event = LifeEvent.objects.filter(person=person).first()
        url = endpoint.url.format(person=person.pk, household=person.household_id, event=event.pk if event else 0)
        response = _request(endpoint, user, url)
        where = f"{role} {endpoint} {target}"
        if user is None:
            assert response.status_code == (401 if endpoint.api else 302), where
            continue
        permitted = allowed(role, endpoint.model, endpoint.action)
        if endpoint.listing:
            assert response.status_code == (200 if permitted else 404), where
            if permitted:
                assert _listed(endpoint, response, person) == visible(role, target), where
        else:
            expected = 200 if permitted and visible(role, target) else 404
            assert response.status_code == expected, where


@pytest.mark.parametrize("endpoint", CARD_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_card_endpoints_answer_by_role_and_scope(role, endpoint, org, admin, world):
    from shequ.cards import actions as card_actions

    other_admin = core_actions.create_user(actor=None, username="other-card-admin", role=Role.ADMIN,
                                           subdistrict=world["people"]["other_subdistrict"].subdistrict)
    cards = {target: card_actions.issue_card(actor=other_admin if target == "other_subdistrict" else admin,
                                             person=world["people"][target]) for target in TARGETS}
    user = user_for(role, org, admin, world)
    for target in TARGETS:
        person: Person = world["people"][target]
        response = _request(endpoint, user, endpoint.url.format(card=cards[target].pk))
        where = f"{role} {endpoint} {target}"
        if user is None:
            assert response.status_code == (401 if endpoint.api else 302), where
            continue
        permitted = allowed(role, endpoint.model, endpoint.action)
        if endpoint.listing:
            assert response.status_code == (200 if permitted else 404), where
            if permitted:
                assert _listed(endpoint, response, person) == visible(role, target), where
        else:
            assert response.status_code == (200 if permitted and visible(role, target) else 404), where


@pytest.mark.parametrize("endpoint", ROLE_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_role_endpoints_answer_by_role(role, endpoint, org, admin, world):
    user = user_for(role, org, admin, world)
    response = _request(endpoint, user, endpoint.url)
    if user is None:
        assert response.status_code == (401 if endpoint.api else 302)
        return
    assert response.status_code == (200 if allowed(role, endpoint.model, endpoint.action) else 404)


@pytest.mark.parametrize("role", ROLES)
def test_registering_through_the_api_answers_by_role(role, org, admin, world):
    user = user_for(role, org, admin, world)
    body = {"name": "赵丽", "id_number": id_number(dt.date(1975, 7, 7), "F", 55),
            "residence_type": "registered", "dwelling": org.huashan_dwellings[5].pk, "new_household": True}
    response = api_client(user).post("/api/v1/people/", body, format="json")
    if user is None:
        assert response.status_code == 401
        return
    expected = 201 if allowed(role, PERSON, "add") else 404
    assert response.status_code == expected, response.content
    assert Person.objects.filter(name="赵丽").exists() == (expected == 201)


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_log_api_shows_entries_only_to_roles_that_may_read_it(role, org, admin, world):
    user = user_for(role, org, admin, world)
    if role in (Role.HEALTH, Role.AUDITOR):  # the audit log is read at sub-district level
        user = core_actions.create_user(actor=None, username=f"log-{role}", role=role, subdistrict=org.subdistrict)
    response = api_client(user).get("/api/v1/audit-entries/")
    if user is None:
        assert response.status_code == 401
        return
    if not allowed(role, "core.auditentry", "view"):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    readable = readable_categories(user)
    assert all(row["category"] in readable for row in response.json()["results"])
    if "" in readable:  # the world's registrations are general entries
        assert response.json()["results"]
    # The other sub-district's registration is not in this administrator's log.
    assert all(row["object_repr"] != NAMES["other_subdistrict"] for row in response.json()["results"])


# Library, charity shop, volunteers ------------------------------------------------------------------------
# Staff pages answer 200 to a role the table allows (residents have their own "mine" pages instead); the public
# catalogue answers everyone; each resident page answers only a resident.

STAFF_PAGES = [
    Endpoint("library-desk", "/library/desk/", "library.loan", "add", api=False),
    Endpoint("library-loans", "/library/loans/", "library.loan", "view", api=False),
    Endpoint("library-holds", "/library/holds/", "library.hold", "view", api=False),
    Endpoint("library-new-title", "/library/titles/new/", "library.title", "add", api=False),
    Endpoint("library-import", "/library/import/", "library.title", "import", api=False),
    Endpoint("charity-stock", "/charity/", "charity.stockitem", "view", api=False),
    Endpoint("charity-donations", "/charity/donations/", "charity.donation", "view", api=False),
    Endpoint("charity-donate", "/charity/donations/new/", "charity.donation", "add", api=False),
    Endpoint("charity-till", "/charity/sales/new/", "charity.sale", "add", api=False),
    Endpoint("charity-sales", "/charity/sales/", "charity.sale", "view", api=False),
    Endpoint("charity-allowances", "/charity/allowances/", "charity.allowancerun", "view", api=False),
    Endpoint("volunteers-home", "/volunteers/", "volunteers.activity", "view", api=False),
    Endpoint("volunteers-people", "/volunteers/people/", "volunteers.volunteer", "view", api=False),
    Endpoint("volunteers-new-activity", "/volunteers/activities/new/", "volunteers.activity", "add", api=False),
    Endpoint("volunteers-report", "/volunteers/report/", "volunteers.volunteer", "export", api=False),
]
RESIDENT_PAGES = ["/library/mine/", "/charity/mine/", "/volunteers/mine/"]
PUBLIC_ENDPOINTS = [Endpoint("opac", "/library/", "library.title", "view", api=False),
                    Endpoint("opac-api", "/api/v1/library/catalogue/?q=hlm", "library.title", "view", api=True)]


@pytest.mark.parametrize("endpoint", STAFF_PAGES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_community_service_staff_pages_answer_by_role(role, endpoint, org, admin, world):
    user = user_for(role, org, admin, world)
    response = _request(endpoint, user, endpoint.url)
    if user is None:
        assert response.status_code == 302
        return
    permitted = allowed(role, endpoint.model, endpoint.action) and role != Role.RESIDENT
    assert response.status_code == (200 if permitted else 404), f"{role} {endpoint}"


@pytest.mark.parametrize("role", ROLES)
def test_community_service_resident_pages_answer_only_residents(role, org, admin, world):
    user = user_for(role, org, admin, world)
    for url in RESIDENT_PAGES:
        response = web_client(user).get(url)
        expected = 302 if user is None else 200 if role == Role.RESIDENT else 404
        assert response.status_code == expected, f"{role} {url}"


@pytest.mark.parametrize("endpoint", PUBLIC_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_the_online_catalogue_answers_everyone(role, endpoint, org, admin, world):
    user = user_for(role, org, admin, world)
    assert _request(endpoint, user, endpoint.url).status_code == 200


@pytest.fixture
def loans(world: dict[str, Any], org: Any) -> dict[str, Any]:
    """A loan in 江苏路街道's library (to 王秀英) and one in 华阳路街道's (to 孙丽华)."""
    from shequ.library import actions as library

    made = {}
    for target in ("huashan", "other_subdistrict"):
        person: Person = world["people"][target]
        librarian = core_actions.create_user(actor=None, username=f"librarian-{target}", role=Role.LIBRARIAN,
                                             full_name="L", subdistrict=person.subdistrict)
        title = library.add_title(actor=librarian, isbn="9787020002207", title="红楼梦")
        library.add_copy(actor=librarian, title=title, barcode=f"M{target[:3].upper()}1")
        made[target] = library.lend(actor=librarian, barcode=f"M{target[:3].upper()}1", reader=person)
    return made


@pytest.mark.parametrize("role", ROLES)
def test_the_loans_api_answers_by_role_and_library(role, org, admin, world, loans):
    user = user_for(role, org, admin, world)
    for target, loan in loans.items():
        response = api_client(user).get(f"/api/v1/library/loans/{loan.pk}/")
        if user is None:
            assert response.status_code == 401
            continue
        # The library serves the whole sub-district: its staff see every loan of it; a reader her own.
        expected = 200 if allowed(role, "library.loan", "view") and target == "huashan" else 404
        assert response.status_code == expected, f"{role} {target}"


@pytest.mark.parametrize("role", ROLES)
def test_lending_and_returning_through_the_api_answers_by_role(role, org, admin, world, loans):
    user = user_for(role, org, admin, world)
    response = api_client(user).post("/api/v1/library/loans/returns/", {"barcode": "MHUA1"}, format="json")
    if user is None:
        assert response.status_code == 401
        return
    permitted = allowed(role, "library.loan", "change") and role != Role.RESIDENT
    assert response.status_code == (200 if permitted else 404), role


@pytest.mark.parametrize("role", ROLES)
def test_volunteer_check_in_through_the_api_answers_by_role(role, org, admin, world):
    from django.utils import timezone

    from shequ.volunteers import actions as volunteering

    coordinator = core_actions.create_user(actor=None, username="coordinator-x", role=Role.VOLUNTEER_COORDINATOR,
                                           full_name="C", subdistrict=org.subdistrict)
    volunteer = volunteering.register_volunteer(actor=coordinator, person=world["people"]["huashan"])
    activity = volunteering.create_activity(actor=coordinator, title="巡逻")
    now = timezone.now()
    shift = volunteering.add_shift(actor=coordinator, activity=activity, starts_at=now - dt.timedelta(minutes=1),
                                   ends_at=now + dt.timedelta(hours=1), capacity=2)
    user = user_for(role, org, admin, world)
    response = api_client(user).post("/api/v1/volunteers/attendance/check-in/",
                                     {"shift": shift.pk, "volunteer": volunteer.pk}, format="json")
    if user is None:
        assert response.status_code == 401
        return
    permitted = allowed(role, "volunteers.signup", "change") and role != Role.RESIDENT
    assert response.status_code == (200 if permitted else 404), role


# Health data ------------------------------------------------------------------------------------------
# Its audience is narrower than the registry's (core/roles.py; shequ/health/queries.py): the matrix's health
# worker is made health-centre staff of 华山 and sees 华山's health data; the resident sees her own; every
# other role, the administrator included, sees none. Visitors must sign in (web) or get 401 (FHIR).

HEALTH_ENDPOINTS = [
    Endpoint("web-health-person", "/health/people/{person}/", "health.healthrecord", "view", api=False),
    Endpoint("fhir-patient", "/fhir/R4/Patient/{person}", "health.healthrecord", "view", api=True),
    Endpoint("fhir-encounter", "/fhir/R4/Encounter/{encounter}", "health.encounter", "view", api=True),
]
HEALTH_ROLE_ENDPOINTS = [
    Endpoint("web-health-worklist", "/health/", "health.followup", "view", api=False),
    Endpoint("web-health-contracts", "/health/contracts/", "health.familydoctorcontract", "view", api=False),
    Endpoint("fhir-patients", "/fhir/R4/Patient", "health.healthrecord", "view", api=True, listing=True),
    Endpoint("web-health-workers", "/health/workers/", "health.healthworker", "change", api=False),
]


@pytest.fixture
def health_world(org: Any, admin: User, world: dict[str, Any]) -> dict[str, Any]:
    from shequ.health import actions as health_actions
    from shequ.health.choices import WorkerKind

    encounters = {}
    for target, person in world["people"].items():
        actor = admin if target != "other_subdistrict" else User.objects.get(username="other-admin")
        centre = core_actions.create_user(actor=None, username=f"centre-{target}", role=Role.HEALTH,
                                          full_name="Centre", subdistrict=person.subdistrict)
        health_actions.assign_health_worker(actor=actor, user=centre, kind=WorkerKind.CENTRE_STAFF)
        health_actions.open_health_record(actor=centre, person=person, allergies="青霉素")
        encounters[target] = health_actions.record_encounter(actor=centre, person=person,
                                                             occurred_on=dt.date(2026, 1, 5), facility="华山医院")
    return {"encounters": encounters}


def health_user_for(role: str, org: Any, admin: User, world: dict[str, Any]) -> User | None:
    user = user_for(role, org, admin, world)
    if role == Role.HEALTH and user is not None:
        from shequ.health import actions as health_actions
        from shequ.health.choices import WorkerKind

        health_actions.assign_health_worker(actor=admin, user=user, kind=WorkerKind.CENTRE_STAFF)
    return user


def _health_request(endpoint: Endpoint, user: User | None, url: str) -> Any:
    if endpoint.api:
        return api_client(user).get(url)
    return web_client(user).get(url)


@pytest.mark.parametrize("endpoint", HEALTH_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_health_endpoints_answer_by_role_and_scope(role, endpoint, org, admin, world, health_world):
    user = health_user_for(role, org, admin, world)
    for target in TARGETS:
        person: Person = world["people"][target]
        url = endpoint.url.format(person=person.pk, encounter=health_world["encounters"][target].pk)
        response = _health_request(endpoint, user, url)
        where = f"{role} {endpoint} {target}"
        if user is None:
            assert response.status_code == (401 if endpoint.api else 302), where
            continue
        permitted = allowed(role, endpoint.model, endpoint.action)
        expected = 200 if permitted and visible(role, target) and role in (Role.HEALTH, Role.RESIDENT) else 404
        assert response.status_code == expected, where


@pytest.mark.parametrize("endpoint", HEALTH_ROLE_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_health_lists_answer_by_role(role, endpoint, org, admin, world, health_world):
    user = health_user_for(role, org, admin, world)
    response = _health_request(endpoint, user, endpoint.url)
    if user is None:
        assert response.status_code == (401 if endpoint.api else 302)
        return
    if role == Role.RESIDENT and not endpoint.api:
        # Residents have their own diary page; the worklist sends her there, staff lists are not hers.
        assert response.status_code in (302, 404)
        return
    assert response.status_code == (200 if allowed(role, endpoint.model, endpoint.action) else 404), role
    if endpoint.listing and response.status_code == 200:
        listed = {int(entry["resource"]["id"]) for entry in response.json().get("entry", [])}
        for target in TARGETS:
            assert (world["people"][target].pk in listed) == visible(role, target), (role, target)


# One-window service centre (affairs) ---------------------------------------------------------------


@pytest.fixture
def service_requests(world: dict[str, Any], admin: User, org: Any) -> dict[str, Any]:
    """One request per target: 华山's is 王秀英's own and dispatched to the property company of 华山小区;
    愚园's goes to 愚园's property company; the other sub-district's stays there."""
    from shequ.affairs import actions as affairs_actions
    from shequ.affairs.choices import Channel, DepartmentKind

    made: dict[str, Any] = {}
    for target, actor, dwelling, compound in (
        ("huashan", admin, org.huashan_dwellings[0], org.huashan_compound),
        ("yuyuan", admin, org.yuyuan_dwellings[0], org.yuyuan_compound),
        ("other_subdistrict", world["other_admin"], world["people"]["other_subdistrict"].dwelling, None),
    ):
        department = affairs_actions.save_department(
            actor=actor, code=f"property-{target}", name=f"物业 {target}", kind=DepartmentKind.PROPERTY,
            compounds=[compound or world["people"]["other_subdistrict"].compound])
        service = affairs_actions.save_service(actor=actor, code=f"repair-{target}", name="报修", category="物业",
                                               department=department, sla_amount=3)
        made[target] = affairs_actions.create_request(
            actor=actor, channel=Channel.HOTLINE, service=service, description="漏水", dwelling=dwelling,
            caller_phone=world["people"][target].phone, department=department)
    return made


AFFAIRS = "affairs.servicerequest"
REQUEST_ENDPOINTS = [
    Endpoint("web-request", "/affairs/requests/{req}/", AFFAIRS, "view", api=False),
    Endpoint("api-request", "/api/v1/service-requests/{req}/", AFFAIRS, "view", api=True),
    Endpoint("api-requests", "/api/v1/service-requests/", AFFAIRS, "view", api=True, listing=True),
    Endpoint("web-queue", "/affairs/requests/", AFFAIRS, "view", api=False, listing=True),
    Endpoint("web-mine", "/affairs/mine/", AFFAIRS, "view", api=False, listing=True),
]
STAFF_ONLY = {"web-queue"}
RESIDENT_ONLY = {"web-mine"}


@pytest.mark.parametrize("endpoint", REQUEST_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_request_endpoints_answer_by_role_and_scope(role, endpoint, org, admin, world, service_requests):
    user = user_for(role, org, admin, world)
    for target in TARGETS:
        request = service_requests[target]
        response = _request(endpoint, user, endpoint.url.format(req=request.pk))
        where = f"{role} {endpoint} {target}"
        if user is None:
            assert response.status_code == (401 if endpoint.api else 302), where
            continue
        permitted = allowed(role, endpoint.model, endpoint.action)
        if endpoint.name in STAFF_ONLY:
            permitted = permitted and role != Role.RESIDENT
        if endpoint.name in RESIDENT_ONLY and role != Role.RESIDENT:
            assert response.status_code == 302, where  # staff are sent to the queue
            continue
        if endpoint.listing:
            assert response.status_code == (200 if permitted else 404), where
            if permitted:
                if endpoint.api:
                    listed = any(row["id"] == request.pk for row in response.json()["results"])
                else:
                    listed = request.number in response.content.decode()
                assert listed == visible(role, target), where
        else:
            assert response.status_code == (200 if permitted and visible(role, target) else 404), where


AFFAIRS_ROLE_ENDPOINTS = [
    Endpoint("web-intake", "/affairs/requests/new/", AFFAIRS, "add", api=False),
    Endpoint("web-watch", "/affairs/watch/", AFFAIRS, "view", api=False),
    Endpoint("web-emergencies", "/affairs/emergencies/", "affairs.emergencydispatch", "view", api=False),
    Endpoint("web-catalogue", "/affairs/services/", "affairs.service", "view", api=False),
    Endpoint("web-new-service", "/affairs/services/new/", "affairs.service", "add", api=False),
    Endpoint("web-import-services", "/affairs/services/import/", "affairs.service", "import", api=False),
    Endpoint("web-holidays", "/affairs/holidays/", "affairs.holiday", "view", api=False),
    Endpoint("web-assessment", "/affairs/assessment/", AFFAIRS, "export", api=False),
]


@pytest.mark.parametrize("endpoint", AFFAIRS_ROLE_ENDPOINTS, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_service_centre_staff_pages_answer_by_role(role, endpoint, org, admin, world):
    user = user_for(role, org, admin, world)
    response = _request(endpoint, user, endpoint.url)
    if user is None:
        assert response.status_code == 302
        return
    expected = allowed(role, endpoint.model, endpoint.action) and role != Role.RESIDENT
    assert response.status_code == (200 if expected else 404), f"{role} {endpoint}"
