"""Synthetic registry and source records with known truth, for measuring linkage (bench and tests).

A registry population lives in households at dwellings of compounds; clinic encounters and health
records about them arrive with the noise real systems produce: ID numbers mistyped (one digit, or two
adjacent digits swapped) or missing, names written with a homophone or a variant character, birth dates
with day and month swapped or a day off, the household's shared phone instead of one's own, addresses
written several ways, the same person visiting many times, and people who do not live here at all.
Each source record carries ``true_person_id`` (empty for outsiders) so a run can be scored.

Pure Python and deterministic for a seed; no Django needed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from shequ.core import idnumbers
from shequ.core.text import pinyin_full

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Given-name characters, chosen so that many share a reading: homophones are the common error.
GIVEN = (
    "伟卫维玮薇微丽力立莉利励俐静晶菁婧敬靖明铭鸣敏民华花桦骅芳方昉娜纳军君钧均俊峻杰洁捷婕勇永涌咏艳燕彦雁"
    "磊蕾垒秀修琇英瑛莹颖盈荣蓉容溶融平萍屏坪玲琳林霖淋麟斌彬宾滨红宏鸿弘虹洪波博柏勃霞侠建健剑鉴键涛韬滔桃"
    "强蔷墙辉晖徽慧惠蕙会欣新鑫馨心昕宇雨羽禹玉钰宁凝柠浩昊皓灏颢亮良梁凯恺楷锴佳家嘉珈加晨辰臣琛宸文雯闻纹"
    "雪学飞菲非妃霏婷亭庭廷挺海凤峰锋枫丰风锋成诚承城澄志智之芝致梅玫媚美东冬栋晓小筱思斯丝诗颖鹏朋彭云芸"
    "昀韵运泽则喆哲者兰岚澜蓝"
)
# A few traditional or variant forms that clinic systems still hold (pinyin is the same).
VARIANTS = {"华": "華", "丽": "麗", "伟": "偉", "国": "國", "红": "紅", "军": "軍", "东": "東", "凤": "鳳",
            "兰": "蘭", "云": "雲", "杰": "傑", "强": "強", "宁": "寧", "涛": "濤", "龙": "龍", "辉": "輝"}

ROADS = ("华山路", "愚园路", "江苏路", "长宁路", "延安西路", "武夷路", "安化路", "镇宁路", "定西路", "宣化路")
DIVISIONS = ("310105", "310104", "310106", "310107", "310112", "320102", "330106", "340104", "410105", "510107")


@lru_cache(maxsize=1)
def homophones() -> dict[str, tuple[str, ...]]:
    """Each given-name character → the other characters of the pool read the same (tones ignored)."""
    by_reading: dict[str, list[str]] = defaultdict(list)
    for ch in dict.fromkeys(GIVEN):
        by_reading[pinyin_full(ch)].append(ch)
    return {ch: tuple(o for o in group if o != ch) for group in by_reading.values() for ch in group if len(group) > 1}


@dataclass
class Noise:
    """Probabilities of each kind of error in a source record (independent of each other)."""

    id_missing: float = 0.10
    id_typo: float = 0.05
    id_swap: float = 0.03
    name_homophone: float = 0.08
    name_variant: float = 0.02
    birth_swap: float = 0.03
    birth_off: float = 0.03
    sex_wrong: float = 0.003
    phone_shared: float = 0.25
    phone_missing: float = 0.25
    address_missing: float = 0.10
    outsiders: float = 0.10
    visits_mean: float = 1.0  # extra visits per person who appears at all (geometric)


@dataclass
class Population:
    people: list[dict[str, object]] = field(default_factory=list)
    records: list[dict[str, object]] = field(default_factory=list)


def _birth(rng: random.Random) -> dt.date:
    return dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 88))


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(0, 10**9):09d}"


def _address(road: str, lane: int, building: int, room: int) -> str:
    return f"{road}{lane}弄{building}号{room}室"


def _messy_address(rng: random.Random, road: str, lane: int, building: int, room: int) -> str:
    """The same dwelling written as clinics write it: 号楼/幢, no 室, full-width digits, city prefix."""
    forms = (
        f"{road}{lane}弄{building}号{room}室",
        f"上海市长宁区{road}{lane}弄{building}号{room}室",
        f"{road}{lane}弄{building}号楼{room}",
        f"{road}{lane}弄{building}幢{room}室",
        f"长宁区{road}{lane}弄{building}号{room}",
    )
    text = rng.choice(forms)
    if rng.random() < 0.1:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return text


def _typo_id(rng: random.Random, value: str) -> str:
    pos = rng.randrange(0, 17)
    digit = rng.choice([d for d in "0123456789" if d != value[pos]])
    return value[:pos] + digit + value[pos + 1:]


def _swap_id(rng: random.Random, value: str) -> str:
    for _ in range(10):
        pos = rng.randrange(0, 17)
        if value[pos] != value[pos + 1]:
            return value[:pos] + value[pos + 1] + value[pos] + value[pos + 2:]
    return _typo_id(rng, value)


def _noisy_name(rng: random.Random, name: str, noise: Noise) -> str:
    chars = list(name)
    if rng.random() < noise.name_homophone:
        positions = [i for i in range(1, len(chars)) if chars[i] in homophones()]
        if positions:
            i = rng.choice(positions)
            chars[i] = rng.choice(homophones()[chars[i]])
    if rng.random() < noise.name_variant:
        positions = [i for i, ch in enumerate(chars) if ch in VARIANTS]
        if positions:
            i = rng.choice(positions)
            chars[i] = VARIANTS[chars[i]]
    return "".join(chars)


def _noisy_birth(rng: random.Random, birth: dt.date, noise: Noise) -> dt.date:
    roll = rng.random()
    if roll < noise.birth_swap and birth.day <= 12 and birth.day != birth.month:
        return birth.replace(month=birth.day, day=birth.month)
    if roll < noise.birth_swap + noise.birth_off:
        return birth + dt.timedelta(days=rng.choice((-1, 1)))
    return birth


def generate(
    people: int, records: int | None = None, *, seed: int = 20261124, noise: Noise | None = None
) -> Population:
    """``people`` registry persons and about ``records`` source records (default: as many as people)."""
    rng = random.Random(seed)
    noise = noise or Noise()
    records = people if records is None else records
    out = Population()
    used_ids: set[str] = set()

    def new_id(division: str, birth: dt.date, sex: str) -> str:
        while True:
            value = idnumbers.make(division, birth, rng.randrange(0, 1000), sex)
            if value not in used_ids:
                used_ids.add(value)
                return value

    person_id = 0
    while person_id < people:
        road, lane = rng.choice(ROADS), rng.randrange(1, 2000)
        building, room = rng.randrange(1, 40), rng.choice((1, 2, 3, 4, 5, 6)) * 100 + rng.randrange(1, 5)
        household_phone = _phone(rng)
        surname = rng.choice(SURNAMES)
        for member in range(min(rng.choice((1, 2, 2, 3, 3, 4, 5)), people - person_id)):
            person_id += 1
            sex = rng.choice("MF")
            birth = _birth(rng)
            name = (surname if member == 0 or rng.random() < 0.6 else rng.choice(SURNAMES)) + _name(rng)[1:]
            out.people.append({
                "person_id": person_id, "name": name, "sex": sex, "birth_date": birth,
                "id_number": new_id(rng.choice(DIVISIONS[:4]), birth, sex),
                "phone": _phone(rng) if rng.random() < 0.8 else household_phone,
                "household_phone": household_phone,
                "address": _address(road, lane, building, room),
                "_addr": (road, lane, building, room),
            })

    outsiders = int(records * noise.outsiders)
    residents_wanted = records - outsiders
    record_id = 0
    # Who visits: a random subset of the registry, each one to several times.
    while record_id < residents_wanted:
        person = rng.choice(out.people)
        visits = 1
        while rng.random() < noise.visits_mean / (1 + noise.visits_mean) and visits < 8:
            visits += 1
        for _ in range(min(visits, residents_wanted - record_id)):
            record_id += 1
            out.records.append(_source_record(rng, noise, record_id, person))
    for _ in range(outsiders):
        record_id += 1
        sex = rng.choice("MF")
        birth = _birth(rng)
        stranger: dict[str, object] = {
            "person_id": None, "name": _name(rng), "sex": sex, "birth_date": birth,
            "id_number": new_id(rng.choice(DIVISIONS), birth, sex), "phone": _phone(rng),
            "household_phone": _phone(rng),
            "_addr": (rng.choice(ROADS), rng.randrange(1, 2000), rng.randrange(1, 40), rng.randrange(101, 605)),
        }
        out.records.append(_source_record(rng, noise, record_id, stranger))
    rng.shuffle(out.records)
    for person in out.people:
        person.pop("_addr")
    return out


def _source_record(rng: random.Random, noise: Noise, record_id: int, person: dict[str, object]) -> dict[str, object]:
    true_id = str(person["id_number"])
    roll = rng.random()
    if roll < noise.id_missing:
        id_number = ""
    elif roll < noise.id_missing + noise.id_typo:
        id_number = _typo_id(rng, true_id)
    elif roll < noise.id_missing + noise.id_typo + noise.id_swap:
        id_number = _swap_id(rng, true_id)
    else:
        id_number = true_id
    roll = rng.random()
    if roll < noise.phone_missing:
        phone = ""
    elif roll < noise.phone_missing + noise.phone_shared:
        phone = str(person["household_phone"])
    else:
        phone = str(person["phone"])
    sex = str(person["sex"])
    if rng.random() < noise.sex_wrong:
        sex = "F" if sex == "M" else "M"
    where: tuple[str, int, int, int] = person["_addr"]  # type: ignore[assignment]
    road, lane, building, room = where
    address = "" if rng.random() < noise.address_missing else _messy_address(
        rng, str(road), int(lane), int(building), int(room))
    birth = person["birth_date"]
    assert isinstance(birth, dt.date)
    return {
        "record_id": record_id,
        "source": rng.choice(("clinic", "health")),
        "name": _noisy_name(rng, str(person["name"]), noise),
        "sex": sex,
        "birth_date": _noisy_birth(rng, birth, noise),
        "id_number": id_number,
        "phone": phone,
        "address": address,
        "true_person_id": person["person_id"],
    }


@dataclass
class Quality:
    precision: float
    recall: float
    f1: float
    review_share: float
    linked: int
    review: int
    records: int


def score(
    linked: dict[int, int], review: set[int], truth: dict[int, int | None]
) -> Quality:
    """Precision and recall of the automatic links against the truth; a record left in review counts as not
    linked (its link, if any, is a person's work, not the model's)."""
    true_positive = sum(1 for record, person in linked.items() if truth.get(record) == person)
    false_positive = len(linked) - true_positive
    false_negative = sum(1 for record, person in truth.items() if person is not None and linked.get(record) != person)
    precision = true_positive / (true_positive + false_positive) if linked else 1.0
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(precision, recall, f1, len(review) / max(1, len(truth)), len(linked), len(review), len(truth))
