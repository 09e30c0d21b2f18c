"""What every part of the demo builder shares: the result it returns, the logins it prints, and the state the
parts build on one another (the tree, the staff, the tags, the random generators)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from shequ.core.models import Compound, Dwelling, Neighborhood, Subdistrict, User


@dataclass
class Login:
    username: str
    password: str
    role: str
    scope: str
    phone: str = ""


@dataclass
class BuildResult:
    subdistrict: Subdistrict
    people: int = 0
    logins: list[Login] = field(default_factory=list)
    # table → [rows, seconds spent in bulk_create (which includes encryption, blind indexes, pinyin)]
    timings: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0


def _years_ago(today: dt.date, years: float) -> dt.date:
    return today - dt.timedelta(days=int(years * 365.25))


class _BuilderBase:
    """The builder's state; each part (places, people, registry, health, services) is a mixin over it."""

    subdistrict: Subdistrict
    neighborhoods: list[Neighborhood]
    compounds: list[Compound]
    dwellings: list[Dwelling]
    neighborhood_of: dict[int, Neighborhood]
    users: dict[str, User]
    admin: User
    password_hash: str
    tags: dict[str, int]

    def __init__(
        self, *, residents: int, seed: int, today: dt.date, password: str, progress: Callable[[str], None] | None
    ) -> None:
        self.n = max(residents, 20)
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.today = today
        self.password = password
        self.progress = progress or (lambda message: None)
        self.result: BuildResult | None = None
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.household_counters: dict[int, int] = {}
        self.permit_counter = 0
        self.services = True

    # Timing -----------------------------------------------------------------------------------------

    def _bulk(self, model: Any, objs: list[Any], name: str) -> list[Any]:
        assert self.result is not None
        started = time.perf_counter()
        made = model.objects.bulk_create(objs, batch_size=2000)
        entry = self.result.timings.setdefault(name, [0, 0.0])
        entry[0] += len(objs)
        entry[1] += time.perf_counter() - started
        return made
