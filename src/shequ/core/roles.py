"""Roles, what each may do to which model, and at which level of the organisation tree.

This table is the one place that grants permissions; :func:`shequ.core.scopes.restrict` applies it.
Actions: view, add, change, reveal (see an ID number or phone unmasked), export, import, and ``desk`` on
cards: find a card holder at a service desk, by her card or her name, seeing her name and masked card only
(see :mod:`shequ.cards.queries`), and ``count``: aggregate figures over the user's area, never a row (see
:func:`shequ.core.scopes.countable`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Sub-district administrator")
    COMMITTEE = "committee", _("Committee worker")
    CLERK = "clerk", _("Service-centre clerk")
    HEALTH = "health", _("Health worker")
    POLICE = "police", _("Police officer")
    CANTEEN = "canteen", _("Canteen operator")
    LIBRARIAN = "librarian", _("Librarian")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Volunteer coordinator")
    CHARITY_CLERK = "charity_clerk", _("Charity-shop clerk")
    PROPERTY = "property", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    AUDITOR = "auditor", _("Auditor")
    RESIDENT = "resident", _("Resident")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}

_ALL = frozenset({"view", "add", "change", "reveal", "export", "import"})
_REGISTRY_MODELS = (
    "population.person",
    "population.household",
    "population.residence",
    "population.residencepermit",
    "population.lifeevent",
)
LINKAGE_MODELS = (
    "linkage.sourcebatch",
    "linkage.sourcerecord",
    "linkage.linkagerun",
    "linkage.linkcandidate",
    "linkage.reviewdecision",
    "linkage.personlink",
)

# Health data (health app): only health workers and the person herself; see shequ/health/queries.py.
HEALTH_MODELS = (
    "health.healthrecord",
    "health.healthrecordversion",
    "health.chroniccondition",
    "health.followup",
    "health.familydoctorcontract",
    "health.encounter",
    "health.diaryentry",
    "health.alert",
)
_HEALTH_OWN = ("health.healthrecord", "health.healthrecordversion", "health.chroniccondition", "health.followup",
               "health.familydoctorcontract", "health.encounter")


_CARD_DESK = {
    "cards.card": frozenset({"view", "add", "change"}),
    "cards.wallet": frozenset({"view"}),
    "cards.transaction": frozenset({"view", "add"}),
}
# Roles that take card payments or credit card wallets at their place (a till, a desk, a kiosk).
_CARD_TAKERS = {"cards.transaction": frozenset({"add"})}
# Service desks that serve card holders without access to the registry (canteen and charity tills, library,
# volunteers).
_DESK = {**_CARD_TAKERS, "cards.card": frozenset({"desk"})}
_DINING_ADMIN = {
    "dining.canteen": frozenset({"view", "add", "change", "export"}),
    "dining.menu": frozenset({"view", "add", "change"}),
    "dining.meal": frozenset({"view", "add", "export"}),
}
_LIBRARY_MODELS = ("library.title", "library.copy", "library.loan", "library.hold")
_CHARITY_MODELS = ("charity.stockitem", "charity.stockmovement", "charity.donation", "charity.sale",
                   "charity.allowancerun", "charity.allowance")
_VOLUNTEER_MODELS = ("volunteers.volunteer", "volunteers.activity", "volunteers.shift", "volunteers.signup",
                     "volunteers.timespend")


def _grant(models_: tuple[str, ...], actions: set[str] | frozenset[str]) -> dict[str, frozenset[str]]:
    return {label: frozenset(actions) for label in models_}


PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {
        **_grant(_REGISTRY_MODELS, _ALL),
        "core.auditentry": frozenset({"view", "export"}),
        "core.outboxmessage": frozenset({"view", "change"}),
        "core.user": frozenset({"view", "add", "change"}),
        # Machine tokens of staff in her place: she may see and revoke them, never issue one for someone else.
        "core.apitoken": frozenset({"view", "change"}),
        # Who is a family doctor and who is centre staff, but no health data itself.
        "health.healthworker": frozenset({"view", "add", "change"}),
        **_CARD_DESK,
        "cards.transaction": frozenset({"view", "add", "change", "export"}),
        "cards.account": frozenset({"view", "add"}),
        "cards.terminal": frozenset({"view", "add", "change"}),
        **_DINING_ADMIN,
        **_grant(_LIBRARY_MODELS, {"view", "export"}),
        **_grant(_CHARITY_MODELS, {"view", "export"}),
        **_grant(_VOLUNTEER_MODELS, {"view", "export"}),
        # The monthly report of the leadership view (figures only, no person in it).
        "dashboard.monthlyreport": frozenset({"view", "add"}),
        # The leadership view counts health follow-ups and the linkage backlog; she opens no record of them.
        "health.followup": frozenset({"count"}),
        "linkage.linkagerun": frozenset({"count"}),
        "linkage.linkcandidate": frozenset({"count"}),
        # The public notices on the sub-district's home page.
        "portal.notice": frozenset({"view", "add", "change"}),
    },
    Role.COMMITTEE: _grant(_REGISTRY_MODELS, {"view", "add", "change", "reveal", "export", "import"}),
    Role.CLERK: {**_grant(_REGISTRY_MODELS, {"view", "add", "change", "reveal", "export"}), **_CARD_DESK},
    # The police office does not browse the registry: it looks a person of its beat up with a stated reason, and
    # each look-up is audited (shequ.safety.actions.police). ``lookup`` is that right and nothing else.
    Role.POLICE: {"population.person": frozenset({"lookup"})},
    Role.HEALTH: {
        **_grant(("population.person", "population.household"), {"view"}),
        **_grant(HEALTH_MODELS, {"view", "add", "change"}),
        "health.healthworker": frozenset({"view"}),
        **_grant(LINKAGE_MODELS, {"view", "add", "change", "import"}),
        # Only the health entries of the audit log (see AUDIT_CATEGORIES).
        "core.auditentry": frozenset({"view"}),
    },
    # Reads (and exports) the whole audit log of the sub-district and nothing else; reads of health
    # entries are themselves audited.
    Role.AUDITOR: {"core.auditentry": frozenset({"view", "export"})},
    Role.CANTEEN: {
        # The till finds the diner at the counter by her card or her name, as the other desks do.
        **_DESK,
        "dining.canteen": frozenset({"view", "export"}),
        "dining.menu": frozenset({"view", "add", "change"}),
        "dining.meal": frozenset({"view", "add", "export"}),
    },
    Role.LIBRARIAN: {**_DESK, **_grant(_LIBRARY_MODELS, {"view", "add", "change", "export", "import"})},
    Role.VOLUNTEER_COORDINATOR: {**_DESK, **_grant(_VOLUNTEER_MODELS, {"view", "add", "change", "export"})},
    Role.CHARITY_CLERK: {**_DESK, **_grant(_CHARITY_MODELS, {"view", "add", "change", "export"})},
    Role.PROPERTY: {},
    Role.OWNERS_COMMITTEE: {},
    Role.RESIDENT: {
        **_grant(("population.person", "population.household", "population.residencepermit"), {"view"}),
        **_grant(_HEALTH_OWN, {"view"}),
        "health.diaryentry": frozenset({"view", "add"}),
        **_grant(("cards.card", "cards.wallet", "cards.transaction"), {"view"}),
        **_grant(("library.loan", "library.hold"), {"view"}),
        **_grant(("charity.sale", "charity.allowance"), {"view"}),
        **_grant(("volunteers.volunteer", "volunteers.signup", "volunteers.timespend"), {"view"}),
    },
}


# One-window service centre (affairs). Department staff may change a request only as far as
# shequ.affairs.actions lets their department; the catalogue is edited by administrators.
_AFFAIRS_WORK = ("affairs.servicerequest", "affairs.requeststep", "affairs.emergencydispatch")
_AFFAIRS_CATALOGUE = ("affairs.service", "affairs.department", "affairs.departmentmember", "affairs.holiday")
_AFFAIRS_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {**_grant(_AFFAIRS_WORK, _ALL), **_grant(_AFFAIRS_CATALOGUE, _ALL),
                 **_grant(("affairs.open311key",), _ALL)},
    Role.CLERK: {**_grant(_AFFAIRS_WORK, {"view", "add", "change", "reveal", "export"}),
                 **_grant(_AFFAIRS_CATALOGUE, {"view"})},
    Role.COMMITTEE: {**_grant(_AFFAIRS_WORK, {"view", "add", "change", "reveal"}),
                     **_grant(_AFFAIRS_CATALOGUE, {"view"})},
    Role.POLICE: {**_grant(_AFFAIRS_WORK, {"view", "change"}), **_grant(_AFFAIRS_CATALOGUE, {"view"})},
    Role.HEALTH: {**_grant(_AFFAIRS_WORK, {"view", "change"}), **_grant(_AFFAIRS_CATALOGUE, {"view"})},
    Role.PROPERTY: {**_grant(_AFFAIRS_WORK, {"view", "change"}), **_grant(_AFFAIRS_CATALOGUE, {"view"})},
    Role.RESIDENT: _grant(("affairs.servicerequest", "affairs.requeststep"), {"view", "add", "change"}),
}
for _role, _grants in _AFFAIRS_GRANTS.items():
    PERMISSIONS[_role] = {**PERMISSIONS[_role], **_grants}


# Safety (平安通): devices and their events, alarms grouped into incidents, door credentials, the police office's
# patrols, emergency plans and drills. The police office works on its beat (its neighborhood); committee workers
# keep their compounds' devices and residents' door credentials; the property company looks after the doors.
_SAFETY_WATCH = ("safety.device", "safety.event", "safety.alarm", "safety.incident")
_SAFETY_PLANS = ("safety.emergencyplan", "safety.drill", "safety.plantask")
_SAFETY_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {**_grant(_SAFETY_WATCH, {"view", "change", "export"}),
                 "safety.device": frozenset({"view", "add", "change", "export", "import"}),
                 "safety.deadletter": frozenset({"view", "change"}),
                 "safety.doorcredential": frozenset({"view", "add", "change"}),
                 "safety.patrollog": frozenset({"view", "export"}),
                 **_grant(_SAFETY_PLANS, {"view", "add", "change"})},
    Role.POLICE: {**_grant(_SAFETY_WATCH, {"view", "change", "export"}),
                  "safety.device": frozenset({"view", "export"}),
                  "safety.patrollog": frozenset({"view", "add", "change", "export"}),
                  **_grant(_SAFETY_PLANS, {"view", "add", "change"})},
    Role.COMMITTEE: {**_grant(_SAFETY_WATCH, {"view", "change"}),
                     "safety.device": frozenset({"view", "add", "change", "export", "import"}),
                     "safety.doorcredential": frozenset({"view", "add", "change"}),
                     **_grant(_SAFETY_PLANS, {"view"}), "safety.plantask": frozenset({"view", "change"})},
    Role.PROPERTY: {**_grant(_SAFETY_WATCH, {"view", "change"}), "safety.device": frozenset({"view", "change"})},
    Role.RESIDENT: {"safety.doorcredential": frozenset({"view"})},
    # The service-centre desk that issues a resident card may grant its door credential at the same time.
    Role.CLERK: {"safety.doorcredential": frozenset({"view", "add", "change"})},
}
for _role, _grants in _SAFETY_GRANTS.items():
    PERMISSIONS[_role] = {**PERMISSIONS[_role], **_grants}


# Eldercare (信息化助老), who is cared for: the care roll, consent, emergency contacts, assessments, away periods.
# Committee workers keep their neighbourhood's elders (and those they are responsible for); the sub-district's
# administrator sees all; a volunteer (a resident) sees only the elders paired with her, and the queries give her
# only what a visit needs. Health workers get nothing here. Contacts' phones are masked except by an audited reveal.
_ELDERCARE_ROLL = ("eldercare.carerecipient", "eldercare.consent", "eldercare.emergencycontact",
                   "eldercare.careassessment", "eldercare.awayperiod")
# Alerts: staff work them; a resident reads her own (her "I'm fine" button) and, as a paired volunteer, the door
# visits she is asked to make.
_ELDERCARE_ALERTS = ("eldercare.alert", "eldercare.alertstep")
_ELDERCARE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {**_grant(_ELDERCARE_ROLL, {"view", "add", "change"}), **_grant(_ELDERCARE_ALERTS, {"view", "change"}),
                 "eldercare.emergencycontact": frozenset({"view", "add", "change", "reveal"})},
    Role.COMMITTEE: {**_grant(_ELDERCARE_ROLL, {"view", "add", "change"}),
                     **_grant(_ELDERCARE_ALERTS, {"view", "change"}),
                     "eldercare.emergencycontact": frozenset({"view", "add", "change", "reveal"})},
    Role.RESIDENT: {"eldercare.carerecipient": frozenset({"view"}), **_grant(_ELDERCARE_ALERTS, {"view"})},
}
for _role, _grants in _ELDERCARE_GRANTS.items():
    PERMISSIONS[_role] = {**PERMISSIONS[_role], **_grants}

# Eldercare visits (关爱探访): a committee worker logs her own visits and sees those to her elders; a volunteer logs
# visits to her pairs and sees her own. The minutes are banked by the platform's care-visits kiosk, never by the
# visitor's own right over the card ledger (shequ.volunteers.seams.post_care_visit_credit).
_ELDERCARE_VISIT_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {"eldercare.visit": frozenset({"view", "add", "change"})},
    Role.COMMITTEE: {"eldercare.visit": frozenset({"view", "add", "change"})},
    Role.RESIDENT: {"eldercare.visit": frozenset({"view", "add", "change"})},
}
for _role, _grants in _ELDERCARE_VISIT_GRANTS.items():
    PERMISSIONS[_role] = {**PERMISSIONS[_role], **_grants}

# Owners' votes (sites, Civil Code art. 278): the residents' committee and the owners' committee run the votes of
# their neighbourhood or compound and enter paper ballots; the property company (or the housing office through the
# administrator) imports the owners' roll; a resident sees her compound's votes and votes online if she is an owner.
_SITES_VOTES = ("sites.vote", "sites.elector", "sites.ballot", "sites.choicetotal")
_SITES_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {**_grant(_SITES_VOTES, {"view", "add", "change"}),
                 "sites.ownership": frozenset({"view", "import", "reveal"})},
    Role.COMMITTEE: {**_grant(_SITES_VOTES, {"view", "add", "change"}), "sites.ownership": frozenset({"view"})},
    Role.OWNERS_COMMITTEE: {**_grant(_SITES_VOTES, {"view", "add", "change"}),
                            "sites.ownership": frozenset({"view"})},
    Role.PROPERTY: {"sites.ownership": frozenset({"view", "import"}), "sites.vote": frozenset({"view"})},
    Role.RESIDENT: {"sites.vote": frozenset({"view"}), "sites.ballot": frozenset({"add"})},
}
for _role, _grants in _SITES_GRANTS.items():
    PERMISSIONS[_role] = {**PERMISSIONS[_role], **_grants}

# Culture centre (文化活动中心) rooms: the sub-district's admin and committee workers keep the rooms' bookings (approve,
# check in at the door); only the admin sets rooms up. A resident books and cancels her own and sees her restrictions.
_CULTURE_ROOMS = ("culture.room", "culture.openinghours", "culture.closure")
_CULTURE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {**_grant(_CULTURE_ROOMS, {"view", "add", "change"}),
                 **_grant(("culture.booking", "culture.restriction"), {"view", "add", "change"})},
    Role.COMMITTEE: {**_grant(_CULTURE_ROOMS, {"view"}),
                     **_grant(("culture.booking", "culture.restriction"), {"view", "add", "change"})},
    Role.RESIDENT: {"culture.booking": frozenset({"view", "add", "change"}),
                    "culture.restriction": frozenset({"view"})},
}
for _role, _grants in _CULTURE_GRANTS.items():
    PERMISSIONS[_role] = {**PERMISSIONS[_role], **_grants}

# Which categories of audit entries (shequ.core.audit) each role that may view the audit log reads: health
# entries only with a health right. A check narrows a role further (a dotted path of ``f(user) -> bool``).
AUDIT_CATEGORIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({""}),
    Role.HEALTH: frozenset({"health"}),
    Role.AUDITOR: frozenset({"", "health"}),
}
AUDIT_CATEGORY_CHECKS: dict[tuple[str, str], str] = {
    (Role.HEALTH, "health"): "shequ.health.queries.reads_health_audit",
}


def allowed(role: str, model_label: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, {}).get(model_label, frozenset())
