"""Builds a deterministic, living demo of the Jiangsu Road sub-district (江苏路街道, 长宁区, 上海市).

The same seed gives the same people, addresses and histories (dates are relative to ``today``).
The builder is not user input: for speed it writes rows in batches with ``bulk_create`` (which
still runs every field's ``pre_save``, so ID numbers and phones are encrypted, blind-indexed and
names get their pinyin), and writes one audit entry, ``demo.built``. Staff and resident accounts
go through the ordinary actions.

The builder is one class made of parts, each in its own module:
- ``_base``: the build result, the logins, and the state the parts share;
- ``places``: the sub-district, neighborhoods, compounds, buildings, dwellings and staff accounts;
- ``people``: made-up people and the households they form;
- ``registry``: households, residences, life events, permits and tags written in batches, and resident logins;
- ``health``: the family doctor, contracts, follow-ups and diary readings;
- ``services``: the service centre, library, charity shop and volunteers;
- ``notices``: the public notices on the sub-district's home page;
- ``shequ.safety.demo``: the doors, cameras and access points, their last day, the police offices and plans;
- ``shequ.eldercare.demo``: the care roll, and the home sensors of the elders living alone (one of them quiet).
This module puts them together and runs them in order.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from shequ.core import audit
from shequ.core.models import Subdistrict
from shequ.demo._base import BuildResult, Login
from shequ.demo.health import _HealthMixin
from shequ.demo.places import NEIGHBORHOODS, STAFF, SUBDISTRICT, _PlacesMixin
from shequ.demo.registry import _RegistryMixin
from shequ.demo.services import _ServicesMixin
from shequ.eldercare.demo import QUIET_KEY

__all__ = [
    "DEFAULT_RESIDENTS",
    "DEFAULT_SEED",
    "DEMO_BUILT",
    "DEMO_PASSWORD",
    "NEIGHBORHOODS",
    "STAFF",
    "SUBDISTRICT",
    "BuildResult",
    "Login",
    "build",
]

DEMO_BUILT = "demo.built"
DEFAULT_SEED = 20261124
DEFAULT_RESIDENTS = 3000
DEMO_PASSWORD = "jiangsu-demo-2026"  # noqa: S105 - printed for every demo login


class _Builder(_PlacesMixin, _RegistryMixin, _HealthMixin, _ServicesMixin):
    quiet_elder_id: int | None = None
    now: dt.datetime | None = None  # the devices' "now" (their last day ends then); the clock's when None

    def build_safety(self) -> None:
        """平安通: the report's doors, cameras and access points with their last day, two police offices, plans."""
        from shequ.safety.demo import build_safety

        assert self.result is not None
        for username, role, scope in build_safety(
            admin=self.admin, subdistrict=self.subdistrict, neighborhoods=self.neighborhoods,
            compounds=self.compounds, rng=random.Random(self.rng.randrange(2**31)), now=self.now or timezone.now(),
            password_hash=self.password_hash, services=self.services, bulk=self._bulk,
        ):
            self.result.logins.append(Login(username=username, password=self.password, role=role, scope=scope))
        self.progress("平安通: 门禁, 监控, 无线接入点, 24 小时记录")

    def build_eldercare(self) -> None:
        """关爱: the care roll; the elders living alone with their consent, worker and home sensors, one gone quiet."""
        from shequ.eldercare.demo import build_eldercare

        committee = [self.users[slug] for _code, _name, slug, _compounds in NEIGHBORHOODS]
        workers = {user.neighborhood_id: user for user in committee if user.neighborhood_id is not None}
        made = build_eldercare(admin=self.admin, subdistrict=self.subdistrict, workers=workers,
                               rng=random.Random(self.rng.randrange(2**31)), now=self.now or timezone.now(),
                               today=self.today,
                               bulk=self._bulk)
        self.quiet_elder_id = made.quiet_person_id
        self.progress(f"关爱: {made.elders} 位独居老人, {made.devices} 个居家传感器, {made.events} 条记录")

    def run(self) -> BuildResult:
        started = time.perf_counter()
        self.build_tree()
        self.create_staff()
        self.build_people()
        if connection.vendor == "postgresql":
            # Fresh statistics before the first queries on what was just bulk-loaded (autovacuum comes later):
            # without them PostgreSQL guesses, and at a million people a one-household lookup took 150 ms.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.create_resident_accounts()
        self.build_health()
        if self.services:
            self.build_service_centre()
        from shequ.demo import cards

        cards.build(users=self.users, neighborhoods=self.neighborhoods, today=self.today, rng=self.rng)
        if self.services:
            self.build_community_services()
            from shequ.demo import notices

            notices.build(admin=self.admin, today=self.today)
        self.build_safety()
        self.build_eldercare()
        # The dynamics page reads counts the worker keeps; count once so that it is right from the start.
        from shequ.population.actions import count_population

        count_population()
        assert self.result is not None
        audit.record(
            actor=self.admin,
            event=DEMO_BUILT,
            obj=self.subdistrict,
            after={"residents": self.result.people, "compounds": len(self.compounds),
                   QUIET_KEY: self.quiet_elder_id},
            subdistrict_id=self.subdistrict.pk,
        )
        self.result.seconds = time.perf_counter() - started
        return self.result


def build(
    *,
    residents: int = DEFAULT_RESIDENTS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    password: str = DEMO_PASSWORD,
    progress: Callable[[str], None] | None = None,
    services: bool = True,
    now: dt.datetime | None = None,
) -> BuildResult:
    """Build the demo sub-district into an empty database (migrated, with the standard tags).

    ``services=False`` leaves out the service centre's requests, the library, charity shop and volunteers,
    whose actions each run in their own (durable) transaction: for a caller that wraps the whole build in one.
    ``now`` is when the devices' back-filled history ends (a test's clock); the clock's time by default."""
    if Subdistrict.objects.filter(code=SUBDISTRICT[0]).exists():
        raise RuntimeError("The demo sub-district already exists: run `shequ demo --reset`.")
    builder = _Builder(
        residents=residents, seed=seed, today=today or timezone.localdate(), password=password, progress=progress
    )
    builder.services = services
    builder.now = now
    return builder.run()
