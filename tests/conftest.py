"""One test base with fixed personas, as in Healthchecks:

- ``alice``: committee worker of 华山居民区 (in scope for people living there)
- ``bob``: committee worker of 愚园居民区 (out of scope for alice's residents)
- ``admin``: sub-district administrator of 江苏路街道
- ``resident``: 王秀英, a resident of 华山 with a portal account
- ``client`` (pytest-django): an anonymous visitor
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from shequ.core import actions as core_actions
from shequ.core import idnumbers
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict, User
from shequ.core.roles import Role
from shequ.population import actions as population_actions
from shequ.population.choices import ResidenceType
from shequ.population.models import Person

IN_CI = os.environ.get("CI") == "true"
PASSWORD = "correct-horse-battery-staple"


def require_service(available: bool, reason: str) -> None:
    """Skip with a clear reason on a developer machine; fail in CI, where every service must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_only(db: Any) -> None:
    require_service(connection.vendor == "postgresql",
                    "needs PostgreSQL: run with DATABASE_URL=postgres://... (scripts/test does)")


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_service(os.path.exists(path), "Debian's chromium is not installed (apt-get install chromium)")
    return path


def id_number(birth: dt.date, sex: str = "F", sequence: int = 12, division: str = "310105") -> str:
    return idnumbers.make(division, birth, sequence, sex)


class Org:
    """The organisation tree every test starts from."""

    def __init__(self) -> None:
        self.subdistrict = Subdistrict.objects.create(code="310105002", name="江苏路街道", district="长宁区",
                                                      city="上海市")
        self.huashan = Neighborhood.objects.create(subdistrict=self.subdistrict, code="310105002001", name="华山居民区")
        self.yuyuan = Neighborhood.objects.create(subdistrict=self.subdistrict, code="310105002002", name="愚园居民区")
        self.huashan_compound = Compound.objects.create(neighborhood=self.huashan, name="华山小区",
                                                        address="华山路1088弄")
        self.yuyuan_compound = Compound.objects.create(neighborhood=self.yuyuan, name="愚园新村",
                                                       address="愚园路1032弄")
        self.huashan_dwellings = self._dwellings(self.huashan_compound)
        self.yuyuan_dwellings = self._dwellings(self.yuyuan_compound)

    @staticmethod
    def _dwellings(compound: Compound) -> list[Dwelling]:
        made = []
        for number in ("1号", "2号"):
            building = Building.objects.create(compound=compound, number=number)
            for room in ("101", "102", "201", "202"):
                made.append(Dwelling.objects.create(
                    building=building, room=room, label=Dwelling.make_label(compound, number, room)))
        return made


@pytest.fixture
def org(db: Any) -> Org:
    return Org()


def _staff(org: Org, username: str, role: str, **unit: Any) -> User:
    return core_actions.create_user(actor=None, username=username, role=role, full_name=username.title(),
                                    password=PASSWORD, subdistrict=org.subdistrict, **unit)


@pytest.fixture
def admin(org: Org) -> User:
    return _staff(org, "admin", Role.ADMIN)


@pytest.fixture
def alice(org: Org) -> User:
    return _staff(org, "alice", Role.COMMITTEE, neighborhood=org.huashan)


@pytest.fixture
def bob(org: Org) -> User:
    return _staff(org, "bob", Role.COMMITTEE, neighborhood=org.yuyuan)


@pytest.fixture
def make_staff(org: Org) -> Callable[..., User]:
    def make(role: str, username: str | None = None, **unit: Any) -> User:
        return _staff(org, username or f"{role}-user", role, **unit)

    return make


@pytest.fixture
def make_person(admin: User, org: Org) -> Callable[..., Person]:
    counter = iter(range(100, 999))

    def make(name: str = "王秀英", *, dwelling: Dwelling | None = None, birth: dt.date = dt.date(1950, 3, 8),
             sex: str = "F", residence_type: str = ResidenceType.REGISTERED, phone: str = "", **extra: Any) -> Person:
        return population_actions.register_person(
            actor=admin, name=name, id_number=id_number(birth, sex, next(counter)),
            residence_type=residence_type, dwelling=dwelling or org.huashan_dwellings[0], phone=phone,
            new_household=extra.pop("new_household", True), **extra,
        )

    return make


@pytest.fixture
def resident_person(make_person: Callable[..., Person]) -> Person:
    return make_person("王秀英", phone="13812345678", started_on=dt.date(2000, 1, 1))


@pytest.fixture
def resident(resident_person: Person, admin: User) -> User:
    return population_actions.create_resident_account(actor=admin, person=resident_person)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """A request in English through the test client leaves English active in the worker's thread (a server
    activates each request's language anew): each test starts in the platform's default, zh-Hans."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache; each test starts with none. Reference data kept in the process
    (holidays, the catalogue) is forgotten too: a rolled-back test leaves no signal behind."""
    from django.core.cache import cache

    from shequ.core.memo import ProcessMemo

    cache.clear()
    ProcessMemo.forget_all()
    yield
    ProcessMemo.forget_all()
    cache.clear()


_append_only = importlib.import_module("shequ.core.migrations.0002_audit_append_only")
_ledger_append_only = importlib.import_module("shequ.cards.migrations.0002_ledger_append_only")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Tests that commit for real must be able to empty the tables afterwards, which the audit log's
    append-only triggers forbid; they are removed here and put back by ``audit_triggers`` for the tests
    that check them (inside the test's transaction, so they vanish again on rollback)."""
    with django_db_blocker.unblock():
        _append_only.backwards(None, _RawSql())
        for sql in _ledger_append_only.append_only_sql(connection.vendor, on=False):
            _RawSql().execute(sql)


_standard_tags = importlib.import_module("shequ.population.migrations.0002_standard_tags")
_standard_subsidies = importlib.import_module("shequ.dining.migrations.0002_standard_subsidy_rules")


@pytest.fixture(autouse=True)
def _standard_rows(request: pytest.FixtureRequest) -> None:
    """The rows the data migrations put in (the standard tags, the default meal subsidies), present for every
    database test: a test that commits for real (``transactional_db``) empties every table when it ends, so
    without this a test's outcome would depend on which tests ran before it on the same worker."""
    from django.apps import apps as installed

    wanted = [name for name in ("transactional_db", "db", "live_server") if name in request.fixturenames]
    if not wanted and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue(wanted[0] if wanted else "db")
    if not installed.get_model("population", "Tag").objects.exists():
        _standard_tags.add_tags(installed, None)
    if not installed.get_model("dining", "SubsidyRule").objects.exists():
        _standard_subsidies.add_rules(installed, None)


@pytest.fixture
def audit_triggers(db: Any) -> None:
    _append_only.forwards(None, _RawSql())


@pytest.fixture
def ledger_triggers(db: Any) -> None:
    """The ledger's append-only triggers, back for the test that checks them (see ``django_db_setup``)."""
    for sql in _ledger_append_only.append_only_sql(connection.vendor):
        _RawSql().execute(sql)


class _RawSql:
    """Runs the migration's own SQL on the test connection (SQLite's schema editor refuses inside a test)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


class SentTexts:
    """The (phone, text) pairs the memory SMS backend was given, read after the outbox has delivered everything
    due, as the worker would have: an action only queues its texts."""

    @staticmethod
    def _sent() -> list[tuple[str, str]]:
        from shequ.core.outbox import deliver_due
        from shequ.core.sms import MemorySmsBackend

        deliver_due()
        return MemorySmsBackend.outbox

    def __iter__(self) -> Any:
        return iter(self._sent())

    def __len__(self) -> int:
        return len(self._sent())

    def __getitem__(self, index: int) -> tuple[str, str]:
        return self._sent()[index]

    def __eq__(self, other: object) -> bool:
        return self._sent() == other

    __hash__ = None  # type: ignore[assignment]

    def clear(self) -> None:
        """Forget what has been sent so far, including what was queued and not yet delivered."""
        self._sent().clear()


@pytest.fixture
def texts(settings: Any) -> Iterator[SentTexts]:
    """Texts go to memory; read them through the returned :class:`SentTexts` (shared by every app's tests)."""
    from shequ.core.sms import MemorySmsBackend

    settings.SMS_BACKEND = "shequ.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    MemorySmsBackend.unreachable.clear()
    yield SentTexts()
    MemorySmsBackend.unreachable.clear()
