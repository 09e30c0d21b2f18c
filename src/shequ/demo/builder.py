"""Builds a deterministic, living demo of the Jiangsu Road sub-district (江苏路街道, 长宁区, 上海市).

The same seed gives the same people, addresses and histories (dates are relative to ``today``).
The builder is not user input: for speed it writes rows in batches with ``bulk_create`` (which
still runs every field's ``pre_save``, so ID numbers and phones are encrypted, blind-indexed and
names get their pinyin), and writes one audit entry, ``demo.built``. Staff and resident accounts
go through the ordinary actions.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from shequ.core import actions as core_actions
from shequ.core import audit, idnumbers
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict, User
from shequ.core.roles import Role
from shequ.population import actions as population_actions
from shequ.population.choices import (
    HouseholdKind,
    IdType,
    LifeEventKind,
    PermitStatus,
    PersonStatus,
    Relationship,
    ResidenceType,
)
from shequ.population.models import Household, LifeEvent, Person, Residence, ResidencePermit, Tag

DEMO_BUILT = "demo.built"
DEFAULT_SEED = 20261124
DEFAULT_RESIDENTS = 3000
DEMO_PASSWORD = "jiangsu-demo-2026"  # noqa: S105 - printed for every demo login
SUBDISTRICT = ("310105002", "江苏路街道", "长宁区", "上海市")

# 居民区 and their 小区 (compound name, address of the lane), near Jiangsu Road.
NEIGHBORHOODS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "310105002001",
        "华山居民区",
        "huashan",
        [("华山新苑", "华山路1220弄"), ("江苏公寓", "江苏路480弄"), ("利西小区", "利西路50弄")],
    ),
    (
        "310105002002",
        "愚园居民区",
        "yuyuan",
        [("愚园新村", "愚园路1088弄"), ("宏业花园", "愚园路1210弄"), ("月村", "愚园路1280弄")],
    ),
    ("310105002003", "曹家堰居民区", "caojiayan", [("曹家堰小区", "长宁路99弄"), ("长宁大楼", "长宁路283弄")]),
    ("310105002004", "西浜居民区", "xibang", [("西浜新村", "江苏路46弄"), ("安西小区", "安西路23弄")]),
    (
        "310105002005",
        "岐山居民区",
        "qishan",
        [("岐山村", "愚园路1032弄"), ("镇宁小区", "镇宁路280弄"), ("武夷新苑", "武夷路100弄")],
    ),
]

SHANGHAI_DIVISIONS = ["310105"] * 6 + ["310101", "310104", "310106", "310107", "310109", "310110", "310112", "310115"]
SHANGHAI_NAMES = {
    "310105": "上海市长宁区",
    "310101": "上海市黄浦区",
    "310104": "上海市徐汇区",
    "310106": "上海市静安区",
    "310107": "上海市普陀区",
    "310109": "上海市虹口区",
    "310110": "上海市杨浦区",
    "310112": "上海市闵行区",
    "310115": "上海市浦东新区",
}
MIGRANT_DIVISIONS = [
    ("340104", "安徽省合肥市蜀山区"),
    ("320102", "江苏省南京市玄武区"),
    ("330106", "浙江省杭州市西湖区"),
    ("410105", "河南省郑州市金水区"),
    ("420106", "湖北省武汉市武昌区"),
    ("510107", "四川省成都市武侯区"),
    ("360102", "江西省南昌市东湖区"),
    ("370102", "山东省济南市历下区"),
    ("430104", "湖南省长沙市岳麓区"),
    ("350102", "福建省福州市鼓楼区"),
    ("500103", "重庆市渝中区"),
    ("130102", "河北省石家庄市长安区"),
    ("230102", "黑龙江省哈尔滨市道里区"),
    ("320583", "江苏省昆山市"),
    ("341602", "安徽省亳州市谯城区"),
]
FOREIGN_GIVEN = [
    "John",
    "Emma",
    "Hiroshi",
    "Yuki",
    "Min-jun",
    "Ji-woo",
    "Pierre",
    "Claire",
    "Lukas",
    "Anna",
    "David",
    "Sophie",
    "Kenji",
    "Sakura",
    "Michael",
    "Laura",
]
FOREIGN_FAMILY = [
    "Smith",
    "Tanaka",
    "Kim",
    "Martin",
    "Müller",
    "Brown",
    "Suzuki",
    "Park",
    "Dubois",
    "Rossi",
    "Wilson",
    "Sato",
    "Lee",
    "Schmidt",
]
ETHNIC_MINORITIES = ["回族", "满族", "蒙古族", "朝鲜族", "壮族", "土家族"]
DESTINATIONS = [
    "上海市闵行区",
    "上海市浦东新区",
    "上海市徐汇区",
    "上海市普陀区",
    "江苏省苏州市",
    "浙江省杭州市",
    "安徽省合肥市",
    "出境",
]

# Staff accounts: (username, role, full name, neighborhood index or None for the sub-district).
STAFF: list[tuple[str, str, str, int | None]] = [
    ("admin", Role.ADMIN, "街道管理员", None),
    ("clerk", Role.CLERK, "受理中心窗口", None),
    ("police", Role.POLICE, "社区民警", None),
    ("health", Role.HEALTH, "社区卫生服务中心", None),
    ("doctor", Role.HEALTH, "张敏医生", None),
    ("canteen", Role.CANTEEN, "老年助餐点", None),
    ("librarian", Role.LIBRARIAN, "社区图书馆", None),
    ("volunteers", Role.VOLUNTEER_COORDINATOR, "志愿者服务站", None),
    ("charity", Role.CHARITY_CLERK, "慈善超市", None),
]

CHUNK_HOUSEHOLDS = 4000

DEMO_BOOKS = [
    ("红楼梦", "曹雪芹", "人民文学出版社", 1996), ("西游记", "吴承恩", "人民文学出版社", 1980),
    ("三国演义", "罗贯中", "人民文学出版社", 1973), ("水浒传", "施耐庵", "人民文学出版社", 1975),
    ("围城", "钱锺书", "人民文学出版社", 1991), ("骆驼祥子", "老舍", "人民文学出版社", 2000),
    ("平凡的世界", "路遥", "北京十月文艺出版社", 2012), ("活着", "余华", "作家出版社", 2012),
]


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


@dataclass
class _Plan:
    """One person to be written, with what hangs off her once she has a primary key."""

    person: Person
    started_on: dt.date
    start_kind: str
    ended_on: dt.date | None = None
    end_kind: str = ""
    destination: str = ""
    moved_within_on: dt.date | None = None
    from_dwelling: Dwelling | None = None
    tags: list[str] = field(default_factory=list)
    permit: str = ""


def _years_ago(today: dt.date, years: float) -> dt.date:
    return today - dt.timedelta(days=int(years * 365.25))


class _Builder:
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

    # Organisation tree ------------------------------------------------------------------------------

    def build_tree(self) -> None:
        code, name, district, city = SUBDISTRICT
        self.subdistrict = Subdistrict.objects.create(code=code, name=name, district=district, city=city)
        self.result = BuildResult(subdistrict=self.subdistrict)
        self.neighborhoods: list[Neighborhood] = []
        self.compounds: list[Compound] = []
        for nb_code, nb_name, _slug, compounds in NEIGHBORHOODS:
            nb = Neighborhood.objects.create(subdistrict=self.subdistrict, code=nb_code, name=nb_name)
            self.neighborhoods.append(nb)
            for c_name, address in compounds:
                # A made-up centre on a grid around Jiangsu Road (not surveyed): Open311 places reports by it.
                index = len(self.compounds)
                self.compounds.append(Compound.objects.create(
                    neighborhood=nb, name=c_name, address=address,
                    lat=Decimal("31.218000") + Decimal("0.002500") * (index // 4),
                    long=Decimal("121.429000") + Decimal("0.003000") * (index % 4)))
        households = int(self.n / 2.3) + 1
        dwellings_wanted = int(households * 1.06) + len(self.compounds)
        weights = [self.rng.uniform(0.6, 1.4) for _ in self.compounds]
        total_weight = sum(weights)
        self.dwellings: list[Dwelling] = []
        for compound, weight in zip(self.compounds, weights, strict=True):
            count = max(4, int(dwellings_wanted * weight / total_weight))
            floors = self.rng.choice([5, 6, 6, 7]) if count < 2000 else 6
            per_floor = self.rng.choice([2, 3, 4])
            per_building = floors * per_floor
            buildings = [
                Building(compound=compound, number=f"{i + 1}号")
                for i in range((count + per_building - 1) // per_building)
            ]
            self._bulk(Building, buildings, "building")
            rows: list[Dwelling] = []
            for building in buildings:
                for floor in range(1, floors + 1):
                    for door in range(1, per_floor + 1):
                        if len(rows) >= count:
                            break
                        room = f"{floor}{door:02d}"
                        rows.append(
                            Dwelling(
                                building=building, room=room, label=Dwelling.make_label(compound, building.number, room)
                            )
                        )
            self.dwellings.extend(self._bulk(Dwelling, rows, "dwelling"))
        self.rng.shuffle(self.dwellings)
        self.progress(f"{len(self.neighborhoods)} 居民区, {len(self.compounds)} 小区, {len(self.dwellings)} 室")

    def create_staff(self) -> None:
        assert self.result is not None
        self.users: dict[str, User] = {}
        for username, role, full_name, nb_index in STAFF:
            self._staff(username, role, full_name, nb_index)
        for index, (_code, nb_name, slug, _compounds) in enumerate(NEIGHBORHOODS):
            self._staff(slug, Role.COMMITTEE, f"{nb_name}居委会", index)
        self.admin = self.users["admin"]

    def _staff(self, username: str, role: str, full_name: str, nb_index: int | None) -> None:
        assert self.result is not None
        neighborhood = self.neighborhoods[nb_index] if nb_index is not None else None
        # Hashing with Argon2 takes a third of a second: the first account hashes the shared demo
        # password, the others reuse that hash.
        first = not self.users
        user = core_actions.create_user(
            actor=None,
            username=username,
            role=role,
            full_name=full_name,
            password=self.password if first else None,
            subdistrict=self.subdistrict,
            neighborhood=neighborhood,
        )
        if first:
            self.password_hash = user.password
        else:
            user.password = self.password_hash
            user.save(update_fields=["password"])
        self.users[username] = user
        scope = neighborhood.name if neighborhood else self.subdistrict.name
        self.result.logins.append(Login(username=username, password=self.password, role=str(role), scope=scope))

    # People -----------------------------------------------------------------------------------------

    def _birth(self, low: float, high: float) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(int(low * 365.25) + 1, int(high * 365.25)))

    def _id_number(self, division: str, birth: dt.date, sex: str) -> str:
        while True:
            value = idnumbers.make(division, birth, self.rng.randint(1, 998), sex)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def _passport(self) -> str:
        while True:
            value = f"{self.rng.choice('EGKMPS')}{self.rng.randint(10000000, 99999999)}"
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def _phone(self) -> str:
        while True:
            value = self.rng.choice(["13", "13", "15", "18", "17", "19"]) + f"{self.rng.randint(0, 999999999):09d}"
            if value not in self.used_phones:
                self.used_phones.add(value)
                return value

    def _person(self, *, sex: str, birth: dt.date, residence_type: str, surname: str | None = None) -> Person:
        rng = self.rng
        age = (self.today - birth).days / 365.25
        if residence_type == ResidenceType.FOREIGN:
            name = f"{rng.choice(FOREIGN_GIVEN)} {surname or rng.choice(FOREIGN_FAMILY)}"
            id_type, id_number = IdType.PASSPORT, self._passport()
            hukou = ""
            ethnicity = ""
        else:
            given = self.fake.first_name_male() if sex == "M" else self.fake.first_name_female()
            name = (surname or self.fake.last_name()) + given
            if residence_type == ResidenceType.MIGRANT:
                division, hukou = rng.choice(MIGRANT_DIVISIONS)
            else:
                division = rng.choice(SHANGHAI_DIVISIONS)
                hukou = ""
            id_type, id_number = IdType.RESIDENT_ID, self._id_number(division, birth, sex)
            ethnicity = "汉族" if rng.random() < 0.97 else rng.choice(ETHNIC_MINORITIES)
        if age < 12 or (age > 80 and rng.random() < 0.5):
            phone = ""
        elif age > 70 and rng.random() < 0.3:
            phone = f"{rng.randint(5200, 6299)}{rng.randint(0, 9999):04d}"  # landline
        else:
            phone = self._phone()
        return Person(
            name=name,
            sex=sex,
            birth_date=birth,
            id_type=id_type,
            id_number=id_number,
            phone=phone,
            ethnicity=ethnicity,
            hukou_address=hukou,
            residence_type=residence_type,
            subdistrict=self.subdistrict,
            status=PersonStatus.ACTIVE,
        )

    def _members(self, residence_type: str) -> tuple[str, list[tuple[str, str, dt.date]]]:
        """A household template: (kind, [(relationship, sex, birth date), …])."""
        rng, today = self.rng, self.today
        other = {"M": "F", "F": "M"}
        head_sex = rng.choice("MF")
        if residence_type == ResidenceType.FOREIGN:
            kinds, weights = ["single", "couple"], [60, 40]
        elif residence_type == ResidenceType.MIGRANT:
            kinds, weights = ["young_single", "young_couple", "couple_child"], [45, 30, 25]
        else:
            kinds = ["elder_alone", "elder_couple", "couple_child", "three_gen", "couple", "single", "elder_child"]
            weights = [13, 24, 17, 15, 8, 6, 17]  # Shanghai is old: over a third of residents are 60+
        kind = rng.choices(kinds, weights)[0]
        members: list[tuple[str, str, dt.date]] = []
        if kind == "elder_alone":
            members.append((Relationship.HEAD, rng.choices("MF", [35, 65])[0], self._birth(70, 97)))
        elif kind == "elder_couple":
            birth = self._birth(60, 92)
            members += [
                (Relationship.HEAD, "M", birth),
                (Relationship.SPOUSE, "F", birth + dt.timedelta(days=rng.randint(0, 1500))),
            ]
        elif kind in ("couple_child", "three_gen", "couple", "young_couple"):
            low, high = {"couple_child": (28, 55), "three_gen": (30, 50), "couple": (25, 60), "young_couple": (22, 45)}[
                kind
            ]
            birth = self._birth(low, high)
            members += [
                (Relationship.HEAD, head_sex, birth),
                (Relationship.SPOUSE, other[head_sex], birth + dt.timedelta(days=rng.randint(-1500, 1500))),
            ]
            if kind in ("couple_child", "three_gen"):
                head_age = (today - birth).days / 365.25
                children = 1 if rng.random() < 0.8 else 2
                for _ in range(children):
                    # a baby now and then, so that there are births in the last months
                    child_birth = (
                        self._birth(0.02, 1.5)
                        if rng.random() < 0.08
                        else self._birth(0, max(1.0, min(25.0, head_age - 23)))
                    )
                    members.append((Relationship.CHILD, rng.choice("MF"), child_birth))
            if kind == "three_gen":
                grandparent = self._birth(max(58.0, (today - birth).days / 365.25 + 22), 92)
                members.append((Relationship.PARENT, rng.choice("MF"), grandparent))
                if rng.random() < 0.5:
                    members.append(
                        (Relationship.PARENT, rng.choice("MF"), grandparent + dt.timedelta(days=rng.randint(-900, 900)))
                    )
        elif kind == "elder_child":
            parent = self._birth(68, 98)
            members += [
                (Relationship.HEAD, rng.choices("MF", [30, 70])[0], parent),
                (Relationship.CHILD, rng.choice("MF"), parent + dt.timedelta(days=rng.randint(22 * 365, 36 * 365))),
            ]
        else:  # single, young_single
            low, high = (20, 40) if kind == "young_single" else (22, 60)
            members.append((Relationship.HEAD, head_sex, self._birth(low, high)))
        members = [(rel, sex, min(birth, today - dt.timedelta(days=3))) for rel, sex, birth in members]
        return kind, members

    def _household_plans(self, dwelling: Dwelling, neighborhood: Neighborhood) -> tuple[Household, list[_Plan]]:
        rng, today = self.rng, self.today
        residence_type = rng.choices(
            [
                ResidenceType.REGISTERED,
                ResidenceType.REGISTERED_ELSEWHERE,
                ResidenceType.MIGRANT,
                ResidenceType.FOREIGN,
            ],
            [65, 5, 25, 5],
        )[0]
        kind, members = self._members(residence_type)
        counter = self.household_counters.get(neighborhood.pk, 0) + 1
        self.household_counters[neighborhood.pk] = counter
        household = Household(
            number=f"{neighborhood.code}-{counter:07d}",
            dwelling=dwelling,
            neighborhood=neighborhood,
            subdistrict=self.subdistrict,
            kind=HouseholdKind.COLLECTIVE if kind == "young_single" and rng.random() < 0.1 else HouseholdKind.FAMILY,
        )
        # When the household came: migrants recently, registered families long ago; some within 18 months.
        if residence_type in (ResidenceType.MIGRANT, ResidenceType.FOREIGN):
            came = today - dt.timedelta(days=rng.randint(10, 8 * 365))
        elif rng.random() < 0.06:
            came = today - dt.timedelta(days=rng.randint(10, 540))
        else:
            came = today - dt.timedelta(days=rng.randint(2 * 365, 40 * 365))
        recent = (today - came).days <= 548
        surname = None if residence_type != ResidenceType.FOREIGN else rng.choice(FOREIGN_FAMILY)
        plans = []
        head_surname = None
        for relationship, sex, birth in members:
            if residence_type != ResidenceType.FOREIGN and relationship == Relationship.CHILD and head_surname:
                surname = head_surname if rng.random() < 0.85 else None
            person = self._person(sex=sex, birth=birth, residence_type=residence_type, surname=surname)
            if residence_type != ResidenceType.FOREIGN:
                surname = None
                if relationship == Relationship.HEAD:
                    head_surname = person.name[:1]
            if residence_type in (ResidenceType.REGISTERED, ResidenceType.REGISTERED_ELSEWHERE):
                person.hukou_address = f"{self.subdistrict.city}{self.subdistrict.district}{dwelling.label}"
            person.household = household
            person.relationship = relationship
            person.dwelling = dwelling
            person.compound = dwelling.building.compound
            person.neighborhood = neighborhood
            started = max(came, birth)
            if started == birth and (today - birth).days <= 548:
                start_kind = LifeEventKind.BIRTH
            elif recent:
                start_kind = LifeEventKind.MOVE_IN
            else:
                start_kind = LifeEventKind.REGISTERED
            plan = _Plan(person=person, started_on=started, start_kind=start_kind)
            age = (today - birth).days / 365.25
            if kind == "elder_alone" and age >= 70 and rng.random() < 0.7:
                plan.tags.append("elder_alone")
            if residence_type == ResidenceType.REGISTERED and rng.random() < 0.02:
                plan.tags.append("subsistence")
            if rng.random() < (0.08 if age >= 70 else 0.02):
                plan.tags.append("disability")
            if sex == "M" and age >= 45 and residence_type == ResidenceType.REGISTERED and rng.random() < 0.05:
                plan.tags.append("veteran")
            if age >= 18 and residence_type == ResidenceType.REGISTERED and rng.random() < 0.07:
                plan.tags.append("party_member")
            if residence_type == ResidenceType.MIGRANT and age >= 16:
                plan.permit = rng.choices(["issued", "expiring", "applied", "expired", ""], [55, 8, 12, 10, 15])[0]
            # A few moved here from another flat in the sub-district in the last 18 months.
            if not recent and start_kind == LifeEventKind.REGISTERED and rng.random() < 0.03 and len(members) == 1:
                plan.moved_within_on = today - dt.timedelta(days=rng.randint(5, 540))
                plan.from_dwelling = rng.choice(self.dwellings)
                if plan.from_dwelling.pk == dwelling.pk:
                    plan.moved_within_on = None
                    plan.from_dwelling = None
            plans.append(plan)
        return household, plans

    def _departed(self) -> _Plan:
        """Someone who lived here and has left, or died, in the last 18 months."""
        rng, today = self.rng, self.today
        dwelling = rng.choice(self.dwellings)
        neighborhood = self.neighborhood_of[dwelling.building_id]
        died = rng.random() < 0.35
        if died:
            birth = self._birth(70, 100)
            residence_type = ResidenceType.REGISTERED
        else:
            birth = self._birth(18, 70)
            residence_type = rng.choices(
                [ResidenceType.REGISTERED, ResidenceType.MIGRANT, ResidenceType.FOREIGN], [45, 50, 5]
            )[0]
        person = self._person(sex=rng.choice("MF"), birth=birth, residence_type=residence_type)
        person.neighborhood = neighborhood
        person.status = PersonStatus.DECEASED if died else PersonStatus.MOVED_OUT
        ended = today - dt.timedelta(days=rng.randint(1, 545))
        started = max(birth, ended - dt.timedelta(days=rng.randint(200, 30 * 365)))
        plan = _Plan(
            person=person,
            started_on=started,
            start_kind=LifeEventKind.REGISTERED,
            ended_on=ended,
            end_kind=LifeEventKind.DEATH if died else LifeEventKind.MOVE_OUT,
            destination="" if died else rng.choice(DESTINATIONS),
        )
        plan.from_dwelling = dwelling
        return plan

    def _write(self, households: list[Household], plans: list[_Plan]) -> None:
        rng, today = self.rng, self.today
        self._bulk(Household, households, "household")
        people = self._bulk(Person, [plan.person for plan in plans], "person")
        residences: list[Residence] = []
        events: list[LifeEvent] = []
        permits: list[ResidencePermit] = []
        tag_rows = []
        through = Person.tags.through
        for plan, person in zip(plans, people, strict=True):

            def stay(dwelling: Dwelling, started: dt.date, ended: dt.date | None = None,
                     person: Person = person) -> None:
                residences.append(Residence(
                    person=person, dwelling=dwelling, residence_type=person.residence_type, started_on=started,
                    ended_on=ended, neighborhood=self.neighborhood_of[dwelling.building_id],
                    subdistrict=self.subdistrict,
                ))

            def event(kind: str, on: dt.date, neighborhood: Neighborhood, person: Person = person,
                      **where: Any) -> None:
                events.append(LifeEvent(person=person, kind=kind, occurred_on=on, recorded_by=self.admin,
                                        neighborhood=neighborhood, subdistrict=self.subdistrict, **where))

            nb = person.neighborhood
            if plan.ended_on is not None:  # departed
                dwelling = plan.from_dwelling
                assert dwelling is not None
                stay(dwelling, plan.started_on, plan.ended_on)
                event(plan.start_kind, plan.started_on, nb, dwelling=dwelling)
                event(plan.end_kind, plan.ended_on, nb, from_dwelling=dwelling, destination=plan.destination)
                continue
            assert person.dwelling is not None
            if plan.moved_within_on is not None and plan.from_dwelling is not None:
                old = plan.from_dwelling
                stay(old, plan.started_on, plan.moved_within_on)
                event(plan.start_kind, plan.started_on, self.neighborhood_of[old.building_id], dwelling=old)
                stay(person.dwelling, plan.moved_within_on)
                event(LifeEventKind.MOVE_WITHIN, plan.moved_within_on, nb, dwelling=person.dwelling,
                      from_dwelling=old)
            else:
                stay(person.dwelling, plan.started_on)
                event(plan.start_kind, plan.started_on, nb, dwelling=person.dwelling)
            for code in plan.tags:
                tag_rows.append(through(person_id=person.pk, tag_id=self.tags[code]))
            if plan.permit:
                permits.append(self._permit(person, plan, rng, today))
        self._bulk(Residence, residences, "residence")
        self._bulk(LifeEvent, events, "lifeevent")
        self._bulk(ResidencePermit, permits, "residencepermit")
        self._bulk(through, tag_rows, "person_tags")

    def _permit(self, person: Person, plan: _Plan, rng: random.Random, today: dt.date) -> ResidencePermit:
        self.permit_counter += 1
        permit = ResidencePermit(person=person, neighborhood=person.neighborhood, subdistrict=self.subdistrict)
        earliest = plan.started_on
        if plan.permit == "applied":
            permit.applied_on = max(earliest, today - dt.timedelta(days=rng.randint(0, 25)))
            return permit
        if plan.permit == "expiring":
            issued = today - dt.timedelta(days=365 - rng.randint(1, 30))
        elif plan.permit == "expired":
            issued = today - dt.timedelta(days=rng.randint(370, 540))
        else:
            issued = today - dt.timedelta(days=rng.randint(0, 330))
        issued = max(issued, earliest + dt.timedelta(days=10))
        if issued > today:
            permit.applied_on = max(earliest, today - dt.timedelta(days=rng.randint(0, 9)))
            return permit
        permit.applied_on = issued - dt.timedelta(days=rng.randint(7, 20))
        permit.issued_on = issued
        try:
            permit.expires_on = issued.replace(year=issued.year + 1)
        except ValueError:
            permit.expires_on = dt.date(issued.year + 1, 2, 28)
        permit.number = f"3101{issued.year}{self.permit_counter:08d}"
        permit.status = PermitStatus.EXPIRED if permit.expires_on < today else PermitStatus.ISSUED
        return permit

    def build_people(self) -> None:
        assert self.result is not None
        self.tags = dict(Tag.objects.values_list("code", "pk"))
        compound_nb = {c.pk: c.neighborhood for c in self.compounds}
        buildings = Building.objects.filter(compound__in=self.compounds).values_list("pk", "compound_id")
        self.neighborhood_of = {pk: compound_nb[compound_id] for pk, compound_id in buildings}
        departed_share = 0.04
        active_target = int(self.n * (1 - departed_share))
        made = 0
        dwelling_iter = iter(self.dwellings)
        households: list[Household] = []
        plans: list[_Plan] = []
        while made < active_target:
            dwelling = next(dwelling_iter, None)
            if dwelling is None:
                dwelling_iter = iter(self.dwellings)  # more than one household at an address now and then
                continue
            household, members = self._household_plans(dwelling, self.neighborhood_of[dwelling.building_id])
            members = members[: active_target - made]
            households.append(household)
            plans.extend(members)
            made += len(members)
            if len(households) >= CHUNK_HOUSEHOLDS:
                self._flush(households, plans)
                households, plans = [], []
        while made < self.n:
            plans.append(self._departed())
            made += 1
            if len(plans) >= CHUNK_HOUSEHOLDS * 2:
                self._flush(households, plans)
                households, plans = [], []
        self._flush(households, plans)
        self.result.people = made

    def _flush(self, households: list[Household], plans: list[_Plan]) -> None:
        if not plans and not households:
            return
        with transaction.atomic():
            self._write(households, plans)
        assert self.result is not None
        self.progress(f"  {self.result.timings.get('person', [0])[0]:>9,} people")

    def create_resident_accounts(self) -> None:
        assert self.result is not None
        chosen: list[Person] = []
        for neighborhood in self.neighborhoods[:3]:
            candidates = (
                Person.objects.filter(
                    neighborhood=neighborhood,
                    status=PersonStatus.ACTIVE,
                    residence_type=ResidenceType.REGISTERED,
                    birth_date__lte=_years_ago(self.today, 30),
                    birth_date__gte=_years_ago(self.today, 80),
                )
                .exclude(phone_index="")
                .order_by("id")[:50]
            )
            for person in candidates:
                if person.phone.startswith("1") and len(person.phone) == 11:
                    chosen.append(person)
                    break
        for person in chosen:
            user = population_actions.create_resident_account(actor=self.admin, person=person)
            self.result.logins.append(
                Login(
                    username=user.username,
                    password="",
                    role=str(Role.RESIDENT),
                    scope=f"{person.name}, {person.neighborhood.name}",
                    phone=person.phone,
                )
            )

    def build_health(self) -> None:
        """A family doctor with contracted elders, their hypertension and diabetes follow-ups (some overdue),
        and a month of diary readings for each resident login, the last one high enough to alert the doctor."""
        from shequ.health import actions as health_actions
        from shequ.health.choices import ConditionCode, WorkerKind

        assert self.result is not None
        centre, doctor = self.users["health"], self.users["doctor"]
        health_actions.assign_health_worker(actor=self.admin, user=centre, kind=WorkerKind.CENTRE_STAFF)
        health_actions.assign_health_worker(actor=self.admin, user=doctor, kind=WorkerKind.FAMILY_DOCTOR,
                                            team="华山家庭医生团队")
        residents = list(Person.objects.filter(user__isnull=False).order_by("id"))
        elders = list(
            Person.objects.filter(status=PersonStatus.ACTIVE, birth_date__lte=_years_ago(self.today, 65), user=None)
            .order_by("id")[:20]
        )
        for index, person in enumerate([*residents, *elders]):
            health_actions.sign_contract(actor=centre, person=person, doctor=doctor,
                                         started_on=self.today - dt.timedelta(days=200 + index))
            health_actions.open_health_record(actor=centre, person=person, opened_on=self.today - dt.timedelta(
                days=200), allergies=self.rng.choice(["无", "无", "青霉素", "磺胺类"]),
                blood_type=self.rng.choice(["A", "B", "O", "AB"]))
            if index % 2 == 0 or person in residents:
                # Registered 60–130 days ago: some quarterly follow-ups are already overdue, some due soon.
                health_actions.register_condition(
                    actor=centre, person=person, code=ConditionCode.HYPERTENSION,
                    registered_on=self.today - dt.timedelta(days=60 + (index * 7) % 70))
            if index % 3 == 0:
                health_actions.register_condition(
                    actor=centre, person=person, code=ConditionCode.TYPE2_DIABETES,
                    registered_on=self.today - dt.timedelta(days=75 + (index * 5) % 40))
            health_actions.record_encounter(
                actor=centre, person=person, occurred_on=self.today - dt.timedelta(days=10 + index),
                facility="江苏路街道社区卫生服务中心", reason="配药", diagnosis="原发性高血压", diagnosis_code="I10")
        now = timezone.now()
        for person in residents:
            user = person.user
            assert user is not None
            for day in range(30, 0, -3):
                health_actions.record_diary_entry(
                    actor=user, person=person, measured_at=now - dt.timedelta(days=day, hours=2),
                    systolic=self.rng.randint(128, 150), diastolic=self.rng.randint(78, 92),
                    weight=Decimal(self.rng.randint(550, 750)) / 10, glucose=Decimal(self.rng.randint(52, 75)) / 10)
            health_actions.record_diary_entry(actor=user, person=person, systolic=186, diastolic=112,
                                              note="早上起来头晕", measured_at=now - dt.timedelta(hours=3))
    def build_service_centre(self) -> None:
        """The one-window service centre (affairs): departments, catalogue, staff and two months of requests."""
        from shequ.affairs.demo import build_service_centre

        assert self.result is not None
        for username, role, scope in build_service_centre(
            admin=self.admin, users=self.users, neighborhoods=self.neighborhoods, compounds=self.compounds,
            seed=self.rng.randrange(2**31), today=self.today, password_hash=self.password_hash,
            requests=max(30, min(self.n // 20, 400)),  # each goes through the real actions: keep small demos quick
        ):
            self.result.logins.append(Login(username=username, password=self.password, role=role, scope=scope))
        self.progress("受理中心: 部门, 服务事项, 诉求")
    # Library, charity shop, volunteers: a little of each, through their own actions -----------------

    def build_community_services(self) -> None:
        from shequ.charity import actions as charity
        from shequ.library import actions as library
        from shequ.volunteers import actions as volunteering

        readers = list(Person.objects.filter(user__isnull=False).order_by("id"))
        librarian = self.users["librarian"]
        titles = []
        for number, (title, authors, publisher, year) in enumerate(DEMO_BOOKS, start=1):
            base = f"97870200{number:04d}"
            check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(base)) % 10) % 10
            made = library.add_title(actor=librarian, isbn=f"{base}{check}", title=title, authors=authors,
                                     publisher=publisher, year=year)
            for copy in (1, 2):
                library.add_copy(actor=librarian, title=made, barcode=f"L{number:03d}{copy}", shelf="I24")
            titles.append(made)
        for index, reader in enumerate(readers):
            # The first reader's book is overdue, so the reminder job and the desk have something to show.
            lent_on = self.today - dt.timedelta(days=40 if index == 0 else 5 * index)
            library.lend(actor=librarian, barcode=f"L{index + 1:03d}1", reader=reader, today=lent_on)

        clerk = self.users["charity"]
        goods = [charity.add_item(actor=clerk, name=name, unit=unit, price_fen=price) for name, unit, price in
                 (("大米5公斤", "袋", 3000), ("食用油1.8升", "桶", 2500), ("冬衣", "件", 2000))]
        charity.receive_donation(actor=clerk, donor_name="爱心企业", lines=[(item, 20) for item in goods])
        charity.grant_monthly_allowance(actor=clerk, month=self.today, points_per_household=5000,
                                        tags=["subsistence"])
        if readers:
            charity.sell(actor=clerk, buyer=readers[0], lines=[(goods[0], 1)], points=0)

        coordinator = self.users["volunteers"]
        helpers = [volunteering.register_volunteer(actor=coordinator, person=person, skills="陪聊")
                   for person in readers]
        now = timezone.now().replace(second=0, microsecond=0)
        served = volunteering.create_activity(actor=coordinator, title="助老送餐", place="社区食堂")
        today_shift = volunteering.add_shift(actor=coordinator, activity=served, starts_at=now - dt.timedelta(hours=3),
                                             ends_at=now + dt.timedelta(hours=1), capacity=5)
        coming = volunteering.create_activity(actor=coordinator, title="垃圾分类宣传", place="华山路1088弄")
        tomorrow = now + dt.timedelta(days=1)
        coming_shift = volunteering.add_shift(actor=coordinator, activity=coming, starts_at=tomorrow,
                                              ends_at=tomorrow + dt.timedelta(hours=2), capacity=3)
        for helper in helpers:
            volunteering.check_in(actor=coordinator, shift=today_shift, person=helper.person,
                                  at=today_shift.starts_at)
            volunteering.check_out(actor=coordinator, shift=today_shift, person=helper.person, at=now)
            volunteering.sign_up(actor=coordinator, shift=coming_shift, volunteer=helper)
        self.progress(f"{len(titles)} 种图书, {len(goods)} 种慈善物品, {len(helpers)} 名志愿者")

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
        # The dynamics page reads counts the worker keeps; count once so that it is right from the start.
        from shequ.population.actions import count_population

        count_population()
        assert self.result is not None
        audit.record(
            actor=self.admin,
            event=DEMO_BUILT,
            obj=self.subdistrict,
            after={"residents": self.result.people, "compounds": len(self.compounds)},
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
) -> BuildResult:
    """Build the demo sub-district into an empty database (migrated, with the standard tags).

    ``services=False`` leaves out the service centre's requests, the library, charity shop and volunteers,
    whose actions each run in their own (durable) transaction: for a caller that wraps the whole build in one."""
    if Subdistrict.objects.filter(code=SUBDISTRICT[0]).exists():
        raise RuntimeError("The demo sub-district already exists: run `shequ demo --reset`.")
    builder = _Builder(
        residents=residents, seed=seed, today=today or timezone.localdate(), password=password, progress=progress
    )
    builder.services = services
    return builder.run()
