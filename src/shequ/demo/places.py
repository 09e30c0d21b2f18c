"""The demo's places and staff: the sub-district, its neighborhoods, compounds, buildings and dwellings, and the
staff accounts."""

from __future__ import annotations

from decimal import Decimal

from shequ.core import actions as core_actions
from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict
from shequ.core.roles import Role
from shequ.demo._base import BuildResult, Login, _BuilderBase

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


class _PlacesMixin(_BuilderBase):
    # Organisation tree ------------------------------------------------------------------------------

    def build_tree(self) -> None:
        code, name, district, city = SUBDISTRICT
        self.subdistrict = Subdistrict.objects.create(code=code, name=name, district=district, city=city)
        self.result = BuildResult(subdistrict=self.subdistrict)
        self.neighborhoods = []
        self.compounds = []
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
        self.dwellings = []
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
        self.users = {}
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
