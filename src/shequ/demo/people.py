"""Made-up people for the demo: names, ID numbers, passports, phones, and the households they live in."""

from __future__ import annotations

import datetime as dt

from shequ.core import idnumbers
from shequ.demo._base import _BuilderBase
from shequ.population.choices import IdType, PersonStatus, Relationship, ResidenceType
from shequ.population.models import Person

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


class _PeopleMixin(_BuilderBase):
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
